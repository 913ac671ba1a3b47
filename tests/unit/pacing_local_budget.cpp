// The async front of local_budget: FIFO queues, wake-ups, cancellation, errors, scopes.
// Real timers with short intervals; assertions are about order and amounts, never about speed. The
// few waits bounded by a timer use a margin of hundreds of times the expected time.

#include "common/run_coro.hpp"

#include <paced/error.hpp>
#include <paced/pacing/local_budget.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using paced::budget_cost;
using paced::budget_options;
using paced::budget_scope;
using paced::local_budget;

namespace {

// Runs the io_context until every spawned coroutine is done (nothing else keeps it busy).
void run_until_idle(asio::io_context& ioc, std::chrono::seconds limit = 30s) {
    ioc.restart();
    ioc.run_for(limit);
    REQUIRE(ioc.stopped());
}

asio::awaitable<void> sleep_for(std::chrono::steady_clock::duration d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

// The outcome of one spawned acquire.
struct outcome {
    bool done = false;
    std::exception_ptr error;
    bool aborted() const {
        if (!error)
            return false;
        try {
            std::rethrow_exception(error);
        } catch (boost::system::system_error const& e) {
            return e.code() == asio::error::operation_aborted;
        } catch (...) {
            return false;
        }
    }
};

// One acquire; records its completion order in `order` under `id`. Parameters are copied into the frame.
asio::awaitable<void> acquire_task(local_budget& b, budget_scope scope, budget_cost cost,
                                   std::vector<int>* order, int id) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await b.acquire(scope, cost);
    if (order)
        order->push_back(id);
}

// Spawns `acquire_task`, recording its outcome in `out`; cancellable through `signal` when given.
void spawn_acquire(asio::io_context& ioc, local_budget& b, budget_scope scope, budget_cost cost, outcome& out,
                   std::vector<int>* order = nullptr, int id = 0,
                   asio::cancellation_signal* signal = nullptr) {
    auto done = [&out](std::exception_ptr e) {
        out.done = true;
        out.error = e;
    };
    if (signal)
        asio::co_spawn(ioc, acquire_task(b, std::move(scope), cost, order, id),
                       asio::bind_cancellation_slot(signal->slot(), done));
    else
        asio::co_spawn(ioc, acquire_task(b, std::move(scope), cost, order, id), done);
}

// Named scopes: GCC 12 destroys a braced budget_scope temporary inside a co_await expression twice.
budget_scope const org{};
budget_scope const small_model{"small", ""};
budget_scope const other_model{"other-model", ""};
budget_scope const slow{"slow", ""};
budget_scope const fast{"fast", ""};

budget_options exact(budget_options o) {
    o.latency_allowance = 0ns;
    return o;
}

} // namespace

TEST_CASE("local_budget: without limits every acquire is granted at once", "[pacing][budget]") {
    asio::io_context ioc;
    local_budget b(ioc.get_executor());
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 1000; ++i)
            co_await b.acquire(org, {1, 100000});
    }());
    auto const c = b.counters();
    CHECK(c.acquired == 1000);
    CHECK(c.waited == 0);
    CHECK_FALSE(b.state({}).model.requests.limit_per_minute);
}

TEST_CASE("local_budget: the burst is granted at once, the rest waits and is granted in FIFO order",
          "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.requests_per_minute = 60000; // one per ms
    o.defaults.burst_requests = 3;
    local_budget b(ioc.get_executor(), exact(o));
    std::vector<outcome> outs(12);
    std::vector<int> order;
    auto const start = std::chrono::steady_clock::now();
    for (int i = 0; i < 12; ++i)
        spawn_acquire(ioc, b, {}, {}, outs[static_cast<std::size_t>(i)], &order, i);
    run_until_idle(ioc);
    auto const elapsed = std::chrono::steady_clock::now() - start;
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    auto const c = b.counters();
    CHECK(c.acquired == 12);
    CHECK(c.waited == 9);
    // Never faster than the rule: 9 requests beyond the burst need at least 9 emission intervals.
    CHECK(elapsed >= 9ms);
    CHECK(c.total_wait >= 9ms);
}

