#include "sansio/retry_policy.hpp"

#include "sansio/rate_limit_headers.hpp"
#include "sansio/retry_hints.hpp"

#include <paced/error.hpp>

#include <algorithm>
#include <cmath>

namespace paced::sansio {
namespace {

struct verdict {
    bool retryable;
    bool ambiguous;
    std::string_view reason;
};

/// A 429 that waiting cannot fix. Older quota answers have `code: null`, so the message is checked too.
bool is_unfixable_429(attempt_failure const& f) noexcept {
    if (f.status != 429)
        return false;
    errc const e = classify_http_error(f.status, f.error_code, f.error_message);
    return e == errc::insufficient_quota || e == errc::request_too_large ||
           f.error_message.find("exceeded your current quota") != std::string_view::npos;
}

/// Error codes of a 400 that says a resource is busy with another request and the same request will
/// succeed later ("Another process is currently operating on this conversation. Please retry in a few
/// seconds."): retried, no sooner than `busy_resource_delay`.
constexpr std::string_view busy_resource_codes[] = {"conversation_locked"};
constexpr std::chrono::milliseconds busy_resource_delay{2000};

bool is_busy_resource(attempt_failure const& f) noexcept {
    if (f.kind != failure_kind::http_status || f.status != 400)
        return false;
    return std::find(std::begin(busy_resource_codes), std::end(busy_resource_codes), f.error_code) !=
           std::end(busy_resource_codes);
}

verdict classify(attempt_failure const& f, bool idempotent) noexcept {
    switch (f.kind) {
    case failure_kind::http_status: {
        if (is_unfixable_429(f))
            return {false, false, "429 that waiting cannot fix (quota or request too large)"};
        if (f.headers != nullptr) {
            if (auto v = f.headers->find("x-should-retry")) {
                auto const value = trim_ows(*v);
                if (iequals(value, "true"))
                    return {true, false, "x-should-retry: true"};
                if (iequals(value, "false"))
                    return {false, false, "x-should-retry: false"};
            }
        }
        if (is_busy_resource(f))
            return {true, false, "400: the resource is busy with another request (conversation_locked)"};
        switch (f.status) {
        case 408:
            return {true, false, "408 request timeout"};
        case 409:
            return {true, false, "409 conflict (lock timeout)"};
        case 429:
            return {true, false, "429 rate limit"};
        default:
            break;
        }
        if (f.status >= 500)
            return {true, false, "server error"};
        return {false, false, "status is not retryable"};
    }
    case failure_kind::connect_failed:
        return {true, false, "connect failed: nothing was sent"};
    case failure_kind::connection_lost:
        if (idempotent)
            return {true, false, "connection lost"};
        return {false, true, "connection lost on a non-idempotent request: it may have been acted on"};
    case failure_kind::timeout:
        if (idempotent)
            return {true, false, "timeout"};
        return {false, true, "timeout on a non-idempotent request: it may have been acted on"};
    case failure_kind::tls_verification_failed:
        return {false, false, "TLS verification failed"};
    case failure_kind::other:
        break;
    }
    return {false, !idempotent, "failure is not retryable"};
}

} // namespace

std::chrono::milliseconds backoff_delay(int retries_done, double uniform01) noexcept {
    if (!(uniform01 >= 0.0)) // also catches NaN
        uniform01 = 0.0;
    uniform01 = std::min(uniform01, 1.0);
    int const n = std::clamp(retries_done, 0, 16); // 0.5 * 2^4 already reaches the 8 s cap
    double const seconds = std::min(0.5 * std::ldexp(1.0, n), 8.0) * (1.0 - 0.25 * uniform01);
    return std::chrono::milliseconds{std::llround(seconds * 1000.0)};
}

retry_decision decide_retry(attempt_failure const& failure, int retries_done, bool idempotent,
                            retry_options const& options, std::chrono::system_clock::time_point now,
                            double uniform01) noexcept {
    retry_decision d;
    verdict const v = classify(failure, idempotent);
    d.ambiguous = v.ambiguous;
    d.reason = v.reason;
    if (!v.retryable)
        return d;
    if (retries_done >= std::max(options.max_retries, 0)) {
        d.reason = "retries exhausted";
        return d;
    }
    if (failure.kind == failure_kind::http_status) {
        static header_list const no_headers;
        auto const hint =
            parse_retry_after(failure.headers ? *failure.headers : no_headers, failure.error_message, now);
        if (hint) {
            d.server_hint = true;
            d.delay = *hint;
            if (*hint > options.max_server_delay) {
                d.reason = "server asked to wait longer than max_server_delay";
                return d;
            }
            d.retry = true;
            return d;
        }
    }
    d.retry = true;
    d.delay = backoff_delay(retries_done, uniform01);
    if (is_busy_resource(failure))
        d.delay = std::max(d.delay, busy_resource_delay); // "retry in a few seconds"
    return d;
}

} // namespace paced::sansio
