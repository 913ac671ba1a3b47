#pragma once
/** @file A webhook receiver: verifies deliveries, deduplicates them, and wakes the coroutines waiting for
 * the resource an event names.
 *
 * Mount `receiver::handle` in a server of your own, or run `receiver::listen` for a small HTTP/1.1
 * server of its own. `co_await receiver.wait(id, timeout)` then completes when the event for resource
 * `id` (a background response, a batch) arrives, or with `errc::wait_timeout` so that the caller polls.
 */

#include <paced/response.hpp>
#include <paced/webhooks.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace paced::webhooks {

namespace detail {
class receiver_impl;
} // namespace detail

/** @brief A delivery the receiver refused, as passed to `receiver_options::on_rejected`. */
struct rejected_delivery {
    /// A `webhooks::errc`, or `paced::errc::body_too_large` / `headers_too_large` from `listen`.
    boost::system::error_code code{};
    std::string message{};    ///< What was wrong, e.g. "webhook: missing header 'webhook-id'".
    std::string webhook_id{}; ///< The delivery's `webhook-id` header, empty when absent (untrusted).
};

/** @brief Configuration of a `receiver`. Every default is written here. */
struct receiver_options {
    /// The endpoint's signing secret, `whsec_…` (or a raw key). Required.
    std::string secret{};
    /// How far a delivery's timestamp may be from now, both ways (the official SDKs' 5 minutes).
    std::chrono::seconds tolerance{300};
    /// Deliveries remembered: their `webhook-id`s (a repeat is acknowledged and not passed on again) and
    /// their events by resource id (a `wait` that starts after its event arrived completes at once). The
    /// oldest are forgotten first; memory is about 200 bytes per delivery plus its event.
    std::size_t remembered_deliveries = 10'000;
    /// Called for each refused delivery, on the thread that handled it, outside the receiver's lock.
    std::function<void(rejected_delivery const&)> on_rejected{};
    /// The time deliveries are checked against; unset: `std::chrono::system_clock::now`.
    std::function<std::chrono::system_clock::time_point()> clock{};

    /// `listen`: a larger body is answered 413 and the connection closed (OpenAI's events are < 1 KiB).
    std::size_t max_body_bytes = 64 * 1024;
    /// `listen`: larger request headers are answered 431 and the connection closed.
    std::size_t max_header_bytes = 16 * 1024;
    /// `listen`: time allowed to read one request, and an idle keep-alive connection's lifetime.
    std::chrono::seconds read_timeout{30};
    /// `listen`: connections served at once; more are closed as soon as they are accepted.
    std::size_t max_connections = 256;
};

/** @brief The answer to one HTTP request: send `status` with `body` (`content_type`). */
struct http_answer {
    unsigned status = 200;
    std::string body{};
    std::string content_type = "application/json";
};

/** @brief Counters of a receiver since it was made. */
struct receiver_stats {
    std::uint64_t accepted = 0;   ///< Verified deliveries seen for the first time.
    std::uint64_t duplicates = 0; ///< Verified deliveries whose `webhook-id` was seen before.
    std::uint64_t rejected = 0;   ///< Refused deliveries (bad signature, stale, not an event, too large…).
    std::uint64_t woken = 0;      ///< Waits completed by an event.
    std::size_t waiting = 0;      ///< Waits pending right now.
};

/** @brief Verifies webhook deliveries, deduplicates them by `webhook-id`, and wakes waiters.
 *
 * Answers are meant to be sent at once (OpenAI retries a delivery that is not acknowledged with 2xx
 * quickly): 200 for a verified delivery, new or repeated; 400 for a refused one (bad or missing
 * signature, stale or future timestamp, a body that is not an event), with the reason in the body and in
 * `on_rejected`; 405 for a method other than POST.
 *
 * @par Object lifetimes
 * Pending waits and running `listen` coroutines keep the receiver's state alive. Destroying the receiver
 * ends every pending `wait` with `boost::asio::error::operation_aborted`; a running `listen` keeps
 * serving until it is cancelled.
 *
 * @par Thread safety
 * Distinct objects: safe. Shared objects: safe; `handle`, `wait`, `listen` and `stats` may be called
 * from any thread at the same time (one internal mutex). A waiter resumes on its own executor, never
 * inside `handle`.
 *
 * @par Example
 * @code
 * paced::webhooks::receiver hooks{{.secret = std::getenv("OPENAI_WEBHOOK_SECRET")}};
 * boost::asio::co_spawn(ex, hooks.listen(ex, {boost::asio::ip::tcp::v4(), 8443}), boost::asio::detached);
 * // in the coroutine that created background response `id`:
 * auto const done = co_await hooks.wait(id, std::chrono::minutes(10));
 * if (!done) { ... poll for the response ... } // errc::wait_timeout
 * @endcode
 */
