#pragma once
// Keep-alive HTTP/1.1 connections over TCP and TLS, per origin, driven by coroutines.

#include "transport/http_message.hpp"
#include "transport/proxy_env.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <variant>

namespace paced::transport {

namespace detail {
struct connection;
}

/** @brief Settings of a connection_pool; every default is the one the official SDKs use or safer. */
struct pool_options {
    /// Connections per origin, idle ones included; a request beyond it waits (FIFO) for a free one.
    std::size_t max_connections_per_origin = 64;
    /// An idle connection older than this is closed instead of reused (checked when the origin is used).
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    /// Resolve + TCP connect + proxy CONNECT + TLS handshake, bounded also by the request's deadline.
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
    /// Largest response body read into memory by exchange() (errc::body_too_large beyond it). Bodies
    /// read through open() are not bounded as a whole: their reader bounds what it keeps.
    std::size_t max_body_bytes = 64 * 1024 * 1024;
    /// Largest response head (status line + fields) accepted (errc::headers_too_large beyond it).
    std::size_t max_header_bytes = 64 * 1024;
    std::string ca_file{};               ///< Extra trust anchors (PEM), added to the system store.
    std::optional<proxy_config> proxy{}; ///< Used for TLS origins not matched by no_proxy.
    std::string no_proxy{};              ///< NO_PROXY syntax: comma-separated hosts/suffixes, "*" for all.
};

/** @brief Counters of a connection_pool, across all origins. */
struct pool_stats {
    std::size_t connections_opened = 0; ///< Connections established (TCP + TLS handshake done).
    std::size_t connections_reused = 0; ///< Exchanges that started on an idle keep-alive connection.
    std::size_t connections_open = 0;   ///< Connections currently open (idle or in use).
    std::size_t stale_retries = 0;      ///< Requests re-sent because a reused connection had been closed.
};

/// A response whose body is read incrementally (server-sent events). The connection returns to the
/// pool when the body has been read to its end; destroying the stream earlier closes it.
class body_stream {
public:
    virtual ~body_stream() = default;
    virtual unsigned status() const noexcept = 0;
    virtual header_list const& headers() const noexcept = 0;
    /// Next piece of the body; empty means the body ended cleanly. The view points into the stream's own
    /// buffer and stays valid until the next read_some or discard_rest, or the stream's destruction.
    /// Throws paced::error (connection_lost, timeout); the body as a whole is not bounded (see pool_options).
    virtual boost::asio::awaitable<std::string_view> read_some() = 0;
    /** Once the reader has all it wants (an event stream's `[DONE]`): reads and drops the rest of the
     * body for at most `patience`, so that the connection goes back to the pool instead of being closed.
     * The rest is usually the final chunk, already buffered. Gives up quietly: the connection is then
     * closed when the stream is destroyed. Throws only when cancelled. */
    virtual boost::asio::awaitable<void> discard_rest(std::chrono::milliseconds patience) = 0;
};

/** @brief Keep-alive HTTP/1.1 connections (TCP or TLS, optionally through a CONNECT proxy) per origin.
 *
 * Each origin has at most `max_connections_per_origin` connections; a request beyond that waits for a
 * free one in FIFO order. A connection returns to the pool only after a complete response that allows
 * keep-alive; one whose exchange failed, timed out or was cancelled is closed. A request sent on a
 * reused connection that the server had already closed (EOF or reset before any response byte) is
 * re-sent once on a fresh connection and counted in `stats().stale_retries`.
 *
 * TLS peers are verified against the system trust store plus `pool_options::ca_file`, with SNI and
 * host-name (or IP address) verification; there is no way to turn verification off.
 *
 * @par Errors
 * Thrown as paced::error: connect_failed (nothing was sent: DNS, TCP, proxy CONNECT, TLS handshake
 * other than verification), tls_verification_failed, proxy_failed (non-2xx answer to CONNECT),
 * connection_lost (the request may have reached the server), timeout (connect timeout, request
 * deadline, or no free connection before the deadline), body_too_large, headers_too_large,
 * invalid_response, invalid_argument (a request that cannot be sent: bad header, unreadable upload
 * file). The constructor throws invalid_argument when `ca_file` cannot be loaded.
 *
 * @par Per-operation cancellation
 * Terminal cancellation of the awaiting coroutine is honoured; it surfaces as a
 * `boost::system::system_error` with `boost::asio::error::operation_aborted`. A connection in use is
 * closed, never reused; a request still waiting for a free connection leaves the queue.
 *
 * @par Thread safety
 * Bound to one executor: call it only from coroutines running on that executor (an io_context run by
 * one thread, or a strand). Distinct objects: safe. Shared objects: unsafe otherwise.
 *
 * @par Object lifetimes
 * `req` must stay valid until the returned awaitable completes (file parts are read while sending).
 * A body_stream keeps the pool's internals alive and may outlive the pool object.
 * Upload files are read with blocking reads in 64 KiB chunks on the calling thread.
 */
class connection_pool {
    struct impl;
    struct origin_pool;
    struct waiter;

public:
    /** @brief A slot among an origin's connections, reserved for one exchange (with the idle connection
     * that came with it, if any). Waiting for a slot before building a request keeps a queued request
     * down to what its caller holds: thousands may wait while `max_connections_per_origin` are busy.
     * Destroying a lease that was not passed to exchange() or open() gives the slot back and closes the
     * connection in it. Internal: its members are the pool's. */
    class lease {
    public:
        lease(std::shared_ptr<impl> pool, origin_pool* op, std::unique_ptr<detail::connection> c);
        lease(lease&& other) noexcept;
        lease& operator=(lease&&) = delete;
        ~lease();

