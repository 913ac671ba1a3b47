#include "transport/connection_pool.hpp"

#include "core/plain_allocator.hpp"
#include "transport/connection.hpp"
#include "transport/request_plan.hpp"

#include <paced/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace paced::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using detail::clock;
using detail::connection;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t file_chunk_size = 64 * 1024;
constexpr std::size_t body_chunk_size = 64 * 1024;

using response_parser = http::response_parser<http::buffer_body>;

/// A server closed the kept-alive connection before it saw our request: the request did not reach
/// any handler and can be re-sent safely.
bool is_stale_error(error_code const& ec) {
    return ec == asio::error::eof || ec == http::error::end_of_stream ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == asio::error::not_connected ||
           ec == asio::ssl::error::stream_truncated;
}

/// True when an idle keep-alive connection cannot be used: the server closed it (EOF or reset
/// pending), or sent bytes nobody asked for (a TLS close_notify, garbage). Checked before reuse
/// without blocking, so that a request is not written into a dead connection, where a POST's failure
/// would be ambiguous.
bool closed_by_peer(connection& c) noexcept {
    if (c.buffer.size() != 0)
        return true;
    auto& socket = c.lowest().socket();
    if (!socket.is_open())
        return true;
    char byte = 0;
    auto const n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0)
        return true; // 0: orderly shutdown; > 0: unexpected bytes
    return errno != EAGAIN && errno != EWOULDBLOCK;
}

// Stream dispatch without generic-lambda coroutines (their temporaries across co_await are fragile).
template <class Buffers>
asio::awaitable<std::tuple<error_code, std::size_t>> write_buffers(connection& c, Buffers const& bufs) {
    if (c.tls)
        co_return co_await asio::async_write(*c.tls, bufs, tuple_awaitable);
    co_return co_await asio::async_write(*c.tcp, bufs, tuple_awaitable);
}

/// Room in a connection's read buffer while an answer is read. Beast reads as much as the buffer's spare
/// capacity (at least 512 bytes): from an empty buffer, a 1.5 KB run object took three reads and three
/// trips through the event loop. 4 KiB takes most answers and SSE events in one. Given back when the
/// connection goes idle, so thousands of pooled or waiting connections do not keep it.
constexpr std::size_t response_read_size = 4096;

asio::awaitable<std::tuple<error_code, std::size_t>> read_header(connection& c, response_parser& p) {
    if (c.buffer.capacity() < response_read_size)
        c.buffer.reserve(response_read_size);
    if (c.tls)
        co_return co_await http::async_read_header(*c.tls, c.buffer, p, tuple_awaitable);
    co_return co_await http::async_read_header(*c.tcp, c.buffer, p, tuple_awaitable);
}

asio::awaitable<std::tuple<error_code, std::size_t>> read_some(connection& c, response_parser& p) {
    if (c.tls)
        co_return co_await http::async_read_some(*c.tls, c.buffer, p, tuple_awaitable);
    co_return co_await http::async_read_some(*c.tcp, c.buffer, p, tuple_awaitable);
}

/// An open file, closed on destruction. Plain read(2) rather than stdio: a FILE costs a stat and a
/// buffer of its own for the one or two reads an upload needs.
class file_descriptor {
public:
    explicit file_descriptor(int fd) noexcept : fd_(fd) {}
    file_descriptor(file_descriptor const&) = delete;
    file_descriptor& operator=(file_descriptor const&) = delete;
    ~file_descriptor() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    explicit operator bool() const noexcept { return fd_ >= 0; }

