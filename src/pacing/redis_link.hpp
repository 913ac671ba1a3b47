#pragma once
// One hiredis async connection driven by Asio: the redisAsyncContext's event hooks (addRead, delRead,
// addWrite, delWrite, cleanup) are served by async_wait on an asio::posix::stream_descriptor over the
// context's socket. hiredis types stay in the .cpp.
//
// Everything runs on the strand given at creation: every member must be called there, and every
// callback is posted there (never run inside hiredis, so a callback may send, close or drop the link).
//
// The read readiness is only awaited while replies are pending: an idle connection keeps no work on the
// io_context (a server that closes an idle connection is noticed at the next command, whose reply is
// then "lost").

#include "pacing/redis_protocol.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace paced::pacing::redis {

class link_impl;

class link {
public:
    using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
    /// Connected (true) or failed (false, with hiredis' reason).
    using connect_handler = std::function<void(bool ok, std::string error)>;
    /// The connection ended (not called after `close`).
    using closed_handler = std::function<void(std::string reason)>;
    /// Called once per command: the reply, or a "lost" reply when the connection ended first.
    using reply_handler = std::function<void(reply)>;

    explicit link(strand_type strand);
    ~link(); ///< Frees the connection; pending replies are reported lost (posted).
    link(link const&) = delete;
    link& operator=(link const&) = delete;

    /** Starts a non-blocking connect to a numeric address (resolve names first: hiredis would block).
     * Exactly one of `on_connect(false)` or `on_connect(true)` follows, posted; after success, at most
     * one `on_closed`. */
    void connect(std::string const& address, std::uint16_t port, connect_handler on_connect,
                 closed_handler on_closed);

    /// Queues a command. False when the connection is not usable (the handler is then never called).
    bool send(std::vector<std::string> const& argv, reply_handler on_reply);

    /// Closes at once: pending replies are reported lost; no `on_connect` / `on_closed` follows.
    void close();

    /// Commands sent whose replies have not come yet.
    std::size_t pending() const noexcept;

private:
    std::shared_ptr<link_impl> impl_;
};

} // namespace paced::pacing::redis
