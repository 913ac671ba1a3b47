// The shared budget's script arithmetic, through a real redis-server on loopback.

#include <paced/error.hpp>
#include <paced/pacing/redis_budget.hpp>

#include "common/redis_server.hpp"
#include "common/run_coro.hpp"

#include <catch2/catch.hpp>

#if PACED_HAS_REDIS

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using paced::test::redis_server;
using paced::test::run_coro;
using clock_type = std::chrono::steady_clock;

namespace {

// Named scopes: GCC 12 destroys a braced budget_scope temporary inside a co_await expression twice.
paced::budget_scope const org{};
paced::budget_scope const other_model{.model = "other"};
paced::budget_scope const files_create{.endpoint = "files.create"};
paced::budget_scope const gpt_4o{.model = "gpt-4o"};
paced::budget_scope const unconfigured{.endpoint = "unconfigured"};

paced::redis_budget_options options_for(redis_server const& server, std::string prefix) {
    paced::redis_budget_options o;
    o.url = server.url();
    o.key_prefix = std::move(prefix);
    o.limits.latency_allowance = 0ms; // exactly the server's rule, so that the arithmetic can be checked
    o.reconnect_deadline = 2s;
    return o;
}

asio::awaitable<void> sleep_for(clock_type::duration d) {
    asio::steady_timer t{co_await asio::this_coro::executor, d};
    co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<void> until_connected(paced::redis_budget const& b) {
    for (int i = 0; i < 500 && !b.connected(); ++i)
        co_await sleep_for(10ms);
    REQUIRE(b.connected());
}

/// The server's clock in microseconds.
long long server_now_us(redis_server const& s) {
    auto const t = s.command({"TIME"});
    auto const space = t.find(' ');
    return std::stoll(t.substr(0, space)) * 1'000'000 + std::stoll(t.substr(space + 1));
}

/// tat - now in microseconds for a key (negative when absent).
long long outstanding_us(redis_server const& s, std::string const& key) {
    auto const v = s.command({"GET", key});
    if (v == "(nil)")
        return -1;
    return std::stoll(v) - server_now_us(s);
}

paced::errc error_of(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (paced::error const& err) {
        return static_cast<paced::errc>(err.code().value());
    }
}

std::string message_of(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (paced::error const& err) {
        return err.what();
    }
}

} // namespace

TEST_CASE("redis budget: the burst is admitted at once, then requests are paced at the rate", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "burst");
    o.limits.defaults.requests_per_minute = 600; // T = 100 ms, B = 10
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 10; ++i)
            co_await budget.acquire(org, {});
        CHECK(budget.counters().waited == 0);
        // Ten charges of 100 ms each: the bucket is full for about a second.
        auto const out = outstanding_us(server, "burst:org:req");
        CHECK(out > 800'000);
        CHECK(out <= 1'000'000);

        auto const start = clock_type::now();
        for (int i = 0; i < 5; ++i)
            co_await budget.acquire(org, {});
        auto const elapsed = clock_type::now() - start;
        CHECK(budget.counters().waited == 5);
        CHECK(budget.counters().acquired == 15);
        // Five more, one per 100 ms, with the burst spent: at least ~400 ms (the first may come early).
        CHECK(elapsed >= 380ms);
    }());
}

TEST_CASE("redis budget: next_admission names the wait Redis gave the head of the queue", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "next");
    o.limits.defaults = {.requests_per_minute = 60, .burst_requests = 1}; // one per second
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        CHECK_FALSE(budget.next_admission()); // nobody waits
        co_await budget.acquire(org, {});
        auto const asked = clock_type::now();
        using namespace asio::experimental::awaitable_operators;
        std::optional<clock_type::time_point> seen;
        auto watch = [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 100 && !seen; ++i) {
                co_await sleep_for(10ms);
                seen = budget.next_admission();
            }
        };
        co_await (budget.acquire(org, {}) && watch());
        REQUIRE(seen);
        // The script's wait for the second request: about a second after the first.
        CHECK(*seen > asked + 800ms);
        CHECK(*seen < asked + 1100ms);
        CHECK_FALSE(budget.next_admission()); // admitted: nobody waits any more
    }());
}