    /// Reads until `want` bytes or the end of the file; false on a read error (errno says which).
    bool read_up_to(char* dst, std::size_t want, std::size_t& got) noexcept {
        got = 0;
        while (got < want) {
            auto const n = ::read(fd_, dst + got, want - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return false;
            if (n == 0)
                break;
            got += static_cast<std::size_t>(n);
        }
        return true;
    }

private:
    int fd_;
};

/// Writes the head and body of `plan`. A failure to read an upload file is reported in `file_error`
/// (with errc::invalid_argument as the code): the connection then carries half a request.
///
/// Buffers are gathered and written together: a small upload (head, multipart framing, the file, the
/// closing boundary) goes out in one write, not one per piece; each write on a socket costs a system call
/// and, on loopback, the receiver's whole TCP input path. A file is read in chunks of at most
/// file_chunk_size into a buffer of its own (not zeroed first); the gathered buffers are written whenever
/// a chunk would overwrite a buffer still waiting to be sent.
asio::awaitable<error_code> write_request(connection& c, detail::request_plan const& plan,
                                          std::string& file_error) {
    std::vector<asio::const_buffer> pending{asio::buffer(plan.head)};
    std::vector<std::unique_ptr<char[]>> file_buffers; // one per file piece, alive until written
    for (auto const& piece : plan.pieces) {
        if (auto const* s = std::get_if<std::string>(&piece)) {
            pending.push_back(asio::buffer(*s));
            continue;
        }
        if (auto const* v = std::get_if<std::string_view>(&piece)) {
            pending.push_back(asio::buffer(v->data(), v->size()));
            continue;
        }
        auto const& f = std::get<detail::file_piece>(piece);
        if (f.size == 0)
            continue;
        file_descriptor file{::open(f.path.c_str(), O_RDONLY | O_CLOEXEC)};
        if (!file) {
            int const err = errno;
            file_error =
                "cannot open upload file " + f.path.string() + ": " + std::generic_category().message(err);
            co_return make_error_code(errc::invalid_argument);
        }
        auto const capacity = static_cast<std::size_t>(std::min<std::uint64_t>(f.size, file_chunk_size));
        char* const chunk = file_buffers.emplace_back(std::make_unique_for_overwrite<char[]>(capacity)).get();
        for (std::uint64_t left = f.size; left > 0;) {
            auto const want = static_cast<std::size_t>(std::min<std::uint64_t>(left, capacity));
            std::size_t got = 0;
            if (!file.read_up_to(chunk, want, got)) {
                int const err = errno;
                file_error = "cannot read upload file " + f.path.string() + ": " +
                             std::generic_category().message(err);
                co_return make_error_code(errc::invalid_argument);
            }
            if (got == 0) {
                file_error = "upload file " + f.path.string() + " became shorter while it was being sent";
                co_return make_error_code(errc::invalid_argument);
            }
            pending.push_back(asio::buffer(chunk, got));
            left -= got;
            if (left == 0)
                break; // the last chunk waits in `pending`, to be written with what follows it
            // The next chunk reuses the buffer: write what is gathered first.
            auto [ec, n] = co_await write_buffers(c, pending);
            (void)n;
            if (ec)
                co_return ec;
            pending.clear();
        }
    }
    auto [ec, n] = co_await write_buffers(c, pending);
    (void)n;
    co_return ec;
}

} // namespace

