// The async front of local_budget: FIFO queues, wake-ups, cancellation, errors, scopes. On a manual
// clock (tests/common/manual_clock.hpp): the io_context is polled and the clock moved by the test, so
// every grant is checked at the exact time the rule allows, and no test waits.

#include "common/manual_clock.hpp"

#include <paced/error.hpp>
#include <paced/pacing/local_budget.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <memory>
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
using paced::test::manual_clock;
using std::chrono::nanoseconds;

namespace {

// An io_context and a manual clock; times are checked as the time since the start.
struct manual_time {
    asio::io_context ioc;
    std::shared_ptr<manual_clock> clock = manual_clock::make();
    paced::pacing::time_point const start = clock->now();

    nanoseconds elapsed() const { return clock->now() - start; }
    std::shared_ptr<local_budget> budget(budget_options o = budget_options()) {
        return paced::test::budget_on(clock, ioc, std::move(o));
    }
    // Runs everything to its end, moving the clock as far as the waits need.
    void run() {
        paced::test::run_on(ioc, *clock);
        REQUIRE(ioc.stopped()); // every coroutine has ended
    }
    void run(asio::awaitable<void> coro) { paced::test::run_coro_on(ioc, *clock, std::move(coro)); }
    // Runs what is ready now, without moving the clock.
    void poll() {
        ioc.restart();
        ioc.poll();
    }
};

// The outcome of one spawned acquire.
struct outcome {
    bool done = false;
    std::exception_ptr error;
    std::optional<nanoseconds> granted_at; // since the start
    bool granted() const { return done && !error; }
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

// One acquire; records its grant time in `out` and its completion order in `order` under `id`.
// Parameters are copied into the frame.
asio::awaitable<void> acquire_task(manual_time& t, local_budget& b, budget_scope scope, budget_cost cost,
                                   outcome& out, std::vector<int>* order, int id) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    co_await b.acquire(scope, cost);
    out.granted_at = t.elapsed();
    if (order)
        order->push_back(id);
}

// Spawns `acquire_task`, recording its outcome in `out`; cancellable through `signal` when given.
void spawn_acquire(manual_time& t, local_budget& b, budget_scope scope, budget_cost cost, outcome& out,
                   std::vector<int>* order = nullptr, int id = 0,
                   asio::cancellation_signal* signal = nullptr) {
    auto done = [&out](std::exception_ptr e) {
        out.done = true;
        out.error = e;
    };
    if (signal)
        asio::co_spawn(t.ioc, acquire_task(t, b, std::move(scope), cost, out, order, id),
                       asio::bind_cancellation_slot(signal->slot(), done));
    else
        asio::co_spawn(t.ioc, acquire_task(t, b, std::move(scope), cost, out, order, id), done);
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
    manual_time t;
    auto b = t.budget();
    t.run([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 1000; ++i)
            co_await b->acquire(org, {1, 100000});
    }());
    CHECK(t.elapsed() == 0ns);
    auto const c = b->counters();
    CHECK(c.acquired == 1000);
    CHECK(c.waited == 0);
    CHECK_FALSE(b->state({}).model.requests.limit_per_minute);
}

TEST_CASE("local_budget: the burst is granted at once, the rest waits and is granted in FIFO order",
          "[pacing][budget]") {
    manual_time t;
    budget_options o;
    o.defaults.requests_per_minute = 60000; // one per ms
    o.defaults.burst_requests = 3;
    auto b = t.budget(exact(o));
    std::vector<outcome> outs(12);
    std::vector<int> order;
    for (int i = 0; i < 12; ++i)
        spawn_acquire(t, *b, {}, {}, outs[static_cast<std::size_t>(i)], &order, i);
    t.poll();
    CHECK(order == std::vector<int>{0, 1, 2});
    CHECK(b->state({}).waiters == 9);
    CHECK(b->next_admission() == t.start + 1ms); // the head's exact time, and the only timer set
    CHECK(t.clock->timers_set() == 1);
    t.run();
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    // Exactly as the rule allows: three at once, then one per emission interval.
    std::vector<nanoseconds> const expected{0ms, 0ms, 0ms, 1ms, 2ms, 3ms, 4ms, 5ms, 6ms, 7ms, 8ms, 9ms};
    for (std::size_t i = 0; i < outs.size(); ++i) {
        CAPTURE(i);
        CHECK(outs[i].granted_at == expected[i]);
    }
    auto const c = b->counters();
    CHECK(c.acquired == 12);
    CHECK(c.waited == 9);
    CHECK(c.total_wait == 45ms); // 1 + 2 + ... + 9
    CHECK_FALSE(b->next_admission());
}

