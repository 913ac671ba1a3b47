#pragma once
// Waiting for a background object's completion webhook before retrieving it, shared by client.respond,
// responses().wait and batches().wait.
//
// A webhook says when to look, but not that a retrieval already shows the end: a server may send the
// event a moment before its reads catch up. The receiver remembers the event and would answer every later
// wait for the same object at once, so after the event for an object has been seen, its further
// retrievals wait on the poll schedule instead: a lagging server costs a few polls, never a busy loop.

#include <paced/error.hpp>
#include <paced/polling.hpp>
#include <paced/webhooks/receiver.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace paced::detail {

class completion_watch {
public:
    /// `receiver` may be null (no webhooks: every wait is the poll schedule's). `longest_wait` bounds each
    /// wait for an event, so that a late or lost delivery costs one retrieval per `longest_wait`.
    completion_watch(webhooks::receiver* receiver, std::chrono::milliseconds longest_wait) noexcept
        : receiver_(receiver), longest_wait_(longest_wait) {}

    /// True when the next retrieval of `id` should wait for its event rather than on the poll timer.
    bool awaits(std::string_view id) const noexcept { return receiver_ && !id.empty() && seen_ != id; }

    /// Waits for `id`'s event, at most `longest_wait`; remembers when it came. Errors and cancellation are
    /// `receiver::wait`'s.
    boost::asio::awaitable<void> wait(std::string id);

private:
    webhooks::receiver* receiver_;
    std::chrono::milliseconds longest_wait_;
    std::string seen_; // the object whose event came (one at a time: a follow has one current object)
};

/** Retrieves object `id` (`retrieve(id, request_options)`) until `ended(value)` holds, as `wait_options`
 * says: before each retrieval, its webhook (while it has not come) or the poll schedule (after the event,
 * and always without a receiver; the first retrieval is then at once). The caller's `request.metadata`
 * gets the last answer's. Throws `errc::invalid_argument` for a `completion_poll` that is not positive. */
template <class T, class Retrieve, class Ended>
boost::asio::awaitable<T> wait_until_ended(std::string id, wait_options opts, Retrieve retrieve,
                                           Ended ended) {
    if (opts.completion && opts.completion_poll.count() <= 0)
        throw_error(errc::invalid_argument, "completion_poll: must be positive");
    completion_watch watch{opts.completion, opts.completion_poll};
    poll_schedule schedule{opts.poll};
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    auto* const caller_metadata = opts.request.metadata;
    header_list last_headers;
    for (bool first = true;; first = false) {
        if (watch.awaits(id)) {
            co_await watch.wait(id);
        } else if (!first) {
            timer.expires_after(schedule.next_wait(last_headers));
            co_await timer.async_wait(boost::asio::use_awaitable);
        }
        response_metadata meta;
        auto request = opts.request;
        request.metadata = &meta;
        T value = co_await retrieve(id, std::move(request));
        if (caller_metadata)
            *caller_metadata = meta;
        if (ended(value))
            co_return value;
        last_headers = std::move(meta.headers);
    }
}

} // namespace paced::detail
