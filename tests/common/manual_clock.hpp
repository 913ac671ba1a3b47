#pragma once
// A clock that moves only when the test moves it, for the async code of the pacing core (the budget's
// queues, the semaphore's waiters): its waits take no real time, and what a test sees at a given moment
// is exact.
//
// Its timers are asio::steady_timers that never expire by themselves; the clock cancels the ones that
// are due when it moves, so that their handlers run through the io_context (at its next poll()) as a real
// expiry's would. `run_on` drives an io_context on such a clock: it runs what is ready, then moves the
// clock to the next timer, until nothing is left.

#include "pacing/budget_clock.hpp"

#include <paced/pacing/local_budget.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace paced::test {

class manual_clock;

/** One timer on a manual clock: `wait_until` sets it, and the clock rings it when it reaches the time. */
class manual_timer {
public:
    manual_timer(std::shared_ptr<manual_clock> clock, boost::asio::any_io_executor const& ex);
    ~manual_timer();
    manual_timer(manual_timer const&) = delete;
    manual_timer& operator=(manual_timer const&) = delete;

    /// Waits until the clock reaches `at`: `handler(error_code)` runs through the io_context, with
    /// operation_aborted both when the time comes and when the wait is cancelled (ask the clock which).
    /// A wait ended by per-operation cancellation leaves the timer set until it is set again, cancelled
    /// or destroyed (as sleep_for's is, at once).
    template <class Handler>
    decltype(auto) wait_until(pacing::time_point at, Handler&& handler);
    void cancel();

private:
    friend class manual_clock;
    std::shared_ptr<manual_clock> clock_;
    boost::asio::steady_timer timer_;
    std::optional<pacing::time_point> due_;
    std::uint64_t set_order_ = 0; // rings timers due at the same time in the order they were set
};

/** The clock and its timers. For one thread: the io_context that runs the timers' handlers is run by the
 * test's own thread. */
class manual_clock final : public pacing::budget_clock, public std::enable_shared_from_this<manual_clock> {
public:
    static std::shared_ptr<manual_clock> make() { return std::shared_ptr<manual_clock>(new manual_clock()); }

    pacing::time_point now() const override { return now_; }
    std::unique_ptr<pacing::budget_alarm> make_alarm(boost::asio::any_io_executor const& ex) override;

    /// Moves the clock forward by `d` and rings every timer due by then.
    void advance(std::chrono::nanoseconds d) {
        now_ += d;
        ring_due();
    }
    /// Moves the clock to the earliest timer set (if later than now) and rings it; false when none is set.
    bool advance_to_next() {
        std::optional<pacing::time_point> next;
        for (auto* t : timers_)
            if (t->due_ && (!next || *t->due_ < *next))
                next = t->due_;
        if (!next)
            return false;
        now_ = std::max(now_, *next);
        ring_due();
        return true;
    }
    /// How many timers are set.
    std::size_t timers_set() const {
        return static_cast<std::size_t>(
            std::count_if(timers_.begin(), timers_.end(), [](auto* t) { return t->due_.has_value(); }));
    }

    /// A coroutine's sleep on this clock; cancellation ends it as it ends a steady_timer's wait.
    boost::asio::awaitable<void> sleep_for(std::chrono::nanoseconds d);

private:
    friend class manual_timer;
    // An arbitrary start, far from the steady clock's epoch, so that nothing can pass for "no time".
    manual_clock() : now_(pacing::time_point{} + std::chrono::hours(1000)) {}

    void ring_due() {
        std::vector<manual_timer*> due;
        for (auto* t : timers_)
            if (t->due_ && *t->due_ <= now_)
                due.push_back(t);
        std::sort(due.begin(), due.end(), [](auto* a, auto* b) {
            return std::pair{*a->due_, a->set_order_} < std::pair{*b->due_, b->set_order_};
        });
        for (auto* t : due) {
            t->due_.reset();
            t->timer_.cancel(); // its handler is queued, not run here
        }
    }

