#pragma once
// The sans-io pacing core: a GCRA per dimension (requests, tokens) over an injected `now`, and the
// two-dimension state of one budget scope. No I/O, no clock reads: every function takes `now`.
//
// The rule is the one the server enforces (see the rate-limit model shared with paced-emulator):
//   emission interval T = 60 s / limit; burst B = max(1, floor(limit / 60)) unless configured;
//   a charge of n units at `now` is admitted iff  max(tat, now) + n*T - now <= B*T,  or tat <= now
//   (nothing outstanding: any single charge up to the per-minute limit fits); n > limit never fits;
//   on admission tat = max(tat, now) + n*T.
// One conservative extension: a latency allowance L (default 0 here). The server sees a request up to L
// after we admit it, so a charge made when the bucket is idle is booked as if made at now + L:
//   admitted iff  tat <= now  or  max(tat, now + L) + n*T - now <= B*T;  then tat = max(tat, now + L) + n*T.
// With L >= the real admission-to-arrival delay, every charge we admit is admitted by the server, even
// when requests overtake each other on the way; with L = 0 this is exactly the server's rule.
// Durations are whole nanoseconds, rounded so that we are never looser than the exact rule: a charge
// is rounded up, the burst capacity and refunds are rounded down.

#include <paced/pacing/budget.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace paced::pacing {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using std::chrono::nanoseconds;

/// Whether a charge may be spent now.
struct verdict {
    enum class kind { admit, wait, never };
    kind what = kind::admit;
    nanoseconds wait{0}; ///< kind::wait only: the exact time from `now` until the charge is admitted (> 0).

    static verdict admit() noexcept { return {}; }
    static verdict never() noexcept { return {kind::never, nanoseconds{0}}; }
    static verdict after(nanoseconds d) noexcept { return d.count() <= 0 ? admit() : verdict{kind::wait, d}; }
    bool admitted() const noexcept { return what == kind::admit; }
    bool impossible() const noexcept { return what == kind::never; }

    /// Both must admit: the later of two waits, `never` if either is.
    friend verdict both(verdict a, verdict b) noexcept {
        if (a.impossible() || b.impossible())
            return never();
        return after(std::max(a.wait, b.wait));
    }
};

/// The default burst of the rate model: max(1, floor(limit / 60)).
double default_burst(double limit_per_minute) noexcept;

/// One dimension (requests or tokens) of one budget: a GCRA. Default-constructed: no limit (everything
/// is admitted and nothing is recorded) until `set_limit` gives it one.
class gcra {
public:
    gcra() = default;

    /// Throws `errc::invalid_argument` unless limit and burst are finite and > 0.
    explicit gcra(double limit_per_minute, std::optional<double> burst = {},
                  nanoseconds latency_allowance = {});

    bool limited() const noexcept { return limit_ > 0; }
    double limit() const noexcept { return limit_; }
    double burst() const noexcept { return burst_; }
    nanoseconds latency_allowance() const noexcept { return allowance_; }
    /// T, rounded up to the nanosecond (display only; the arithmetic keeps the fraction).
    nanoseconds emission_interval() const noexcept;
    time_point tat() const noexcept { return tat_; }

    /// Admit now, wait exactly this long, or never (n > limit).
    verdict check(std::uint64_t n, time_point now) const noexcept;
    /// Spends n units; call after `check` admitted them.
    void commit(std::uint64_t n, time_point now) noexcept;
    /// Spends n units whether or not they fit (a late correction: the server already counted them).
    void charge(std::uint64_t n, time_point now) noexcept { commit(n, now); }
    /// Gives back n units: tat moves back by n*T, never below `now` (past time is not refundable).
    void refund(std::uint64_t n, time_point now) noexcept;

    /// Whole units admissible right now as a burst, clamped to 0..limit (how the server computes
    /// `x-ratelimit-remaining-*`).
    std::uint64_t available(time_point now) const noexcept;
    /// max(0, tat - now): how long until the bucket is full again (`x-ratelimit-reset-*`).
    nanoseconds until_full(time_point now) const noexcept;
    /// Units charged and not yet drained at `now`, with their fraction: (tat - now) / T, at least 0.
    double outstanding(time_point now) const noexcept;

    /// Never looser than "only `units` admissible at time `at`": pushes tat forward when needed,
    /// never back.
    void restrict_available(std::uint64_t units, time_point at) noexcept;