TEST_CASE("local_budget: a small request never overtakes a big one waiting ahead of it", "[pacing][budget]") {
    manual_time t;
    budget_options o;
    o.defaults.tokens_per_minute = 600000; // 0.1 ms per token
    o.defaults.burst_tokens = 100;
    auto b = t.budget(exact(o));
    outcome first, big, small;
    std::vector<int> order;
    spawn_acquire(t, *b, {}, {1, 100}, first, &order, 0); // empties the bucket
    spawn_acquire(t, *b, {}, {1, 80}, big, &order, 1);    // waits 8 ms
    spawn_acquire(t, *b, {}, {1, 1}, small, &order, 2);   // would fit after 0.1 ms
    t.run();
    CHECK(order == std::vector<int>{0, 1, 2});
    CHECK(first.granted_at == 0ns);
    CHECK(big.granted_at == 8ms);
    CHECK(small.granted_at == 8100us);
}

TEST_CASE("local_budget: a request costing more than the limit fails at once with request_too_large",
          "[pacing][budget]") {
    manual_time t;
    budget_options o;
    o.per_model["small"].tokens_per_minute = 1000;
    auto b = t.budget(o);
    t.run([&]() -> asio::awaitable<void> {
        co_await b->acquire(small_model, {1, 1000}); // exactly the limit fits (nothing outstanding)
        try {
            co_await b->acquire(small_model, {1, 1001});
            FAIL("no error");
        } catch (paced::error const& e) {
            CHECK(e.code() == paced::errc::request_too_large);
            CHECK(std::string{e.what()}.find("small") != std::string::npos);
            CHECK(std::string{e.what()}.find(
                      "budget: a request of 1 request(s) and 1001 token(s) can never fit "
                      "the per-minute limits of model 'small'; model tokens/min 1000") != std::string::npos);
        }
    }());
    CHECK(t.elapsed() == 0ns);
    CHECK(b->counters().too_large == 1);
    CHECK(b->state({"small", ""}).waiters == 0);
}

TEST_CASE("local_budget: cancelling a waiter removes it without spending budget and wakes the next one",
          "[pacing][budget][cancel]") {
    manual_time t;
    budget_options o;
    o.defaults.tokens_per_minute = 60; // 1 token per second, burst 1
    auto b = t.budget(exact(o));
    outcome first, blocked, behind;
    asio::cancellation_signal cancel_blocked;
    std::vector<int> order;
    spawn_acquire(t, *b, {}, {1, 1}, first, &order, 0);
    spawn_acquire(t, *b, {}, {1, 1}, blocked, &order, 1, &cancel_blocked); // would wait 1 s
    spawn_acquire(t, *b, {}, {1, 0}, behind, &order, 2); // needs no token, but queues behind
    auto const until_full = [&] { return b->state({}).model.tokens.until_full; };
    t.poll();
    t.clock->advance(2ms);
    t.poll();
    REQUIRE(b->state({}).waiters == 2);
    auto const before = until_full();
    CHECK(before == 998ms);
    cancel_blocked.emit(asio::cancellation_type::terminal);
    t.poll(); // the emission reaches the coroutine through its executor, and nothing else is needed:
    CHECK(blocked.aborted());
    CHECK(behind.granted_at == 2ms); // the one behind is granted at once
    CHECK(order == std::vector<int>{0, 2});
    CHECK(until_full() == before); // the cancelled waiter spent nothing
    CHECK(b->counters().cancelled == 1);
    CHECK(b->counters().acquired == 2);
    t.run();
    CHECK(t.elapsed() == 2ms);
}

TEST_CASE("local_budget: `acquire || timer` gives up waiting and leaves the queue",
          "[pacing][budget][cancel]") {
    manual_time t;
    budget_options o;
    o.defaults.requests_per_minute = 60; // one per second
    auto b = t.budget(exact(o));
    t.run([&]() -> asio::awaitable<void> {
        co_await b->acquire(org, {});
        auto r = co_await (b->acquire(org, {}) || t.clock->sleep_for(5ms));
        CHECK(r.index() == 1);
        CHECK(b->state({}).waiters == 0);
    }());
    CHECK(t.elapsed() == 5ms); // the budget's timer was stopped with the wait: nothing moved the clock on
    CHECK(b->counters().acquired == 1);
    CHECK(b->counters().cancelled == 1);
}