TEST_CASE("redis budget: tokens are charged and paced like requests", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "tokens");
    o.limits.defaults.tokens_per_minute = 6000; // 10 ms per token, B = 100 tokens
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(org, {.requests = 1, .tokens = 100});
        CHECK(budget.counters().waited == 0);
        auto const out = outstanding_us(server, "tokens:org:tok");
        CHECK(out > 800'000);
        CHECK(out <= 1'000'000);
        CHECK(outstanding_us(server, "tokens:org:req") == -1); // no requests limit: nothing stored

        auto const start = clock_type::now();
        co_await budget.acquire(org, {.requests = 1, .tokens = 50}); // 50 tokens free up after 500 ms
        CHECK(clock_type::now() - start >= 450ms);
        CHECK(budget.counters().waited == 1);
    }());
}

TEST_CASE("redis budget: a request above a per-minute limit fails at once with request_too_large",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "large");
    o.limits.defaults = {.requests_per_minute = 600, .tokens_per_minute = 1000};
    o.limits.per_endpoint["files.create"] = {.requests_per_minute = 60, .tokens_per_minute = 10};
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(budget);
        auto const trips = budget.counters().round_trips;
        std::exception_ptr e1, e2;
        try {
            co_await budget.acquire(org, {.requests = 1, .tokens = 1001});
        } catch (...) {
            e1 = std::current_exception();
        }
        try {
            co_await budget.acquire(files_create, {.requests = 1, .tokens = 11});
        } catch (...) {
            e2 = std::current_exception();
        }
        REQUIRE(e1);
        REQUIRE(e2);
        CHECK(error_of(e1) == paced::errc::request_too_large);
        CHECK(error_of(e2) == paced::errc::request_too_large);
        CHECK(message_of(e2).find("can never fit the per-minute limits of model '', endpoint 'files.create'; "
                                  "global requests/min 600") != std::string::npos);
        CHECK(message_of(e2).find("; endpoint tokens/min 10") != std::string::npos);
        CHECK(budget.counters().round_trips == trips); // decided without asking Redis
        CHECK(budget.counters().too_large == 2);
        co_await budget.acquire(org, {.requests = 1, .tokens = 1000}); // exactly the limit fits
    }());
}

TEST_CASE("redis budget: one budget object's pause holds back another sharing the prefix", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "pause");
    o.limits.defaults.requests_per_minute = 600;
    paced::redis_budget a{ioc.get_executor(), o};
    paced::redis_budget b{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(a);
        a.pause({}, 1s);
        for (int i = 0; i < 200 && server.command({"EXISTS", "pause:org:pause"}) != "1"; ++i)
            co_await sleep_for(5ms);
        REQUIRE(server.command({"EXISTS", "pause:org:pause"}) == "1");
        auto const start = clock_type::now();
        co_await b.acquire(org, {});
        CHECK(clock_type::now() - start >= 850ms);
        CHECK(b.counters().waited == 1);
        // The 429 lowered the shared request rate to 3/4 (600 -> 450 a minute: one per 133,333 us, and
        // the default burst for 450, 7, spans 933,333 us). After a pause one request, then one per
        // interval: the bucket is treated as full, so b's request leaves a whole burst outstanding.
        CHECK(server.command({"GET", "pause:org:share"}).starts_with("0.75 "));
        auto const out = outstanding_us(server, "pause:org:req");
        CHECK(out > 800'000);
        CHECK(out <= 933'334);
        // The pause key expires with the pause (give or take the few milliseconds between b's clock,
        // which released it, and Redis's expiry).
        for (int i = 0; i < 20 && server.command({"EXISTS", "pause:org:pause"}) != "0"; ++i)
            co_await sleep_for(5ms);
        CHECK(server.command({"EXISTS", "pause:org:pause"}) == "0");
    }());
}

