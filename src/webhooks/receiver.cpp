// The webhook receiver: verification and deduplication under one mutex, waiters woken through the
// pacing queues' waiter (posted to their own executors), and a small Beast HTTP/1.1 server.

#include <paced/webhooks/receiver.hpp>

#include "pacing/waiter.hpp"
#include "webhooks/signature.hpp"

#include <paced/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/system_error.hpp>

#include <array>
#include <atomic>
#include <list>
#include <mutex>
#include <set>
#include <unordered_map>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace paced::webhooks::detail {

namespace {

struct webhook_waiter : pacing::waiter {
    std::string resource;
    std::list<std::shared_ptr<webhook_waiter>>::iterator position;
    /// Set, under the receiver's lock, before the waiter is completed.
    std::optional<event> delivered;
};

/// A delivery remembered for deduplication, and its event for waits that start late.
struct remembered_delivery {
    std::string webhook_id;
    std::shared_ptr<event const> ev;
};

/// `{"error": message}`, escaped.
std::string webhook_error_body(std::string_view message) {
    boost::json::object o;
    o["error"] = message;
    return boost::json::serialize(o);
}

} // namespace

class receiver_impl : public std::enable_shared_from_this<receiver_impl> {
public:
    explicit receiver_impl(receiver_options options) : options_(std::move(options)) {
        if (auto v = decode_secret(options_.secret, key_); !v)
            throw paced::error(v.code, std::move(v.message));
        if (options_.remembered_deliveries == 0)
            throw_error(paced::errc::invalid_argument,
                        "webhooks::receiver: remembered_deliveries must be > 0");
        if (!options_.clock)
            options_.clock = [] { return std::chrono::system_clock::now(); };
    }

    receiver_options const& options() const noexcept { return options_; }

    http_answer handle(std::string_view method, header_list const& headers, std::string_view body) {
        if (method != "POST")
            return {.status = 405, .body = webhook_error_body("webhook: only POST is accepted")};
        verify_options const vo{.tolerance = options_.tolerance, .now = options_.clock()};
        if (auto v = check_with_key(body, headers, key_, vo); !v)
            return reject(v.code, std::move(v.message), headers);
        std::shared_ptr<event const> ev;
        try {
            ev = std::make_shared<event const>(parse_event(body));
        } catch (paced::error const& e) {
            return reject(e.code(), e.what(), headers);
        }
        std::string const webhook_id(*headers.find("webhook-id")); // present: checked above
        {
            auto lock = std::unique_lock(mutex_);
            if (auto const seen = by_webhook_id_.find(webhook_id); seen != by_webhook_id_.end()) {
                // A repeat (at-least-once delivery): acknowledged, not passed on again, remembered longer.
                order_.splice(order_.begin(), order_, seen->second);
                ++stats_.duplicates;
                return {.status = 200, .body = R"({"received":true,"duplicate":true})"};
            }
            ++stats_.accepted;
            remember(webhook_id, ev);
            wake(ev);
        }
        return {.status = 200, .body = R"({"received":true})"};
    }

    /// A refusal from the listener (too large) or from handle: counted and logged.
    http_answer reject(boost::system::error_code code, std::string message, header_list const& headers,
                       unsigned status = 400) {
        {
            auto lock = std::unique_lock(mutex_);
            ++stats_.rejected;
        }
        auto answer = http_answer{.status = status, .body = webhook_error_body(message)};
        if (options_.on_rejected) {
            rejected_delivery r{.code = code, .message = std::move(message)};
            if (auto id = headers.find("webhook-id"))
                r.webhook_id.assign(id->substr(0, 256)); // untrusted: bounded in the log
            options_.on_rejected(r);
        }
        return answer;
    }

    /// The remembered event of `resource`, if any.
    std::shared_ptr<event const> recent(std::string const& resource) const {
        auto lock = std::unique_lock(mutex_);
        auto const it = by_resource_.find(resource);
        return it == by_resource_.end() ? nullptr : it->second->ev;
    }

