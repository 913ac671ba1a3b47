#pragma once
// Webhook deliveries (--webhook-url): the events of background responses that ended, POSTed to the
// configured URL as Standard Webhooks sign them (webhook-id, webhook-timestamp, webhook-signature
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>"), at least once: retried with backoff while the answer
// is not 2xx, with the faults a receiver must survive (dropped, duplicated, late, badly signed, stale).
// Derived from ../shared/docs/protocol.md section 6 and responses.md section 7, not from the SDK.

#include "batch_jobs.hpp"
#include "config.hpp"
#include "response_store.hpp"
#include "stats.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <unordered_set>

namespace paced::emulator {

namespace asio = boost::asio;

/** @brief The signature header value of a delivery: "v1," + base64(HMAC-SHA256(key, id.timestamp.body)),
 * the key being the base64-decoded part after `whsec_`, or the secret's bytes without that prefix. */
std::string webhook_signature(const std::string& secret, const std::string& id, std::int64_t timestamp,
                              const std::string& body);

/**
 * @brief Looks every 20 ms for background responses that ended and delivers their events.
 * @par Thread safety
 * Single-threaded: runs on the server's io_context, like the api whose store it reads.
 */
class webhook_sender {
public:
    webhook_sender(asio::io_context& ioc, const config& cfg, response_store& responses, batch_jobs& batches,
                   stats& counters);
    /** @brief The loop that finds due events; runs until the io_context stops. */
    asio::awaitable<void> run();

private:
    struct delivery {
        std::string id;   ///< webhook-id (evt_...), the same for every attempt and duplicate
        std::string body; ///< the thin event, byte for byte
        bool bad_signature = false;
        bool stale = false;
    };
    void send_early(ms_t now);
    void dispatch(const std::string& type, const std::string& resource_id, ms_t ended);
    asio::awaitable<void> deliver(delivery d, std::int64_t delay_ms);
    /** @brief One POST; true for a 2xx answer. */
    asio::awaitable<bool> post_once(const delivery& d, bool first);
    bool draw(double share);

    asio::io_context& ioc_;
    const config& cfg_;
    response_store& responses_;
    batch_jobs& batches_;
    stats& stats_;
    std::mt19937_64 rng_;
    std::uint64_t next_event_ = 0;
    /// --webhook-fault-early: responses whose early-or-not draw is made, and those whose event went early.
    std::unordered_set<std::string> drawn_early_, sent_early_;
    std::string host_, port_, target_;
};

} // namespace paced::emulator
