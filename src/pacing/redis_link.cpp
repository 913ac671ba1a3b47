// hiredis' async API over Asio. hiredis asks, through its ev hooks, to be told when the socket is
// readable or writable; we answer with one async_wait per direction and call redisAsyncHandleRead /
// redisAsyncHandleWrite. hiredis frees the context itself on errors (calling the cleanup hook first), so
// every handler checks that the context still exists after each call into hiredis.

#include "pacing/redis_link.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <csignal>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>

namespace asio = boost::asio;

namespace paced::pacing::redis {

namespace {

reply copy_reply(redisReply const* r) {
    reply out;
    if (r == nullptr)
        return out; // lost
    switch (r->type) {
    case REDIS_REPLY_STRING:
        out.what = reply::kind::string;
        out.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_STATUS:
        out.what = reply::kind::status;
        out.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_ERROR:
        out.what = reply::kind::error;
        out.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_INTEGER:
        out.what = reply::kind::integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.what = reply::kind::array;
        out.elements.reserve(r->elements);
        for (std::size_t i = 0; i < r->elements; ++i)
            out.elements.push_back(copy_reply(r->element[i]));
        break;
    default:
        out.what = reply::kind::nil;
        break;
    }
    return out;
}

// hiredis writes with write(2): a peer that went away raises SIGPIPE, which would kill the process.
// Around hiredis' writes the signal is blocked on this thread, and one it raised is taken back, so the
// write just fails with EPIPE (a lost connection) and the process' own SIGPIPE handling is left alone.
class sigpipe_guard {
public:
    sigpipe_guard() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
        sigset_t pending;
        sigpending(&pending);
        pending_before_ = sigismember(&pending, SIGPIPE) == 1;
    }
    ~sigpipe_guard() {
        if (!pending_before_) {
            sigset_t pending;
            sigpending(&pending);
            if (sigismember(&pending, SIGPIPE) == 1) {
                timespec const zero{0, 0};
                (void)sigtimedwait(&pipe_, nullptr, &zero);
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    sigpipe_guard(sigpipe_guard const&) = delete;
    sigpipe_guard& operator=(sigpipe_guard const&) = delete;

private:
    sigset_t pipe_{};
    sigset_t old_{};
    bool pending_before_ = false;
};

} // namespace

class link_impl : public std::enable_shared_from_this<link_impl> {
public:
    explicit link_impl(link::strand_type strand) : strand_(std::move(strand)), socket_(strand_) {}

    ~link_impl() { close(); }

    void connect(std::string const& address, std::uint16_t port, link::connect_handler on_connect,
                 link::closed_handler on_closed) {
        on_connect_ = std::move(on_connect);
        on_closed_ = std::move(on_closed);
        // A numeric address: hiredis' getaddrinfo does no lookup, and connect(2) is non-blocking.
        redisAsyncContext* ac = redisAsyncConnect(address.c_str(), port);
        if (ac == nullptr)
            return report_connect(false, "cannot allocate a hiredis context");
        if (ac->err) {
            std::string why = ac->errstr;
            redisAsyncFree(ac);
            return report_connect(false, why);
        }
        boost::system::error_code ec;
        socket_.assign(ac->c.fd, ec);
        if (ec) {
            redisAsyncFree(ac);
            return report_connect(false, "cannot watch the socket: " + ec.message());
        }
        // Small commands answered one by one: do not let Nagle hold one back behind another's ACK.
        int const one = 1;
        (void)::setsockopt(ac->c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ac_ = ac;
        ac->data = this;
        ac->ev.data = this;
        ac->ev.addRead = &hook_add_read;
        ac->ev.delRead = &hook_del_read;
        ac->ev.addWrite = &hook_add_write;
        ac->ev.delWrite = &hook_del_write;
        ac->ev.cleanup = &hook_cleanup;
        redisAsyncSetConnectCallback(ac, &on_connect_cb);
        redisAsyncSetDisconnectCallback(ac, &on_disconnect_cb);
        // The end of a non-blocking connect shows as writability; hiredis only asks for it once a command
        // is queued, so ask now to learn about the connection at once.
        want_write_ = true;
        arm_write();
    }

    bool send(std::vector<std::string> const& argv, link::reply_handler on_reply) {
        if (ac_ == nullptr || (ac_->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING)))
            return false;
        std::vector<char const*> args;
        std::vector<std::size_t> lengths;
        args.reserve(argv.size());
        lengths.reserve(argv.size());
        for (auto const& a : argv) {
            args.push_back(a.data());
            lengths.push_back(a.size());
        }
        auto* p = new pending_command{strand_, std::move(on_reply)};
        if (redisAsyncCommandArgv(ac_, &on_reply_cb, p, static_cast<int>(args.size()), args.data(),
                                  lengths.data()) != REDIS_OK) {
            delete p;
            return false;
        }
        ++pending_;
        return true;
    }

    void close() {
        on_connect_ = nullptr;
        on_closed_ = nullptr;
        if (ac_ == nullptr)
            return;
        redisAsyncContext* ac = ac_;
        ac->onConnect = nullptr;
        ac->onDisconnect = nullptr;
        redisAsyncFree(ac); // runs the pending callbacks with "lost", then the cleanup hook
        ac_ = nullptr;
    }

    std::size_t pending() const noexcept { return pending_; }

private:
    struct pending_command {
        link::strand_type strand;
        link::reply_handler handler;
    };

    static link_impl* self(void* privdata) { return static_cast<link_impl*>(privdata); }

    // Inside our own calls to redisAsyncHandleRead/Write the hooks only record the wish: the caller arms
    // the waits once hiredis is done (hiredis asks for reads before it runs the reply callbacks, when it
    // cannot yet know that nothing more is due).
    static void hook_add_read(void* privdata) {
        self(privdata)->want_read_ = true;
        if (!self(privdata)->in_hiredis_)
            self(privdata)->arm_read();
    }
    static void hook_del_read(void* privdata) { self(privdata)->want_read_ = false; }
    static void hook_add_write(void* privdata) {
        self(privdata)->want_write_ = true;
        if (!self(privdata)->in_hiredis_)
            self(privdata)->arm_write();
    }
    static void hook_del_write(void* privdata) { self(privdata)->want_write_ = false; }
    static void hook_cleanup(void* privdata) {
        // hiredis is about to close the socket: stop watching it without closing it ourselves.
        auto* s = self(privdata);
        s->ac_ = nullptr;
        s->want_read_ = false;
        s->want_write_ = false;
        if (s->socket_.is_open())
            (void)s->socket_.release(); // outstanding waits complete with operation_aborted
    }

    static void on_connect_cb(redisAsyncContext const* ac, int status) {
        auto* s = self(ac->data);
        if (status == REDIS_OK)
            s->report_connect(true, {});
        else // hiredis frees the context right after this callback
            s->report_connect(false, ac->errstr[0] != '\0' ? std::string{ac->errstr} : "connect failed");
    }

    static void on_disconnect_cb(redisAsyncContext const* ac, int status) {
        auto* s = self(ac->data);
        std::string why = status == REDIS_OK
                              ? std::string{"connection closed"}
                              : (ac->errstr[0] != '\0' ? std::string{ac->errstr} : "connection lost");
        if (auto h = std::exchange(s->on_closed_, nullptr))
            asio::post(s->strand_, [h = std::move(h), why = std::move(why)] { h(why); });
    }

    static void on_reply_cb(redisAsyncContext* ac, void* r, void* privdata) {
        std::unique_ptr<pending_command> p{static_cast<pending_command*>(privdata)};
        if (ac != nullptr && ac->data != nullptr)
            --self(ac->data)->pending_;
        asio::post(p->strand,
                   [h = std::move(p->handler), rep = copy_reply(static_cast<redisReply*>(r))]() mutable {
                       h(std::move(rep));
                   });
    }

    void report_connect(bool ok, std::string why) {
        if (auto h = std::exchange(on_connect_, nullptr))
            asio::post(strand_, [h = std::move(h), ok, why = std::move(why)] { h(ok, why); });
    }

    bool connected() const noexcept { return ac_ != nullptr && (ac_->c.flags & REDIS_CONNECTED); }

    void arm_read() {
        if (ac_ == nullptr || reading_ || !want_read_)
            return;
        // Only while replies are due: an idle connection keeps no work on the io_context. (Before the
        // connection is made, writability reports its end, success or failure.)
        if (!connected() || pending_ == 0)
            return;
        reading_ = true;
        socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [s = shared_from_this()](boost::system::error_code ec) { s->on_readable(ec); });
    }

    void arm_write() {
        if (ac_ == nullptr || writing_ || !want_write_)
            return;
        writing_ = true;
        socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                           [s = shared_from_this()](boost::system::error_code ec) { s->on_writable(ec); });
    }

