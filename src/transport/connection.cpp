#include "transport/connection.hpp"

#include <paced/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace paced::transport::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

bool is_ip_literal(std::string const& host) {
    error_code ec;
    (void)asio::ip::make_address(host, ec);
    return !ec;
}

[[noreturn]] void throw_cancelled() {
    throw boost::system::system_error(asio::error::operation_aborted);
}

/// Host-name verification that records *why* it failed, so that the error names the mismatch.
class verify_host {
public:
    explicit verify_host(std::string host) : host_(std::move(host)), check_(host_) {}

    bool operator()(bool preverified, ssl::verify_context& ctx) const {
        bool const ok = check_(preverified, ctx);
        if (preverified && !ok) {
            // Only the leaf is checked against the name (host_name_verification does that too).
            X509_STORE_CTX_set_error(ctx.native_handle(), is_ip_literal(host_)
                                                              ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                                              : X509_V_ERR_HOSTNAME_MISMATCH);
        }
        return ok;
    }

private:
    std::string host_;
    ssl::host_name_verification check_;
};

bool is_verification_failure(error_code const& ec) {
    return ec.category() == asio::error::get_ssl_category() &&
           ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

/// The resolver is not cancellable through a slot in this Asio version: a timer cancels it instead.
/// The state is shared with the timer's handler so that nothing dangles if the coroutine ends first.
struct resolve_state {
    explicit resolve_state(asio::any_io_executor ex) : resolver(ex), timer(ex) {}
    asio::ip::tcp::resolver resolver;
    asio::steady_timer timer;
    bool timed_out = false;
};

} // namespace

void connection::close() noexcept {
    error_code ec;
    auto& sock = lowest().socket();
    sock.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    sock.close(ec);
}

std::string authority(std::string_view host, std::uint16_t port) {
    std::string out;
    if (host.find(':') != std::string_view::npos && !host.starts_with('['))
        out.append("[").append(host).append("]");
    else
        out.append(host);
    return out + ":" + std::to_string(port);
}

ssl::context make_tls_context(std::string const& ca_file) {
    ssl::context ctx{ssl::context::tls_client};
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    error_code ec;
    ctx.set_default_verify_paths(ec); // a machine without a system store still works with ca_file
    if (!ca_file.empty()) {
        ctx.load_verify_file(ca_file, ec);
        if (ec)
            throw_error(errc::invalid_argument,
                        "ca_file: cannot load trust anchors from " + ca_file + ": " + ec.message());
    }
    ctx.set_verify_mode(ssl::verify_peer);
    return ctx;
}

