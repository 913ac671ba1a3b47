// The sans-io pacing core against the server's rule, with a manual clock: no sleeping.

#include "pacing/gcra.hpp"

#include <paced/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <random>
#include <vector>

using namespace std::chrono_literals;
using paced::budget_cost;
using paced::rate_limit_snapshot;
using paced::pacing::gcra;
using paced::pacing::nanoseconds;
using paced::pacing::scope_state;
using paced::pacing::time_point;

namespace {

// Any instant well after the clock's epoch (the state's "tat = 0").
time_point const t0 = time_point{} + 1000s;

/* The server's rule, written independently from the client's code and exactly: every time is scaled by
 * the (integer) limit L, so that T * L = 60 s is a whole number of nanoseconds and no rounding happens. */
class reference_server {
public:
    reference_server(std::int64_t limit, std::int64_t burst) : limit_(limit), burst_(burst) {}

    bool admit(std::int64_t n, time_point now) {
        __int128 const now_s = static_cast<__int128>((now - time_point{}).count()) * limit_;
        __int128 const t = static_cast<__int128>(60'000'000'000) * n; // n * T, scaled
        bool const ok = n <= limit_ && (tat_ <= now_s || std::max(tat_, now_s) + t - now_s <=
                                                             static_cast<__int128>(60'000'000'000) * burst_);
        if (ok)
            tat_ = std::max(tat_, now_s) + t;
        return ok;
    }

private:
    std::int64_t limit_, burst_;
    __int128 tat_ = 0;
};

// How many of the sorted `times` fall into the closed window [times[i], times[i] + w], at worst.
std::size_t max_in_window(std::vector<time_point> const& times, nanoseconds w) {
    std::size_t best = 0;
    std::size_t j = 0;
    for (std::size_t i = 0; i < times.size(); ++i) {
        j = std::max(j, i);
        while (j < times.size() && times[j] - times[i] <= w)
            ++j;
        best = std::max(best, j - i);
    }
    return best;
}

struct simulation {
    std::vector<time_point> admitted; // in admission order
};

/* A FIFO client over `duration` of random arrivals (bursts of 1..3*B requests at exponential gaps whose
 * mean makes the offered load `load` times the limit), each request admitted as early as the core allows. */
simulation simulate(gcra g, std::uint32_t seed, nanoseconds duration, double load) {
    std::mt19937_64 rng(seed);
    std::exponential_distribution<double> gap_s(g.limit() / 60.0 * load / (1.5 * g.burst() + 0.5));
    std::uniform_int_distribution<int> burst(1, static_cast<int>(3 * g.burst()));
    simulation sim;
    std::deque<time_point> queue;
    time_point next_arrival = t0;
    time_point now = t0;
    time_point const end = t0 + duration;
    while (now <= end) {
        // Take every arrival up to now.
        while (next_arrival <= now) {
            for (int k = burst(rng); k > 0; --k)
                queue.push_back(next_arrival);
            next_arrival +=
                std::chrono::duration_cast<nanoseconds>(std::chrono::duration<double>(gap_s(rng)));
        }
        // Admit from the head while the core says so.
        while (!queue.empty()) {
            auto const v = g.check(1, now);
            if (!v.admitted())
                break;
            g.commit(1, now);
            sim.admitted.push_back(now);
            queue.pop_front();
        }
        // Advance the manual clock to the next event: the head's exact admission time or the next arrival.
        time_point next = next_arrival;
        if (!queue.empty())
            next = std::min(next, now + g.check(1, now).wait);
        now = next;
    }
    return sim;
}

} // namespace

TEST_CASE("pacing core: the default burst is max(1, floor(limit / 60))", "[pacing][gcra]") {
    CHECK(gcra(600).burst() == 10);
    CHECK(gcra(3000).burst() == 50);
    CHECK(gcra(119).burst() == 1);
    CHECK(gcra(30).burst() == 1);
    CHECK(gcra(0.5).burst() == 1);
    CHECK(gcra(600, 3.0).burst() == 3);
}

TEST_CASE("pacing core: rpm 600 admits a burst of 10, then exactly one request per 100 ms",
          "[pacing][gcra]") {
    gcra g(600);
    CHECK(g.emission_interval() == 100ms);
    for (int i = 0; i < 10; ++i) {
        REQUIRE(g.check(1, t0).admitted());
        g.commit(1, t0);
    }
    auto v = g.check(1, t0);
    REQUIRE(v.what == paced::pacing::verdict::kind::wait);
    CHECK(v.wait == 100ms);
    CHECK_FALSE(g.check(1, t0 + 100ms - 1ns).admitted());
    time_point now = t0;
    for (int i = 1; i <= 100; ++i) {
        now = t0 + i * 100ms;
        REQUIRE(g.check(1, now).admitted());
        g.commit(1, now);
        REQUIRE(g.check(1, now).wait == 100ms);
    }
}

TEST_CASE("pacing core: the wait returned is exact, to the nanosecond", "[pacing][gcra]") {
    auto const limit = GENERATE(600.0, 90.0, 7.0, 45000.0, 1e7);
    CAPTURE(limit);
    gcra g(limit);
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> units(1,
                                                       static_cast<std::uint64_t>(std::max(1.0, g.burst())));
    std::uniform_int_distribution<std::int64_t> gap(0, 2 * g.emission_interval().count());
    time_point now = t0;
    for (int i = 0; i < 2000; ++i) {
        auto const n = units(rng);
        auto const v = g.check(n, now);
        REQUIRE_FALSE(v.impossible());
        if (!v.admitted()) {
            REQUIRE_FALSE(g.check(n, now + v.wait - 1ns).admitted());
            now += v.wait;
            REQUIRE(g.check(n, now).admitted());
        }
        g.commit(n, now);
        now += nanoseconds{gap(rng)};
    }
}

TEST_CASE(
    "pacing core: over 10 minutes of random arrivals the server's rule never refuses a request we admit",
    "[pacing][gcra][property]") {
    auto const limit = GENERATE(600, 90, 3000, 60, 1);
    auto const seed = GENERATE(1u, 2u, 3u);
    auto const load = GENERATE(0.7, 2.0);
    CAPTURE(limit, seed, load);
    auto const burst = static_cast<std::int64_t>(paced::pacing::default_burst(limit));
    auto const sim = simulate(gcra(limit), seed, 10min, load);

    reference_server server(limit, burst);
    for (auto t : sim.admitted)
        REQUIRE(server.admit(1, t));

    // GCRA's bound on any closed window of length w: B + floor(w / T) requests.
    nanoseconds const period = nanoseconds{60s} / limit;
    for (nanoseconds w : {nanoseconds{period}, nanoseconds{1s}, nanoseconds{60s}}) {
        CAPTURE(w.count());
        CHECK(max_in_window(sim.admitted, w) <= static_cast<std::size_t>(burst + w / period));
    }
    // Never more than the limit plus one burst in a minute; never more than B + 1 in one period.
    CHECK(max_in_window(sim.admitted, 60s) <= static_cast<std::size_t>(limit + burst));
    CHECK(max_in_window(sim.admitted, period) <= static_cast<std::size_t>(burst + 1));
    // A demand of twice the limit keeps the budget busy: it is used, not wasted.
    if (load > 1)
        CHECK(sim.admitted.size() >= static_cast<std::size_t>(limit * 10));
}

TEST_CASE("pacing core: under saturation the budget is used exactly: B + 10 min / T requests in 10 minutes",
          "[pacing][gcra]") {
    gcra g(600);
    std::size_t admitted = 0;
    time_point now = t0;
    while (now <= t0 + 10min) {
        auto const v = g.check(1, now);
        if (v.admitted()) {
            g.commit(1, now);
            ++admitted;
        } else {
            now += v.wait;
        }
    }
    CHECK(admitted == 10 + 6000);
}

TEST_CASE("pacing core: with a latency allowance, requests delayed up to it on the way (and overtaking each "
          "other) are all admitted by the server",
          "[pacing][gcra][property]") {
    auto const seed = GENERATE(11u, 12u, 13u, 14u);
    CAPTURE(seed);
    nanoseconds const allowance = 50ms;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> latency(0, allowance.count());

    auto arrivals_of = [&](std::vector<time_point> const& sent) {
        std::vector<time_point> arrivals;
        for (auto t : sent)
            arrivals.push_back(t + nanoseconds{latency(rng)});
        std::sort(arrivals.begin(), arrivals.end());
        return arrivals;
    };
    auto refused = [](std::vector<time_point> const& arrivals) {
        reference_server server(600, 10);
        return std::count_if(arrivals.begin(), arrivals.end(),
                             [&](time_point t) { return !server.admit(1, t); });
    };

    // A load below the limit: the bucket often runs empty, and every restart is a burst.
    auto const paced = simulate(gcra(600, {}, allowance), seed, 10min, 0.8);
    CHECK(refused(arrivals_of(paced.admitted)) == 0);

    // Why the allowance exists: the exact rule, delayed the same way, is refused now and then.
    auto const exact = simulate(gcra(600), seed, 10min, 0.8);
    CHECK(refused(arrivals_of(exact.admitted)) > 0);
}

TEST_CASE("pacing core: a latency allowance costs part of the idle burst, not the sustained rate",
          "[pacing][gcra]") {
    gcra g(600, {}, 50ms);
    int burst = 0;
    while (g.check(1, t0).admitted()) {
        g.commit(1, t0);
        ++burst;
    }
    CHECK(burst == 9); // 50 ms + 9 * 100 ms <= 1 s
    time_point now = t0;
    for (int i = 0; i < 50; ++i) {
        now += g.check(1, now).wait;
        g.commit(1, now);
        CHECK(g.check(1, now).wait == 100ms);
    }
}

TEST_CASE("pacing core: one request per minute admits a request when nothing is outstanding",
          "[pacing][gcra]") {
    gcra g(1, {}, 200ms);
    REQUIRE(g.check(1, t0).admitted());
    g.commit(1, t0);
    auto const v = g.check(1, t0);
    CHECK(v.wait == 60s + 200ms);
    CHECK(g.check(1, t0 + v.wait).admitted());
}

TEST_CASE("pacing core: tokens are paced like requests, per token", "[pacing][gcra]") {
    gcra g(60000); // T = 1 ms per token, B = 1000 tokens
    REQUIRE(g.burst() == 1000);
    REQUIRE(g.check(500, t0).admitted());
    g.commit(500, t0);
    REQUIRE(g.check(500, t0).admitted());
    g.commit(500, t0);
    CHECK(g.check(500, t0).wait == 500ms);
    CHECK(g.check(1, t0).wait == 1ms);
}

TEST_CASE(
    "pacing core: a charge above the burst waits until nothing is outstanding, above the limit it never "
    "fits",
    "[pacing][gcra]") {
    gcra g(60000);
    REQUIRE(g.check(5000, t0).admitted()); // nothing outstanding: up to the per-minute limit fits
    g.commit(5000, t0);
    CHECK(g.check(5000, t0).wait == 5s);
    CHECK(g.check(60000, t0 + 5s).admitted());
    CHECK(g.check(60001, t0 + 1h).impossible());
    CHECK(gcra(1).check(2, t0).impossible());
}

TEST_CASE("pacing core: a scope admits only when both dimensions admit, and then charges both",
          "[pacing][gcra]") {
    scope_state s({600.0, {}}, {60000.0, {}});
    REQUIRE(s.check({1, 1000}, t0).admitted());
    s.commit({1, 1000}, t0);
    CHECK(s.requests().available(t0) == 9);
    CHECK(s.tokens().available(t0) == 0);
    CHECK(s.check({1, 0}, t0).admitted());
    CHECK(s.check({1, 200}, t0).wait == 200ms);
    CHECK(s.check({1, 60001}, t0).impossible());
}

TEST_CASE("pacing core: a scope without limits admits everything", "[pacing][gcra]") {
    scope_state s;
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(s.check({1, 1'000'000}, t0).admitted());
        s.commit({1, 1'000'000}, t0);
    }
}

TEST_CASE("pacing core: a token refund moves tat back, never below now", "[pacing][gcra]") {
    scope_state s({}, {60000.0, {}});
    s.commit({1, 1000}, t0);
    REQUIRE(s.check({1, 300}, t0).wait == 300ms);
    s.adjust_tokens(-200, t0);
    CHECK(s.check({1, 300}, t0).wait == 100ms);
    s.adjust_tokens(-1'000'000, t0);
    CHECK(s.tokens().tat() == t0);
    CHECK(s.tokens().available(t0) == 1000);
    // Time that has passed is not refundable.
    s.adjust_tokens(-500, t0 + 10s);
    CHECK(s.tokens().tat() == t0);
    // A positive adjustment spends more.
    s.adjust_tokens(+1500, t0);
    CHECK(s.check({1, 1}, t0).wait == 501ms);
}

TEST_CASE("pacing core: observe tightens when the server reports fewer remaining than we believe",
          "[pacing][gcra]") {
    scope_state s({600.0, {}}, {60000.0, {}});
    rate_limit_snapshot snap;
    snap.remaining_requests = 2;
    snap.remaining_tokens = 100;
    CHECK(s.observe(snap, t0, true));
    CHECK(s.requests().available(t0) == 2);
    CHECK(s.tokens().available(t0) == 100);
    for (int i = 0; i < 2; ++i) {
        REQUIRE(s.check({1, 0}, t0).admitted());
        s.commit({1, 0}, t0);
    }
    CHECK(s.check({1, 0}, t0).wait == 100ms);
}

TEST_CASE("pacing core: observe never loosens our state from the server's numbers", "[pacing][gcra]") {
    scope_state s({600.0, {}}, {});
    for (int i = 0; i < 10; ++i)
        s.commit({1, 0}, t0);
    auto const tat = s.requests().tat();
    rate_limit_snapshot snap;
    snap.remaining_requests = 599; // e.g. a minute-window count: more than our burst estimate
    snap.limit_requests = 10000;   // a higher limit than configured is not adopted
    CHECK_FALSE(s.observe(snap, t0, true));
    CHECK(s.requests().tat() == tat);
    CHECK(s.requests().limit() == 600);
}

TEST_CASE("pacing core: unset limits are learnt from x-ratelimit-limit-*, then remaining applies",
          "[pacing][gcra]") {
    scope_state s;
    rate_limit_snapshot snap;
    snap.limit_requests = 600;
    snap.remaining_requests = 3;
    snap.limit_tokens = 60000;
    CHECK(s.observe(snap, t0, true));
    CHECK(s.requests().limit() == 600);
    CHECK(s.requests().burst() == 10);
    CHECK(s.requests().available(t0) == 3);
    CHECK(s.tokens().limit() == 60000);
    CHECK(s.tokens().available(t0) == 1000);
}

TEST_CASE("pacing core: learning keeps a configured burst, adopts a lower limit, and can be disabled",
          "[pacing][gcra]") {
    scope_state s({{}, 4.0}, {});
    rate_limit_snapshot snap;
    snap.limit_requests = 600;
    CHECK_FALSE(s.observe(snap, t0, false));
    CHECK_FALSE(s.requests().limited());
    CHECK(s.observe(snap, t0, true));
    CHECK(s.requests().burst() == 4);

    // A lower limit tightens, and keeps the units outstanding.
    s.commit({2, 0}, t0); // 200 ms outstanding at 600/min: 2 units
    snap.limit_requests = 300;
    CHECK(s.observe(snap, t0, true));
    CHECK(s.requests().limit() == 300);
    CHECK(s.requests().until_full(t0) == 400ms); // still 2 units, now 200 ms each

    // A limit of 0 (no limit on the server) teaches nothing.
    scope_state u;
    snap.limit_requests = 0;
    CHECK_FALSE(u.observe(snap, t0, true));
    CHECK_FALSE(u.requests().limited());
}

TEST_CASE("pacing core: a pause admits nothing before its end, then one request, then one per T",
          "[pacing][gcra]") {
    scope_state s({600.0, {}}, {});
    s.pause(2s, t0);
    CHECK(s.paused_until() == t0 + 2s);
    CHECK(s.check({1, 0}, t0).wait == 2s);
    CHECK(s.check({1, 0}, t0 + 2s - 1ns).wait == 1ns);
    REQUIRE(s.check({1, 0}, t0 + 2s).admitted());
    s.commit({1, 0}, t0 + 2s);
    // T at the lowered rate: 450/min after the 429 (see the next test).
    auto const wait = s.check({1, 0}, t0 + 2s).wait;
    CHECK(wait >= nanoseconds{133'333'333});
    CHECK(wait <= nanoseconds{133'333'336}); // nanosecond rounding of T and of the burst capacity

    // A shorter pause does not shorten a longer one.
    s.pause(1s, t0);
    CHECK(s.paused_until() == t0 + 2s);
}

TEST_CASE("pacing core: a pause holds an unpaced scope too", "[pacing][gcra]") {
    scope_state s;
    s.pause(500ms, t0);
    CHECK(s.check({1, 10}, t0).wait == 500ms);
    CHECK(s.check({1, 10}, t0 + 500ms).admitted());
}

TEST_CASE("pacing core: invalid limits are typed errors", "[pacing][gcra]") {
    auto const bad = GENERATE(0.0, -1.0, std::numeric_limits<double>::infinity(), std::nan(""));
    CAPTURE(bad);
    try {
        gcra g(bad);
        FAIL("accepted");
    } catch (paced::error const& e) {
        CHECK(e.code() == paced::errc::invalid_argument);
    }
    CHECK_THROWS_AS(scope_state({600.0, bad}, {}), paced::error);
}

TEST_CASE("pacing core: a 429 lowers the request rate to 3/4, once per second of answers", "[pacing][gcra]") {
    scope_state s({600.0, {}}, {60000.0, {}});
    CHECK(s.share() == 1.0);
    s.pause(1s, t0);
    CHECK(s.share() == 0.75);
    CHECK(s.requests().limit() == Approx(450.0));
    CHECK(s.tokens().limit() == Approx(60000.0)); // tokens keep their limit
    // The other requests in flight get their 429s too: one signal, not many.
    s.pause(1s, t0 + 300ms);
    s.pause(1s, t0 + 999ms);
    CHECK(s.share() == 0.75);
    s.pause(1s, t0 + 1s);
    CHECK(s.share() == Approx(0.5625));
    CHECK(s.requests().limit() == Approx(337.5));
}

TEST_CASE("pacing core: after 429s the rate never drops below a tenth of the limit", "[pacing][gcra]") {
    scope_state s({600.0, {}}, {});
    for (int i = 0; i < 40; ++i)
        s.pause(1s, t0 + std::chrono::seconds(2 * i));
    CHECK(s.share() == Approx(0.1));
    CHECK(s.requests().limit() == Approx(60.0));
}

TEST_CASE("pacing core: the request rate climbs back by 5% of the limit every 5 s without a 429",
          "[pacing][gcra]") {
    scope_state s({600.0, {}}, {});
    s.pause(1s, t0); // 450/min
    // No recovery before 5 s.
    s.commit({1, 0}, t0 + 4s);
    CHECK(s.share() == 0.75);
    s.commit({1, 0}, t0 + 5s);
    CHECK(s.share() == Approx(0.80));
    s.commit({1, 0}, t0 + 6s);
    CHECK(s.share() == Approx(0.80));
    time_point t = t0 + 5s;
    for (int i = 0; i < 10; ++i) {
        t += 5s;
        s.commit({1, 0}, t);
    }
    CHECK(s.share() == 1.0);
    CHECK(s.requests().limit() == Approx(600.0)); // back to the limit, never above
}

TEST_CASE("pacing core: an unpaced scope has nothing to lower on a 429", "[pacing][gcra]") {
    scope_state s;
    s.pause(1s, t0);
    CHECK(s.share() == 1.0);
    CHECK_FALSE(s.requests().limited());
    // A limit learnt later starts at the share in force.
    rate_limit_snapshot snap;
    snap.limit_requests = 600;
    CHECK(s.observe(snap, t0 + 2s, true));
    CHECK(s.requests().limit() == Approx(600.0));
}
