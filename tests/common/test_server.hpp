#pragma once
// A scripted HTTP/1.1 server (plain or TLS) and a tiny CONNECT proxy for the transport tests. Each runs
// its own io_context on its own thread, so tests drive the client with run_coro on theirs.

#include "transport/http_message.hpp"

#include <paced/response.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace paced::test {

/// What the server received.
struct test_request {
    std::string method{};
    std::string target{};
    header_list headers{};
    std::string body{};          ///< Empty when server_options::body_observer is set.
    std::uint64_t body_size = 0; ///< Bytes of body received.
    std::size_t connection = 0;  ///< 1-based accept order of the connection it came on.
};

/// How the server answers one request.
struct test_response {
    unsigned status = 200;
    header_list headers{};
    std::string body = "ok";
    bool chunked = false;               ///< Chunked transfer coding instead of Content-Length.
    std::chrono::milliseconds delay{0}; ///< Wait this long before answering.
    bool close = false;                 ///< Send `Connection: close` and close after the answer.
    bool drop = false;                  ///< Close the connection without answering.
    bool endless_header = false;        ///< Send header fields until the client gives up.
};

struct server_options {
    bool tls = false;
    std::filesystem::path cert_file{}; ///< For TLS: defaults to certs().server_cert / server_key.
    std::filesystem::path key_file{};
    /// Called on the server thread for each request; default: 200 "ok".
    std::function<test_response(test_request const&)> handler{};
    /// Close each connection after answering this many requests (0: never).
    std::size_t close_after_requests = 0;
    /// When set, request bodies are passed to it piece by piece (on the server thread) and not stored.
    std::function<void(std::string_view)> body_observer{};
    /// Accept TCP connections and never read from them (a TLS handshake then hangs).
    bool silent = false;
};

/** @brief The scripted server. Counters are safe to read from the test thread at any time. */
class test_server {
public:
    explicit test_server(server_options opts = {});
    ~test_server();
    test_server(test_server const&) = delete;
    test_server& operator=(test_server const&) = delete;

    std::uint16_t port() const noexcept;
    /// {tls, "127.0.0.1", port}
    transport::origin origin() const;
    std::size_t connections() const noexcept; ///< TCP connections accepted.
    std::size_t requests() const noexcept;    ///< Requests read completely.
    std::size_t max_concurrent_requests() const noexcept;
    std::vector<test_request> received() const; ///< Copies, in arrival order.
    /// Closes every connection that waits for its next request; returns once they are closed.
    void close_idle_connections();

    struct state;

private:
    std::shared_ptr<state> state_{};
};

struct proxy_options {
    unsigned refuse_status = 0; ///< Answer CONNECT with this status instead of opening the tunnel.
};

/** @brief A CONNECT-only proxy that relays bytes between the client and the target. */
class test_proxy {
public:
    explicit test_proxy(proxy_options opts = {});
    ~test_proxy();
    test_proxy(test_proxy const&) = delete;
    test_proxy& operator=(test_proxy const&) = delete;

    std::uint16_t port() const noexcept;
    std::size_t tunnels() const noexcept;            ///< CONNECT requests received.
    std::vector<std::string> targets() const;        ///< The CONNECT targets, in order.
    std::vector<std::string> authorizations() const; ///< Proxy-Authorization values ("" when absent).

    struct state;

private:
    std::shared_ptr<state> state_{};
};

} // namespace paced::test
