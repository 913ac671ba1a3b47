#pragma once
// Where the async front of local_budget takes its time from: the clock it reads, and the alarms that wake
// its queues when their heads are due.
//
// Every local_budget made through its public constructor reads the steady clock and waits on
// asio::steady_timer. The unit tests make one on a manual clock instead (local_budget_access), whose
// alarms ring only when the test moves the clock: the queues, wake-ups and cancellations are then tested
// with io_context::poll(), exactly and without real waiting.

#include "pacing/gcra.hpp"

#include <paced/pacing/local_budget.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <memory>

namespace paced::pacing {

/** The wake-up of one queue; a timer on the budget's clock, with asio::steady_timer's contract. */
class budget_alarm {
public:
    using wake_handler = std::function<void(boost::system::error_code)>;

    virtual ~budget_alarm() = default;
    /// Runs `wake` through the alarm's executor (never inline) when the clock reaches `at`. Like
    /// steady_timer::expires_at, it ends the wait under way first: that one's `wake` runs at once with
    /// operation_aborted, as it does after `cancel` or when the alarm is destroyed.
    virtual void wait_until(time_point at, wake_handler wake) = 0;
    virtual void cancel() = 0;
};

/** The clock of a budget's async front, and the maker of its alarms. Read and used under the budget's
 * lock, from any thread when the budget is thread-safe. */
class budget_clock {
public:
    virtual ~budget_clock() = default;
    virtual time_point now() const = 0;
    /// An alarm whose wake handlers run on `ex`.
    virtual std::unique_ptr<budget_alarm> make_alarm(boost::asio::any_io_executor const& ex) = 0;
};

/// The steady clock and asio::steady_timer: the clock of every budget built by its public constructor.
std::shared_ptr<budget_clock> steady_budget_clock();

} // namespace paced::pacing

namespace paced::detail {

/// Builds budgets on another clock than the steady one (the unit tests' manual clock).
struct local_budget_access {
    /// As `local_budget(ex, options)`, with its async front on `clock`.
    static std::shared_ptr<local_budget> make(boost::asio::any_io_executor ex, budget_options options,
                                              std::shared_ptr<pacing::budget_clock> clock);
};

} // namespace paced::detail