class receiver {
public:
    /** @brief A receiver for the endpoint whose secret is `options.secret`.
     * @par Errors
     * `paced::error` with `webhooks::errc::invalid_secret` for an empty secret or bad `whsec_` base64;
     * `paced::errc::invalid_argument` when `remembered_deliveries` is 0.
     */
    explicit receiver(receiver_options options);
    ~receiver();
    receiver(receiver const&) = delete;
    receiver& operator=(receiver const&) = delete;

    /** @brief Handles one HTTP request: verify, deduplicate, wake the waiters, answer.
     *
     * @param method the request method ("POST").
     * @param headers the request headers (at least `webhook-id`, `webhook-timestamp`, `webhook-signature`).
     * @param body the raw body, byte for byte.
     * @par Errors
     * None thrown for any request; refusals are answers (and `on_rejected` calls). Exceptions thrown by
     * `on_rejected` or `clock` propagate.
     * @par Thread safety
     * See the class. Never blocks beyond the receiver's mutex, and never resumes a waiter inline.
     * @par Example
     * In a Beast server of your own (`req` a `http::request<http::string_body>`):
     * @code
     * paced::header_list h;
     * for (auto const& f : req) h.add(std::string(f.name_string()), std::string(f.value()));
     * auto const a = hooks.handle(req.method_string(), h, req.body());
     * @endcode
     */
    http_answer handle(std::string_view method, header_list const& headers, std::string_view body);

    /** @brief Waits until the event for resource `resource_id` arrives (its `data.id`), or `timeout` passes.
     *
     * Completes at once when that event arrived already (and is still remembered). Several waits for
     * the same resource all complete with the event.
     *
     * @return the event, or `webhooks::errc::wait_timeout`: then poll for the resource, since a delivery
     * may be late or lost.
     * @par Errors
     * `boost::system::system_error` with `boost::asio::error::operation_aborted` when cancelled or when
     * the receiver is destroyed.
     * @par Per-operation cancellation
     * terminal (and partial and total, after
     * `co_await this_coro::reset_cancellation_state(enable_total_cancellation())`): the wait leaves nothing
     * behind. An event that arrives at the same moment is returned rather than lost.
     * @par Thread safety
     * See the class. The waiting coroutine runs on one thread at a time (a strand for an io_context run
     * by several threads), as any `||` of two operations needs.
     */
    boost::asio::awaitable<boost::system::result<event>> wait(std::string resource_id,
                                                              std::chrono::steady_clock::duration timeout);

    /** @brief Serves HTTP/1.1 on `endpoint` until cancelled: each request goes to `handle`.
     *
     * Keep-alive, `Expect: 100-continue`, and the limits of `receiver_options` (body and header size,
     * read timeout, connections at once). Plain TCP: put TLS in front (a reverse proxy), as OpenAI sends
     * webhooks to https URLs only.
     *
     * @par Errors
     * `boost::system::system_error` when the endpoint cannot be bound. Errors of single connections
     * close those connections only.
     * @par Per-operation cancellation
     * terminal: stops accepting and closes the acceptor; connections idle between requests are closed at
     * once, those being served finish their current request (within `read_timeout`), so the io_context
     * has nothing left of the listen soon after.
     */
    boost::asio::awaitable<void> listen(boost::asio::any_io_executor executor,
                                        boost::asio::ip::tcp::endpoint endpoint);

    /** @brief `listen` on an acceptor already open and listening (e.g. bound to port 0 to learn the port).
     *
     * The acceptor must outlive the coroutine; it is not closed when the coroutine ends. Cancellation as
     * for the other `listen`.
     */
    boost::asio::awaitable<void> listen(boost::asio::ip::tcp::acceptor& acceptor);

    /// Counters since the receiver was made.
    receiver_stats stats() const;

private:
    std::shared_ptr<detail::receiver_impl> impl_;
};

} // namespace paced::webhooks
