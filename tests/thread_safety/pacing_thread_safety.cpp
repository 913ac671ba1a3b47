// Thread safety of the thread_safe budget and semaphore under contention: real threads and real timers,
// so not a unit test (tests/CMakeLists.txt builds tests/thread_safety/ into the integration binary). Meant
// to run under ThreadSanitizer (-DPACED_SANITIZE=thread), and checks its invariants in every build.

#include <paced/pacing/async_semaphore.hpp>
#include <paced/pacing/local_budget.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

asio::awaitable<void> sleep_for(std::chrono::steady_clock::duration d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

struct tallies {
    std::atomic<int> granted{0};
    std::atomic<int> gave_up{0};
    std::atomic<int> holders{0};
    std::atomic<int> max_holders{0};
    std::atomic<int> failures{0};
    std::atomic<int> finished{0};
};

paced::budget_scope const org{};
paced::budget_scope const model{"gpt-4o", ""};

// One client coroutine: a permit of the semaphore, then budget units; every third round gives up
// waiting for the budget after a short time (cancellation from the coroutine's own strand).
asio::awaitable<void> client(paced::local_budget& budget, paced::async_semaphore& sem, tallies& t, int id) {
    for (int round = 0; round < 5; ++round) {
        auto permit = co_await sem.acquire();
        int const now_holding = ++t.holders;
        int seen = t.max_holders.load();
        while (now_holding > seen && !t.max_holders.compare_exchange_weak(seen, now_holding)) {
        }
        auto const& scope = (id % 2) ? org : model;
        if ((id + round) % 3 == 0) {
            auto r = co_await (budget.acquire(scope, {1, 10}) || sleep_for(200us));
            (r.index() == 0 ? t.granted : t.gave_up)++;
        } else {
            co_await budget.acquire(scope, {1, 10});
            t.granted++;
        }
        --t.holders;
    }
}

// Calls the synchronous side of the budget while the clients run.
asio::awaitable<void> meddler(paced::local_budget& budget, std::atomic<bool>& stop) {
    paced::rate_limit_snapshot snap;
    snap.limit_requests = 600000;
    snap.remaining_requests = 25;
    while (!stop.load()) {
        budget.observe(model, snap);
        budget.adjust_tokens(org, -5);
        budget.adjust_tokens(model, 3);
        budget.pause(org, 100us);
        (void)budget.state(org);
        (void)budget.counters();
        co_await sleep_for(300us);
    }
}

paced::budget_options fast_budget() {
    paced::budget_options o;
    o.defaults.requests_per_minute = 600000; // one per 0.1 ms
    o.defaults.burst_requests = 20;
    o.defaults.tokens_per_minute = 6000000; // one per 10 us
    o.thread_safe = true;
    o.latency_allowance = 0ns; // a 2 ms burst could not absorb the default 50 ms allowance at full rate
    return o;
}

void spawn_clients(asio::io_context& ioc, paced::local_budget& budget, paced::async_semaphore& sem,
                   tallies& t, int first, int count) {
    for (int i = first; i < first + count; ++i)
        asio::co_spawn(asio::make_strand(ioc), client(budget, sem, t, i), [&t](std::exception_ptr e) {
            if (e)
                t.failures++;
            t.finished++;
        });
}

} // namespace

TEST_CASE("thread safety: one io_context run by four threads shares a budget and a semaphore",
          "[pacing][threads]") {
    asio::io_context ioc(4);
    paced::local_budget budget(ioc.get_executor(), fast_budget()); // timers on any of the four threads
    paced::async_semaphore sem(4, {.thread_safe = true});
    tallies t;
    std::atomic<bool> stop{false};
    spawn_clients(ioc, budget, sem, t, 0, 200);
    asio::co_spawn(asio::make_strand(ioc), meddler(budget, stop), asio::detached);
    std::thread watcher([&] {
        while (t.finished.load() < 200)
            std::this_thread::sleep_for(1ms);
        stop = true;
    });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] { ioc.run_for(120s); });
    for (auto& th : threads)
        th.join();
    watcher.join();

    CHECK(t.finished == 200);
    CHECK(t.failures == 0);
    CHECK(t.granted + t.gave_up == 1000);
    CHECK(t.max_holders <= 4);
    CHECK(sem.available() == 4);
    CHECK(sem.waiters() == 0);
    auto const c = budget.counters();
    CHECK(c.acquired == static_cast<std::uint64_t>(t.granted.load()));
    CHECK(budget.state(org).waiters == 0);
    CHECK(budget.state(model).waiters == 0);
}

TEST_CASE("thread safety: two io_contexts, one thread each, share a budget and a semaphore",
          "[pacing][threads]") {
    asio::io_context first(1), second(1);
    paced::local_budget budget(first.get_executor(), fast_budget());
    paced::async_semaphore sem(3, {.thread_safe = true});
    tallies t;
    std::atomic<bool> stop{false};
    spawn_clients(first, budget, sem, t, 0, 100);
    spawn_clients(second, budget, sem, t, 100, 100);
    asio::co_spawn(second, meddler(budget, stop), asio::detached);
    // The budget's timers live on `first`: keep it running until every client is done.
    auto guard = asio::make_work_guard(first);
    std::thread a([&] { first.run_for(120s); });
    std::thread b([&] { second.run_for(120s); });
    while (t.finished.load() < 200 && !first.stopped())
        std::this_thread::sleep_for(1ms);
    stop = true;
    b.join();
    guard.reset();
    a.join();

    CHECK(t.finished == 200);
    CHECK(t.failures == 0);
    CHECK(t.granted + t.gave_up == 1000);
    CHECK(t.max_holders <= 3);
    CHECK(sem.available() == 3);
    CHECK(budget.counters().acquired == static_cast<std::uint64_t>(t.granted.load()));
}
