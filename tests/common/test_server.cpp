#include "common/test_server.hpp"

#include "common/test_certs.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace paced::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// An io_context on its own thread with a listening socket on 127.0.0.1 (any free port).
/// The io_context is declared before everything that uses it, so it is destroyed last: its pending
/// coroutine frames (which only hold raw pointers to the owner) die with it.
struct server_thread {
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::thread thread;

    server_thread() {
        tcp::endpoint const ep{asio::ip::make_address("127.0.0.1"), 0};
        acceptor.open(ep.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
    }

    void start() {
        thread = std::thread([this] { ioc.run(); });
    }

    void stop() {
        ioc.stop();
        if (thread.joinable())
            thread.join();
    }

    std::uint16_t port() const { return acceptor.local_endpoint().port(); }

    /// Runs `f` on the server thread and waits for it.
    template <class F>
    void run_on_thread(F f) {
        std::promise<void> done;
        asio::post(ioc, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }
};

struct session {
    std::optional<beast::tcp_stream> tcp;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    bool idle = true; ///< Waiting for the next request.
    bool close_when_idle = false;

    beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *tcp; }
    void close() {
        error_code ec;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest().socket().close(ec);
    }
};

} // namespace

struct test_server::state {
    std::optional<ssl::context> tls_context; // outlives the io_context and its TLS streams
    server_thread srv;
    server_options opts;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::size_t> requests{0};
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::size_t> max_in_flight{0};
    mutable std::mutex mutex;
    std::vector<test_request> received;
    std::vector<std::weak_ptr<session>> sessions; // server thread only
    std::vector<tcp::socket> silent_sockets;      // server thread only
};

namespace {

using server_state = test_server::state;

template <class Stream>
asio::awaitable<void> serve(server_state* s, Stream& stream, session& ses, std::size_t index) {
    auto const ex = co_await asio::this_coro::executor;
    beast::flat_buffer buffer;
    std::vector<char> chunk(64 * 1024); // request bodies pass through this, never stored unless asked
    for (std::size_t served = 0;;) {
        if (ses.close_when_idle) {
            ses.close();
            co_return;
        }
        ses.idle = true;
        http::request_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);
        parser.header_limit(1024 * 1024);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
        (void)n;
        ses.idle = false;
        if (ec)
            co_return;
        test_request req;
        req.method = std::string{parser.get().method_string()};
        req.target = std::string{parser.get().target()};
        req.connection = index;
        for (auto const& f : parser.get())
            req.headers.add(std::string{f.name_string()}, std::string{f.value()});
        while (!parser.is_done()) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            auto [bec, bn] = co_await http::async_read_some(stream, buffer, parser, tuple_awaitable);
            (void)bn;
            if (bec == http::error::need_buffer)
                bec = {};
            if (bec)
                co_return;
            auto const got = chunk.size() - parser.get().body().size;
            if (s->opts.body_observer)
                s->opts.body_observer(std::string_view{chunk.data(), got});
            else
                req.body.append(chunk.data(), got);
            req.body_size += got;
        }
        ++s->requests;
        auto const now_in_flight = ++s->in_flight;
        for (auto seen = s->max_in_flight.load(); now_in_flight > seen;)
            if (s->max_in_flight.compare_exchange_weak(seen, now_in_flight))
                break;
        {
            std::lock_guard lock{s->mutex};
            s->received.push_back(req);
        }
        test_response resp = s->opts.handler ? s->opts.handler(req) : test_response{};
        if (resp.delay.count() > 0) {
            asio::steady_timer timer{ex, resp.delay};
            co_await timer.async_wait(tuple_awaitable);
        }
        struct leave_flight {
            server_state* s;
            ~leave_flight() { --s->in_flight; }
        } const leave{s};
        if (resp.drop) {
            ses.close();
            co_return;
        }
        if (resp.endless_header) {
            std::string const head = "HTTP/1.1 200 OK\r\n";
            auto [hec, hn] = co_await asio::async_write(stream, asio::buffer(head), tuple_awaitable);
            (void)hn;
            std::string line = "X-Filler: " + std::string(1000, 'a') + "\r\n";
            std::string lines;
            for (int i = 0; i < 16; ++i)
                lines += line;
            // Bounded so that a client that never gives up cannot keep the test running forever.
            for (std::size_t sent = 0; !hec && sent < 256u * 1024 * 1024; sent += lines.size()) {
                auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(lines), tuple_awaitable);
                (void)wn;
                hec = wec;
            }
            ses.close();
            co_return;
        }
        http::response<http::string_body> res{static_cast<http::status>(resp.status), 11};
        for (auto const& [name, value] : resp.headers)
            res.insert(name, value);
        res.body() = std::move(resp.body);
        if (resp.chunked)
            res.chunked(true);
        else
            res.prepare_payload();
        ++served;
        bool const close = resp.close ||
                           (s->opts.close_after_requests != 0 && served >= s->opts.close_after_requests) ||
                           !parser.keep_alive();
        res.keep_alive(!close);
        auto [wec, wn] = co_await http::async_write(stream, res, tuple_awaitable);
        (void)wn;
        if (wec || close) {
            ses.close();
            co_return;
        }
    }
}