/// The fraction of its request limit a scope uses after 429s, as its share key holds it (1 when absent).
double stored_share(redis_server const& s, std::string const& key) {
    auto const v = s.command({"GET", key});
    return v == "(nil)" ? 1.0 : std::stod(v.substr(0, v.find(' ')));
}

/// Sets a share as if a 429 had lowered it `ago` before the server's now.
void set_share(redis_server const& s, std::string const& key, std::string_view share,
               std::chrono::seconds ago) {
    auto const at = server_now_us(s) - std::chrono::duration_cast<std::chrono::microseconds>(ago).count();
    s.command({"SET", key, std::string{share} + " " + std::to_string(at)});
}

TEST_CASE("redis budget: a 429 lowers the shared request rate to 3/4, once per second of answers",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "share");
    o.limits.layout = paced::rate_layout::per_model; // each model a budget of its own, as on the server
    o.limits.defaults.requests_per_minute = 600;
    o.limits.per_model["unpaced"] = {.tokens_per_minute = 1000};
    paced::redis_budget a{ioc.get_executor(), o};
    paced::redis_budget b{ioc.get_executor(), o};
    paced::budget_scope const m{.model = "m"};
    paced::budget_scope const unpaced{.model = "unpaced"};
    std::string const key = "share:model:m:share";
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(a);
        co_await until_connected(b);
        a.pause(m, 1ms);
        co_await a.acquire(other_model, {}); // same connection: the pause is in Redis now
        CHECK(stored_share(server, key) == 0.75);
        // Back at 1 after 5 steps of 5 s (+1 s): the key expires then.
        auto const ttl = std::stoll(server.command({"PTTL", key}));
        CHECK(ttl > 20'000);
        CHECK(ttl <= 31'000);
        // The other requests in flight get their 429s too, in any process: one signal, not many.
        b.pause(m, 1ms);
        co_await b.acquire(other_model, {});
        CHECK(stored_share(server, key) == 0.75);
        // A second later it is a new signal.
        set_share(server, key, "0.75", std::chrono::seconds{2});
        b.pause(m, 1ms);
        co_await b.acquire(other_model, {});
        CHECK(stored_share(server, key) == Approx(0.5625));
        // Never below a tenth of the limit.
        set_share(server, key, "0.1", std::chrono::seconds{2});
        a.pause(m, 1ms);
        co_await a.acquire(other_model, {});
        CHECK(stored_share(server, key) == Approx(0.1));
        // A scope without a request limit has no rate to lower.
        a.pause(unpaced, 1ms);
        co_await a.acquire(other_model, {});
        CHECK(server.command({"EXISTS", "share:model:unpaced:share"}) == "0");
    }());
}

