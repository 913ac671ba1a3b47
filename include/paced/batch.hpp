#pragma once
/// @file Process many inputs with bounded concurrency: each input gets a value or its own error,
/// results come back in input order, and progress is reported as items finish.

#include <paced/client.hpp>
#include <paced/pacing/async_semaphore.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

namespace paced {

/// A snapshot of a batch in progress.
struct batch_progress {
    std::size_t total = 0;
    std::size_t done = 0;      ///< Finished, successfully or not.
    std::size_t failed = 0;    ///< Finished with an error.
    std::size_t in_flight = 0; ///< Started and not finished.
    client_metrics metrics;    ///< The client's counters (requests, 429s, time waiting for budget...).
};

/// Options of `run_batch`.
struct batch_options {
    /// Inputs processed at once. A run followed in `run_mode::stream` holds one of the client's
    /// connections until it ends: beyond `client_options::max_connections` (64) streams wait for one.
    std::size_t concurrency = 64;
    /// Called when an item starts and after each finishes (on the batch's executor); `metrics` are
    /// refreshed when an item finishes.
    std::function<void(batch_progress const&)> on_progress;
    /// Called when an item finishes with its index; lets a caller write results as they come.
    std::function<void(std::size_t index)> on_item_done;
};

/// The outcome of one input: its value, or the exception that ended it (rethrown by `.value()`).
template <class T>
using batch_result = boost::system::result<T, std::exception_ptr>;

/** @brief Runs `work(input)` for every input, at most `options.concurrency` at once.
 *
 * One failure never loses the others: each input gets a `batch_result`, in input order. Requests are
 * paced by the client's budget as usual, so the concurrency only bounds memory and open runs.
 *
 * @par Object lifetimes
 * The batch copies what it needs before it returns its awaitable: the inputs, `work` and the options
 * are copied (or moved, when passed as rvalues) into it, and the client is held as a share of its state
 * (a copy of the handle). The inputs passed in and the client itself may be destroyed before the batch
 * starts or while it runs: the batch keeps the client's state alive until it ends, and each item is
 * given a reference to the batch's own copy of its input, valid until the item ends. So
 * `co_spawn(ex, paced::run_batch(client, std::move(paths), work), token)` is safe. What `work` and the
 * callbacks of the options only refer to (captures by reference) is not copied and must outlive the batch.
 *
 * @par Errors
 * None of its own; each item's error is in its result.
 * @par Per-operation cancellation
 * terminal: no new input is started, the items in flight are cancelled, and the cancellation is
 * rethrown once they have ended.
 * @par Example
 * @code
 * auto work = [&](std::filesystem::path const& p) -> boost::asio::awaitable<paced::run> { ... };
 * paced::batch_options options{.concurrency = 32}; // named: see README (g++ 12)
 * auto results = co_await paced::run_batch(client, paths, work, options);
 * @endcode
 */
template <class Input, class Work>
auto run_batch(client c, std::vector<Input> inputs, Work work, batch_options options = batch_options())
    -> boost::asio::awaitable<
        std::vector<batch_result<typename std::invoke_result_t<Work&, Input const&>::value_type>>> {
    namespace asio = boost::asio;
    using value_type = typename std::invoke_result_t<Work&, Input const&>::value_type;
    if (options.concurrency == 0)
        throw_error(errc::invalid_argument, "concurrency: must be at least 1");
    auto ex = co_await asio::this_coro::executor;

    struct state {
        explicit state(asio::any_io_executor ex, std::size_t n)
            : idle(ex, asio::steady_timer::time_point::max()) {
            results.reserve(n);
            for (std::size_t i = 0; i < n; ++i)
                results.emplace_back(std::exception_ptr{});
        }
        std::vector<batch_result<value_type>> results;
        std::vector<std::unique_ptr<asio::cancellation_signal>> signals;
        batch_progress progress;
        asio::steady_timer idle; // cancelled whenever an item finishes (a condition variable)
    };
    auto st = std::make_shared<state>(ex, inputs.size());
    st->progress.total = inputs.size();
    async_semaphore slots(options.concurrency);

    auto finish_one = [st, &c, &options](std::size_t i, std::exception_ptr e, value_type* v) {
        if (e) {
            st->results[i] = e;
            ++st->progress.failed;
        } else {
            st->results[i] = std::move(*v);
        }
        ++st->progress.done;
        --st->progress.in_flight;
        st->progress.metrics = c.metrics();
        if (options.on_item_done)
            options.on_item_done(i);
        if (options.on_progress)
            options.on_progress(st->progress);
        st->idle.cancel();
    };

    std::exception_ptr cancelled;
    try {
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            auto permit = co_await slots.acquire();
            ++st->progress.in_flight;
            if (options.on_progress)
                options.on_progress(st->progress); // `metrics` as of the last item that finished
            // The item's awaitable is spawned itself, without a coroutine around it: with thousands of
            // items in flight, a frame per item (and the copy of its captures) adds up. The permit lives
            // in the completion handler and is given back before the item is counted as done.
            std::optional<asio::awaitable<value_type>> item;
            try {
                item.emplace(work(inputs[i]));
            } catch (...) {
                permit.release();
                finish_one(i, std::current_exception(), nullptr);
                continue;
            }
            st->signals.push_back(std::make_unique<asio::cancellation_signal>());
            auto done = [finish_one, i, held = std::move(permit)](std::exception_ptr e,
                                                                  value_type v) mutable {
                held.release();
                finish_one(i, e, e ? nullptr : &v);
            };
            asio::co_spawn(ex, std::move(*item),
                           asio::bind_cancellation_slot(st->signals.back()->slot(), std::move(done)));
            item.reset();
        }
    } catch (...) {
        cancelled = std::current_exception();
        for (auto& s : st->signals)
            s->emit(asio::cancellation_type::terminal);
    }
    // Wait for every started item: they refer to `work` and `inputs`, owned by this frame.
    co_await asio::this_coro::reset_cancellation_state();
    while (st->progress.in_flight > 0) {
        st->idle.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await st->idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (cancelled)
        std::rethrow_exception(cancelled);
    co_return std::move(st->results);
}

} // namespace paced
