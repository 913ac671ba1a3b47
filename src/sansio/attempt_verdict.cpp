#include "sansio/attempt_verdict.hpp"

#include "sansio/rate_limit_headers.hpp"
#include "sansio/retry_hints.hpp"

#include <paced/error.hpp>

#include <utility>

namespace paced::sansio {
namespace {

failure_kind failure_kind_of(boost::system::error_code ec) noexcept {
    if (ec == errc::connect_failed || ec == errc::proxy_failed)
        return failure_kind::connect_failed;
    if (ec == errc::tls_verification_failed)
        return failure_kind::tls_verification_failed;
    if (ec == errc::timeout)
        return failure_kind::timeout;
    if (ec == errc::connection_lost || ec == errc::invalid_response)
        return failure_kind::connection_lost;
    return failure_kind::other;
}

} // namespace

std::chrono::nanoseconds cool_down_after_429(std::optional<std::chrono::milliseconds> hint,
                                             std::string_view error_type,
                                             rate_limit_snapshot const& headers) noexcept {
    if (hint)
        return *hint;
    // No hint: wait for the dimension the server says ran out to return to its initial state.
    auto reset = error_type == "tokens" ? headers.reset_tokens : headers.reset_requests;
    if (reset && *reset > std::chrono::nanoseconds::zero())
        return *reset;
    return std::chrono::seconds(1);
}

attempt_verdict judge_attempt(attempt_outcome const& outcome, attempt_counts counts, bool idempotent,
                              attempt_limits const& limits, std::chrono::system_clock::time_point now,
                              double uniform01) {
    static header_list const no_headers;
    attempt_verdict v;
    attempt_failure failure{};
    bool rate_limited = false;
    if (auto const* answer = std::get_if<attempt_answer>(&outcome)) {
        header_list const& headers = answer->headers ? *answer->headers : no_headers;
        v.observed = parse_rate_limit_headers(headers);
        if (answer->status >= 200 && answer->status < 300) {
            v.what = attempt_verdict::action::return_answer;
            v.reason = "2xx answer";
            return v;
        }
        if (answer->status >= 300 && answer->status < 400) {
            v.what = attempt_verdict::action::refuse_redirect;
            v.error = make_error_code(errc::redirect_refused);
            v.reason = "redirects are never followed (the key could reach another host)";
            return v;
        }
        errc const e = classify_http_error(answer->status, answer->error_code, answer->error_message);
        v.error = make_error_code(e);
        if (e == errc::rate_limited) {
            // One shared cool-down for every coroutine of the scope, not each for itself, and what the
            // refusal shows about the server's budgets.
            rate_limited = true;
            auto refusal = parse_rate_limit_refusal(answer->error_message, answer->error_type);
            refusal.cool_down = cool_down_after_429(parse_retry_after(headers, answer->error_message, now),
                                                    answer->error_type, v.observed);
            refusal.headers = v.observed;
            v.refusal = std::move(refusal);
        }
        failure = {.kind = failure_kind::http_status,
                   .status = answer->status,
                   .headers = &headers,
                   .error_code = answer->error_code,
                   .error_message = answer->error_message};
    } else {
        auto const code = std::get<attempt_transport_failure>(outcome).code;
        v.error = code;
        // Not invalid_response: a peer that answered nonsense is still there.
        v.close_idle_connections = code == errc::connection_lost || code == errc::timeout;
        failure = {.kind = failure_kind_of(code)};
    }

    // A 429 rate_limit_exceeded is a pacing signal, not a failure of the request: the whole budget pauses
    // for the server's hint and the retry goes back through it. Such retries are counted apart
    // (max_rate_limit_retries), so that a busy shared key does not fail requests after two refusals.
    retry_options policy{.max_retries = limits.max_retries, .max_server_delay = limits.max_retry_delay};
    int retries_done = counts.attempts_before - counts.rate_limit_retries;
    if (rate_limited) {
        policy.max_retries = limits.max_rate_limit_retries;
        retries_done = counts.rate_limit_retries;
    }
    auto const decision = decide_retry(failure, retries_done, idempotent, policy, now, uniform01);
    v.delay = decision.delay;
    v.reason = decision.reason;
    if (!decision.retry) {
        v.what = attempt_verdict::action::fail;
        v.rethrow_transport_failure = std::holds_alternative<attempt_transport_failure>(outcome);
        v.ambiguous = decision.ambiguous;
        return v;
    }
    v.what = attempt_verdict::action::retry;
    v.rate_limit_retry = rate_limited;
    return v;
}

} // namespace paced::sansio
