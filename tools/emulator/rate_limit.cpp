#include "rate_limit.hpp"

#include "util.hpp"

#include <algorithm>

namespace paced::emulator {

namespace {
constexpr std::int64_t minute_ns = 60'000'000'000LL;
}

gcra_dimension::gcra_dimension(std::int64_t limit_per_minute)
    : limit_(std::max<std::int64_t>(0, limit_per_minute)) {
    if (limit_ > 0) {
        interval_ = std::max<std::int64_t>(1, minute_ns / limit_);
        burst_ = std::max<std::int64_t>(1, limit_ / 60);
    }
}

bool gcra_dimension::admits(std::int64_t n, std::int64_t now) const {
    if (limit_ == 0)
        return true;
    if (n > limit_)
        return false;
    if (tat_ <= now)
        return true;
    return std::max(tat_, now) + n * interval_ - now <= burst_ * interval_;
}

void gcra_dimension::commit(std::int64_t n, std::int64_t now) {
    if (limit_ == 0)
        return;
    tat_ = std::max(tat_, now) + n * interval_;
    if (n > 0)
        log_.emplace_back(now, n);
}

void gcra_dimension::count_refused(std::int64_t now) {
    if (limit_ == 0)
        return;
    tat_ = std::min(std::max(tat_, now) + interval_, now + minute_ns);
    log_.emplace_back(now, 1);
}

std::int64_t gcra_dimension::remaining(std::int64_t now) const {
    if (limit_ == 0)
        return 0;
    std::int64_t outstanding = std::max<std::int64_t>(0, tat_ - now);
    std::int64_t units = (burst_ * interval_ - outstanding) / interval_;
    if (burst_ * interval_ - outstanding < 0)
        units = 0;
    return std::clamp<std::int64_t>(units, 0, limit_);
}

std::int64_t gcra_dimension::reset_ns(std::int64_t now) const {
    return std::max<std::int64_t>(0, tat_ - now);
}

std::int64_t gcra_dimension::wait_ns(std::int64_t n, std::int64_t now) const {
    if (limit_ == 0 || tat_ <= now)
        return 0;
    // Admissible once tat <= t, or once tat + n*T - t <= B*T: whichever comes first.
    std::int64_t by_burst = tat_ + (n - burst_) * interval_;
    return std::max<std::int64_t>(0, std::min(tat_, by_burst) - now);
}

std::int64_t gcra_dimension::used(std::int64_t now) {
    while (!log_.empty() && log_.front().first <= now - minute_ns)
        log_.pop_front();
    std::int64_t sum = 0;
    for (const auto& e : log_)
        sum += e.second;
    return sum;
}

rate_limiter::budget& rate_limiter::get(std::string_view model) {
    const std::string_view key = layout_ == rate_layout::global ? std::string_view{} : model;
    auto it = budgets_.find(key);
    if (it == budgets_.end())
        it = budgets_.emplace(std::string(key), budget{gcra_dimension(rpm_), gcra_dimension(tpm_)}).first;
    return it->second;
}

rate_limiter::budget* rate_limiter::endpoint(std::string_view route) {
    auto limit = endpoint_rpm_.find(route);
    if (route.empty() || limit == endpoint_rpm_.end())
        return nullptr;
    const std::string key = "route:" + std::string(route);
    auto it = budgets_.find(key);
    if (it == budgets_.end())
        it = budgets_.emplace(key, budget{gcra_dimension(limit->second), gcra_dimension(0)}).first;
    return &it->second;
}

void rate_limiter::append_headers(budget& b, std::int64_t now, std::vector<header_pair>& out) {
    // An unlimited dimension has no meaningful numbers, so its headers are left out.
    if (!send_headers_)
        return;
    if (!b.requests.unlimited()) {
        out.push_back({"x-ratelimit-limit-requests", std::to_string(b.requests.limit())});
        out.push_back({"x-ratelimit-remaining-requests", std::to_string(b.requests.remaining(now))});
        out.push_back({"x-ratelimit-reset-requests", go_duration(b.requests.reset_ns(now))});
    }
    if (!b.tokens.unlimited()) {
        out.push_back({"x-ratelimit-limit-tokens", std::to_string(b.tokens.limit())});
        out.push_back({"x-ratelimit-remaining-tokens", std::to_string(b.tokens.remaining(now))});
        out.push_back({"x-ratelimit-reset-tokens", go_duration(b.tokens.reset_ns(now))});
    }
}

void rate_limiter::headers(std::string_view model, std::int64_t now, std::vector<header_pair>& out) {
    if (!enabled())
        return;
    append_headers(get(model), now, out);
}

rate_decision rate_limiter::charge(std::string_view model, std::int64_t tokens, std::int64_t now,
                                   std::string_view route) {
    rate_decision d;
    if (!enabled())
        return d;
    budget& b = get(model);
    budget* e = endpoint(route);
    const std::string_view model_text = model.empty() ? std::string_view("default") : model;
    const bool tokens_too_large = !b.tokens.unlimited() && tokens > b.tokens.limit();
    const bool req_ok = b.requests.admits(1, now);
    const bool tok_ok = tokens == 0 || b.tokens.admits(tokens, now);
    const bool endpoint_ok = !e || e->requests.admits(1, now);
    if (req_ok && tok_ok && !tokens_too_large && endpoint_ok) {
        b.requests.commit(1, now);
        b.tokens.commit(tokens, now);
        if (e)
            e->requests.commit(1, now);
        append_headers(b, now, d.headers);
        return d;
    }
    if (tokens_too_large) {
        d.admitted = false;
        b.requests.count_refused(now);
        const std::string message =
            "Request too large for " + std::string(model_text) +
            " in organization org-emulator on tokens per min (TPM): Limit " +
            std::to_string(b.tokens.limit()) + ", Requested " + std::to_string(tokens) +
            ". The input or output tokens must be reduced in order to run successfully. Visit "
            "https://platform.openai.com/account/rate-limits to learn more.";
        d.body = error_body(message, "tokens", {}, "rate_limit_exceeded");
        append_headers(b, now, d.headers);
        return d;
    }
    if (!endpoint_ok && req_ok && tok_ok) {
        b.requests.count_refused(now); // a refused request still counts against the key's budget
        return refuse(*e, model_text, true, 0, now);
    }
    return refuse(b, model_text, !req_ok, tokens, now);
}

rate_decision rate_limiter::refuse(budget& b, std::string_view model_text, bool requests_ran_out,
                                   std::int64_t tokens, std::int64_t now) {
    rate_decision d;
    d.admitted = false;
    const std::string type = requests_ran_out ? "requests" : "tokens";
    const std::int64_t used = requests_ran_out ? b.requests.used(now) : b.tokens.used(now);
    const std::int64_t limit = requests_ran_out ? b.requests.limit() : b.tokens.limit();
    const std::int64_t requested = requests_ran_out ? 1 : tokens;
    b.requests.count_refused(now);
    const std::int64_t wait =
        std::max(b.requests.wait_ns(1, now), tokens > 0 ? b.tokens.wait_ns(tokens, now) : 0);
    const std::int64_t wait_ms = std::max<std::int64_t>(1, ceil_div(wait, 1'000'000));
    const std::string message =
        "Rate limit reached for " + std::string(model_text) + " in organization org-emulator on " +
        (requests_ran_out ? "requests per min (RPM)" : "tokens per min (TPM)") + ": Limit " +
        std::to_string(limit) + ", Used " + std::to_string(used) + ", Requested " +
        std::to_string(requested) + ". Please try again in " + go_duration(wait_ms * 1'000'000) +
        ". Visit https://platform.openai.com/account/rate-limits to learn more.";
    d.body = error_body(message, type, {}, "rate_limit_exceeded");
    append_headers(b, now, d.headers);
    d.headers.push_back({"retry-after", std::to_string(std::max<std::int64_t>(1, ceil_div(wait_ms, 1000)))});
    d.headers.push_back({"retry-after-ms", std::to_string(wait_ms)});
    return d;
}

} // namespace paced::emulator
