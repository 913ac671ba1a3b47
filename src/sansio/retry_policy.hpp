#pragma once
/// @file Should a failed attempt be retried, and after how long: a pure function of the failure.

#include <paced/response.hpp>

#include <chrono>
#include <string_view>

namespace paced::sansio {

/// Limits of the retry policy (the client's options map onto these).
struct retry_options {
    /// Retries after the first attempt (2 = 3 attempts in total, like the official SDKs). Negative = 0.
    int max_retries = 2;
    /// A server hint longer than this fails the request at once with the error instead of waiting.
    std::chrono::milliseconds max_server_delay{120'000};
};

/// What went wrong with one attempt.
enum class failure_kind {
    http_status,             ///< The server answered with a non-2xx status.
    connect_failed,          ///< Resolve, connect, proxy CONNECT or TLS handshake failed: nothing was sent.
    connection_lost,         ///< The connection broke after (part of) the request was sent.
    timeout,                 ///< The connect or request deadline passed (the request may have arrived).
    tls_verification_failed, ///< The peer's certificate did not verify: retrying cannot help.
    other,                   ///< Anything else (e.g. an unreadable answer): not retried.
};

/** @brief One failed attempt, as the retry policy sees it. Non-owning: the pointed-to headers and the
 * viewed strings must outlive the call (the decision's `reason` does not point into them). */
struct attempt_failure {
    failure_kind kind;
    unsigned status = 0;                         ///< HTTP status for `http_status`.
    paced::header_list const* headers = nullptr; ///< The answer's headers, when there was an answer.
    std::string_view error_code{};               ///< The body's `error.code`, e.g. `rate_limit_exceeded`.
    std::string_view error_message{};            ///< The body's `error.message`.
};

/// The policy's answer.
struct retry_decision {
    bool retry = false;                 ///< Send the request again after `delay`.
    std::chrono::milliseconds delay{0}; ///< Wait before the next attempt (also set when a hint was refused).
    bool server_hint = false; ///< `delay` came from the server (retry-after-ms, retry-after, message).
    /// The request may have been acted on: the caller must deduplicate (e.g. list the thread's runs)
    /// before sending it again. Set for non-idempotent requests whose fate is unknown.
    bool ambiguous = false;
    std::string_view reason; ///< Why, for logs; a static string.
};

/** @brief Decides whether to retry a failed attempt and how long to wait first.
 *
 * Retryable failures, checked in this order:
 * 1. HTTP answers: a 429 whose `error.code` is `insufficient_quota` / `credit_balance_exhausted`, or
 *    whose message says the request is too large or the quota is exceeded, is never retried (waiting
 *    cannot fix it; this wins even over `x-should-retry: true`). Otherwise `x-should-retry: true|false`
 *    is obeyed; otherwise 408, 409, 429 and >= 500 are retried, and a 400 whose `error.code` says the
 *    resource is busy with another request (`conversation_locked`: "Please retry in a few seconds"),
 *    no sooner than 2 s; every other status is not.
 * 2. `connect_failed` is retried (nothing reached the server).
 * 3. `connection_lost` and `timeout` are retried for idempotent requests only. For a non-idempotent
 *    request (POST) they give `retry = false, ambiguous = true`: the server may have acted.
 * 4. `tls_verification_failed` and `other` are never retried.
 *
 * Then `retries_done >= max_retries` stops. The delay is the server's hint (`parse_retry_after` on the
 * answer's headers and message, HTTP answers only) or else `min(0.5 * 2^n, 8) s * (1 - 0.25 * u)` with
 * `n = retries_done` and `u = uniform01` clamped to [0, 1], rounded to the nearest millisecond. A hint
 * above `max_server_delay` refuses the retry (the error is reported at once, `delay` holds the hint).
 *
 * @param retries_done retries already made for this request (0 before the first retry).
 * @param idempotent whether sending the request twice is harmless (GET, DELETE, ...).
 * @param now the wall clock, for HTTP-date hints.
 * @param uniform01 a random number in [0, 1) for the jitter.
 * @par Errors
 * Never throws.
 * @par Thread safety
 * A pure function.
 */
retry_decision decide_retry(attempt_failure const& failure, int retries_done, bool idempotent,
                            retry_options const& options, std::chrono::system_clock::time_point now,
                            double uniform01) noexcept;

/// The backoff without a server hint: `min(0.5 * 2^n, 8) s * (1 - 0.25 * uniform01)`.
std::chrono::milliseconds backoff_delay(int retries_done, double uniform01) noexcept;

} // namespace paced::sansio
