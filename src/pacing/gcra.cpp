#include "pacing/gcra.hpp"

#include <paced/error.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace paced::pacing {

namespace {

constexpr double nanoseconds_per_minute = 60e9;
// A cap on one span (about 11 days) so that absurd charges cannot overflow a time_point.
constexpr double max_span_ns = 1e15;

void validate(double limit, std::optional<double> burst) {
    if (!std::isfinite(limit) || limit <= 0)
        throw_error(errc::invalid_argument,
                    "rate limit: the per-minute limit must be finite and > 0, got " + std::to_string(limit));
    if (burst && (!std::isfinite(*burst) || *burst <= 0))
        throw_error(errc::invalid_argument,
                    "rate limit: the burst must be finite and > 0, got " + std::to_string(*burst));
}

} // namespace

double default_burst(double limit_per_minute) noexcept {
    return std::max(1.0, std::floor(limit_per_minute / 60.0));
}

gcra::gcra(double limit_per_minute, std::optional<double> burst, nanoseconds latency_allowance)
    : allowance_(std::max(latency_allowance, nanoseconds{0})) {
    set_limit(limit_per_minute, burst, time_point{});
}

nanoseconds gcra::emission_interval() const noexcept {
    return nanoseconds{span_up(1)};
}

std::int64_t gcra::span_up(double units) const noexcept {
    double const v = std::ceil(units * interval_ns_);
    return static_cast<std::int64_t>(std::min(v, max_span_ns));
}

std::int64_t gcra::span_down(double units) const noexcept {
    double const v = std::floor(units * interval_ns_);
    return static_cast<std::int64_t>(std::clamp(v, 0.0, max_span_ns));
}

verdict gcra::check(std::uint64_t n, time_point now) const noexcept {
    if (!limited() || n == 0)
        return verdict::admit();
    if (static_cast<double>(n) > limit_)
        return verdict::never();
    if (tat_ <= now) // nothing outstanding: any single charge up to the limit fits
        return verdict::admit();
    auto const cost = nanoseconds{span_up(static_cast<double>(n))};
    auto const capacity = nanoseconds{capacity_ns_};
    if (allowance_ + cost <= capacity) {
        // Admitted from t1 = tat + n*T - B*T on (t1 <= tat - L, so max(tat, t + L) is tat there).
        return verdict::after(tat_ + cost - capacity - now);
    }
    // Does not fit as a burst: only the "nothing outstanding" rule admits it, once tat has passed.
    return verdict::after(tat_ - now);
}

void gcra::commit(std::uint64_t n, time_point now) noexcept {
    if (!limited() || n == 0)
        return;
    tat_ = std::max(tat_, now + allowance_) + nanoseconds{span_up(static_cast<double>(n))};
}

void gcra::refund(std::uint64_t n, time_point now) noexcept {
    if (!limited() || n == 0 || tat_ <= now)
        return;
    tat_ = std::max(tat_ - nanoseconds{span_down(static_cast<double>(n))}, now);
}

std::uint64_t gcra::available(time_point now) const noexcept {
    if (!limited())
        return std::numeric_limits<std::uint64_t>::max();
    auto const outstanding = std::max<std::int64_t>((tat_ - now).count(), 0);
    double const units = std::floor(static_cast<double>(capacity_ns_ - outstanding) / interval_ns_);
    return static_cast<std::uint64_t>(std::clamp(units, 0.0, std::floor(limit_)));
}

nanoseconds gcra::until_full(time_point now) const noexcept {
    return std::max(tat_ - now, nanoseconds{0});
}

double gcra::outstanding(time_point now) const noexcept {
    if (!limited() || tat_ <= now)
        return 0;
    return static_cast<double>((tat_ - now).count()) / interval_ns_;
}

void gcra::restrict_available(std::uint64_t units, time_point at) noexcept {
    if (!limited())
        return;
    // available(at) = floor((B*T - (tat - at)) / T) <= units  <=>  tat >= at + B*T - units*T.
    // units*T rounded up, like a commit's span, so that the `units` admissible charges are admitted at
    // `at` exactly, not a nanosecond later.
    auto const target = at + nanoseconds{capacity_ns_} - nanoseconds{span_up(static_cast<double>(units))};
    tat_ = std::max(tat_, target);
}

void gcra::set_limit(double limit_per_minute, std::optional<double> burst, time_point now) {
    validate(limit_per_minute, burst);
    double const outstanding_units =
        limited() && tat_ > now ? static_cast<double>((tat_ - now).count()) / interval_ns_ : 0.0;
    limit_ = limit_per_minute;
    burst_ = burst ? *burst : default_burst(limit_per_minute);
    interval_ns_ = nanoseconds_per_minute / limit_;
    capacity_ns_ = static_cast<std::int64_t>(std::min(std::floor(burst_ * interval_ns_), max_span_ns));
    if (outstanding_units > 0)
        tat_ = now + nanoseconds{span_up(outstanding_units)};
}