    void on_readable(boost::system::error_code ec) {
        reading_ = false;
        if (ac_ == nullptr || ec == asio::error::operation_aborted)
            return;
        if (want_read_) {
            in_hiredis_ = true;
            redisAsyncHandleRead(ac_); // may free the context (cleanup hook resets ac_)
            in_hiredis_ = false;
        }
        arm_read();
        arm_write();
    }

    void on_writable(boost::system::error_code ec) {
        writing_ = false;
        if (ac_ == nullptr || ec == asio::error::operation_aborted)
            return;
        if (want_write_) {
            sigpipe_guard guard;
            in_hiredis_ = true;
            redisAsyncHandleWrite(ac_);
            in_hiredis_ = false;
        }
        arm_write();
        arm_read();
    }

    link::strand_type strand_;
    asio::posix::stream_descriptor socket_;
    redisAsyncContext* ac_ = nullptr;
    bool want_read_ = false;
    bool want_write_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool in_hiredis_ = false;
    std::size_t pending_ = 0;
    link::connect_handler on_connect_;
    link::closed_handler on_closed_;
};

link::link(strand_type strand) : impl_(std::make_shared<link_impl>(std::move(strand))) {}

link::~link() {
    impl_->close();
}

void link::connect(std::string const& address, std::uint16_t port, connect_handler on_connect,
                   closed_handler on_closed) {
    impl_->connect(address, port, std::move(on_connect), std::move(on_closed));
}

bool link::send(std::vector<std::string> const& argv, reply_handler on_reply) {
    return impl_->send(argv, std::move(on_reply));
}

void link::close() {
    impl_->close();
}

std::size_t link::pending() const noexcept {
    return impl_->pending();
}

} // namespace paced::pacing::redis
