#pragma once
/// @file What to do after one attempt of a request: return the answer, retry, pause the scope, or fail.
/// A pure function of the attempt's outcome; the request executor (src/core) carries it out (counters,
/// logs, metadata, the budget, the pool, the exception).

#include "sansio/retry_policy.hpp"

#include <paced/pacing/budget.hpp>
#include <paced/response.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>
#include <string_view>
#include <variant>

namespace paced::sansio {

/** @brief The server's answer to one attempt. Non-owning: the headers and the viewed strings must outlive
 * the call (the verdict's `reason` does not point into them).
 *
 * The error fields are those of the answer's error body (`error.code`, `error.type`, `error.message`, the
 * message as it will be reported, i.e. with the API key redacted); they are read only for non-2xx answers.
 */
struct attempt_answer {
    unsigned status = 0;
    header_list const* headers = nullptr; ///< The answer's headers; nullptr: none.
    std::string_view error_code{};        ///< e.g. `rate_limit_exceeded`; empty when the body has none.
    std::string_view error_type{};        ///< e.g. `requests`, `tokens`, `invalid_request_error`.
    std::string_view error_message{};
};

/// An attempt that got no answer: the transport's code (`errc::connect_failed`, `errc::timeout`, ...).
struct attempt_transport_failure {
    boost::system::error_code code;
};

/// What one attempt came to.
using attempt_outcome = std::variant<attempt_answer, attempt_transport_failure>;

/// How far the request has gone before this attempt's verdict.
struct attempt_counts {
    int attempts_before = 0;    ///< Attempts made before this one (0 on the first).
    int rate_limit_retries = 0; ///< Of the retries made, those that followed a 429 rate_limit_exceeded.
};

/// The retry limits of the request (`client_options`, with `request_options::max_retries` applied).
struct attempt_limits {
    int max_retries = 2;            ///< Retries after failures other than a 429 rate_limit_exceeded.
    int max_rate_limit_retries = 8; ///< Retries after 429 rate_limit_exceeded answers.
    std::chrono::milliseconds max_retry_delay{120'000}; ///< A longer server hint fails at once.
};

/// What the executor does with one attempt's outcome.
struct attempt_verdict {
    enum class action {
        return_answer,   ///< A 2xx answer: hand it to the caller.
        retry,           ///< Wait `delay`, then send the request again.
        fail,            ///< Report `error`.
        refuse_redirect, ///< A 3xx answer: never followed (the key could reach another host).
    };
    action what = action::fail;
    /// retry: the wait before the next attempt (the server's hint, else the backoff). fail: the refused
    /// hint, when the server asked for a wait longer than `max_retry_delay`.
    std::chrono::milliseconds delay{0};
    /// retry: it follows a 429 rate_limit_exceeded, so it counts against `max_rate_limit_retries`, not
    /// against `max_retries`.
    bool rate_limit_retry = false;
    /// An answer's `x-ratelimit-*` headers, for `budget::observe`; empty: nothing to observe.
    rate_limit_snapshot observed;
    /// A 429 rate_limit_exceeded, retried or not: the refusal for `budget::refused`, which pauses the whole
    /// scope for its cool-down (the server's hint, else the reset of the dimension that ran out, else 1 s).
    std::optional<rate_limit_refusal> refusal;
    /// The connection was lost or timed out: the peer may have gone away, so its idle connections are not
    /// to be reused.
    bool close_idle_connections = false;
    /// What went wrong (empty for a 2xx): the HTTP error's errc (`classify_http_error`),
    /// `errc::redirect_refused`, or the transport's own code.
    boost::system::error_code error;
    /// fail: the attempt got no answer, so the transport's exception is reported as it was thrown.
    bool rethrow_transport_failure = false;
    /// fail: a non-idempotent request whose fate is unknown (the server may have acted on it).
    bool ambiguous = false;
    std::string_view reason; ///< Why, for logs; a static string.
};

/** @brief Judges one attempt: what its outcome means and what to do next.
 *
 * - A 2xx answer is returned; a 3xx is refused (`errc::redirect_refused`).
 * - Other answers are classified by `classify_http_error`; a 429 rate_limit_exceeded also gives the
 *   `refusal` to pause the scope with (`parse_rate_limit_refusal`, `cool_down_after_429`).
 * - Whether to retry and after how long is `decide_retry`'s answer, with `max_rate_limit_retries` and
 *   the rate-limit retries made for a 429 rate_limit_exceeded, and `max_retries` and the other retries
 *   made for everything else.
 * - A transport failure that is not retried fails with `rethrow_transport_failure`.
 *
 * @param idempotent whether sending the request twice is harmless.
 * @param now the wall clock, for HTTP-date hints.
 * @param uniform01 a random number in [0, 1) for the backoff's jitter.
 * @par Errors
 * Throws only `std::bad_alloc`.
 * @par Thread safety
 * A pure function.
 */
attempt_verdict judge_attempt(attempt_outcome const& outcome, attempt_counts counts, bool idempotent,
                              attempt_limits const& limits, std::chrono::system_clock::time_point now,
                              double uniform01);

/** @brief How long a scope pauses after a 429 rate_limit_exceeded: the server's hint; without one, the
 * reset of the dimension that ran out (`x-ratelimit-reset-tokens` when `error_type` is `tokens`, else
 * `x-ratelimit-reset-requests`) when it is positive; else 1 s.
 */
std::chrono::nanoseconds cool_down_after_429(std::optional<std::chrono::milliseconds> hint,
                                             std::string_view error_type,
                                             rate_limit_snapshot const& headers) noexcept;

} // namespace paced::sansio