TEST_CASE("local_budget: partial and total cancellation are honoured once the coroutine opts in",
          "[pacing][budget][cancel]") {
    auto const type = GENERATE(asio::cancellation_type::partial, asio::cancellation_type::total);
    manual_time t;
    budget_options o;
    o.defaults.requests_per_minute = 60;
    auto b = t.budget(exact(o));
    outcome first, waiter;
    asio::cancellation_signal signal;
    spawn_acquire(t, *b, {}, {}, first);
    spawn_acquire(t, *b, {}, {}, waiter, nullptr, 0, &signal); // opts in to total cancellation
    t.poll();
    REQUIRE(b->state({}).waiters == 1);
    signal.emit(type);
    t.run();
    CHECK(waiter.aborted());
    CHECK(b->state({}).waiters == 0);
    CHECK(t.elapsed() == 0ns);
}

TEST_CASE("local_budget: without opting in, a coroutine ignores total cancellation of the wait",
          "[pacing][budget][cancel]") {
    manual_time t;
    budget_options o;
    o.defaults.requests_per_minute = 6000; // one per 10 ms
    o.defaults.burst_requests = 1;
    auto b = t.budget(exact(o));
    outcome out;
    asio::cancellation_signal signal;
    asio::co_spawn(
        t.ioc,
        [&]() -> asio::awaitable<void> {
            co_await b->acquire(org, {});
            co_await b->acquire(org, {}); // waits 10 ms; total cancellation is filtered out by default
        },
        asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e) {
            out.done = true;
            out.error = e;
        }));
    t.poll();
    REQUIRE(b->state({}).waiters == 1);
    signal.emit(asio::cancellation_type::total);
    t.run();
    CHECK(out.granted());
    CHECK(t.elapsed() == 10ms);
    CHECK(b->counters().acquired == 2);
}

TEST_CASE("local_budget: a grant that races with its cancellation is refunded", "[pacing][budget][cancel]") {
    manual_time t;
    budget_options o;
    o.defaults.tokens_per_minute = 60; // 1 token per second, burst 1
    auto b = t.budget(exact(o));
    outcome first, raced;
    asio::cancellation_signal signal;
    spawn_acquire(t, *b, {}, {1, 1}, first);
    spawn_acquire(t, *b, {}, {1, 1}, raced, nullptr, 0, &signal);
    t.poll();
    REQUIRE(b->state({}).waiters == 1);
    nanoseconds full_before_refund{0};
    // Inside the io_context, as the coroutines' own code would do it (a cancellation emitted outside
    // reaches the coroutine through its executor, after the grant has resumed it).
    asio::post(t.ioc, [&] {
        b->adjust_tokens({}, -1); // the waiter fits now: granted (its resumption is posted) ...
        signal.emit(asio::cancellation_type::terminal); // ... and cancelled before it resumes
        full_before_refund = b->state({}).model.tokens.until_full;
    });
    t.run();
    CHECK(raced.aborted());
    CHECK(full_before_refund == 1s);                    // it had been granted: one token outstanding
    CHECK(b->state({}).model.tokens.until_full == 0ns); // and given back
    CHECK(b->counters().acquired == 1);
    CHECK(b->counters().cancelled == 1);
    CHECK(t.elapsed() == 0ns);
}

TEST_CASE("local_budget: a token refund wakes the queue", "[pacing][budget]") {
    manual_time t;
    budget_options o;
    o.defaults.tokens_per_minute = 60; // 1 token per second
    auto b = t.budget(exact(o));
    std::optional<std::size_t> won;
    t.run([&]() -> asio::awaitable<void> {
        co_await b->acquire(org, {1, 1});
        asio::co_spawn(
            co_await asio::this_coro::executor,
            [&]() -> asio::awaitable<void> {
                co_await t.clock->sleep_for(2ms);
                b->adjust_tokens({}, -1);
            },
            asio::detached);
        auto r = co_await (b->acquire(org, {1, 1}) || t.clock->sleep_for(500ms));
        won = r.index();
    }());
    CHECK(won == 0u);
    CHECK(t.elapsed() == 2ms); // granted at the refund, not at the second the rule gave it
}