asio::awaitable<void> connect(connection& c, origin const& o, connect_params const& params,
                              ssl::context* tls_context, clock::time_point deadline) {
    auto const ex = co_await asio::this_coro::executor;
    auto const now = clock::now();
    bool const connect_bound = now + params.connect_timeout < deadline;
    auto const connect_deadline = connect_bound ? now + params.connect_timeout : deadline;
    std::string const target = (o.tls ? "https://" : "http://") + authority(o.host, o.port);
    std::string const via =
        params.proxy ? " via proxy " + authority(params.proxy->host, params.proxy->port) : "";

    auto timed_out = [&]() -> paced::error {
        if (connect_bound)
            return {make_error_code(errc::timeout), "connect to " + target + via + " timed out after " +
                                                        std::to_string(params.connect_timeout.count()) +
                                                        " ms"};
        return {make_error_code(errc::timeout), "request to " + target + via + " timed out while connecting"};
    };

    // 1. Resolve the proxy or the origin.
    std::string const& dial_host = params.proxy ? params.proxy->host : o.host;
    std::uint16_t const dial_port = params.proxy ? params.proxy->port : o.port;
    auto rs = std::make_shared<resolve_state>(ex);
    rs->timer.expires_at(connect_deadline);
    rs->timer.async_wait([rs](error_code ec) {
        if (!ec) {
            rs->timed_out = true;
            rs->resolver.cancel();
        }
    });
    std::string const dial_service = std::to_string(dial_port);
    auto [rec, endpoints] = co_await rs->resolver.async_resolve(dial_host, dial_service, tuple_awaitable);
    rs->timer.cancel();
    if (rs->timed_out)
        throw timed_out();
    if (rec == asio::error::operation_aborted)
        throw_cancelled();
    if (rec)
        throw_error(errc::connect_failed, "cannot resolve " + dial_host + ": " + rec.message());

    // 2. TCP connect.
    c.tcp.emplace(ex);
    c.tcp->expires_at(connect_deadline);
    auto [cec, ep] = co_await c.tcp->async_connect(endpoints, tuple_awaitable);
    (void)ep;
    if (cec == beast::error::timeout)
        throw timed_out();
    if (cec == asio::error::operation_aborted)
        throw_cancelled();
    if (cec)
        throw_error(errc::connect_failed, "cannot connect to " + (params.proxy ? "proxy " : std::string{}) +
                                              authority(dial_host, dial_port) + ": " + cec.message());
    error_code ignored;
    c.tcp->socket().set_option(asio::ip::tcp::no_delay(true), ignored); // requests are small, latency matters

    // 3. CONNECT tunnel.
    if (params.proxy) {
        auto const tunnel = authority(o.host, o.port);
        std::string head = "CONNECT " + tunnel + " HTTP/1.1\r\nHost: " + tunnel + "\r\n";
        if (!params.proxy->authorization.empty())
            head += "Proxy-Authorization: " + params.proxy->authorization + "\r\n";
        head += "\r\n";
        auto [wec, wn] = co_await asio::async_write(*c.tcp, asio::buffer(head), tuple_awaitable);
        (void)wn;
        http::response_parser<http::empty_body> answer;
        answer.skip(true); // a 2xx answer to CONNECT has no body, whatever its fields say
        answer.header_limit(static_cast<std::uint32_t>(params.max_header_bytes));
        error_code hec = wec;
        if (!hec) {
            auto [e, n] = co_await http::async_read_header(*c.tcp, c.buffer, answer, tuple_awaitable);
            (void)n;
            hec = e;
        }
        if (hec == beast::error::timeout)
            throw timed_out();
        if (hec == asio::error::operation_aborted)
            throw_cancelled();
        if (hec)
            throw_error(errc::connect_failed, "proxy " + authority(dial_host, dial_port) +
                                                  " did not open a tunnel to " + tunnel + ": " +
                                                  hec.message());
        auto const status = answer.get().result_int();
        if (status / 100 != 2)
            throw_error(errc::proxy_failed,
                        "proxy " + authority(dial_host, dial_port) + " refused the tunnel to " + tunnel +
                            ": " + std::to_string(status) + " " + std::string{answer.get().reason()});
        c.buffer.consume(c.buffer.size()); // the origin has not spoken yet: nothing of it can be buffered
    }

    // 4. TLS handshake.
    if (o.tls) {
        c.tls.emplace(std::move(*c.tcp), *tls_context);
        c.tcp.reset();
        auto* handle = c.tls->native_handle();
        if (!is_ip_literal(o.host) && !SSL_set_tlsext_host_name(handle, o.host.c_str()))
            throw_error(errc::connect_failed, "cannot set the TLS server name " + o.host);
        c.tls->set_verify_mode(ssl::verify_peer);
        c.tls->set_verify_callback(verify_host{o.host});
        c.lowest().expires_at(connect_deadline);
        auto [hec] = co_await c.tls->async_handshake(ssl::stream_base::client, tuple_awaitable);
        if (hec == beast::error::timeout)
            throw timed_out();
        if (hec == asio::error::operation_aborted)
            throw_cancelled();
        if (hec) {
            if (is_verification_failure(hec)) {
                auto const result = SSL_get_verify_result(handle);
                std::string reason =
                    result == X509_V_OK ? "certificate verify failed" : X509_verify_cert_error_string(result);
                throw_error(errc::tls_verification_failed,
                            "TLS certificate of " + target + " did not verify: " + reason);
            }
            throw_error(errc::connect_failed,
                        "TLS handshake with " + target + via + " failed: " + hec.message());
        }
    }
    c.mark_open();
}

} // namespace paced::transport::detail