TEST_CASE("redis budget: after 429s the shared request rate climbs back by 5% every 5 s", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "climb");
    o.limits.layout = paced::rate_layout::per_model; // each model a budget of its own, as on the server
    o.limits.defaults.requests_per_minute = 600;
    paced::redis_budget budget{ioc.get_executor(), o};
    paced::budget_scope const m{.model = "m"};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(budget);
        // Lowered to half 12 s ago: two steps since, 0.6 of 600 a minute = one request per 166,667 us.
        set_share(server, "climb:model:m:share", "0.5", std::chrono::seconds{12});
        co_await budget.acquire(m, {});
        co_await budget.acquire(m, {});
        auto out = outstanding_us(server, "climb:model:m:req");
        CHECK(out > 300'000);
        CHECK(out <= 333'334);
        // Lowered long ago: back at the full limit, one request per 100,000 us.
        set_share(server, "climb:model:m:share", "0.5", std::chrono::seconds{60});
        server.command({"DEL", "climb:model:m:req"});
        co_await budget.acquire(m, {});
        co_await budget.acquire(m, {});
        out = outstanding_us(server, "climb:model:m:req");
        CHECK(out > 170'000);
        CHECK(out <= 200'000);
        // The org-wide scope is a budget of its own: untouched.
        CHECK(server.command({"EXISTS", "climb:org:share"}) == "0");
    }());
}

TEST_CASE("redis budget: a lowered share lowers the default burst with the rate, not a configured one",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "burst");
    o.limits.layout = paced::rate_layout::per_model; // each model a budget of its own, as on the server
    o.limits.defaults.requests_per_minute = 600;     // default burst
    o.limits.per_model["set"] = {.requests_per_minute = 600, .burst_requests = 10}; // the same, configured
    paced::redis_budget budget{ioc.get_executor(), o};
    paced::budget_scope const m{.model = "m"};
    paced::budget_scope const set{.model = "set"};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(budget);
        // Half the limit: 300 a minute, whose default burst is 5.
        set_share(server, "burst:model:m:share", "0.5", std::chrono::seconds{0});
        set_share(server, "burst:model:set:share", "0.5", std::chrono::seconds{0});
        for (int i = 0; i < 5; ++i)
            co_await budget.acquire(m, {});
        CHECK(budget.counters().waited == 0);
        co_await budget.acquire(m, {});
        CHECK(budget.counters().waited == 1);
        // A configured burst of 10 stays 10 at the lowered rate.
        for (int i = 0; i < 10; ++i)
            co_await budget.acquire(set, {});
        CHECK(budget.counters().waited == 1);
        co_await budget.acquire(set, {});
        CHECK(budget.counters().waited == 2);
    }());
}

TEST_CASE("redis budget: a shorter pause never shortens a longer one", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "pauses");
    o.limits.layout = paced::rate_layout::per_model; // each model a budget of its own, as on the server
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(budget);
        budget.pause({.model = "m"}, 2s);
        budget.pause({.model = "m"}, 100ms);
        co_await budget.acquire(other_model, {}); // same connection: both pauses are in Redis now
        auto const left = std::stoll(server.command({"PTTL", "pauses:model:m:pause"}));
        CHECK(left > 1500);
        CHECK(left <= 2000);
    }());
}

TEST_CASE("redis budget: observe tightens the shared state to the server's remaining count", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "observe");
    o.limits.layout = paced::rate_layout::per_model; // each model a budget of its own, as on the server
    o.limits.defaults.requests_per_minute = 600;     // B = 10
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(budget);
        // Another client of the key spent 8 of the 10: the server says 2 remain.
        budget.observe({}, {.limit_requests = 600, .remaining_requests = 2});
        co_await budget.acquire(org, {});
        co_await budget.acquire(org, {});
        CHECK(budget.counters().waited == 0);
        co_await budget.acquire(org, {});
        CHECK(budget.counters().waited == 1);
        // Never loosens: a larger remaining count changes nothing.
        auto const before = server.command({"GET", "observe:org:req"});
        budget.observe({}, {.remaining_requests = 10});
        co_await budget.acquire(other_model, {}); // flushes the observe through the connection
        CHECK(server.command({"GET", "observe:org:req"}) == before);
    }());
}

TEST_CASE("redis budget: refunded tokens can be spent again, extra charges delay the next request",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "refund");
    o.limits.defaults.tokens_per_minute = 6000; // B = 100 tokens
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(org, {.requests = 1, .tokens = 100});
        budget.adjust_tokens({}, -100); // the estimate was all wrong: nothing was used
        co_await budget.acquire(org, {.requests = 1, .tokens = 100});
        CHECK(budget.counters().waited == 0);

        budget.adjust_tokens({}, 30); // the real usage was 130 (sent before the acquire below)
        auto const start = clock_type::now();
        co_await budget.acquire(org, {.requests = 1, .tokens = 100});
        CHECK(budget.counters().waited == 1);
        CHECK(clock_type::now() - start >= 250ms);
    }());
}

