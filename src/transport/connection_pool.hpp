#pragma once
// Keep-alive HTTP/1.1 connections over TCP and TLS, per origin, driven by coroutines.

#include "transport/http_message.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace paced::transport {

/// An HTTP proxy reached with CONNECT (from HTTPS_PROXY / https_proxy).
struct proxy_config {
    std::string host;
    std::uint16_t port = 3128;
    std::string authorization; ///< Value for Proxy-Authorization (from user:pass in the URL), or empty.
};

struct pool_options {
    std::size_t max_connections_per_origin = 64;
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
    std::size_t max_body_bytes = 64 * 1024 * 1024;
    std::size_t max_header_bytes = 64 * 1024;
    std::string ca_file;                ///< Extra trust anchors, added to the system store.
    std::optional<proxy_config> proxy;  ///< Used for TLS origins not matched by no_proxy.
    std::string no_proxy;               ///< NO_PROXY syntax: comma-separated hosts/suffixes, "*" for all.
};

struct pool_stats {
    std::size_t connections_opened = 0;
    std::size_t connections_reused = 0;
    std::size_t connections_open = 0;
    std::size_t stale_retries = 0; ///< Requests re-sent because a reused connection had been closed.
};

/// A response whose body is read incrementally (server-sent events). The connection returns to the
/// pool when the body has been read to its end; destroying the stream earlier closes it.
class body_stream {
public:
    virtual ~body_stream() = default;
    virtual unsigned status() const noexcept = 0;
    virtual header_list const& headers() const noexcept = 0;
    /// Next piece of the body; an empty string means the body ended cleanly.
    /// Throws paced::error (connection_lost, timeout, body_too_large).
    virtual boost::asio::awaitable<std::string> read_some() = 0;
};

/** Connection pool. Bound to one executor; not thread-safe unless that executor is a strand.
 *
 * Errors (thrown as paced::error): connect_failed (nothing was sent: DNS, TCP, proxy CONNECT, TLS
 * handshake other than verification), tls_verification_failed, proxy_failed, connection_lost (the request
 * may have reached the server), timeout, body_too_large, headers_too_large, invalid_response.
 * Cancellation: terminal; the connection in use is closed, never reused.
 */
class connection_pool {
public:
    connection_pool(boost::asio::any_io_executor ex, pool_options opts);
    ~connection_pool();
    connection_pool(connection_pool const&) = delete;
    connection_pool& operator=(connection_pool const&) = delete;

    /// Sends `req` and reads the whole response before `deadline`.
    boost::asio::awaitable<response> exchange(origin const& o, request const& req,
                                              std::chrono::steady_clock::time_point deadline);

    /// Sends `req` and reads the response head; the body is read through the returned stream
    /// (each read bounded by `deadline`).
    boost::asio::awaitable<std::unique_ptr<body_stream>> open(origin const& o, request const& req,
                                                              std::chrono::steady_clock::time_point deadline);

    pool_stats stats() const noexcept;

    /// Closes every idle connection (the pool stays usable).
    void close_idle();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace paced::transport
