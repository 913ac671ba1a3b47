#pragma once
/// @file Errors: client-side conditions (`errc`), what the server said (`api_error`), and the exception.

#include <paced/response.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>

namespace paced {

/** @brief Every failure the SDK reports, as an error code of `paced::error_category()`.
 *
 * HTTP error answers are classified like the official SDKs (bad_request ... server_error), plus the
 * distinctions they miss: `insufficient_quota` and `request_too_large` are 429s that waiting cannot fix
 * and are never retried.
 */
enum class errc {
    // Client-side conditions.
    invalid_argument =
        1,             ///< An input the API would reject, caught before sending; the message names the field.
    missing_api_key,   ///< No API key configured (checked when the client is built).
    unexpected_json,   ///< The server's JSON did not match the expected model; the message has the path.
    body_too_large,    ///< A response body exceeded the configured limit.
    headers_too_large, ///< Response headers exceeded the parser's limit.
    invalid_response,  ///< The server sent something that is not valid HTTP / SSE.
    request_too_large, ///< One request costs more tokens than the budget's limit: it can never be sent.
    redirect_refused,  ///< The server answered with a redirect; redirects are never followed (key safety).

    // Transport conditions.
    connect_failed, ///< Resolve, TCP connect, proxy CONNECT or TLS handshake failed: nothing was sent.
    tls_verification_failed, ///< The peer's certificate or host name did not verify.
    connection_lost,         ///< The connection broke after the request was (maybe partly) sent.
    timeout,                 ///< The connect or whole-request deadline passed.
    proxy_failed,            ///< The proxy refused the CONNECT tunnel.

    // HTTP error answers (see api_error for the details).
    bad_request,           ///< 400
    authentication_failed, ///< 401
    permission_denied,     ///< 403
    not_found,             ///< 404
    conflict,              ///< 409
    unprocessable_entity,  ///< 422
    rate_limited,          ///< 429 rate_limit_exceeded: retried after the server's hint.
    insufficient_quota,    ///< 429 insufficient_quota / credit_balance_exhausted: never retried.
    server_error,          ///< >= 500
    http_status,           ///< Any other non-2xx status.

    // Run and stream outcomes.
    run_failed,       ///< The run ended `failed`; `last_error` is in the api_error.
    run_cancelled,    ///< The run ended `cancelled`.
    run_expired,      ///< The run ended `expired`.
    run_incomplete,   ///< The run ended `incomplete`.
    run_deadline,     ///< The caller's run-level deadline passed.
    stream_truncated, ///< A stream ended before its terminal event.
    stream_error,     ///< The server sent an `error` event in a stream.
    tool_failed,      ///< A tool handler threw; the run was cancelled.

    // Budget backends.
    budget_unavailable, ///< The shared budget (Redis) could not be reached before its deadline.
};

/// The category of `paced::errc`.
boost::system::error_category const& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/** @brief What the server said about a failed request (and the client's view of it).
 *
 * Mirrors OpenAI's error body `{"error":{"message","type","param","code"}}` plus the response's status,
 * headers and `x-request-id`. Never contains the API key.
 */
struct api_error {
    unsigned status = 0;              ///< HTTP status, 0 when no answer was received.
    std::string message;              ///< The server's (or client's) message.
    std::string type;                 ///< `error.type`, e.g. `invalid_request_error`, `requests`, `tokens`.
    std::optional<std::string> code;  ///< `error.code`, e.g. `rate_limit_exceeded`.
    std::optional<std::string> param; ///< `error.param`, the offending field.
    std::string request_id;           ///< `x-request-id` of the answer.
    /// Wait the server asked for (retry-after-ms, retry-after, or the "try again in" text).
    std::optional<std::chrono::milliseconds> retry_after;
    header_list headers; ///< All response headers.
};

/** @brief The exception every throwing SDK call uses.
 *
 * `code()` is a `paced::errc` (compare with `==`) or an Asio/system code for cancellations
 * (`boost::asio::error::operation_aborted`). `api()` holds the server's details when there were any.
 * `what()` reads "<message> [status 404, request_id req_...]" and never contains the API key.
 */
class error : public boost::system::system_error {
public:
    error(boost::system::error_code ec, std::string message);
    error(boost::system::error_code ec, api_error details);

    /// The server's details; `status == 0` when the failure was client-side.
    api_error const& api() const noexcept { return details_; }

private:
    api_error details_;
};

/// Maps an HTTP status and the body's `error.code`/`error.message` to the errc the SDK reports.
errc classify_http_error(unsigned status, std::string_view code, std::string_view message) noexcept;

/// Throws `paced::error(make_error_code(e), message)`.
[[noreturn]] void throw_error(errc e, std::string message);

} // namespace paced

template <>
struct boost::system::is_error_code_enum<paced::errc> : std::true_type {};