    void enqueue(std::shared_ptr<webhook_waiter> const& node) {
        auto lock = std::unique_lock(mutex_);
        if (closed_ || node->cancel_requested.load()) {
            node->complete(asio::error::operation_aborted);
            return;
        }
        if (auto const it = by_resource_.find(node->resource); it != by_resource_.end()) {
            node->delivered.emplace(*it->second->ev); // arrived since the caller looked
            ++stats_.woken;
            node->complete({});
            return;
        }
        auto& queue = waiters_[node->resource];
        node->position = queue.insert(queue.end(), node);
        node->queued = true;
        ++stats_.waiting;
    }

    void cancel(std::shared_ptr<webhook_waiter> const& node) {
        auto lock = std::unique_lock(mutex_);
        if (!node->queued)
            return; // woken already
        unqueue(node);
        node->complete(asio::error::operation_aborted);
    }

    void close() {
        auto lock = std::unique_lock(mutex_);
        closed_ = true;
        for (auto& [resource, queue] : waiters_)
            for (auto& node : queue)
                node->complete(asio::error::operation_aborted);
        waiters_.clear();
        stats_.waiting = 0;
    }

    receiver_stats stats() const {
        auto lock = std::unique_lock(mutex_);
        return stats_;
    }

    /// Connections `listen` serves right now (not under the mutex: counted by the sessions).
    std::atomic<std::size_t> connections{0};

private:
    void unqueue(std::shared_ptr<webhook_waiter> const& node) {
        auto const it = waiters_.find(node->resource);
        it->second.erase(node->position);
        if (it->second.empty())
            waiters_.erase(it);
        --stats_.waiting;
    }

    void remember(std::string const& webhook_id, std::shared_ptr<event const> const& ev) {
        order_.push_front(remembered_delivery{webhook_id, ev});
        by_webhook_id_[webhook_id] = order_.begin();
        if (!ev->data.id.empty())
            by_resource_[ev->data.id] = order_.begin(); // the latest event of a resource wins
        while (order_.size() > options_.remembered_deliveries) {
            auto const oldest = std::prev(order_.end());
            by_webhook_id_.erase(oldest->webhook_id);
            if (auto const r = by_resource_.find(oldest->ev->data.id);
                r != by_resource_.end() && r->second == oldest)
                by_resource_.erase(r);
            order_.erase(oldest);
        }
    }

    void wake(std::shared_ptr<event const> const& ev) {
        if (ev->data.id.empty())
            return;
        auto const it = waiters_.find(ev->data.id);
        if (it == waiters_.end())
            return;
        auto queue = std::move(it->second);
        waiters_.erase(it);
        for (auto& node : queue) {
            node->delivered.emplace(*ev);
            --stats_.waiting;
            ++stats_.woken;
            node->complete({});
        }
    }

    receiver_options options_;
    std::string key_;
    mutable std::mutex mutex_;
    bool closed_ = false;
    std::list<remembered_delivery> order_; // newest first
    std::unordered_map<std::string, std::list<remembered_delivery>::iterator> by_webhook_id_;
    std::unordered_map<std::string, std::list<remembered_delivery>::iterator> by_resource_;
    std::unordered_map<std::string, std::list<std::shared_ptr<webhook_waiter>>> waiters_;
    receiver_stats stats_;
};

namespace {

asio::awaitable<boost::system::result<event>> wait_for_webhook(std::shared_ptr<receiver_impl> impl,
                                                               std::string resource,
                                                               std::chrono::steady_clock::duration timeout) {
    using namespace asio::experimental::awaitable_operators;
    if (auto ev = impl->recent(resource))
        co_return *ev;
    auto node = std::make_shared<webhook_waiter>();
    node->resource = std::move(resource);
    auto const ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, timeout);
    auto const enqueue = [&] { impl->enqueue(node); };
    // Named first: g++ 12 mishandles temporaries inside a co_await expression.
    auto waiting = pacing::suspend(impl, node, ex, enqueue);
    auto ringing = timer.async_wait(asio::use_awaitable);
    auto const outcome = co_await (std::move(waiting) || std::move(ringing));
    // Whichever finished first, both have finished now: an event granted as the timer rang is kept.
    if (node->delivered)
        co_return std::move(*node->delivered);
    if (outcome.index() == 1)
        co_return make_error_code(errc::wait_timeout);
    throw boost::system::system_error(asio::error::operation_aborted, "webhooks::receiver::wait");
}