// ---------------------------------------------------------------------------------------------------

scope_state::scope_state(dimension_config requests, dimension_config tokens, nanoseconds latency_allowance)
    : requests_config_(requests), tokens_config_(tokens), allowance_(latency_allowance) {
    if (requests.per_minute) {
        requests_ = gcra(*requests.per_minute, requests.burst, allowance_);
        requests_nominal_ = requests.per_minute;
    } else if (requests.burst)
        validate(1, requests.burst);
    if (tokens.per_minute)
        tokens_ = gcra(*tokens.per_minute, tokens.burst, allowance_);
    else if (tokens.burst)
        validate(1, tokens.burst);
}

verdict scope_state::check(budget_cost cost, time_point now) const noexcept {
    auto v = both(requests_.check(cost.requests, now), tokens_.check(cost.tokens, now));
    if (!v.impossible() && paused_until_ > now)
        v = both(v, verdict::after(paused_until_ - now));
    return v;
}

void scope_state::commit(budget_cost cost, time_point now) noexcept {
    recover(now);
    requests_.commit(cost.requests, now);
    tokens_.commit(cost.tokens, now);
}

void scope_state::refund(budget_cost cost, time_point now) noexcept {
    requests_.refund(cost.requests, now);
    tokens_.refund(cost.tokens, now);
}

void scope_state::adjust_tokens(std::int64_t delta, time_point now) noexcept {
    if (delta > 0)
        tokens_.charge(static_cast<std::uint64_t>(delta), now);
    else if (delta < 0)
        tokens_.refund(static_cast<std::uint64_t>(-(delta + 1)) + 1, now);
}

bool scope_state::learn_dimension(gcra& g, std::optional<double> configured_burst,
                                  std::optional<std::uint64_t> limit, std::optional<std::uint64_t> remaining,
                                  time_point now, bool learn) {
    bool changed = false;
    if (learn && limit && *limit > 0 && (!g.limited() || static_cast<double>(*limit) < g.limit())) {
        if (!g.limited())
            g = gcra(static_cast<double>(*limit), configured_burst, allowance_);
        else
            g.set_limit(static_cast<double>(*limit), configured_burst, now);
        changed = true;
    }
    if (remaining && g.limited()) {
        auto const before = g.tat();
        g.restrict_available(*remaining, now);
        changed = changed || g.tat() != before;
    }
    return changed;
}

bool scope_state::observe(rate_limit_snapshot const& snapshot, time_point now, bool learn) {
    bool r = false;
    auto const& limit = snapshot.limit_requests;
    if (learn && limit && *limit > 0 &&
        (!requests_nominal_ || static_cast<double>(*limit) < *requests_nominal_)) {
        requests_nominal_ = static_cast<double>(*limit);
        apply_share(now);
        r = true;
    }
    r = learn_dimension(requests_, requests_config_.burst, {}, snapshot.remaining_requests, now, learn) || r;
    bool const t = learn_dimension(tokens_, tokens_config_.burst, snapshot.limit_tokens,
                                   snapshot.remaining_tokens, now, learn);
    return r || t;
}

void scope_state::apply_share(time_point now) {
    if (!requests_nominal_)
        return;
    double const effective = *requests_nominal_ * share_;
    if (!requests_.limited())
        requests_ = gcra(effective, requests_config_.burst, allowance_);
    else
        requests_.set_limit(effective, requests_config_.burst, now);
}

void scope_state::recover(time_point now) noexcept {
    if (share_ >= 1.0 || now - share_changed_ < recovery_interval)
        return;
    share_ = std::min(1.0, share_ + recovery_step);
    share_changed_ = now;
    apply_share(now); // cannot throw: the nominal limit was validated and share_ is in [min_share, 1]
}

void scope_state::pause(nanoseconds d, time_point now) noexcept {
    if (d.count() <= 0)
        return;
    if (requests_nominal_ && (share_ >= 1.0 || now - share_changed_ >= backoff_spacing)) {
        share_ = std::max(min_share, share_ * backoff_factor);
        share_changed_ = now;
        apply_share(now);
    }
    cool_down(d, now);
}

void scope_state::cool_down(nanoseconds d, time_point now) noexcept {
    if (d.count() <= 0)
        return;
    paused_until_ = std::max(paused_until_, now + d);
    // The server has just refused us, so its bucket is full: when the pause ends it admits one request,
    // then one per T. Releasing a whole burst then would earn a second round of 429s.
    requests_.restrict_available(1, paused_until_);
}

} // namespace paced::pacing
