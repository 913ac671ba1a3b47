#pragma once
/// @file One generic polling coroutine for everything that is created and then polled: runs,
/// vector store files, file batches, and (next) Responses background mode.

#include <paced/poll_schedule.hpp>
#include <paced/request_options.hpp>
#include <paced/response.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <concepts>

namespace paced {

namespace webhooks {
class receiver;
} // namespace webhooks

/** @brief How `responses().wait` and `batches().wait` learn that a background object ended.
 *
 * Without `completion`, the object is retrieved on the `poll` schedule until it ends. With it, the
 * object's completion webhook is awaited on that receiver and the object retrieved once when it comes: a
 * wait then costs one request, however long the object runs. A webhook that is late or lost costs one
 * retrieval per `completion_poll`, never a hang; a server whose retrievals lag behind its webhook is
 * retrieved on the `poll` schedule after the event.
 */
struct wait_options {
    /// The waits between retrievals without `completion` (and after its event). Batches run for minutes
    /// to hours: give them an interval of minutes, or a receiver.
    poll_options poll;
    /// The receiver the server's webhooks reach (`response.*`, `batch.*` events); must outlive the wait.
    webhooks::receiver* completion = nullptr;
    /// With `completion`: the longest wait for the webhook before a retrieval looks anyway.
    std::chrono::milliseconds completion_poll{30'000};
    /// Options of every retrieval (its `metadata` is filled by each in turn).
    request_options request;
};

/** @brief Calls `fetch` until `done(value)` holds, waiting on an asio timer between calls.
 *
 * `fetch(response_metadata*)` returns `awaitable<T>` and fills the metadata it is given (every SDK
 * operation does, through `request_options::metadata`), so the loop can read the server's hint.
 * The first call happens at once; the waits after are `poll_schedule`'s.
 *
 * @par Errors
 * Whatever `fetch` throws; the loop does not retry by itself (the request executor already did).
 * @par Per-operation cancellation
 * terminal (partial and total too when the caller enabled them): the wait or the fetch in progress
 * is abandoned; nothing is left behind but the cancelled fetch's connection, which is closed.
 * @par Thread safety
 * Runs on the awaiting coroutine's executor.
 */
template <class T, class Fetch, class Done>
requires std::invocable<Fetch, response_metadata*> && std::predicate<Done, T const&> boost::asio::awaitable<T>
poll_until(Fetch fetch, Done done, poll_options opts = poll_options()) {
    poll_schedule schedule{opts};
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        response_metadata meta;
        T value = co_await fetch(&meta);
        if (done(value))
            co_return value;
        timer.expires_after(schedule.next_wait(meta.headers));
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

} // namespace paced
