// Redis stopped and restarted under a running budget: waiters hold and continue, or fail with
// budget_unavailable once the deadline has passed; nothing is admitted while Redis is away.

#include <paced/error.hpp>
#include <paced/pacing/redis_budget.hpp>

#include "common/redis_server.hpp"
#include "common/run_coro.hpp"

#include <catch2/catch.hpp>

#if PACED_HAS_REDIS

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using paced::test::redis_server;
using paced::test::run_coro;
using clock_type = std::chrono::steady_clock;

namespace {

// Named scopes: GCC 12 destroys a braced budget_scope temporary inside a co_await expression twice.
paced::budget_scope const org{};

paced::redis_budget_options options_for(redis_server const& server, std::string prefix) {
    paced::redis_budget_options o;
    o.url = server.url();
    o.key_prefix = std::move(prefix);
    o.limits.defaults.requests_per_minute = 6000;
    o.backoff_initial = 20ms;
    o.backoff_max = 200ms;
    return o;
}

paced::errc error_of(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (paced::error const& err) {
        return static_cast<paced::errc>(err.code().value());
    }
}

} // namespace

TEST_CASE("redis restart: acquires hold while Redis is down and continue once it is back",
          "[redis][restart]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "restart");
    o.reconnect_deadline = 20s;
    paced::redis_budget budget{ioc.get_executor(), o};
    std::thread restarter;
    std::atomic<bool> restarted{false};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(org, {});
        server.stop();
        restarter = std::thread([&] {
            std::this_thread::sleep_for(700ms);
            // Set before the server is back (start() returns only once it answers, and the budget may
            // reconnect and admit before that return): no acquire can complete before this point.
            restarted = true;
            server.start();
        });
        auto const start = clock_type::now();
        for (int i = 0; i < 3; ++i)
            co_await budget.acquire(org, {});
        CHECK(restarted.load()); // nothing was admitted while Redis was away
        CHECK(clock_type::now() - start >= 650ms);
    }());
    restarter.join();
    auto const c = budget.counters();
    CHECK(c.acquired == 4);
    CHECK(c.unavailable == 0);
    CHECK(c.connects >= 2);
    CHECK(c.connect_failures >= 1);
}

TEST_CASE("redis restart: many waiters of a paced queue all get through a restart, none lost",
          "[redis][restart]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "restart-queue");
    o.limits.defaults.requests_per_minute = 1200; // B = 20, T = 50 ms
    o.reconnect_deadline = 20s;
    paced::redis_budget budget{ioc.get_executor(), o};
    std::thread restarter;
    int done = 0;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(org, {});
        auto ex = co_await asio::this_coro::executor;
        for (int i = 0; i < 40; ++i)
            asio::co_spawn(
                ex,
                [&]() -> asio::awaitable<void> {
                    co_await budget.acquire(org, {});
                    ++done;
                },
                asio::detached);
        restarter = std::thread([&] {
            std::this_thread::sleep_for(300ms);
            server.stop();
            std::this_thread::sleep_for(500ms);
            server.start();
        });
        asio::steady_timer t{ex};
        for (int i = 0; i < 1000 && done < 40; ++i) {
            t.expires_after(20ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    }());
    restarter.join();
    CHECK(done == 40);
    CHECK(budget.counters().acquired == 41);
    CHECK(budget.counters().unavailable == 0);
}

TEST_CASE("redis restart: past the deadline waiters fail with budget_unavailable, later ones succeed again",
          "[redis][restart]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "restart-deadline");
    o.reconnect_deadline = 500ms;
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(org, {});
        server.stop();
        auto const start = clock_type::now();
        std::exception_ptr e;
        try {
            co_await budget.acquire(org, {});
        } catch (...) {
            e = std::current_exception();
        }
        REQUIRE(e);
        CHECK(error_of(e) == paced::errc::budget_unavailable);
        CHECK(clock_type::now() - start >= 490ms);
        server.start();
        co_await budget.acquire(org, {});
    }());
    auto const c = budget.counters();
    CHECK(c.acquired == 2);
    CHECK(c.unavailable == 1);
}

#endif