asio::awaitable<void> server_session(server_state* s, tcp::socket socket, std::size_t index) {
    auto ses = std::make_shared<session>();
    ses->tcp.emplace(std::move(socket));
    s->sessions.push_back(ses);
    std::erase_if(s->sessions, [](std::weak_ptr<session> const& w) { return w.expired(); });
    if (s->tls_context) {
        ses->tls.emplace(std::move(*ses->tcp), *s->tls_context);
        ses->tcp.reset();
        ses->lowest().expires_after(std::chrono::seconds(30));
        auto [ec] = co_await ses->tls->async_handshake(ssl::stream_base::server, tuple_awaitable);
        ses->lowest().expires_never();
        if (ec) {
            ses->close();
            co_return;
        }
        co_await serve(s, *ses->tls, *ses, index);
    } else {
        co_await serve(s, *ses->tcp, *ses, index);
    }
}

asio::awaitable<void> server_accept(server_state* s) {
    for (;;) {
        auto [ec, socket] = co_await s->srv.acceptor.async_accept(tuple_awaitable);
        if (ec)
            co_return;
        auto const index = ++s->connections;
        if (s->opts.silent) {
            s->silent_sockets.push_back(std::move(socket));
            continue;
        }
        asio::co_spawn(s->srv.ioc, server_session(s, std::move(socket), index), asio::detached);
    }
}

} // namespace

test_server::test_server(server_options opts) : state_(std::make_shared<state>()) {
    auto& s = *state_;
    s.opts = std::move(opts);
    if (s.opts.tls) {
        if (s.opts.cert_file.empty()) {
            s.opts.cert_file = certs().server_cert;
            s.opts.key_file = certs().server_key;
        }
        s.tls_context.emplace(ssl::context::tls_server);
        s.tls_context->use_certificate_chain_file(s.opts.cert_file.string());
        s.tls_context->use_private_key_file(s.opts.key_file.string(), ssl::context::pem);
    }
    asio::co_spawn(s.srv.ioc, server_accept(&s), asio::detached);
    s.srv.start();
}

test_server::~test_server() {
    state_->srv.stop();
}

std::uint16_t test_server::port() const noexcept {
    return state_->srv.port();
}

transport::origin test_server::origin() const {
    return {state_->opts.tls, "127.0.0.1", port()};
}

std::size_t test_server::connections() const noexcept {
    return state_->connections;
}
std::size_t test_server::requests() const noexcept {
    return state_->requests;
}
std::size_t test_server::max_concurrent_requests() const noexcept {
    return state_->max_in_flight;
}

std::vector<test_request> test_server::received() const {
    std::lock_guard lock{state_->mutex};
    return state_->received;
}

void test_server::close_idle_connections() {
    auto* s = state_.get();
    s->srv.run_on_thread([s] {
        for (auto const& w : s->sessions) {
            auto ses = w.lock();
            if (!ses)
                continue;
            // A session still finishing its last answer closes as soon as it is idle.
            if (ses->idle)
                ses->close();
            else
                ses->close_when_idle = true;
        }
    });
}

