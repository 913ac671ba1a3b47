#include "server.hpp"

// GCC 12 reports a false -Wmismatched-new-delete on Asio's coroutine frames (awaitable_frame_base
// defines both operators) when optimising; the warning is about the compiler, not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <chrono>

namespace paced::emulator {

namespace {
using asio::use_awaitable;
using asio::ip::tcp;
namespace beast = boost::beast;
constexpr auto token = asio::as_tuple(use_awaitable);

constexpr std::size_t chunk_size = 64 * 1024;
constexpr std::uint64_t json_body_limit = 64ULL << 20; // JSON bodies: far above any real request
constexpr std::uint64_t upload_body_limit = (512ULL << 20) + (1 << 20); // 512 MB file + multipart overhead

void append_status_line(std::string& out, unsigned status) {
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += http::obsolete_reason(static_cast<http::status>(status));
    out += "\r\n";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

void append_chunk(std::string& out, std::string_view data) {
    if (data.empty())
        return;
    char size[20];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    out.append(size, static_cast<std::size_t>(n));
    out += data;
    out += "\r\n";
}

// Closes with a TCP reset, which is what a crashed or overloaded server looks like to the client.
void abort_connection(tcp::socket& s) {
    boost::system::error_code ec;
    s.set_option(asio::socket_base::linger(true, 0), ec);
    s.close(ec);
}

void graceful_close(tcp::socket& s) {
    boost::system::error_code ec;
    s.shutdown(tcp::socket::shutdown_send, ec);
    s.close(ec);
}
} // namespace

server::server(asio::io_context& ioc, const config& cfg)
    : ioc_(ioc), cfg_(cfg), api_(cfg), faults_(cfg), jitter_rng_(cfg.seed ^ 0x7a5e17ULL), acceptor_(ioc) {
    if (!cfg.request_log.empty())
        log_ = std::make_unique<request_log>(cfg.request_log);
    if (!cfg.webhook_url.empty())
        webhooks_ = std::make_unique<webhook_sender>(ioc, cfg, api_.response_state(), api_.batch_state(),
                                                     api_.counters());
    if (!cfg.tls_cert.empty()) {
        ssl_.emplace(asio::ssl::context::tls_server);
        ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3);
        ssl_->use_certificate_chain_file(cfg.tls_cert);
        ssl_->use_private_key_file(cfg.tls_key, asio::ssl::context::pem);
    }
    tcp::endpoint ep(asio::ip::make_address(cfg.host), cfg.port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void server::start() {
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    if (webhooks_)
        asio::co_spawn(ioc_, webhooks_->run(), asio::detached);
}

void server::stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
}

asio::awaitable<void> server::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(token);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor_.is_open())
                co_return;
            continue; // e.g. EMFILE: keep serving the connections we have
        }
        ++api_.counters().connections_accepted;
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        asio::co_spawn(ioc_, session(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> server::session(tcp::socket socket) {
    try {
        if (ssl_) {
            asio::ssl::stream<tcp::socket> stream(std::move(socket), *ssl_);
            auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, token);
            if (ec)
                co_return;
            co_await serve(stream, stream.next_layer());
        } else {
            co_await serve(socket, socket);
        }
    } catch (const std::exception&) {
        // A connection's failure never takes the server down.
    }
}

template <class Stream>
asio::awaitable<void> server::serve(Stream& stream, tcp::socket& lowest) {
    beast::flat_buffer buffer;
    std::string out;
    std::unique_ptr<char[]> chunk;
    asio::steady_timer timer(ioc_);
    for (;;) {
        http::request_parser<http::buffer_body> parser;
        parser.header_limit(64 * 1024);
        parser.body_limit(upload_body_limit);
        {
            auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, token);
            if (ec)
                co_return;
        }
        auto& msg = parser.get();
        const route_match route = api_.match(msg.method(), msg.target());
        api_request req;
        req.method = msg.method();
        req.target = msg.target();
        req.headers = &msg.base();
        std::optional<multipart_parser> multipart;
        if (route.upload) {
            auto boundary = multipart_parser::boundary_of(msg[http::field::content_type]);
            if (!boundary.empty())
                multipart.emplace(std::move(boundary));
        }
        parser.body_limit(multipart ? upload_body_limit : json_body_limit);
        if (beast::iequals(msg[http::field::expect], "100-continue")) {
            static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
            auto [ec, n] = co_await asio::async_write(stream, asio::buffer(cont), token);
            if (ec)
                co_return;
        }
        bool too_large = false;
        if (!parser.is_done()) {
            if (!chunk)
                chunk = std::make_unique<char[]>(chunk_size);
            if (multipart) {
                // The stored file grows as the body arrives: reserve once when the size is announced.
                if (auto len = parser.content_length(); len && *len < upload_body_limit)
                    multipart->result().file_data.reserve(static_cast<std::size_t>(*len));
            }
            while (!parser.is_done()) {
                msg.body().data = chunk.get();
                msg.body().size = chunk_size;
                auto [ec, n] = co_await http::async_read(stream, buffer, parser, token);
                if (ec == http::error::need_buffer)
                    ec = {};
                if (ec == http::error::body_limit) {
                    too_large = true;
                    break;
                }
                if (ec)
                    co_return;
                const std::size_t got = chunk_size - msg.body().size;
                if (multipart)
                    multipart->feed(std::string_view(chunk.get(), got));
                else
                    req.body.append(chunk.get(), got);
            }
        }
        const bool keep_alive = !too_large && msg.keep_alive();
        api_response res;
        fault_plan plan;
        if (too_large) {
            res.status = 413;
            res.body = error_body("Request body too large.", "invalid_request_error");
        } else {
            if (multipart) {
                if (multipart->failed())
                    req.upload_error = multipart->error();
                else if (!multipart->finished())
                    req.upload_error = "The multipart body ended before its closing boundary.";
                req.upload = &multipart->result();
            }
            if (!route.emulator) {
                plan = faults_.draw();
                if (cfg_.transit_jitter_ms > 0) {
                    // Counted up to J ms after it arrived: requests sent in one order on several
                    // connections reach the budget later and in another order.
                    timer.expires_after(std::chrono::microseconds(std::uniform_int_distribution<std::int64_t>(
                        0, cfg_.transit_jitter_ms * 1000)(jitter_rng_)));
                    co_await timer.async_wait(token);
                }
            }
            res = api_.handle(req, route, plan);
        }
        if (log_ && !route.emulator) {
            // A run object's answer starts with its id (store::render); streams are not inspected.
            constexpr std::string_view run_prefix = R"({"id":"run_)";
            std::string_view run_id;
            if (res.status == 200 && !res.stream && std::string_view(res.body).starts_with(run_prefix)) {
                run_id = std::string_view(res.body).substr(7);
                run_id = run_id.substr(0, run_id.find('"'));
            }
            log_->add(res.status, api::route_label(route), run_id);
        }

        out.clear();
        append_status_line(out, res.status);
        append_header(out, "content-type", res.content_type);
        if (res.stream) {
            append_header(out, "transfer-encoding", "chunked");
            append_header(out, "cache-control", "no-cache");
        } else {
            append_header(out, "content-length", std::to_string(res.body.size()));
        }
        append_header(out, "x-request-id", api_.next_request_id());
        append_header(out, "openai-version", "2020-10-01");
        append_header(out, "openai-organization", "org-emulator");
        for (const auto& hp : res.headers)
            append_header(out, hp.name, hp.value);
        append_header(out, "connection", keep_alive ? "keep-alive" : "close");
        out += "\r\n";
        const std::size_t head_size = out.size();
        if (!res.stream)
            out += res.body;

        if (res.send_at > 0) {
            // A synchronous response: the answer leaves when the response has ended.
            timer.expires_after(std::chrono::milliseconds(std::max<ms_t>(0, res.send_at - now_ms())));
            co_await timer.async_wait(token);
        }
        if (plan.slow) {
            ++api_.counters().faults_slow;
            timer.expires_after(std::chrono::milliseconds(cfg_.slow_ms));
            co_await timer.async_wait(token);
        }
        if (plan.reset) {
            ++api_.counters().faults_reset;
            if (plan.reset_mid) {
                const auto cut = static_cast<std::size_t>(static_cast<double>(out.size()) * plan.cut);
                co_await asio::async_write(stream, asio::buffer(out.data(), std::max<std::size_t>(1, cut)),
                                           token);
            }
            abort_connection(lowest);
            co_return;
        }
        if (plan.truncate && !res.stream) {
            ++api_.counters().faults_truncate;
            const std::size_t body_cut =
                static_cast<std::size_t>(static_cast<double>(res.body.size()) * plan.cut);
            co_await asio::async_write(stream, asio::buffer(out.data(), head_size + body_cut), token);
            graceful_close(lowest);
            co_return;
        }
        {
            auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), token);
            if (ec)
                co_return;
        }
        if (res.stream) {
            // Pace the events over the run's timeline; a truncated stream stops mid-event without the
            // terminating chunk, as a dropped proxy connection would.
            const int truncate_at = 1 + static_cast<int>(plan.cut * 3);
            if (plan.truncate)
                ++api_.counters().faults_truncate;
            for (int polls = 1;; ++polls) {
                const ms_t now = now_ms();
                auto o = res.stream->poll(api_.state(), now);
                out.clear();
                if (plan.truncate && (polls >= truncate_at || o.done)) {
                    std::string_view part(o.bytes);
                    append_chunk(out, part.substr(0, part.size() / 2));
                    co_await asio::async_write(stream, asio::buffer(out), token);
                    graceful_close(lowest);
                    co_return;
                }
                append_chunk(out, o.bytes);
                if (o.done)
                    out += "0\r\n\r\n";
                auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), token);
                if (ec)
                    co_return;
                if (o.done)
                    break;
                timer.expires_after(std::chrono::milliseconds(std::max<ms_t>(0, o.next - now_ms())));
                co_await timer.async_wait(token);
            }
        }
        if (!keep_alive) {
            graceful_close(lowest);
            co_return;
        }
    }
}

} // namespace paced::emulator