    /// Sets or changes the limit, keeping the units outstanding at `now`. Throws like the constructor.
    void set_limit(double limit_per_minute, std::optional<double> burst, time_point now);

private:
    std::int64_t span_up(double units) const noexcept;
    std::int64_t span_down(double units) const noexcept;

    double limit_ = 0;             // units per minute; 0 = unlimited
    double burst_ = 0;             // B
    double interval_ns_ = 0;       // T in nanoseconds, with its fraction
    std::int64_t capacity_ns_ = 0; // floor(B * T)
    nanoseconds allowance_{0};
    time_point tat_{}; // "starts at 0": the clock's epoch is before any now
};

/// Configuration of one dimension: no limit means unpaced until a limit is learnt.
struct dimension_config {
    std::optional<double> per_minute;
    std::optional<double> burst;
};

/** The state of one budget scope: requests and tokens, plus the shared cool-down.
 *
 * A charge is admitted only when both dimensions admit it and no pause is in force; then both commit.
 */
class scope_state {
public:
    scope_state() = default;
    /// Throws `errc::invalid_argument` for a limit or burst that is not finite and > 0.
    scope_state(dimension_config requests, dimension_config tokens, nanoseconds latency_allowance = {});

    verdict check(budget_cost cost, time_point now) const noexcept;
    void commit(budget_cost cost, time_point now) noexcept;
    /// Undoes a commit as far as time allows (a grant that nobody used).
    void refund(budget_cost cost, time_point now) noexcept;
    /// Positive: spend more tokens; negative: refund (tat back, never below now).
    void adjust_tokens(std::int64_t delta, time_point now) noexcept;

    /** Syncs with the server's `x-ratelimit-*` headers of an answer received at `now`.
     *
     * `learn`: adopt the server's limit when we have none, or when the server's is lower (both only
     * tighten). Then, when the server reports fewer units remaining than we believe admissible, push
     * tat forward so that our estimate matches. Never loosens. A limit of 0 in a header is ignored.
     * Returns whether anything changed.
     */
    bool observe(rate_limit_snapshot const& snapshot, time_point now, bool learn);

    /** One shared cool-down: nothing is admitted before now + d. When the pause ends, the requests
     * dimension admits one request, then one per T (the server just refused us: its bucket is full).
     *
     * A 429 means someone else spends part of this budget (another process on the same key): the
     * request rate drops to `backoff_factor` of what it was (at most once per `backoff_spacing`, so
     * that the answers of requests already in flight count as one signal), never below `min_share` of
     * the limit. It climbs back by `recovery_step` of the limit every `recovery_interval` without a
     * 429, up to the limit: the client settles at the share the others leave it.
     */
    void pause(nanoseconds d, time_point now) noexcept;
    /// The same cool-down without the share back-off: for a refusal that a mistake about the server's
    /// budgets explains (now corrected), not another client.
    void cool_down(nanoseconds d, time_point now) noexcept;

    static constexpr double backoff_factor = 0.75;
    static constexpr double min_share = 0.1;
    static constexpr double recovery_step = 0.05;
    static constexpr nanoseconds backoff_spacing{std::chrono::seconds(1)};
    static constexpr nanoseconds recovery_interval{std::chrono::seconds(5)};

    /// The fraction of the request limit in use after 429s (1 when none).
    double share() const noexcept { return share_; }
    /// The request limit configured or learnt, before the share: empty while unpaced.
    std::optional<double> nominal_requests() const noexcept { return requests_nominal_; }

    time_point paused_until() const noexcept { return paused_until_; }
    gcra const& requests() const noexcept { return requests_; }
    gcra const& tokens() const noexcept { return tokens_; }

private:
    bool learn_dimension(gcra& g, std::optional<double> configured_burst, std::optional<std::uint64_t> limit,
                         std::optional<std::uint64_t> remaining, time_point now, bool learn);
    /// Sets the requests dimension to share_ of its nominal limit.
    void apply_share(time_point now);
    void recover(time_point now) noexcept;

    gcra requests_;
    gcra tokens_;
    dimension_config requests_config_;
    dimension_config tokens_config_;
    nanoseconds allowance_{0};
    time_point paused_until_{};
    std::optional<double> requests_nominal_; // configured or learnt limit, before the share
    double share_ = 1.0;
    time_point share_changed_{};
};

} // namespace paced::pacing
