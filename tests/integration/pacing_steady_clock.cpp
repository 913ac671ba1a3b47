// local_budget on the clock every user gets: the steady clock and asio::steady_timer. The unit tests
// check the queues exactly on a manual clock (tests/unit/pacing_local_budget.cpp); these check, with
// real waits of a few milliseconds, that the default timers wake the queues no earlier than the rule
// allows and stop when nobody waits. Assertions are lower bounds on elapsed time, never upper ones.

#include "common/run_coro.hpp"

#include <paced/pacing/local_budget.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

paced::budget_scope const org{};

} // namespace

TEST_CASE("local_budget: on the steady clock, the waits beyond the burst take the rule's time",
          "[pacing][budget][steady]") {
    asio::io_context ioc;
    paced::budget_options o;
    o.defaults.requests_per_minute = 60000; // one per ms
    o.defaults.burst_requests = 3;
    o.latency_allowance = 0ns;
    paced::local_budget b(ioc.get_executor(), o);
    using clock = std::chrono::steady_clock;
    std::vector<int> order;
    std::vector<clock::time_point> admitted(12);
    clock::time_point first_call{};
    int failures = 0;
    for (int i = 0; i < 12; ++i)
        asio::co_spawn(
            ioc,
            [&, i]() -> asio::awaitable<void> {
                if (i == 0)
                    first_call = clock::now();
                co_await b.acquire(org, {});
                admitted[static_cast<std::size_t>(i)] = clock::now();
                order.push_back(i);
            },
            [&failures](std::exception_ptr e) { failures += e ? 1 : 0; });
    ioc.run_for(30s);
    REQUIRE(ioc.stopped()); // the timer stopped with the last waiter
    CHECK(failures == 0);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    // Never faster than the rule: the rule starts no earlier than the first call, three pass at once,
    // and the k-th beyond the burst is due k ms later. Lower bounds only: a loaded machine may start
    // the coroutines late or wake them late (then they wait less, or not at all), never early.
    for (int i = 3; i < 12; ++i) {
        INFO("admission " << i);
        CHECK(admitted[static_cast<std::size_t>(i)] - first_call >= std::chrono::milliseconds(i - 2));
    }
    CHECK(b.counters().waited >= 1);
}

TEST_CASE("local_budget: on the steady clock, a wait given up stops the budget's timer",
          "[pacing][budget][steady][cancel]") {
    asio::io_context ioc;
    paced::budget_options o;
    o.defaults.requests_per_minute = 1; // the next one would be due in a minute
    paced::local_budget b(ioc.get_executor(), o);
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await b.acquire(org, {});
        asio::steady_timer patience(co_await asio::this_coro::executor, 5ms);
        auto r = co_await (b.acquire(org, {}) || patience.async_wait(asio::use_awaitable));
        CHECK(r.index() == 1);
    }());
    // The io_context runs out of work (a timer still due in a minute would keep it running for the
    // whole 10 s): the budget's timer was cancelled with its last waiter.
    ioc.restart();
    ioc.run_for(10s);
    CHECK(ioc.stopped());
    CHECK(b.counters().cancelled == 1);
    CHECK_FALSE(b.next_admission());
}