TEST_CASE("local_budget: a small request never overtakes a big one waiting ahead of it", "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.tokens_per_minute = 600000; // 0.1 ms per token
    o.defaults.burst_tokens = 100;
    local_budget b(ioc.get_executor(), exact(o));
    outcome first, big, small;
    std::vector<int> order;
    spawn_acquire(ioc, b, {}, {1, 100}, first, &order, 0); // empties the bucket
    spawn_acquire(ioc, b, {}, {1, 80}, big, &order, 1);    // waits 8 ms
    spawn_acquire(ioc, b, {}, {1, 1}, small, &order, 2);   // would fit after 0.1 ms
    run_until_idle(ioc);
    CHECK(order == std::vector<int>{0, 1, 2});
}

TEST_CASE("local_budget: a request costing more than the limit fails at once with request_too_large",
          "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.per_model["small"].tokens_per_minute = 1000;
    local_budget b(ioc.get_executor(), o);
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await b.acquire(small_model, {1, 1000}); // exactly the limit fits (nothing outstanding)
        try {
            co_await b.acquire(small_model, {1, 1001});
            FAIL("no error");
        } catch (paced::error const& e) {
            CHECK(e.code() == paced::errc::request_too_large);
            CHECK(std::string{e.what()}.find("small") != std::string::npos);
            CHECK(std::string{e.what()}.find(
                      "budget: a request of 1 request(s) and 1001 token(s) can never fit "
                      "the per-minute limits of model 'small'; model tokens/min 1000") != std::string::npos);
        }
    }());
    CHECK(b.counters().too_large == 1);
    CHECK(b.state({"small", ""}).waiters == 0);
}

TEST_CASE("local_budget: cancelling a waiter removes it without spending budget and wakes the next one",
          "[pacing][budget][cancel]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.tokens_per_minute = 60; // 1 token per second, burst 1
    local_budget b(ioc.get_executor(), exact(o));
    outcome first, blocked, behind;
    asio::cancellation_signal cancel_blocked;
    std::vector<int> order;
    spawn_acquire(ioc, b, {}, {1, 1}, first, &order, 0);
    spawn_acquire(ioc, b, {}, {1, 1}, blocked, &order, 1, &cancel_blocked); // would wait 1 s
    spawn_acquire(ioc, b, {}, {1, 0}, behind, &order, 2); // needs no token, but queues behind
    auto const until_full = [&] { return b.state({}).model.tokens.until_full; };

    std::optional<std::chrono::nanoseconds> before;
    std::size_t waiting = 0;
    bool behind_in_time = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await sleep_for(2ms);
            waiting = b.state({}).waiters;
            before = until_full();
            cancel_blocked.emit(asio::cancellation_type::terminal);
            // The one behind is granted now, long before the cancelled one would have been.
            auto r = co_await ([&]() -> asio::awaitable<void> {
                while (!behind.done)
                    co_await sleep_for(1ms);
            }() || sleep_for(500ms));
            behind_in_time = r.index() == 0;
        },
        asio::detached);
    run_until_idle(ioc);
    CHECK(waiting == 2);
    CHECK(blocked.aborted());
    CHECK(behind_in_time);
    CHECK_FALSE(behind.error);
    CHECK(order == std::vector<int>{0, 2});
    REQUIRE(before);
    CHECK(until_full() <= *before); // the cancelled waiter spent nothing
    CHECK(b.counters().cancelled == 1);
    CHECK(b.counters().acquired == 2);
}

TEST_CASE("local_budget: `acquire || timer` gives up waiting and leaves the queue",
          "[pacing][budget][cancel]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.requests_per_minute = 60; // one per second
    local_budget b(ioc.get_executor(), exact(o));
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await b.acquire(org, {});
        auto r = co_await (b.acquire(org, {}) || sleep_for(5ms));
        CHECK(r.index() == 1);
        CHECK(b.state({}).waiters == 0);
    }());
    CHECK(b.counters().acquired == 1);
    CHECK(b.counters().cancelled == 1);
}