        /// Gives the slot back; the connection stays open for reuse when `reusable`.
        void release(bool reusable);

        /// The origin the slot belongs to.
        origin const& destination() const noexcept;

        std::unique_ptr<detail::connection> conn;

    private:
        std::shared_ptr<impl> pool_;
        origin_pool* op_;
    };

    /** @brief A place in an origin's queue for a slot, for a caller that waits in its own frame (a
     * queued request then holds no frame of the pool's). co_await wait() (it completes when the slot is
     * handed over, at the deadline, or on cancellation), then call take() with its result.
     * Destroying a place leaves the queue, and gives back a slot handed over but not taken. */
    class place {
    public:
        place(std::shared_ptr<impl> pool, origin_pool* op, std::shared_ptr<waiter> w);
        place(place&& other) noexcept;
        place& operator=(place&&) = delete;
        ~place();

        /// The wait for the slot; its operation is allocated at its exact size, since thousands of
        /// requests may be queued at once (see plain_allocator).
        boost::asio::awaitable<std::tuple<boost::system::error_code>> wait();

        /// The slot handed over, or errc::timeout (the deadline passed) or operation_aborted (the wait
        /// was cancelled); the place has then left the queue.
        lease take(boost::system::error_code wait_result);

    private:
        std::shared_ptr<impl> pool_;
        origin_pool* op_;
        std::shared_ptr<waiter> waiter_;
    };

    connection_pool(boost::asio::any_io_executor ex, pool_options opts);
    ~connection_pool();
    connection_pool(connection_pool const&) = delete;
    connection_pool& operator=(connection_pool const&) = delete;

    /// Waits (FIFO among the origin's waiters) for a free slot among the connections to `o`, until
    /// `deadline` (errc::timeout). Cancellation leaves the queue.
    boost::asio::awaitable<lease> reserve(origin const& o, std::chrono::steady_clock::time_point deadline);

    /// Sends `req` on the reserved slot (to the origin it was reserved for) and reads the whole response
    /// before `deadline`. A request that cannot be sent (errc::invalid_argument) fails before anything
    /// is sent, and its slot returns to the pool with its connection.
    boost::asio::awaitable<response> exchange(lease slot, request const& req,
                                              std::chrono::steady_clock::time_point deadline);

    /// Like exchange(lease...), but returns once the response head is read; the body is read through
    /// the returned stream (each read bounded by `deadline`).
    boost::asio::awaitable<std::unique_ptr<body_stream>> open(lease slot, request const& req,
                                                              std::chrono::steady_clock::time_point deadline);

    /// A slot at once when one is free and nobody waits before us, else a place in the queue (FIFO)
    /// that is served before `deadline` or times out.
    std::variant<lease, place> try_reserve(origin const& o, std::chrono::steady_clock::time_point deadline);

    /// reserve(), then exchange(lease...).
    boost::asio::awaitable<response> exchange(origin const& o, request const& req,
                                              std::chrono::steady_clock::time_point deadline);

    /// reserve(), then open(lease...).
    boost::asio::awaitable<std::unique_ptr<body_stream>> open(origin const& o, request const& req,
                                                              std::chrono::steady_clock::time_point deadline);

    pool_stats stats() const noexcept;

    /// Closes every idle connection (the pool stays usable).
    void close_idle();

private:
    std::shared_ptr<impl> impl_{};
};

} // namespace paced::transport