/// A request waiting for a slot of an origin.
struct connection_pool::waiter {
    explicit waiter(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer; ///< Cancelled to wake the waiter (a timer used as a condition variable).
    bool granted = false;     ///< The slot (and maybe an idle connection) was handed over.
    std::unique_ptr<connection> conn;
};

/// One origin's connections: the idle ones, how many slots are taken, and who waits for one.
struct connection_pool::origin_pool {
    origin o;
    std::size_t busy = 0;                          ///< Slots taken by exchanges (connecting or in use).
    std::vector<std::unique_ptr<connection>> idle; ///< Most recently used at the back.
    std::deque<std::shared_ptr<waiter>> waiters;
};

/// The pool's state, shared with leases and body streams so that they may outlive the pool object.
struct connection_pool::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor ex, pool_options o)
        : executor(std::move(ex)), opts(std::move(o)), rng(std::random_device{}()) {
        if (!opts.ca_file.empty())
            tls.emplace(detail::make_tls_context(opts.ca_file)); // a bad ca_file fails here, not at first use
    }

    /// The TLS context, made at the first TLS connection: loading the system trust store costs about
    /// 0.1 s of CPU, which a client of a plain-HTTP server (a local emulator or proxy) never needs.
    asio::ssl::context& tls_context() {
        if (!tls)
            tls.emplace(detail::make_tls_context(opts.ca_file));
        return *tls;
    }

    asio::any_io_executor executor;
    pool_options opts;
    std::optional<asio::ssl::context> tls; ///< See tls_context().
    std::mt19937_64 rng;
    pool_stats counters;        ///< connections_open is kept in open_count
    std::size_t open_count = 0; ///< Declared before `origins`: connections decrement it when destroyed.
    std::unordered_map<std::string, std::unique_ptr<origin_pool>> origins;

    origin_pool& pool_for(origin const& o) {
        auto& slot = origins[o.key()];
        if (!slot) {
            slot = std::make_unique<origin_pool>();
            slot->o = o;
        }
        return *slot;
    }

    void prune_idle(origin_pool& op, clock::time_point now) {
        std::erase_if(op.idle, [&](std::unique_ptr<connection> const& c) {
            if (now - c->idle_since < opts.idle_timeout)
                return false;
            c->close();
            return true;
        });
    }

    void release(origin_pool& op, std::unique_ptr<connection> conn, bool reusable) {
        if (conn && !reusable) {
            conn->close();
            conn.reset();
        }
        auto const now = clock::now();
        prune_idle(op, now);
        if (!op.waiters.empty()) {
            // FIFO hand-over: the slot goes to the oldest waiter, so a newcomer cannot overtake it.
            auto w = std::move(op.waiters.front());
            op.waiters.pop_front();
            w->granted = true;
            w->conn = std::move(conn);
            w->timer.cancel();
            return;
        }
        --op.busy;
        if (conn) {
            conn->set_deadline(clock::time_point::max());
            conn->buffer.shrink_to_fit(); // empty: a reusable connection has no unread bytes
            conn->idle_since = now;
            op.idle.push_back(std::move(conn));
        }
    }

    /// A slot at once when one is free and nobody waits before us, else a place at the end of the queue.
    std::variant<lease, place> try_acquire(origin_pool& op, clock::time_point deadline) {
        prune_idle(op, clock::now());
        if (op.waiters.empty()) {
            while (!op.idle.empty()) {
                auto c = std::move(op.idle.back());
                op.idle.pop_back();
                if (closed_by_peer(*c)) {
                    c->close();
                    ++counters.stale_retries;
                    continue;
                }
                ++op.busy;
                return lease{shared_from_this(), &op, std::move(c)};
            }
            if (op.busy < opts.max_connections_per_origin) {
                ++op.busy;
                return lease{shared_from_this(), &op, nullptr};
            }
        }
        auto w = std::make_shared<waiter>(executor);
        w->timer.expires_at(deadline);
        op.waiters.push_back(w);
        return place{shared_from_this(), &op, std::move(w)};
    }

    asio::awaitable<lease> acquire(origin_pool& op, clock::time_point deadline) {
        auto now = try_acquire(op, deadline);
        if (auto* ready = std::get_if<lease>(&now))
            co_return std::move(*ready);
        auto& queued = std::get<place>(now);
        auto [ec] = co_await queued.wait();
        co_return queued.take(ec);
    }

    [[noreturn]] void fail(error_code ec, origin const& o, bool after_write) const {
        if (ec == asio::error::operation_aborted) // first: a cancelled exchange builds no message
            throw boost::system::system_error(asio::error::operation_aborted);
        auto const where = o.key();
        if (ec == beast::error::timeout)
            throw_error(errc::timeout, "request to " + where + " timed out");
        if (ec == http::error::body_limit)
            throw_error(errc::body_too_large, "response body from " + where + " exceeds the limit of " +
                                                  std::to_string(opts.max_body_bytes) + " bytes");
        if (ec == http::error::header_limit)
            throw_error(errc::headers_too_large, "response headers from " + where + " exceed the limit of " +
                                                     std::to_string(opts.max_header_bytes) + " bytes");
        bool const http_parse_error =
            &ec.category() == &make_error_code(http::error::bad_version).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message;
        if (http_parse_error)
            throw_error(errc::invalid_response, "invalid HTTP response from " + where + ": " + ec.message());
        throw_error(errc::connection_lost,
                    std::string{"connection to "} + where + " lost " +
                        (after_write ? "while reading the response" : "while sending the request") + ": " +
                        ec.message());
    }

    /// A response whose head has been read; owns the connection until the body is complete.
    struct active_response {
        std::shared_ptr<impl> pool;
        lease slot;
        std::unique_ptr<response_parser> parser;
        origin o;
        clock::time_point deadline;
        bool client_close = false;
        bool finished = false;
        bool failed = false;

        void finish() {
            finished = true;
            bool const reusable = parser->keep_alive() && !client_close;
            slot.release(reusable);
        }

        /// Reads body bytes into [dst, dst + cap); returns how many were produced (0 only at the end).
        asio::awaitable<std::size_t> read_body(char* dst, std::size_t cap) {
            if (failed)
                throw_error(errc::connection_lost, "the response body from " + o.key() + " already failed");
            while (!finished) {
                auto& body = parser->get().body();
                body.data = dst;
                body.size = cap;
                slot.conn->set_deadline(deadline);
                auto [ec, n] = co_await read_some(*slot.conn, *parser);
                (void)n;
                if (ec == http::error::need_buffer)
                    ec = {};
                if (ec) {
                    // Close now and free the slot for waiters, even if the stream object lives on.
                    failed = true;
                    slot.release(false);
                    pool->fail(ec, o, true);
                }
                auto const produced = cap - parser->get().body().size;
                if (parser->is_done())
                    finish();
                if (produced > 0)
                    co_return produced;
            }
            co_return 0;
        }

        response head() const {
            response r;
            r.status = parser->get().result_int();
            for (auto const& f : parser->get())
                r.headers.add(std::string{f.name_string()}, std::string{f.value()});
            return r;
        }
    };

    /// The wire form of `req`; when it cannot be made (errc::invalid_argument: nothing was sent), the
    /// slot goes back to the pool with its connection intact.
    detail::request_plan plan_for(lease& slot, origin const& o, request const& req) {
        try {
            return detail::make_request_plan(o, req, rng());
        } catch (...) {
            slot.release(true);
            throw;
        }
    }

    /// Sends `req` on the reserved slot and reads the response head. A body read into memory is bounded
    /// by max_body_bytes; a streamed one is not: its reader bounds what it keeps (an SSE parser per
    /// event, a download nothing), and a long stream or a large download is not an error.
    asio::awaitable<active_response> start(lease slot, request const& req, clock::time_point deadline,
                                           bool streamed) {
        auto self = shared_from_this();
        auto const& o = slot.destination(); // the origin_pool lives as long as the pool's state
        auto const plan = plan_for(slot, o, req);
        detail::connect_params const params{
            .connect_timeout = opts.connect_timeout,
            .max_header_bytes = opts.max_header_bytes,
            .proxy = o.tls && opts.proxy && !no_proxy_matches(opts.no_proxy, o) ? opts.proxy : std::nullopt,
        };
        for (bool retried = false;; retried = true) {
            bool const reused = slot.conn != nullptr;
            if (reused) {
                ++counters.connections_reused;
            } else {
                slot.conn = std::make_unique<connection>(open_count);
                co_await detail::connect(*slot.conn, o, params, o.tls ? &tls_context() : nullptr, deadline);
                ++counters.connections_opened;
            }
            auto& c = *slot.conn;
            c.set_deadline(deadline);
            std::string file_error;
            auto const wec = co_await write_request(c, plan, file_error);
            // An unreadable upload file: the lease closes the half-written connection.
            if (wec == errc::invalid_argument)
                throw_error(errc::invalid_argument, file_error);
            if (wec) {
                if (reused && !retried && is_stale_error(wec)) {
                    stale(slot);
                    continue;
                }
                fail(wec, o, false);
            }
            auto parser = std::make_unique<response_parser>();
            for (;;) {
                parser->header_limit(
                    static_cast<std::uint32_t>(std::min<std::size_t>(opts.max_header_bytes, UINT32_MAX)));
                if (streamed)
                    parser->body_limit(boost::none);
                else
                    parser->body_limit(opts.max_body_bytes);
                if (plan.head_request)
                    parser->skip(true);
                auto [rec, n] = co_await read_header(c, *parser);
                (void)n;
                if (rec) {
                    if (reused && !retried && !parser->got_some() && is_stale_error(rec) && req.replayable)
                        break;
                    fail(rec, o, true);
                }
                auto const status = parser->get().result_int();
                if (status >= 100 && status < 200 && status != 101) {
                    parser = std::make_unique<response_parser>(); // an interim answer: the real one follows
                    continue;
                }
                active_response r{self, std::move(slot), std::move(parser), o, deadline, plan.client_close};
                if (r.parser->is_done())
                    r.finish();
                co_return r;
            }
            stale(slot);
        }
    }

    void stale(lease& slot) {
        // Keep the slot, drop the dead connection: the retry opens a fresh one in its place.
        slot.conn->close();
        slot.conn.reset();
        ++counters.stale_retries;
    }

    /// How much to ask of a streamed body at once: what the connection's buffer already holds (the
    /// parser hands it over without a socket read), at least 4 KiB, at most body_chunk_size.
    static std::size_t read_window(active_response const& r) {
        std::size_t const buffered = r.slot.conn ? r.slot.conn->buffer.size() : 0;
        return std::clamp<std::size_t>(buffered, 4096, body_chunk_size);
    }

    class streaming_body final : public body_stream {
    public:
        explicit streaming_body(active_response r) : r_(std::move(r)), head_(r_.head()) {}

        unsigned status() const noexcept override { return head_.status; }
        header_list const& headers() const noexcept override { return head_.headers; }

        asio::awaitable<std::string_view> read_some() override {
            // Sized by what the connection already holds: a server-sent event is a few hundred bytes, so
            // the buffer is usually 4 KiB. Kept for the stream's life and never zeroed: a string made and
            // zeroed for each piece cost more than parsing the event it carried.
            auto const window = read_window(r_);
            if (window > capacity_) {
                buffer_ = std::make_unique_for_overwrite<char[]>(window);
                capacity_ = window;
            }
            auto const n = co_await r_.read_body(buffer_.get(), window);
            co_return std::string_view{buffer_.get(), n};
        }

        asio::awaitable<void> discard_rest(std::chrono::milliseconds patience) override {
            if (r_.finished || r_.failed)
                co_return;
            r_.deadline = std::min(r_.deadline, clock::now() + patience);
            // A stream that goes on after its end marker is not worth its connection.
            constexpr std::size_t worth_reading = 16 * 1024;
            try {
                for (std::size_t dropped = 0; dropped <= worth_reading;) {
                    auto const piece = co_await read_some();
                    if (piece.empty())
                        co_return; // complete: read_body gave the connection back
                    dropped += piece.size();
                }
            } catch (paced::error const&) {
                // Timed out or broken: read_body already closed the connection.
            }
        }

    private:
        active_response r_;
        response head_;
        std::unique_ptr<char[]> buffer_; ///< What read_some's views point into.
        std::size_t capacity_ = 0;
    };

    void close_idle() {
        for (auto& [key, op] : origins) {
            for (auto& c : op->idle)
                c->close();
            op->idle.clear();
        }
    }
};