TEST_CASE("redis budget: an endpoint scope is charged with its model scope in one call", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "endpoint");
    o.limits.defaults.requests_per_minute = 6000;
    o.limits.per_endpoint["files.create"] = {.requests_per_minute = 60}; // B = 1, T = 1 s
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(files_create, {});
        co_await budget.acquire(org, {}); // the model scope alone is not held back
        co_await budget.acquire(unconfigured, {});
        CHECK(budget.counters().waited == 0);
        CHECK(outstanding_us(server, "endpoint:endpoint:files.create:req") > 900'000);
        CHECK(outstanding_us(server, "endpoint:endpoint:unconfigured:req") == -1);
        auto const start = clock_type::now();
        co_await budget.acquire(files_create, {});
        CHECK(clock_type::now() - start >= 900ms);
    }());
}

TEST_CASE("redis budget: a flushed script is loaded again (NOSCRIPT) without failing the acquire",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "noscript");
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(org, {});
        CHECK(server.command({"SCRIPT", "FLUSH"}) == "OK");
        co_await budget.acquire(org, {});
        co_await budget.acquire(org, {});
        CHECK(budget.counters().acquired == 3);
        CHECK(budget.counters().connects == 1);
    }());
}

TEST_CASE("redis budget: AUTH and SELECT from the URL are sent, a wrong password is budget_unavailable",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server{{"--requirepass", "s3cret"}};
    asio::io_context ioc;
    auto o = options_for(server, "auth");
    o.url = "redis://:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/3";
    o.limits.defaults.requests_per_minute = 60;
    paced::redis_budget good{ioc.get_executor(), o};
    o.url = "redis://:wrong@127.0.0.1:" + std::to_string(server.port()) + "/3";
    o.reconnect_deadline = 300ms;
    paced::redis_budget bad{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await good.acquire(org, {});
        auto const in_db3 = server.command(
            {"EVAL", "redis.call('SELECT', 3) return redis.call('EXISTS', KEYS[1])", "1", "auth:org:req"},
            "s3cret");
        CHECK(in_db3 == "1");
        std::exception_ptr e;
        try {
            co_await bad.acquire(org, {});
        } catch (...) {
            e = std::current_exception();
        }
        REQUIRE(e);
        CHECK(error_of(e) == paced::errc::budget_unavailable);
        try {
            std::rethrow_exception(e);
        } catch (paced::error const& err) {
            CHECK(std::string{err.what()}.find("AUTH") != std::string::npos);
            CHECK(std::string{err.what()}.find("wrong") == std::string::npos);
        }
        CHECK(bad.counters().acquired == 0);
    }());
}

TEST_CASE("redis budget: a cancelled waiter leaves the queue and spends nothing", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    using namespace asio::experimental::awaitable_operators;
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "cancel");
    o.limits.defaults.requests_per_minute = 60; // B = 1, T = 1 s
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(org, {});
        auto const before = server.command({"GET", "cancel:org:req"});
        asio::steady_timer t{co_await asio::this_coro::executor, 150ms};
        auto r = co_await (budget.acquire(org, {}) || t.async_wait(asio::use_awaitable));
        CHECK(r.index() == 1);
        co_await sleep_for(50ms);
        CHECK(budget.counters().cancelled == 1);
        CHECK(budget.counters().acquired == 1);
        CHECK(server.command({"GET", "cancel:org:req"}) == before);
    }());
}

TEST_CASE("redis budget: an unreachable Redis holds, then fails with budget_unavailable, nothing is admitted",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    std::uint16_t port = 0;
    {
        redis_server gone; // a port that was free a moment ago and now has nobody listening
        port = gone.port();
    }
    asio::io_context ioc;
    paced::redis_budget_options o;
    o.url = "redis://127.0.0.1:" + std::to_string(port);
    o.key_prefix = "down";
    o.reconnect_deadline = 400ms;
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto const start = clock_type::now();
        std::exception_ptr e;
        try {
            co_await budget.acquire(org, {});
        } catch (...) {
            e = std::current_exception();
        }
        REQUIRE(e);
        CHECK(error_of(e) == paced::errc::budget_unavailable);
        CHECK(clock_type::now() - start >= 390ms);
        auto const c = budget.counters();
        CHECK(c.acquired == 0);
        CHECK(c.unavailable == 1);
        CHECK(c.connect_failures >= 2); // it kept trying
    }());
}

