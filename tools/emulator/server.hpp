#pragma once
// The network side: a TCP (optionally TLS) acceptor and one coroutine per connection that reads HTTP/1.1
// requests (keep-alive), hands them to the api and writes the answers, SSE streams and injected faults.

#include "api.hpp"
#include "config.hpp"
#include "faults.hpp"
#include "webhook_delivery.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <random>

namespace paced::emulator {

namespace asio = boost::asio;

/**
 * @brief The emulator's HTTP(S) server.
 * @par Thread safety
 * Everything runs on one io_context thread; no object is shared with another thread.
 * @par Errors
 * The constructor throws boost::system::system_error when the address cannot be bound or the TLS files
 * cannot be loaded.
 */
class server {
public:
    server(asio::io_context& ioc, const config& cfg);
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    bool tls() const { return ssl_.has_value(); }
    /** @brief Starts accepting connections (returns at once; the io_context runs the work). */
    void start();
    /** @brief Stops accepting; open connections end when the io_context stops. */
    void stop();

private:
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(asio::ip::tcp::socket socket);
    template <class Stream>
    asio::awaitable<void> serve(Stream& stream, asio::ip::tcp::socket& lowest);

    asio::io_context& ioc_;
    const config& cfg_;
    api api_;
    fault_injector faults_;
    std::mt19937_64 jitter_rng_; ///< --transit-jitter-ms draws, apart from the faults' sequence
    asio::ip::tcp::acceptor acceptor_;
    std::optional<asio::ssl::context> ssl_;
    std::unique_ptr<request_log> log_;         ///< --request-log, null when off
    std::unique_ptr<webhook_sender> webhooks_; ///< --webhook-url, null when off
};

} // namespace paced::emulator