connection_pool::lease::lease(std::shared_ptr<impl> pool, origin_pool* op, std::unique_ptr<connection> c)
    : conn(std::move(c)), pool_(std::move(pool)), op_(op) {}

connection_pool::lease::lease(lease&& other) noexcept = default;

// Every failure path closes by default: a lease destroyed without release(true) may hold a connection
// in an unknown state.
connection_pool::lease::~lease() {
    release(false);
}

void connection_pool::lease::release(bool reusable) {
    if (auto p = std::move(pool_))
        p->release(*op_, std::move(conn), reusable);
}

origin const& connection_pool::lease::destination() const noexcept {
    return op_->o;
}

connection_pool::place::place(std::shared_ptr<impl> pool, origin_pool* op, std::shared_ptr<waiter> w)
    : pool_(std::move(pool)), op_(op), waiter_(std::move(w)) {}

connection_pool::place::place(place&& other) noexcept = default;

connection_pool::place::~place() {
    auto pool = std::move(pool_);
    if (!pool)
        return; // moved from, or taken
    if (waiter_->granted)
        pool->release(*op_, std::move(waiter_->conn), true); // handed over but never taken: pass it on
    else
        std::erase(op_->waiters, waiter_);
}

asio::awaitable<std::tuple<error_code>> connection_pool::place::wait() {
    return waiter_->timer.async_wait(
        asio::bind_allocator(paced::detail::plain_allocator<void>(), tuple_awaitable));
}