TEST_CASE("local_budget: partial and total cancellation are honoured once the coroutine opts in",
          "[pacing][budget][cancel]") {
    auto const type = GENERATE(asio::cancellation_type::partial, asio::cancellation_type::total);
    asio::io_context ioc;
    budget_options o;
    o.defaults.requests_per_minute = 60;
    local_budget b(ioc.get_executor(), exact(o));
    outcome first, waiter;
    asio::cancellation_signal signal;
    spawn_acquire(ioc, b, {}, {}, first);
    spawn_acquire(ioc, b, {}, {}, waiter, nullptr, 0, &signal); // opts in to total cancellation
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await sleep_for(1ms);
            signal.emit(type);
        },
        asio::detached);
    run_until_idle(ioc);
    CHECK(waiter.aborted());
    CHECK(b.state({}).waiters == 0);
}

TEST_CASE("local_budget: without opting in, a coroutine ignores total cancellation of the wait",
          "[pacing][budget][cancel]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.requests_per_minute = 6000; // one per 10 ms, burst 100
    o.defaults.burst_requests = 1;
    local_budget b(ioc.get_executor(), exact(o));
    outcome out;
    asio::cancellation_signal signal;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await b.acquire(org, {});
            co_await b.acquire(org, {}); // waits 10 ms; total cancellation is filtered out by default
        },
        asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e) {
            out.done = true;
            out.error = e;
        }));
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await sleep_for(1ms);
            signal.emit(asio::cancellation_type::total);
        },
        asio::detached);
    run_until_idle(ioc);
    CHECK(out.done);
    CHECK_FALSE(out.error);
    CHECK(b.counters().acquired == 2);
}

TEST_CASE("local_budget: a grant that races with its cancellation is refunded", "[pacing][budget][cancel]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.tokens_per_minute = 60; // 1 token per second, burst 1
    local_budget b(ioc.get_executor(), exact(o));
    outcome first, raced;
    asio::cancellation_signal signal;
    spawn_acquire(ioc, b, {}, {1, 1}, first);
    spawn_acquire(ioc, b, {}, {1, 1}, raced, nullptr, 0, &signal);
    std::chrono::nanoseconds full_before_refund{0};
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await sleep_for(1ms);
            b.adjust_tokens({}, -1); // the waiter fits now: granted (its resumption is posted) ...
            signal.emit(asio::cancellation_type::terminal); // ... and cancelled before it resumes
            full_before_refund = b.state({}).model.tokens.until_full;
            co_return;
        },
        asio::detached);
    run_until_idle(ioc);
    CHECK(raced.aborted());
    CHECK(full_before_refund > 900ms);                 // it had been granted: one token outstanding
    CHECK(b.state({}).model.tokens.until_full == 0ns); // and given back
    CHECK(b.counters().acquired == 1);
    CHECK(b.counters().cancelled == 1);
}

TEST_CASE("local_budget: a token refund wakes the queue", "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.tokens_per_minute = 60; // 1 token per second
    local_budget b(ioc.get_executor(), exact(o));
    bool in_time = false;
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await b.acquire(org, {1, 1});
        asio::co_spawn(
            co_await asio::this_coro::executor,
            [&]() -> asio::awaitable<void> {
                co_await sleep_for(2ms);
                b.adjust_tokens({}, -1);
            },
            asio::detached);
        auto r = co_await (b.acquire(org, {1, 1}) || sleep_for(500ms));
        in_time = r.index() == 0;
    }());
    CHECK(in_time);
}

