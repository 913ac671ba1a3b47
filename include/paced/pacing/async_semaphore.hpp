#pragma once
/// @file A counting async semaphore for "at most N in flight" (runs, requests, connections).

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>

namespace paced {

namespace detail {
class semaphore_impl;
} // namespace detail

/// Configuration of an `async_semaphore`.
struct semaphore_options {
    /// Make one semaphore safe to share between threads (an io_context run by several threads, or
    /// several io_contexts). Costs a mutex lock per call; leave off for a single-threaded io_context.
    bool thread_safe = false;
};

/** @brief A counting semaphore for coroutines: `co_await sem.acquire()` waits for one of N permits
 * and returns it as a move-only RAII `permit` that gives it back when destroyed.
 *
 * Waiters are served first in, first out; `try_acquire` never overtakes a waiter. A released permit
 * goes straight to the first waiter, which is resumed on its own executor.
 *
 * @par Object lifetimes
 * Permits and waiters keep the semaphore's state alive: a permit may outlive the semaphore.
 * Destroying the semaphore ends every pending `acquire` with `boost::asio::error::operation_aborted`.
 *
 * @par Thread safety
 * Distinct objects: safe. Shared objects: safe only with `semaphore_options::thread_safe`; otherwise
 * every call (including a permit's destruction) must come from one thread at a time, e.g. the single
 * thread running the io_context.
 *
 * @par Example
 * @code
 * paced::async_semaphore runs_in_flight(8);
 * // in each of many coroutines:
 * auto permit = co_await runs_in_flight.acquire();
 * co_await client.run(thread, assistant); // at most 8 of these at a time
 * // the permit is released here, at the end of its scope
 * @endcode
 */
class async_semaphore {
public:
    /** @brief One unit of the semaphore, held until destroyed, moved from or `release`d.
     *
     * @par Thread safety
     * Like the semaphore: releasing touches the semaphore's shared state.
     */
    class permit {
    public:
        /// An empty permit (owns nothing).
        permit() noexcept = default;
        permit(permit&& other) noexcept = default;
        permit& operator=(permit&& other) noexcept;
        permit(permit const&) = delete;
        permit& operator=(permit const&) = delete;
        ~permit();

        /// Gives the unit back now (to the first waiter, if any). Does nothing on an empty permit.
        void release() noexcept;
        /// Whether this permit owns a unit.
        explicit operator bool() const noexcept { return impl_ != nullptr; }

    private:
        friend class detail::semaphore_impl;
        explicit permit(std::shared_ptr<detail::semaphore_impl> impl) noexcept : impl_(std::move(impl)) {}
        std::shared_ptr<detail::semaphore_impl> impl_;
    };

    /** @brief A semaphore with `permits` units, all available.
     * @par Errors
     * `errc::invalid_argument` when `permits` is 0 (nobody could ever acquire).
     */
    explicit async_semaphore(std::size_t permits, semaphore_options options = semaphore_options());
    ~async_semaphore();
    async_semaphore(async_semaphore const&) = delete;
    async_semaphore& operator=(async_semaphore const&) = delete;

    /** @brief Waits for a unit, first in first out, and returns it as a permit.
     *
     * Returns without suspending when a unit is free and nobody waits.
     *
     * @par Errors
     * `boost::asio::error::operation_aborted` on cancellation or when the semaphore is destroyed.
     * @par Per-operation cancellation
     * terminal, partial, total (a coroutine sees partial and total only after
     * `co_await this_coro::reset_cancellation_state(enable_total_cancellation())`): the waiter leaves the
     * queue. A unit granted at the same moment as the cancellation is passed on to the next waiter,
     * never lost.
     * @par Thread safety
     * See the class.
     * @par Example
     * @code
     * using namespace boost::asio::experimental::awaitable_operators;
     * auto r = co_await (sem.acquire() || timer.async_wait(boost::asio::use_awaitable));
     * if (r.index() == 0) { auto permit = std::move(std::get<0>(r)); }
     * @endcode
     */
    boost::asio::awaitable<permit> acquire();

    /** @brief Takes a unit if one is free and nobody waits; otherwise returns an empty permit.
     * @par Thread safety
     * See the class.
     */
    permit try_acquire();

    /// Units free right now.
    std::size_t available() const;
    /// Coroutines waiting right now.
    std::size_t waiters() const;
    /// The number of units the semaphore was made with.
    std::size_t capacity() const noexcept;

private:
    std::shared_ptr<detail::semaphore_impl> impl_;
};

} // namespace paced
