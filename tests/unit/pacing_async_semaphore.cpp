// async_semaphore: permits, FIFO order, cancellation and its races. The waits that bound or hold a
// permit are on a manual clock (tests/common/manual_clock.hpp): nothing sleeps, and the random races are
// the same on every run.

#include "common/manual_clock.hpp"
#include "common/run_coro.hpp"

#include <paced/error.hpp>
#include <paced/pacing/async_semaphore.hpp>

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

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using paced::async_semaphore;
using paced::test::manual_clock;

namespace {

// Runs what is ready until nothing is; every coroutine must have ended then (nothing here waits for time).
void run_until_idle(asio::io_context& ioc) {
    ioc.restart();
    ioc.poll();
    REQUIRE(ioc.stopped());
}

// Runs every coroutine to its end, moving the clock as far as their waits need.
void run_until_idle(asio::io_context& ioc, manual_clock& clock) {
    paced::test::run_on(ioc, clock);
    REQUIRE(ioc.stopped());
}

bool is_aborted(std::exception_ptr e) {
    if (!e)
        return false;
    try {
        std::rethrow_exception(e);
    } catch (boost::system::system_error const& x) {
        return x.code() == asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

struct outcome {
    bool done = false;
    std::exception_ptr error;
};

// Acquires, records `id` in `order`, then holds the permit for `hold` (on `clock`, when given).
asio::awaitable<void> take(async_semaphore& sem, std::vector<int>* order, int id, manual_clock* clock,
                           std::chrono::nanoseconds hold) {
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    auto permit = co_await sem.acquire();
    if (order)
        order->push_back(id);
    if (clock)
        co_await clock->sleep_for(hold);
}

void spawn_take(asio::io_context& ioc, async_semaphore& sem, outcome& out, std::vector<int>* order = nullptr,
                int id = 0, asio::cancellation_signal* signal = nullptr, manual_clock* clock = nullptr,
                std::chrono::nanoseconds hold = {}) {
    auto done = [&out](std::exception_ptr e) {
        out.done = true;
        out.error = e;
    };
    if (signal)
        asio::co_spawn(ioc, take(sem, order, id, clock, hold),
                       asio::bind_cancellation_slot(signal->slot(), done));
    else
        asio::co_spawn(ioc, take(sem, order, id, clock, hold), done);
}

} // namespace

static_assert(!std::is_copy_constructible_v<async_semaphore::permit>);
static_assert(std::is_nothrow_move_constructible_v<async_semaphore::permit>);

TEST_CASE("async_semaphore: try_acquire takes up to N permits, and a released permit comes back",
          "[pacing][semaphore]") {
    async_semaphore sem(2);
    CHECK(sem.capacity() == 2);
    auto a = sem.try_acquire();
    auto b = sem.try_acquire();
    auto c = sem.try_acquire();
    CHECK(a);
    CHECK(b);
    CHECK_FALSE(c);
    CHECK(sem.available() == 0);
    a.release();
    CHECK_FALSE(a);
    CHECK(sem.available() == 1);
    a.release(); // twice: nothing happens
    CHECK(sem.available() == 1);
    {
        auto d = sem.try_acquire();
        CHECK(sem.available() == 0);
    }
    CHECK(sem.available() == 1);
}

TEST_CASE("async_semaphore: a permit is move-only, moving transfers it, move-assigning releases the old one",
          "[pacing][semaphore]") {
    async_semaphore sem(2);
    auto a = sem.try_acquire();
    auto moved = std::move(a);
    CHECK_FALSE(a); // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(moved);
    CHECK(sem.available() == 1);
    auto b = sem.try_acquire();
    CHECK(sem.available() == 0);
    moved = std::move(b); // the permit `moved` held goes back
    CHECK(sem.available() == 1);
    async_semaphore::permit empty;
    CHECK_FALSE(empty);
}

TEST_CASE("async_semaphore: acquire returns at once while permits are free", "[pacing][semaphore]") {
    asio::io_context ioc;
    async_semaphore sem(3);
    paced::test::run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto a = co_await sem.acquire();
        auto b = co_await sem.acquire();
        CHECK(sem.available() == 1);
        CHECK(sem.waiters() == 0);
    }());
    CHECK(sem.available() == 3);
}

TEST_CASE("async_semaphore: waiters are served first in, first out", "[pacing][semaphore]") {
    asio::io_context ioc;
    auto clock = manual_clock::make();
    auto const start = clock->now();
    async_semaphore sem(1);
    auto held = sem.try_acquire();
    std::vector<outcome> outs(6);
    std::vector<int> order;
    for (int i = 0; i < 6; ++i) // each holds its permit for 1 ms
        spawn_take(ioc, sem, outs[static_cast<std::size_t>(i)], &order, i, nullptr, clock.get(), 1ms);
    ioc.poll();
    CHECK(sem.waiters() == 6);
    held.release();
    run_until_idle(ioc, *clock);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
    CHECK(clock->now() - start == 6ms); // one after the other, each as soon as the last gave it back
    CHECK(sem.available() == 1);
}