// ---------------------------------------------------------------------------------------------------

struct test_proxy::state {
    server_thread srv;
    proxy_options opts;
    std::atomic<std::size_t> tunnels{0};
    mutable std::mutex mutex;
    std::vector<std::string> targets;
    std::vector<std::string> authorizations;
};

namespace {

using proxy_state = test_proxy::state;

asio::awaitable<void> relay(tcp::socket& from, tcp::socket& to) {
    std::array<char, 16 * 1024> buf;
    for (;;) {
        auto [rec, n] = co_await from.async_read_some(asio::buffer(buf), tuple_awaitable);
        if (rec) {
            error_code ignored;
            to.shutdown(tcp::socket::shutdown_send, ignored);
            co_return;
        }
        auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf.data(), n), tuple_awaitable);
        (void)wn;
        if (wec)
            co_return;
    }
}

asio::awaitable<void> proxy_session(proxy_state* s, tcp::socket socket) {
    using namespace asio::experimental::awaitable_operators;
    auto const ex = co_await asio::this_coro::executor;
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, tuple_awaitable);
    (void)n;
    if (ec)
        co_return;
    std::string const target{parser.get().target()};
    ++s->tunnels;
    {
        std::lock_guard lock{s->mutex};
        s->targets.push_back(target);
        s->authorizations.emplace_back(parser.get()[http::field::proxy_authorization]);
    }
    auto answer = [&](std::string text) -> asio::awaitable<void> {
        auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(text), tuple_awaitable);
        (void)wec;
        (void)wn;
    };
    if (parser.get().method() != http::verb::connect) {
        co_await answer("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        co_return;
    }
    if (s->opts.refuse_status != 0) {
        co_await answer("HTTP/1.1 " + std::to_string(s->opts.refuse_status) +
                        " Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        co_return;
    }
    auto const colon = target.rfind(':');
    std::string host = target.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[')
        host = host.substr(1, host.size() - 2);
    // Named, not a temporary inside the co_await expression (g++ 12 mishandles those conditionals).
    std::string const port = colon == std::string::npos ? "443" : target.substr(colon + 1);
    tcp::resolver resolver{ex};
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, tuple_awaitable);
    tcp::socket upstream{ex};
    error_code cec = rec;
    if (!cec) {
        auto [e, ep] = co_await asio::async_connect(upstream, endpoints, tuple_awaitable);
        (void)ep;
        cec = e;
    }
    if (cec) {
        co_await answer("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        co_return;
    }
    co_await answer("HTTP/1.1 200 Connection established\r\n\r\n");
    if (buffer.size() > 0) {
        auto [wec, wn] = co_await asio::async_write(upstream, buffer.data(), tuple_awaitable);
        (void)wn;
        if (wec)
            co_return;
    }
    co_await (relay(socket, upstream) || relay(upstream, socket));
}

asio::awaitable<void> proxy_accept(proxy_state* s) {
    for (;;) {
        auto [ec, socket] = co_await s->srv.acceptor.async_accept(tuple_awaitable);
        if (ec)
            co_return;
        asio::co_spawn(s->srv.ioc, proxy_session(s, std::move(socket)), asio::detached);
    }
}

} // namespace

test_proxy::test_proxy(proxy_options opts) : state_(std::make_shared<state>()) {
    state_->opts = opts;
    asio::co_spawn(state_->srv.ioc, proxy_accept(state_.get()), asio::detached);
    state_->srv.start();
}

test_proxy::~test_proxy() {
    state_->srv.stop();
}

std::uint16_t test_proxy::port() const noexcept {
    return state_->srv.port();
}
std::size_t test_proxy::tunnels() const noexcept {
    return state_->tunnels;
}

std::vector<std::string> test_proxy::targets() const {
    std::lock_guard lock{state_->mutex};
    return state_->targets;
}

std::vector<std::string> test_proxy::authorizations() const {
    std::lock_guard lock{state_->mutex};
    return state_->authorizations;
}

} // namespace paced::test