TEST_CASE("redis budget: with fallback_local an unreachable Redis is replaced by a local share", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    std::uint16_t port = 0;
    {
        redis_server gone;
        port = gone.port();
    }
    asio::io_context ioc;
    paced::redis_budget_options o;
    o.url = "redis://127.0.0.1:" + std::to_string(port);
    o.key_prefix = "fallback";
    o.on_unavailable = paced::unavailable_policy::fallback_local;
    o.fallback_share = 0.25;
    o.limits.defaults.requests_per_minute = 480; // the fallback: 120/min, B = 2, T = 500 ms
    o.limits.latency_allowance = 0ms;
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto const start = clock_type::now();
        for (int i = 0; i < 3; ++i)
            co_await budget.acquire(org, {});
        CHECK(budget.counters().acquired_local == 3);
        CHECK(budget.counters().acquired == 0);
        CHECK(clock_type::now() - start >= 450ms); // paced at the share, not at the full limit
    }());
}

TEST_CASE("redis budget: an idle budget keeps no work on the io_context", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    paced::redis_budget budget{ioc.get_executor(), options_for(server, "idle")};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await budget.acquire(org, {});
        co_await budget.acquire(org, {});
    }());
    ioc.restart();
    ioc.run_for(3s);
    CHECK(ioc.stopped()); // run returned for lack of work, well before 3 s
    CHECK(budget.connected());
}

TEST_CASE("redis budget: bad options are invalid arguments", "[redis]") {
    asio::io_context ioc;
    auto make = [&](auto tweak) {
        paced::redis_budget_options o;
        tweak(o);
        try {
            paced::redis_budget b{ioc.get_executor(), o};
        } catch (paced::error const& e) {
            return static_cast<paced::errc>(e.code().value());
        }
        return paced::errc{};
    };
    CHECK(make([](auto& o) { o.url = "http://h"; }) == paced::errc::invalid_argument);
    CHECK(make([](auto& o) { o.key_prefix.clear(); }) == paced::errc::invalid_argument);
    CHECK(make([](auto& o) { o.fallback_share = 0; }) == paced::errc::invalid_argument);
    CHECK(make([](auto& o) { o.fallback_share = 1.5; }) == paced::errc::invalid_argument);
    CHECK(make([](auto& o) { o.limits.defaults.requests_per_minute = -1; }) == paced::errc::invalid_argument);
    CHECK(make([](auto& o) { o.reconnect_deadline = -1ms; }) == paced::errc::invalid_argument);
}

TEST_CASE("redis budget: by default every request of every process draws from the one global key",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "global");
    o.limits.defaults.requests_per_minute = 600; // B = 10
    paced::redis_budget a{ioc.get_executor(), o};
    paced::redis_budget b{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(a);
        co_await until_connected(b);
        for (int i = 0; i < 5; ++i) {
            co_await a.acquire(gpt_4o, {});       // runs
            co_await b.acquire(files_create, {}); // uploads, in another process
        }
        CHECK(a.counters().waited + b.counters().waited == 0);
        co_await a.acquire(org, {}); // the eleventh request of the key waits, whatever its scope
        CHECK(a.counters().waited == 1);
        CHECK(server.command({"EXISTS", "global:model:gpt-4o:req"}) == "0");
        CHECK(outstanding_us(server, "global:org:req") > 900'000);
    }());
}