TEST_CASE("local_budget: a pause holds every waiter of the scope until it ends", "[pacing][budget]") {
    manual_time t;
    auto b = t.budget();
    std::vector<outcome> outs(5);
    b->pause({}, 20ms);
    for (auto& out : outs)
        spawn_acquire(t, *b, {}, {}, out);
    t.poll();
    CHECK(b->state({}).waiters == 5);
    t.clock->advance(20ms - 1ns);
    t.poll();
    CHECK(b->state({}).waiters == 5);
    t.run();
    for (auto& out : outs)
        CHECK(out.granted_at == 20ms);
    CHECK(b->counters().pauses == 1);
    CHECK(b->counters().waited == 5);
    CHECK(b->counters().total_wait == 100ms);
    // In the global layout every model draws from the paused budget.
    b->pause({}, 1h);
    CHECK(b->state({"other-model", ""}).model.paused_until == t.clock->now() + 1h);
    // In the per-model layout another model's budget is not paused.
    auto apart = t.budget(budget_options{.layout = paced::rate_layout::per_model});
    t.run([&]() -> asio::awaitable<void> {
        apart->pause({}, 1h);
        co_await apart->acquire(other_model, {});
    }());
    CHECK(apart->state({}).model.paused_until);
    CHECK_FALSE(apart->state({"other-model", ""}).model.paused_until);
}

TEST_CASE("local_budget: observe learns limits and tightens to the server's remaining", "[pacing][budget]") {
    manual_time t;
    auto b = t.budget();
    paced::rate_limit_snapshot snap;
    snap.limit_requests = 600;
    snap.remaining_requests = 0;
    snap.limit_tokens = 60000;
    b->observe({"gpt-4o", ""}, snap);
    auto const s = b->state({"gpt-4o", ""});
    CHECK(s.model.requests.limit_per_minute == 600);
    CHECK(s.model.requests.burst == 10);
    CHECK(s.model.requests.available == 0);
    CHECK(s.model.requests.until_full == 1s); // B * T
    CHECK(s.model.tokens.limit_per_minute == 60000);
    CHECK(b->counters().tightened == 1);
    // It refills at the rate learnt: one request per 100 ms.
    t.clock->advance(500ms);
    CHECK(b->state({"gpt-4o", ""}).model.requests.available == 5);
    CHECK(b->state({"gpt-4o", ""}).model.requests.until_full == 500ms);
    // In the global layout the model's requests drew from the one budget, which learnt it.
    CHECK(b->state({}).model.requests.limit_per_minute == 600);
    // In the per-model layout the budget of the requests that name no model learnt nothing.
    auto apart = t.budget(budget_options{.layout = paced::rate_layout::per_model});
    apart->observe({"gpt-4o", ""}, snap);
    CHECK(apart->state({"gpt-4o", ""}).model.requests.limit_per_minute == 600);
    CHECK_FALSE(apart->state({}).model.requests.limit_per_minute);

    budget_options no_learning;
    no_learning.learn_from_headers = false;
    auto fixed = t.budget(no_learning);
    fixed->observe({}, snap);
    CHECK_FALSE(fixed->state({}).model.requests.limit_per_minute);
}

TEST_CASE("local_budget: an endpoint scope is charged on top of the model budget, and only where named",
          "[pacing][budget]") {
    manual_time t;
    budget_options o;
    o.per_endpoint["files.create"].requests_per_minute = 60; // one per second
    auto b = t.budget(exact(o));
    budget_scope const upload{"", "files.create"};
    outcome first, second, others;
    asio::cancellation_signal cancel_second;
    std::size_t upload_waiters = 0;
    spawn_acquire(t, *b, upload, {}, first);
    spawn_acquire(t, *b, upload, {}, second, nullptr, 0, &cancel_second); // waits 1 s
    asio::co_spawn(
        t.ioc,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 100; ++i) // other requests of the same model are not held back
                co_await b->acquire(org, {});
            upload_waiters = b->state(upload).waiters;
            cancel_second.emit(asio::cancellation_type::terminal);
        },
        [&](std::exception_ptr e) {
            others.done = true;
            others.error = e;
        });
    t.run();
    CHECK(others.granted());
    CHECK(upload_waiters == 1);
    CHECK(second.aborted());
    CHECK(t.elapsed() == 0ns);
    auto const s = b->state(upload);
    REQUIRE(s.endpoint);
    CHECK(s.endpoint->requests.limit_per_minute == 60);
    CHECK_FALSE(b->state({}).endpoint);
    CHECK_FALSE(b->state({"", "not-configured"}).endpoint);
}

