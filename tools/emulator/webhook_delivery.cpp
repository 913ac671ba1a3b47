// Webhook deliveries of background responses: signing, faults, retries with backoff (see the header).

#include "webhook_delivery.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace paced::emulator {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace b64 = boost::beast::detail::base64;
using tcp = asio::ip::tcp;

namespace {

std::string base64_encode(const unsigned char* data, std::size_t n) {
    std::string out(b64::encoded_size(n), '\0');
    out.resize(b64::encode(out.data(), data, n));
    return out;
}

/// The HMAC key of a secret: `whsec_` + base64 decodes to the key; any other secret is the key itself.
std::string signing_key(const std::string& secret) {
    constexpr std::string_view prefix = "whsec_";
    if (!std::string_view(secret).starts_with(prefix))
        return secret;
    const std::string_view encoded = std::string_view(secret).substr(prefix.size());
    std::string key(b64::decoded_size(encoded.size()), '\0');
    key.resize(b64::decode(key.data(), encoded.data(), encoded.size()).first);
    return key;
}

/// "http://host[:port]/path" into its parts; throws std::invalid_argument for anything else.
void split_url(const std::string& url, std::string& host, std::string& port, std::string& target) {
    constexpr std::string_view scheme = "http://";
    if (!std::string_view(url).starts_with(scheme))
        throw std::invalid_argument("--webhook-url must be an http:// URL, got " + url);
    const std::string rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    target = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    if (host.empty())
        throw std::invalid_argument("--webhook-url has no host: " + url);
}

} // namespace

std::string webhook_signature(const std::string& secret, const std::string& id, std::int64_t timestamp,
                              const std::string& body) {
    const std::string key = signing_key(secret);
    const std::string signed_content = id + "." + std::to_string(timestamp) + "." + body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(), mac, &mac_len);
    return "v1," + base64_encode(mac, mac_len);
}

webhook_sender::webhook_sender(asio::io_context& ioc, const config& cfg, response_store& responses,
                               batch_jobs& batches, stats& counters)
    : ioc_(ioc), cfg_(cfg), responses_(responses), batches_(batches), stats_(counters),
      rng_(cfg.seed ^ 0x3b5d0c1ULL) {
    split_url(cfg.webhook_url, host_, port_, target_);
}

bool webhook_sender::draw(double share) {
    return share > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < share;
}

asio::awaitable<void> webhook_sender::run() {
    asio::steady_timer tick(ioc_);
    for (;;) {
        tick.expires_after(std::chrono::milliseconds(20));
        co_await tick.async_wait(asio::use_awaitable);
        // Responses end on their timeline whether or not anybody looks: settling them here is what
        // makes their end an event.
        const ms_t now = now_ms();
        if (cfg_.webhook_fault_early > 0)
            send_early(now);
        responses_.settle_all(now);
        batches_.settle_all(now);
        for (const auto& w : responses_.take_webhooks()) {
            drawn_early_.erase(w.response_id);
            if (sent_early_.erase(w.response_id) == 0)
                dispatch(w.type, w.response_id, w.ended);
        }
        for (const auto& w : batches_.take_webhooks())
            dispatch(w.type, w.batch_id, w.ended);
    }
}

void webhook_sender::send_early(ms_t now) {
    // Each response is drawn once, when its end comes within --webhook-early-ms; an early one's event
    // goes now, and not again when it ends.
    for (const auto& w : responses_.ends_by(now + cfg_.webhook_early_ms)) {
        if (!drawn_early_.insert(w.response_id).second || !draw(cfg_.webhook_fault_early))
            continue;
        ++stats_.webhook_early;
        sent_early_.insert(w.response_id);
        dispatch(w.type, w.response_id, w.ended);
    }
}

void webhook_sender::dispatch(const std::string& type, const std::string& resource_id, ms_t ended) {
    ++stats_.webhook_events;
    char id[32];
    std::snprintf(id, sizeof id, "evt_%016llx",
                  static_cast<unsigned long long>(cfg_.seed * 7919 + ++next_event_));
    json::object event{{"id", id},
                       {"object", "event"},
                       {"created_at", ended / 1000},
                       {"type", type},
                       {"data", json::object{{"id", resource_id}}}};
    delivery d{.id = id, .body = json::serialize(event)};
    if (draw(cfg_.webhook_fault_drop)) {
        ++stats_.webhook_dropped; // lost on the way: the receiver must not wait for it forever
        return;
    }
    d.bad_signature = draw(cfg_.webhook_fault_bad_signature);
    d.stale = draw(cfg_.webhook_fault_stale);
    stats_.webhook_bad_signature += d.bad_signature ? 1 : 0;
    stats_.webhook_stale += d.stale ? 1 : 0;
    std::int64_t delay = 0;
    if (draw(cfg_.webhook_fault_late)) {
        ++stats_.webhook_late;
        delay = cfg_.webhook_late_ms;
    }
    if (draw(cfg_.webhook_fault_duplicate)) {
        ++stats_.webhook_duplicated; // at least once: the same webhook-id twice
        asio::co_spawn(ioc_, deliver(d, delay + 50), asio::detached);
    }
    asio::co_spawn(ioc_, deliver(std::move(d), delay), asio::detached);
}

asio::awaitable<void> webhook_sender::deliver(delivery d, std::int64_t delay_ms) {
    asio::steady_timer wait(ioc_);
    // The service retries for days; scaled down: 6 attempts, 0.5 s doubling.
    constexpr int attempts = 6;
    for (int i = 0; i < attempts; ++i) {
        if (delay_ms > 0) {
            wait.expires_after(std::chrono::milliseconds(delay_ms));
            co_await wait.async_wait(asio::use_awaitable);
        }
        bool ok = false;
        try {
            ok = co_await post_once(d, i == 0);
        } catch (const std::exception&) {
            ok = false; // refused connection, reset, timeout: retried like a non-2xx answer
        }
        if (ok) {
            ++stats_.webhook_delivered;
            co_return;
        }
        ++stats_.webhook_refused;
        delay_ms = 500LL << i;
    }
}

asio::awaitable<bool> webhook_sender::post_once(const delivery& d, bool first) {
    ++stats_.webhook_attempts;
    tcp::resolver resolver(ioc_);
    auto endpoints = co_await resolver.async_resolve(host_, port_, asio::use_awaitable);
    beast::tcp_stream stream(ioc_);
    stream.expires_after(std::chrono::seconds(10));
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    std::int64_t timestamp = now_ms() / 1000;
    if (first && d.stale)
        timestamp -= 600; // outside the receivers' 5-minute tolerance
    std::string signature = webhook_signature(cfg_.webhook_secret, d.id, timestamp, d.body);
    if (first && d.bad_signature)
        signature = webhook_signature(cfg_.webhook_secret + "-wrong", d.id, timestamp, d.body);
    http::request<http::string_body> req{http::verb::post, target_, 11};
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)");
    req.set("webhook-id", d.id);
    req.set("webhook-timestamp", std::to_string(timestamp));
    req.set("webhook-signature", signature);
    req.body() = d.body;
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return res.result_int() >= 200 && res.result_int() < 300;
}

} // namespace paced::emulator