    pacing::time_point now_;
    std::uint64_t set_count_ = 0;
    std::vector<manual_timer*> timers_;
};

inline manual_timer::manual_timer(std::shared_ptr<manual_clock> clock, boost::asio::any_io_executor const& ex)
    : clock_(std::move(clock)), timer_(ex, boost::asio::steady_timer::time_point::max()) {
    clock_->timers_.push_back(this);
}

inline manual_timer::~manual_timer() {
    auto& all = clock_->timers_;
    all.erase(std::find(all.begin(), all.end(), this));
}

template <class Handler>
decltype(auto) manual_timer::wait_until(pacing::time_point at, Handler&& handler) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max()); // ends the wait under way, if any
    due_ = at;
    set_order_ =
        ++clock_->set_count_; // a time already past rings at the clock's next move (run_on's next step)
    return timer_.async_wait(std::forward<Handler>(handler));
}

inline void manual_timer::cancel() {
    due_.reset();
    timer_.cancel();
}

inline boost::asio::awaitable<void> manual_clock::sleep_for(std::chrono::nanoseconds d) {
    manual_timer timer(shared_from_this(), co_await boost::asio::this_coro::executor);
    auto const at = now_ + d;
    boost::system::error_code ec;
    co_await timer.wait_until(at, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (now_ < at)
        throw boost::system::system_error(boost::asio::error::operation_aborted, "manual_clock::sleep_for");
}

/// The budget's alarm on a manual clock.
class manual_budget_alarm final : public pacing::budget_alarm {
public:
    manual_budget_alarm(std::shared_ptr<manual_clock> clock, boost::asio::any_io_executor const& ex)
        : timer_(std::move(clock), ex) {}
    void wait_until(pacing::time_point at, wake_handler wake) override {
        timer_.wait_until(at, std::move(wake));
    }
    void cancel() override { timer_.cancel(); }

private:
    manual_timer timer_;
};

inline std::unique_ptr<pacing::budget_alarm>
manual_clock::make_alarm(boost::asio::any_io_executor const& ex) {
    return std::make_unique<manual_budget_alarm>(shared_from_this(), ex);
}

/// A local_budget whose queues wait on `clock`.
inline std::shared_ptr<local_budget> budget_on(std::shared_ptr<manual_clock> const& clock,
                                               boost::asio::io_context& ioc,
                                               budget_options options = budget_options()) {
    return paced::detail::local_budget_access::make(ioc.get_executor(), std::move(options), clock);
}

/** Runs `ioc` on `clock`: what is ready runs; when nothing is, the clock moves to its next timer. Returns
 * when nothing is ready and no timer is set: every coroutine has ended, or waits for something the clock
 * cannot bring. `max_moves` bounds the moves of the clock (a coroutine that sleeps in a loop forever). */
inline void run_on(boost::asio::io_context& ioc, manual_clock& clock, std::size_t max_moves = 1000000) {
    for (std::size_t moves = 0;; ++moves) {
        ioc.restart();
        ioc.poll();
        if (moves == max_moves)
            throw std::runtime_error("run_on: the clock still has timers after the allowed moves");
        if (!clock.advance_to_next())
            return;
    }
}

/// run_coro on a manual clock: runs `coro` to its end, moving the clock as needed; rethrows its exception.
inline void run_coro_on(boost::asio::io_context& ioc, manual_clock& clock,
                        boost::asio::awaitable<void> coro) {
    std::exception_ptr failure;
    bool done = false;
    boost::asio::co_spawn(ioc, std::move(coro), [&](std::exception_ptr e) {
        failure = e;
        done = true;
    });
    run_on(ioc, clock);
    if (!done)
        throw std::runtime_error("run_coro_on: the coroutine waits for something the clock cannot bring");
    if (failure)
        std::rethrow_exception(failure);
}

} // namespace paced::test