/// Counts a session in `receiver_impl::connections` while it lives.
struct webhook_connection_count {
    std::shared_ptr<receiver_impl> impl;
    explicit webhook_connection_count(std::shared_ptr<receiver_impl> i) : impl(std::move(i)) {
        ++impl->connections;
    }
    ~webhook_connection_count() { --impl->connections; }
    webhook_connection_count(webhook_connection_count const&) = delete;
    webhook_connection_count& operator=(webhook_connection_count const&) = delete;
};

header_list webhook_headers_of(http::request<http::string_body> const& req) {
    header_list h;
    for (auto const& f : req)
        h.add(std::string(f.name_string()), std::string(f.value()));
    return h;
}

/// After refusing a request before its end: says so (FIN), then reads what the sender still sends, for a
/// second at most. Closing with unread bytes would send a reset, which can destroy the answer in flight.
asio::awaitable<void> drain_refused_request(beast::tcp_stream& stream) {
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::chrono::seconds(1));
    std::array<char, 4096> sink;
    for (std::size_t total = 0; total < 1024 * 1024;) {
        auto [ec, n] =
            co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
        if (ec)
            break;
        total += n;
    }
}

/** The connections of one `listen`, so that its end closes those that wait for a next request: an idle
 * keep-alive connection would otherwise keep the io_context running until its read timeout. Each
 * connection runs on a strand of its own, where its socket is closed. */
class listened_connections {
public:
    struct connection {
        beast::tcp_stream stream;
        bool idle = false; // waiting for a request's header; guarded by the registry's mutex
        explicit connection(asio::ip::tcp::socket s) : stream(std::move(s)) {}
    };

    /// Adds a connection; null once the listen has ended (the socket is then closed at once).
    std::shared_ptr<connection> add(asio::ip::tcp::socket socket) {
        auto c = std::make_shared<connection>(std::move(socket));
        std::lock_guard lock(mutex_);
        if (ended_)
            return nullptr;
        open_.insert(c);
        return c;
    }
    void remove(std::shared_ptr<connection> const& c) {
        std::lock_guard lock(mutex_);
        open_.erase(c);
    }
    /// Marks `c` idle or busy; false when it should close instead (the listen ended while it was idle).
    bool set_idle(connection& c, bool idle) {
        std::lock_guard lock(mutex_);
        c.idle = idle;
        return !ended_;
    }
    /// The listen ended: close the idle connections (on their strands); the busy ones finish their request.
    void end() {
        std::lock_guard lock(mutex_);
        ended_ = true;
        for (auto const& c : open_)
            if (c->idle)
                asio::post(c->stream.get_executor(), [c] {
                    boost::system::error_code ignored;
                    c->stream.socket().close(ignored);
                });
    }

private:
    std::mutex mutex_;
    bool ended_ = false;
    std::set<std::shared_ptr<connection>> open_;
};