TEST_CASE("async_semaphore: a released permit goes to the first waiter, try_acquire cannot steal it",
          "[pacing][semaphore]") {
    asio::io_context ioc;
    async_semaphore sem(1);
    auto held = sem.try_acquire();
    outcome out;
    spawn_take(ioc, sem, out);
    ioc.poll();
    REQUIRE(sem.waiters() == 1);
    held.release();
    CHECK(sem.available() == 0); // handed over, not made available
    CHECK_FALSE(sem.try_acquire());
    run_until_idle(ioc);
    CHECK((out.done && !out.error));
    CHECK(sem.available() == 1);
}

TEST_CASE("async_semaphore: `acquire || timer` gives up waiting and leaves the queue",
          "[pacing][semaphore][cancel]") {
    asio::io_context ioc;
    auto clock = manual_clock::make();
    async_semaphore sem(1);
    auto held = sem.try_acquire();
    paced::test::run_coro_on(ioc, *clock, [&]() -> asio::awaitable<void> {
        auto r = co_await (sem.acquire() || clock->sleep_for(2ms));
        CHECK(r.index() == 1);
        CHECK(sem.waiters() == 0);
    }());
    held.release();
    CHECK(sem.available() == 1);
}

TEST_CASE("async_semaphore: partial and total cancellation are honoured once the coroutine opts in",
          "[pacing][semaphore][cancel]") {
    auto const type = GENERATE(asio::cancellation_type::terminal, asio::cancellation_type::partial,
                               asio::cancellation_type::total);
    asio::io_context ioc;
    async_semaphore sem(1);
    auto held = sem.try_acquire();
    outcome out;
    asio::cancellation_signal signal;
    spawn_take(ioc, sem, out, nullptr, 0, &signal);
    ioc.poll();
    REQUIRE(sem.waiters() == 1);
    signal.emit(type);
    run_until_idle(ioc);
    CHECK(is_aborted(out.error));
    CHECK(sem.waiters() == 0);
    held.release();
    CHECK(sem.available() == 1);
}

TEST_CASE("async_semaphore: a permit granted to a waiter cancelled at the same moment is passed on",
          "[pacing][semaphore][cancel]") {
    asio::io_context ioc;
    async_semaphore sem(1);
    auto held = sem.try_acquire();
    outcome cancelled, next;
    asio::cancellation_signal signal;
    std::vector<int> order;
    spawn_take(ioc, sem, cancelled, &order, 1, &signal);
    spawn_take(ioc, sem, next, &order, 2);
    ioc.poll();
    REQUIRE(sem.waiters() == 2);
    // Inside the io_context, as the coroutines' own code would do it (co_spawn forwards a cancellation
    // emitted elsewhere through the executor, which would let the first waiter run first).
    asio::post(ioc, [&] {
        held.release(); // granted to the first waiter (its resumption is posted) ...
        signal.emit(asio::cancellation_type::terminal); // ... which is cancelled before it runs
    });
    run_until_idle(ioc);
    CHECK(is_aborted(cancelled.error));
    CHECK((next.done && !next.error));
    CHECK(order == std::vector<int>{2});
    CHECK(sem.available() == 1);
}

TEST_CASE("async_semaphore: random races of acquire, timers and releases never lose or duplicate a permit",
          "[pacing][semaphore][cancel]") {
    auto const seed = GENERATE(1u, 2u, 3u);
    CAPTURE(seed);
    asio::io_context ioc;
    auto clock = manual_clock::make();
    async_semaphore sem(3);
    std::mt19937 rng(seed);
    int holders = 0, max_holders = 0, granted = 0, gave_up = 0;
    auto worker = [&](int patience_us, int hold_us) -> asio::awaitable<void> {
        for (int round = 0; round < 5; ++round) {
            auto r = co_await (sem.acquire() || clock->sleep_for(std::chrono::microseconds(patience_us)));
            if (r.index() == 1) {
                ++gave_up;
                continue;
            }
            auto permit = std::move(std::get<0>(r));
            ++granted;
            max_holders = std::max(max_holders, ++holders);
            co_await clock->sleep_for(std::chrono::microseconds(hold_us));
            --holders;
        }
    };
    std::uniform_int_distribution<int> patience(0, 1500), hold(0, 500);
    int finished = 0;
    for (int i = 0; i < 100; ++i)
        asio::co_spawn(ioc, worker(patience(rng), hold(rng)), [&](std::exception_ptr e) {
            CHECK_FALSE(e);
            ++finished;
        });
    run_until_idle(ioc, *clock);
    CHECK(finished == 100);
    CHECK(granted + gave_up == 500);
    CHECK(max_holders <= 3);
    CHECK(sem.available() == 3);
    CHECK(sem.waiters() == 0);
}

TEST_CASE("async_semaphore: destroying the semaphore ends pending acquires, permits may outlive it",
          "[pacing][semaphore]") {
    asio::io_context ioc;
    auto sem = std::make_unique<async_semaphore>(1);
    auto held = sem->try_acquire();
    outcome out;
    spawn_take(ioc, *sem, out);
    ioc.poll();
    sem.reset();
    run_until_idle(ioc);
    CHECK(is_aborted(out.error));
    held.release(); // the state outlives the semaphore
}

TEST_CASE("async_semaphore: zero permits is a typed error", "[pacing][semaphore]") {
    try {
        async_semaphore sem(0);
        FAIL("accepted");
    } catch (paced::error const& e) {
        CHECK(e.code() == paced::errc::invalid_argument);
    }
}