connection_pool::lease connection_pool::place::take(error_code wait_result) {
    auto pool = std::move(pool_);
    if (waiter_->granted)
        return lease{std::move(pool), op_, std::move(waiter_->conn)};
    std::erase(op_->waiters, waiter_);
    if (!wait_result)
        throw_error(errc::timeout, "no connection to " + op_->o.key() + " became free before the deadline");
    throw boost::system::system_error(asio::error::operation_aborted);
}

std::variant<connection_pool::lease, connection_pool::place>
connection_pool::try_reserve(origin const& o, clock::time_point deadline) {
    return impl_->try_acquire(impl_->pool_for(o), deadline);
}

connection_pool::connection_pool(asio::any_io_executor ex, pool_options opts)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(opts))) {}

connection_pool::~connection_pool() {
    impl_->close_idle();
}

asio::awaitable<connection_pool::lease> connection_pool::reserve(origin const& o,
                                                                 clock::time_point deadline) {
    return impl_->acquire(impl_->pool_for(o), deadline);
}

asio::awaitable<response> connection_pool::exchange(lease slot, request const& req,
                                                    clock::time_point deadline) {
    auto pool = impl_;
    auto started = pool->start(std::move(slot), req, deadline, false);
    auto r = co_await std::move(started);
    response out = r.head();
    auto const length = r.parser->content_length();
    if (length && !r.finished)
        out.body.reserve(static_cast<std::size_t>(*length));
    while (!r.finished) {
        // With a Content-Length the body is read into exactly its size; otherwise (chunked) into the
        // string's spare capacity, grown geometrically. Never a fixed 64 KiB per read: most bodies are
        // a few hundred bytes, and the zeroed 64 KiB per request dominated the client's CPU.
        auto const old = out.body.size();
        std::size_t want = length && *length > old ? static_cast<std::size_t>(*length - old) : 0;
        if (want == 0) {
            if (out.body.capacity() - old < 4096)
                out.body.reserve(std::max<std::size_t>(old * 2, old + 4096));
            want = std::min(out.body.capacity() - old, body_chunk_size);
        }
        out.body.resize(old + want);
        auto const n = co_await r.read_body(out.body.data() + old, want);
        out.body.resize(old + n);
    }
    co_return out;
}

asio::awaitable<std::unique_ptr<body_stream>> connection_pool::open(lease slot, request const& req,
                                                                    clock::time_point deadline) {
    auto pool = impl_;
    auto started = pool->start(std::move(slot), req, deadline, true);
    auto r = co_await std::move(started);
    co_return std::make_unique<impl::streaming_body>(std::move(r));
}

asio::awaitable<response> connection_pool::exchange(origin const& o, request const& req,
                                                    clock::time_point deadline) {
    auto reserved = reserve(o, deadline);
    auto slot = co_await std::move(reserved);
    auto exchanged = exchange(std::move(slot), req, deadline);
    co_return co_await std::move(exchanged);
}

asio::awaitable<std::unique_ptr<body_stream>> connection_pool::open(origin const& o, request const& req,
                                                                    clock::time_point deadline) {
    auto reserved = reserve(o, deadline);
    auto slot = co_await std::move(reserved);
    auto opened = open(std::move(slot), req, deadline);
    co_return co_await std::move(opened);
}

pool_stats connection_pool::stats() const noexcept {
    auto s = impl_->counters;
    s.connections_open = impl_->open_count;
    return s;
}

void connection_pool::close_idle() {
    impl_->close_idle();
}

} // namespace paced::transport