TEST_CASE("local_budget: a pause holds every waiter of the scope until it ends", "[pacing][budget]") {
    asio::io_context ioc;
    local_budget b(ioc.get_executor());
    std::vector<outcome> outs(5);
    auto const start = std::chrono::steady_clock::now();
    b.pause({}, 20ms);
    for (auto& out : outs)
        spawn_acquire(ioc, b, {}, {}, out);
    run_until_idle(ioc);
    CHECK(std::chrono::steady_clock::now() - start >= 20ms);
    for (auto& out : outs)
        CHECK((out.done && !out.error));
    CHECK(b.counters().pauses == 1);
    CHECK(b.counters().waited == 5);
    // In the global layout every model draws from the paused budget.
    b.pause({}, 1h);
    CHECK(b.state({"other-model", ""}).model.paused_until);
    // In the per-model layout another model's budget is not paused.
    local_budget apart(ioc.get_executor(), budget_options{.layout = paced::rate_layout::per_model});
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        apart.pause({}, 1h);
        co_await apart.acquire(other_model, {});
    }());
    CHECK(apart.state({}).model.paused_until);
    CHECK_FALSE(apart.state({"other-model", ""}).model.paused_until);
}

TEST_CASE("local_budget: observe learns limits and tightens to the server's remaining", "[pacing][budget]") {
    asio::io_context ioc;
    local_budget b(ioc.get_executor());
    paced::rate_limit_snapshot snap;
    snap.limit_requests = 600;
    snap.remaining_requests = 0;
    snap.limit_tokens = 60000;
    b.observe({"gpt-4o", ""}, snap);
    auto const s = b.state({"gpt-4o", ""});
    CHECK(s.model.requests.limit_per_minute == 600);
    CHECK(s.model.requests.burst == 10);
    CHECK(s.model.requests.available <= 5);      // 0 when observed; refilling since
    CHECK(s.model.requests.until_full >= 500ms); // 1 s when observed
    CHECK(s.model.tokens.limit_per_minute == 60000);
    CHECK(b.counters().tightened == 1);
    // In the global layout the model's requests drew from the one budget, which learnt it.
    CHECK(b.state({}).model.requests.limit_per_minute == 600);
    // In the per-model layout the budget of the requests that name no model learnt nothing.
    local_budget apart(ioc.get_executor(), budget_options{.layout = paced::rate_layout::per_model});
    apart.observe({"gpt-4o", ""}, snap);
    CHECK(apart.state({"gpt-4o", ""}).model.requests.limit_per_minute == 600);
    CHECK_FALSE(apart.state({}).model.requests.limit_per_minute);

    budget_options no_learning;
    no_learning.learn_from_headers = false;
    local_budget fixed(ioc.get_executor(), no_learning);
    fixed.observe({}, snap);
    CHECK_FALSE(fixed.state({}).model.requests.limit_per_minute);
}

TEST_CASE("local_budget: an endpoint scope is charged on top of the model budget, and only where named",
          "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.per_endpoint["files.create"].requests_per_minute = 60; // one per second
    local_budget b(ioc.get_executor(), exact(o));
    budget_scope const upload{"", "files.create"};
    outcome first, second, others;
    asio::cancellation_signal cancel_second;
    std::size_t upload_waiters = 0;
    spawn_acquire(ioc, b, upload, {}, first);
    spawn_acquire(ioc, b, upload, {}, second, nullptr, 0, &cancel_second); // waits 1 s
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 100; ++i) // other requests of the same model are not held back
                co_await b.acquire(org, {});
            upload_waiters = b.state(upload).waiters;
            cancel_second.emit(asio::cancellation_type::terminal);
        },
        [&](std::exception_ptr e) {
            others.done = true;
            others.error = e;
        });
    run_until_idle(ioc);
    CHECK((others.done && !others.error));
    CHECK(upload_waiters == 1);
    CHECK(second.aborted());
    auto const s = b.state(upload);
    REQUIRE(s.endpoint);
    CHECK(s.endpoint->requests.limit_per_minute == 60);
    CHECK_FALSE(b.state({}).endpoint);
    CHECK_FALSE(b.state({"", "not-configured"}).endpoint);
}

