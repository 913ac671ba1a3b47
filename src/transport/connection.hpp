#pragma once
// One HTTP/1.1 connection (plain TCP or TLS over TCP, optionally tunnelled through a CONNECT proxy),
// how it is opened, and how transport failures become paced::error. Internal to the transport.

#include "transport/http_message.hpp"
#include "transport/proxy_env.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace paced::transport::detail {

using clock = std::chrono::steady_clock;

/// A connected stream and its read buffer. Exactly one of `tcp` and `tls` is engaged.
struct connection {
    explicit connection(std::size_t& open_counter) : open_counter_(&open_counter) {}
    ~connection() {
        if (counted_)
            --*open_counter_;
    }
    connection(connection const&) = delete;
    connection& operator=(connection const&) = delete;

    std::optional<boost::beast::tcp_stream> tcp{};
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls{};
    boost::beast::flat_buffer buffer{};
    clock::time_point idle_since{};

    boost::beast::tcp_stream& lowest() noexcept { return tls ? tls->next_layer() : *tcp; }

    /// Every following operation fails with beast::error::timeout once `deadline` passes.
    void set_deadline(clock::time_point deadline) {
        if (deadline == clock::time_point::max())
            lowest().expires_never();
        else
            lowest().expires_at(deadline);
    }

    /// Closes the socket at once (no TLS close_notify: the connection is being abandoned).
    void close() noexcept;

    /// Counts the connection in pool_stats::connections_open once it is established.
    void mark_open() noexcept {
        if (!counted_) {
            counted_ = true;
            ++*open_counter_;
        }
    }

private:
    std::size_t* open_counter_;
    bool counted_ = false;
};

/// Settings of connect().
struct connect_params {
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
    std::size_t max_header_bytes = 64 * 1024; ///< For the proxy's answer to CONNECT.
    std::optional<proxy_config> proxy{};      ///< Tunnel through this proxy.
};

/// A TLS client context verifying peers against the system store plus `ca_file` (PEM, may be empty).
/// Throws paced::error(errc::invalid_argument) when `ca_file` cannot be loaded.
boost::asio::ssl::context make_tls_context(std::string const& ca_file);

/** @brief Opens a connection to `o`: resolve, TCP connect, CONNECT tunnel, TLS handshake.
 *
 * The whole sequence is bounded by `min(deadline, now + connect_timeout)`. `tls_context` is used (and
 * must be non-null) for TLS origins only.
 * @par Errors
 * paced::error: connect_failed, tls_verification_failed, proxy_failed, timeout. Cancellation (terminal)
 * throws system_error(operation_aborted).
 */
boost::asio::awaitable<void> connect(connection& c, origin const& o, connect_params const& params,
                                     boost::asio::ssl::context* tls_context, clock::time_point deadline);

/// "host:port" with brackets around IPv6 literals, as in Host and CONNECT targets.
std::string authority(std::string_view host, std::uint16_t port);

} // namespace paced::transport::detail