asio::awaitable<void> serve_webhook_connection(std::shared_ptr<receiver_impl> impl,
                                               std::shared_ptr<listened_connections> registry,
                                               std::shared_ptr<listened_connections::connection> conn) {
    webhook_connection_count const counted(impl);
    struct deregister {
        listened_connections& r;
        std::shared_ptr<listened_connections::connection> const& c;
        ~deregister() { r.remove(c); }
    } const deregistered{*registry, conn};
    auto const& o = impl->options();
    beast::tcp_stream& stream = conn->stream;
    beast::flat_buffer buffer;
    auto const tuple = asio::as_tuple(asio::use_awaitable);
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(
            static_cast<std::uint32_t>(std::min<std::size_t>(o.max_header_bytes, UINT32_MAX)));
        parser.body_limit(o.max_body_bytes);
        stream.expires_after(o.read_timeout);
        if (!registry->set_idle(*conn, true))
            break;
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, tuple);
        if (!registry->set_idle(*conn, false) && ec)
            break; // closed by the listen's end
        if (!ec && !parser.is_done()) {
            if (auto const expect = parser.get()[http::field::expect]; iequals(expect, "100-continue")) {
                http::response<http::empty_body> go_on{http::status::continue_, 11};
                auto [wec, wn] = co_await http::async_write(stream, go_on, tuple);
                if (wec)
                    break;
            }
            std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, tuple);
        }
        http_answer answer;
        bool keep_alive = false;
        bool unread = false; // a refused request whose body is still coming
        if (ec == http::error::header_limit) {
            answer = impl->reject(
                make_error_code(paced::errc::headers_too_large),
                "webhook: request headers exceed " + std::to_string(o.max_header_bytes) + " bytes", {}, 431);
            unread = true;
        } else if (ec == http::error::body_limit) {
            answer = impl->reject(make_error_code(paced::errc::body_too_large),
                                  "webhook: body exceeds " + std::to_string(o.max_body_bytes) + " bytes",
                                  webhook_headers_of(parser.get()), 413);
            unread = true;
        } else if (ec) {
            break; // closed, timed out, or not HTTP: nothing to answer
        } else {
            auto const& req = parser.get();
            answer = impl->handle(req.method_string(), webhook_headers_of(req), req.body());
            keep_alive = req.keep_alive();
        }
        http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
        res.set(http::field::content_type, answer.content_type);
        res.body() = std::move(answer.body);
        res.keep_alive(keep_alive);
        res.prepare_payload();
        stream.expires_after(o.read_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, tuple);
        if (wec || !keep_alive) {
            if (!wec && unread)
                co_await drain_refused_request(stream);
            break;
        }
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_webhook_connections(std::shared_ptr<receiver_impl> impl,
                                                 asio::ip::tcp::acceptor& acceptor) {
    auto const registry = std::make_shared<listened_connections>();
    struct end_on_exit {
        listened_connections& r;
        ~end_on_exit() { r.end(); }
    } const ended{*registry};
    for (;;) {
        // Each connection on a strand of its own, so that a slow sender does not hold up the others and
        // the listen's end can close it safely on any io_context.
        asio::ip::tcp::socket socket =
            co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()), asio::use_awaitable);
        if (impl->connections.load() >= impl->options().max_connections) {
            boost::system::error_code ignored;
            socket.close(ignored); // over the bound: the sender retries later
            continue;
        }
        auto conn = registry->add(std::move(socket));
        if (!conn)
            continue;
        auto const strand = conn->stream.get_executor();
        asio::co_spawn(strand, serve_webhook_connection(impl, registry, std::move(conn)), asio::detached);
    }
}

asio::awaitable<void> listen_for_webhooks(std::shared_ptr<receiver_impl> impl, asio::any_io_executor ex,
                                          asio::ip::tcp::endpoint endpoint) {
    asio::ip::tcp::acceptor acceptor(ex);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    co_await accept_webhook_connections(std::move(impl), acceptor);
}

} // namespace

} // namespace paced::webhooks::detail

namespace paced::webhooks {

receiver::receiver(receiver_options options)
    : impl_(std::make_shared<detail::receiver_impl>(std::move(options))) {}

receiver::~receiver() {
    impl_->close();
}

http_answer receiver::handle(std::string_view method, header_list const& headers, std::string_view body) {
    return impl_->handle(method, headers, body);
}

boost::asio::awaitable<boost::system::result<event>>
receiver::wait(std::string resource_id, std::chrono::steady_clock::duration timeout) {
    return detail::wait_for_webhook(impl_, std::move(resource_id), timeout);
}

boost::asio::awaitable<void> receiver::listen(boost::asio::any_io_executor executor,
                                              boost::asio::ip::tcp::endpoint endpoint) {
    return detail::listen_for_webhooks(impl_, std::move(executor), endpoint);
}

boost::asio::awaitable<void> receiver::listen(boost::asio::ip::tcp::acceptor& acceptor) {
    return detail::accept_webhook_connections(impl_, acceptor);
}

receiver_stats receiver::stats() const {
    return impl_->stats();
}

} // namespace paced::webhooks