TEST_CASE("local_budget: in the global layout a model in per_model nests in the one budget",
          "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.requests_per_minute = 600;
    o.per_model["slow"].requests_per_minute = 60;
    local_budget b(ioc.get_executor(), exact(o));
    CHECK(b.state({"slow", ""}).model.requests.limit_per_minute == 600);
    CHECK(b.state({"slow", ""}).nested_model->requests.limit_per_minute == 60);
    CHECK_FALSE(b.state({"any", ""}).nested_model);
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await b.acquire(slow, {});
        auto r = co_await (b.acquire(slow, {}) || b.acquire(fast, {}));
        CHECK(r.index() == 1); // "fast" is held back by the global budget only
    }());
    CHECK(b.state({"slow", ""}).nested_model->requests.available == 0);
    CHECK(b.state({"fast", ""}).model.requests.available == 8); // both models spent the global ten
    CHECK(b.state({}).model.requests.available == 8);
}

TEST_CASE("local_budget: in the per-model layout each model has its own budget, from per_model or the "
          "defaults",
          "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.requests_per_minute = 600;
    o.per_model["slow"].requests_per_minute = 60;
    o.layout = paced::rate_layout::per_model;
    local_budget b(ioc.get_executor(), exact(o));
    CHECK(b.state({"slow", ""}).model.requests.limit_per_minute == 60);
    CHECK(b.state({"any", ""}).model.requests.limit_per_minute == 600);
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await b.acquire(slow, {});
        auto r = co_await (b.acquire(slow, {}) || b.acquire(fast, {}));
        CHECK(r.index() == 1); // "fast" is not held back by "slow"
    }());
    CHECK(b.state({"slow", ""}).model.requests.available == 0);
    CHECK(b.state({"fast", ""}).model.requests.available == 9);
}

TEST_CASE("local_budget: destroying the budget ends pending acquires with operation_aborted",
          "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.requests_per_minute = 60;
    auto b = std::make_unique<local_budget>(ioc.get_executor(), exact(o));
    outcome first, waiting;
    spawn_acquire(ioc, *b, {}, {}, first);
    spawn_acquire(ioc, *b, {}, {}, waiting);
    ioc.poll();
    REQUIRE(b->state({}).waiters == 1);
    b.reset();
    run_until_idle(ioc);
    CHECK(waiting.aborted());
}

TEST_CASE("local_budget: invalid options are typed errors", "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.per_model["m"].requests_per_minute = -5;
    try {
        local_budget b(ioc.get_executor(), o);
        FAIL("accepted");
    } catch (paced::error const& e) {
        CHECK(e.code() == paced::errc::invalid_argument);
    }
    budget_options l;
    l.latency_allowance = -1ms;
    CHECK_THROWS_AS(local_budget(ioc.get_executor(), l), paced::error);
}

TEST_CASE("local_budget: refusals are counted by what they taught", "[pacing][budget]") {
    asio::io_context ioc;
    budget_options o;
    o.defaults.requests_per_minute = 600;
    o.layout = paced::rate_layout::per_model;
    local_budget b(ioc.get_executor(), exact(o));
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> { co_await b.acquire(slow, {}); }());
    CHECK(b.state(slow).models_apart);
    // An upload refused in the name of a model this budget paces apart: the server shares them.
    b.refused(org, {.cool_down = 1ms, .budget_name = "slow"});
    CHECK_FALSE(b.state(slow).models_apart);
    // A lower limit in the message.
    b.refused(slow, {.cool_down = 1ms, .what = paced::rate_limit_refusal::dimension::requests, .limit = 300});
    CHECK(b.state(slow).model.requests.limit_per_minute == 300);
    // Nothing to learn: another client.
    b.refused(slow, {.cool_down = 1ms, .limit = 300});
    auto const c = b.counters();
    CHECK(c.budgets_merged == 1);
    CHECK(c.limits_learnt == 1);
    CHECK(c.share_lowered == 1);
    CHECK(c.pauses == 3);
    CHECK(b.state(fast).model.share == 0.75);
    // The waiters of every scope go on after the cool-downs.
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await b.acquire(fast, {});
        co_await b.acquire(org, {});
    }());
}