TEST_CASE("local_budget: in the global layout a model in per_model nests in the one budget",
          "[pacing][budget]") {
    manual_time t;
    budget_options o;
    o.defaults.requests_per_minute = 600;
    o.per_model["slow"].requests_per_minute = 60;
    auto b = t.budget(exact(o));
    CHECK(b->state({"slow", ""}).model.requests.limit_per_minute == 600);
    CHECK(b->state({"slow", ""}).nested_model->requests.limit_per_minute == 60);
    CHECK_FALSE(b->state({"any", ""}).nested_model);
    t.run([&]() -> asio::awaitable<void> {
        co_await b->acquire(slow, {});
        auto r = co_await (b->acquire(slow, {}) || b->acquire(fast, {}));
        CHECK(r.index() == 1); // "fast" is held back by the global budget only
    }());
    CHECK(t.elapsed() == 0ns);
    CHECK(b->state({"slow", ""}).nested_model->requests.available == 0);
    CHECK(b->state({"fast", ""}).model.requests.available == 8); // both models spent the global ten
    CHECK(b->state({}).model.requests.available == 8);
}

TEST_CASE("local_budget: in the per-model layout each model has its own budget, from per_model or the "
          "defaults",
          "[pacing][budget]") {
    manual_time t;
    budget_options o;
    o.defaults.requests_per_minute = 600;
    o.per_model["slow"].requests_per_minute = 60;
    o.layout = paced::rate_layout::per_model;
    auto b = t.budget(exact(o));
    CHECK(b->state({"slow", ""}).model.requests.limit_per_minute == 60);
    CHECK(b->state({"any", ""}).model.requests.limit_per_minute == 600);
    t.run([&]() -> asio::awaitable<void> {
        co_await b->acquire(slow, {});
        auto r = co_await (b->acquire(slow, {}) || b->acquire(fast, {}));
        CHECK(r.index() == 1); // "fast" is not held back by "slow"
    }());
    CHECK(t.elapsed() == 0ns);
    CHECK(b->state({"slow", ""}).model.requests.available == 0);
    CHECK(b->state({"fast", ""}).model.requests.available == 9);
}

TEST_CASE("local_budget: destroying the budget ends pending acquires with operation_aborted",
          "[pacing][budget]") {
    manual_time t;
    budget_options o;
    o.defaults.requests_per_minute = 60;
    auto b = t.budget(exact(o));
    outcome first, waiting;
    spawn_acquire(t, *b, {}, {}, first);
    spawn_acquire(t, *b, {}, {}, waiting);
    t.poll();
    REQUIRE(b->state({}).waiters == 1);
    b.reset();
    t.run();
    CHECK(waiting.aborted());
    CHECK(t.elapsed() == 0ns);
    CHECK(t.clock->timers_set() == 0);
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
    manual_time t;
    budget_options o;
    o.defaults.requests_per_minute = 600;
    o.layout = paced::rate_layout::per_model;
    auto b = t.budget(exact(o));
    t.run([&]() -> asio::awaitable<void> { co_await b->acquire(slow, {}); }());
    CHECK(b->state(slow).models_apart);
    // An upload refused in the name of a model this budget paces apart: the server shares them.
    b->refused(org, {.cool_down = 1ms, .budget_name = "slow"});
    CHECK_FALSE(b->state(slow).models_apart);
    // A lower limit in the message.
    b->refused(slow,
               {.cool_down = 1ms, .what = paced::rate_limit_refusal::dimension::requests, .limit = 300});
    CHECK(b->state(slow).model.requests.limit_per_minute == 300);
    // Nothing to learn: another client.
    b->refused(slow, {.cool_down = 1ms, .limit = 300});
    auto const c = b->counters();
    CHECK(c.budgets_merged == 1);
    CHECK(c.limits_learnt == 1);
    CHECK(c.share_lowered == 1);
    CHECK(c.pauses == 3);
    CHECK(b->state(fast).model.share == 0.75);
    // The waiters of every scope go on after the cool-downs.
    t.run([&]() -> asio::awaitable<void> {
        co_await b->acquire(fast, {});
        co_await b->acquire(org, {});
    }());
    CHECK(t.elapsed() >= 1ms);
}