TEST_CASE("redis budget: a refusal's lower limit is adopted without lowering the share, others lower it",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "lesson");
    o.limits.defaults.requests_per_minute = 600;
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(budget);
        paced::rate_limit_refusal lower;
        lower.cool_down = 1ms;
        lower.what = paced::rate_limit_refusal::dimension::requests;
        lower.limit = 60; // the server's budget is a tenth of what we were told
        budget.refused(gpt_4o, lower);
        co_await sleep_for(5ms);
        co_await budget.acquire(org, {});
        CHECK(server.command({"EXISTS", "lesson:org:share"}) == "0");
        // One request per second from now on: the second waits about a second.
        auto const start = clock_type::now();
        co_await budget.acquire(org, {});
        CHECK(clock_type::now() - start >= 850ms);
        CHECK(budget.counters().limits_learnt == 1);
        // The same limit again teaches nothing: another client spends the key.
        budget.refused(org, lower);
        co_await budget.acquire(other_model, {}); // flushed through the same connection
        CHECK(stored_share(server, "lesson:org:share") == 0.75);
        CHECK(budget.counters().share_lowered == 1);
    }());
}

TEST_CASE("redis budget: in the per-model layout the first unexplained refusal merges the budgets",
          "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "merge");
    o.limits.defaults.requests_per_minute = 600;
    o.limits.layout = paced::rate_layout::per_model;
    paced::redis_budget budget{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(budget);
        co_await budget.acquire(gpt_4o, {});
        CHECK(server.command({"EXISTS", "merge:model:gpt-4o:req"}) == "1");
        paced::rate_limit_refusal const same_limit{.cool_down = 1ms, .limit = 600, .budget_name = "gpt-4o"};
        budget.refused(gpt_4o, same_limit);
        CHECK(budget.counters().budgets_merged == 1);
        co_await sleep_for(5ms);
        server.command({"DEL", "merge:org:req"});
        co_await budget.acquire(gpt_4o, {});
        CHECK(server.command({"EXISTS", "merge:org:req"}) ==
              "1"); // the model's runs draw from the key's budget
        CHECK(stored_share(server, "merge:model:gpt-4o:share") == 1.0);
        CHECK(stored_share(server, "merge:org:share") == 1.0);
    }());
}

TEST_CASE("redis budget: what one process learns from a refusal, the others adopt", "[redis]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    asio::io_context ioc;
    auto o = options_for(server, "shared");
    o.limits.defaults.requests_per_minute = 600;
    o.limits.layout = paced::rate_layout::per_model;
    o.layout_refresh = 20ms;
    paced::redis_budget a{ioc.get_executor(), o};
    paced::redis_budget b{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await until_connected(a);
        co_await until_connected(b);
        co_await b.acquire(gpt_4o, {}); // b's first look at the layout: nothing learnt yet
        CHECK(server.command({"EXISTS", "shared:model:gpt-4o:req"}) == "1");
        // a learns that the server keeps one budget (merged) of 60 a minute (a lower limit).
        paced::rate_limit_refusal const lower{.cool_down = 1ms, .limit = 60};
        a.refused(org, lower);
        paced::rate_limit_refusal const shared{.cool_down = 1ms, .limit = 60, .budget_name = "gpt-4o"};
        a.refused(org, shared);
        co_await a.acquire(other_model, {}); // the lessons went out on the same connection
        CHECK(server.command({"HGET", "shared:layout", "global::rpm"}) == "60");
        CHECK(server.command({"HGET", "shared:layout", "merged"}) == "1");
        // b reads them before its next acquire once layout_refresh has passed, and paces by them.
        co_await sleep_for(30ms);
        co_await b.acquire(gpt_4o, {});
        server.command({"DEL", "shared:org:req", "shared:model:gpt-4o:req"});
        co_await b.acquire(gpt_4o, {});
        CHECK(server.command({"EXISTS", "shared:model:gpt-4o:req"}) == "0"); // merged: the key's budget
        auto const out = outstanding_us(server, "shared:org:req");
        CHECK(out > 900'000); // one request of a 60-a-minute budget outstanding: about a second
        CHECK(b.counters().budgets_merged == 0); // learnt from a, not from a refusal of its own
    }());
}

#endif
