// The webhook receiver over loopback: signed deliveries posted to `listen` wake the coroutines waiting
// for their resource; a repeated webhook-id is acknowledged and passed on once; bad signatures, stale
// timestamps, missing headers and oversized bodies are refused and logged; and no wait outlives its
// timeout. The receiver's io_context runs on a thread of its own; the deliveries are blocking raw HTTP
// requests from the test thread.

#include "common/raw_http.hpp"

#include <paced/webhooks.hpp>
#include <paced/webhooks/receiver.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace wh = paced::webhooks;
using boost::beast::http::verb;
using paced::test::raw_headers;
using paced::test::raw_http;

namespace {

constexpr std::string_view hook_secret = "whsec_cGFjZWQtdGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZiE=";

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string completed_event(std::string_view event_id, std::string_view resource) {
    return R"({"id":")" + std::string(event_id) +
           R"(","object":"event","type":"response.completed","created_at":)" + std::to_string(unix_now()) +
           R"(,"data":{"id":")" + std::string(resource) + R"("}})";
}

/// The headers of a delivery signed with `secret` at `timestamp`.
raw_headers signed_headers(std::string_view webhook_id, std::int64_t timestamp, std::string_view body,
                           std::string_view secret = hook_secret) {
    return {{"webhook-id", std::string(webhook_id)},
            {"webhook-timestamp", std::to_string(timestamp)},
            {"webhook-signature", wh::sign(secret, webhook_id, timestamp, body)},
            {"content-type", "application/json"}};
}

/// A receiver served by `listen` on 127.0.0.1:<free port>, on an io_context run by its own thread.
struct served_receiver {
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
    std::mutex log_mutex;
    std::vector<wh::rejected_delivery> rejected;
    wh::receiver hooks;
    asio::ip::tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    asio::cancellation_signal stop_listening;
    std::thread thread;

    explicit served_receiver(wh::receiver_options options = {}) : hooks(with_log(std::move(options))) {
        asio::co_spawn(ioc, hooks.listen(acceptor),
                       asio::bind_cancellation_slot(stop_listening.slot(), asio::detached));
        thread = std::thread([this] { ioc.run(); });
    }
    ~served_receiver() {
        asio::post(ioc, [this] { stop_listening.emit(asio::cancellation_type::terminal); });
        work.reset();
        ioc.stop();
        thread.join();
    }

    wh::receiver_options with_log(wh::receiver_options o) {
        if (o.secret.empty())
            o.secret = hook_secret;
        o.on_rejected = [this](wh::rejected_delivery const& r) {
            std::lock_guard lock(log_mutex);
            rejected.push_back(r);
        };
        return o;
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()); }

    paced::test::raw_response post(raw_headers const& headers, std::string_view body) {
        return raw_http(url(), verb::post, "/webhooks", headers, body);
    }

    /// A wait started on the receiver's io_context; its result as a future.
    std::future<boost::system::result<wh::event>> wait(std::string resource,
                                                       std::chrono::milliseconds timeout) {
        auto started = std::make_shared<std::promise<void>>();
        auto done = asio::co_spawn(
            ioc,
            [](wh::receiver& hooks, std::string resource, std::chrono::milliseconds timeout,
               std::shared_ptr<std::promise<void>> started)
                -> asio::awaitable<boost::system::result<wh::event>> {
                started->set_value();
                co_return co_await hooks.wait(std::move(resource), timeout);
            }(hooks, std::move(resource), timeout, started),
            asio::use_future);
        started->get_future().wait();
        return done;
    }

    std::vector<wh::rejected_delivery> log() {
        std::lock_guard lock(log_mutex);
        return rejected;
    }
};

/// Waits until the receiver has `n` pending waits (they register as soon as their coroutine runs).
void until_waiting(wh::receiver const& hooks, std::size_t n) {
    for (int i = 0; i < 500 && hooks.stats().waiting < n; ++i)
        std::this_thread::sleep_for(2ms);
    REQUIRE(hooks.stats().waiting == n);
}

} // namespace

TEST_CASE("webhooks receiver: a signed delivery over HTTP wakes the coroutines waiting for its resource",
          "[webhooks]") {
    served_receiver r;
    auto first = r.wait("resp_1", 30s);
    auto second = r.wait("resp_1", 30s);
    auto other = r.wait("resp_2", 30s);
    until_waiting(r.hooks, 3);

    auto const body = completed_event("evt_1", "resp_1");
    auto const answer = r.post(signed_headers("wh_1", unix_now(), body), body);

    CHECK(answer.status == 200);
    CHECK(answer.json().at("received") == true);
    for (auto* f : {&first, &second}) {
        REQUIRE(f->wait_for(10s) == std::future_status::ready);
        auto const got = f->get();
        REQUIRE(got.has_value());
        CHECK(got->id == "evt_1");
        CHECK(got->type == wh::event_type::response_completed);
        CHECK(got->data.id == "resp_1");
        CHECK(got->raw == boost::json::parse(body).as_object());
    }
    CHECK(other.wait_for(50ms) == std::future_status::timeout); // another resource: still waiting
    auto const stats = r.hooks.stats();
    CHECK(stats.accepted == 1);
    CHECK(stats.woken == 2);
    CHECK(stats.waiting == 1);
    CHECK(r.log().empty());
}

TEST_CASE("webhooks receiver: a repeated webhook-id is acknowledged every time and passed on once",
          "[webhooks]") {
    served_receiver r;
    auto const body = completed_event("evt_2", "resp_dup");
    auto const headers = signed_headers("wh_dup", unix_now(), body);

    auto const first = r.post(headers, body);
    auto const again = r.post(headers, body);
    // A retry of the same delivery, signed again a second later, is the same delivery.
    auto const resigned = r.post(signed_headers("wh_dup", unix_now() + 1, body), body);

    CHECK(first.status == 200);
    CHECK(again.status == 200);
    CHECK(resigned.status == 200);
    CHECK_FALSE(first.json().as_object().contains("duplicate"));
    CHECK(again.json().at("duplicate") == true);
    CHECK(r.hooks.stats().accepted == 1);
    CHECK(r.hooks.stats().duplicates == 2);

    // A wait that starts after the event arrived completes at once, with it.
    auto late = r.wait("resp_dup", 30s);
    REQUIRE(late.wait_for(10s) == std::future_status::ready);
    auto const got = late.get();
    REQUIRE(got.has_value());
    CHECK(got->id == "evt_2");
}

TEST_CASE("webhooks receiver: a bad signature or a stale timestamp is refused, and the waiter times out",
          "[webhooks]") {
    served_receiver r;
    auto waiting = r.wait("resp_bad", 1500ms);
    until_waiting(r.hooks, 1);
    auto const body = completed_event("evt_3", "resp_bad");

    auto const forged = r.post(signed_headers("wh_forged", unix_now(), body, "whsec_b3RoZXIta2V5"), body);
    auto const stale = r.post(signed_headers("wh_stale", unix_now() - 3600, body), body);
    auto const future = r.post(signed_headers("wh_future", unix_now() + 3600, body), body);
    auto unsigned_headers = signed_headers("wh_unsigned", unix_now(), body);
    unsigned_headers.erase(unsigned_headers.begin() + 2);
    auto const missing = r.post(unsigned_headers, body);
    std::string tampered = body;
    tampered.replace(tampered.find("evt_3"), 5, "evt_9");
    auto const changed = r.post(signed_headers("wh_changed", unix_now(), body), tampered);

    for (auto const* a : {&forged, &stale, &future, &missing, &changed}) {
        CHECK(a->status == 400);
        CHECK(std::string_view(a->json().at("error").as_string()).starts_with("webhook: "));
    }
    auto const log = r.log();
    REQUIRE(log.size() == 5);
    CHECK(log[0].code == wh::errc::no_matching_signature);
    CHECK(log[0].webhook_id == "wh_forged");
    CHECK(log[1].code == wh::errc::timestamp_too_old);
    CHECK(log[2].code == wh::errc::timestamp_too_new);
    CHECK(log[3].code == wh::errc::missing_header);
    CHECK(log[3].message == "webhook: missing header 'webhook-signature'");
    CHECK(log[4].code == wh::errc::no_matching_signature);
    CHECK(r.hooks.stats().rejected == 5);
    CHECK(r.hooks.stats().accepted == 0);

    // Nothing was passed on: the wait ends at its timeout, for the caller to poll.
    REQUIRE(waiting.wait_for(10s) == std::future_status::ready);
    auto const got = waiting.get();
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error() == wh::errc::wait_timeout);
    CHECK(r.hooks.stats().waiting == 0);
}

TEST_CASE("webhooks receiver: a signed body that is not an event is refused, an unknown event type passes",
          "[webhooks]") {
    served_receiver r;
    std::string const not_event = R"({"hello":"world"})";
    auto const refused = r.post(signed_headers("wh_x", unix_now(), not_event), not_event);
    CHECK(refused.status == 400);
    REQUIRE(r.log().size() == 1);
    CHECK(r.log()[0].code == wh::errc::invalid_payload);

    auto waiting = r.wait("thing_1", 30s);
    until_waiting(r.hooks, 1);
    std::string const unknown =
        R"({"id":"evt_u","type":"thing.finished","created_at":1719168000,"data":{"id":"thing_1"}})";
    CHECK(r.post(signed_headers("wh_u", unix_now(), unknown), unknown).status == 200);
    REQUIRE(waiting.wait_for(10s) == std::future_status::ready);
    auto const got = waiting.get();
    REQUIRE(got.has_value());
    CHECK(got->type == wh::event_type::unknown);
    CHECK(got->type.raw == "thing.finished");
}

TEST_CASE("webhooks receiver: listen answers 405 to other methods and 413 to oversized bodies",
          "[webhooks]") {
    served_receiver r{{.max_body_bytes = 1024}};
    CHECK(raw_http(r.url(), verb::get, "/webhooks").status == 405);
    std::string const big(2048, 'x');
    auto const too_big = r.post(signed_headers("wh_big", unix_now(), big), big);
    CHECK(too_big.status == 413);
    REQUIRE(r.log().size() == 1);
    CHECK(r.log()[0].code == paced::errc::body_too_large);
    CHECK(r.log()[0].webhook_id == "wh_big");
    // The listener still serves.
    auto const body = completed_event("evt_ok", "resp_ok");
    CHECK(r.post(signed_headers("wh_ok", unix_now(), body), body).status == 200);
}

TEST_CASE("webhooks receiver: the oldest deliveries are forgotten first", "[webhooks]") {
    wh::receiver hooks{{.secret = std::string(hook_secret), .remembered_deliveries = 2}};
    auto const deliver = [&](std::string const& id) {
        auto const body = completed_event("evt_" + id, "resp_" + id);
        paced::header_list h;
        for (auto const& [k, v] : signed_headers("wh_" + id, unix_now(), body))
            h.add(k, v);
        return hooks.handle("POST", h, body);
    };
    CHECK(deliver("a").status == 200);
    CHECK(deliver("b").status == 200);
    CHECK(deliver("a").body.find("duplicate") != std::string::npos); // refreshes a
    CHECK(deliver("c").status == 200);                               // forgets b, the oldest
    CHECK(deliver("a").body.find("duplicate") != std::string::npos);
    CHECK(deliver("b").body.find("duplicate") == std::string::npos); // b again: new to the receiver
    CHECK(hooks.stats().accepted == 4);
    CHECK(hooks.stats().duplicates == 2);
}

TEST_CASE("webhooks receiver: a cancelled wait and the receiver's destruction leave no waiter behind",
          "[webhooks]") {
    asio::io_context ioc;
    auto hooks = std::make_unique<wh::receiver>(wh::receiver_options{.secret = std::string(hook_secret)});
    asio::cancellation_signal cancel;
    auto cancelled = asio::co_spawn(ioc, hooks->wait("resp_c", 30s),
                                    asio::bind_cancellation_slot(cancel.slot(), asio::use_future));
    auto orphaned = asio::co_spawn(ioc, hooks->wait("resp_d", 30s), asio::use_future);
    ioc.run_for(20ms);
    CHECK(hooks->stats().waiting == 2);

    cancel.emit(asio::cancellation_type::terminal);
    ioc.run_for(20ms);
    REQUIRE(cancelled.wait_for(0s) == std::future_status::ready);
    CHECK_THROWS_AS(cancelled.get(), boost::system::system_error);
    CHECK(hooks->stats().waiting == 1);

    hooks.reset();
    ioc.run_for(20ms);
    REQUIRE(orphaned.wait_for(0s) == std::future_status::ready);
    try {
        orphaned.get();
        FAIL("the wait outlived its receiver");
    } catch (boost::system::system_error const& e) {
        CHECK(e.code() == asio::error::operation_aborted);
    }
}

TEST_CASE("webhooks receiver: the end of listen closes an idle keep-alive connection at once", "[webhooks]") {
    // Else the connection would last its read timeout (30 s), and so would the io_context's run.
    served_receiver r;
    asio::io_context client;
    boost::beast::tcp_stream conn(client);
    conn.connect(r.acceptor.local_endpoint());
    auto const body = completed_event("evt_kept", "resp_kept");
    boost::beast::http::request<boost::beast::http::string_body> req{verb::post, "/webhooks", 11};
    for (auto const& [name, value] : signed_headers("wh_kept", unix_now(), body))
        req.set(name, value);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    boost::beast::http::write(conn, req);
    boost::beast::flat_buffer buffer;
    boost::beast::http::response<boost::beast::http::string_body> res;
    boost::beast::http::read(conn, buffer, res);
    CHECK(res.result_int() == 200);
    CHECK(res.keep_alive());

    auto const stopped = std::chrono::steady_clock::now();
    asio::post(r.ioc, [&] { r.stop_listening.emit(asio::cancellation_type::terminal); });
    boost::system::error_code ended;
    char byte = 0;
    conn.expires_after(10s);
    conn.async_read_some(asio::buffer(&byte, 1),
                         [&](boost::system::error_code ec, std::size_t) { ended = ec; });
    client.run();
    CHECK((ended == asio::error::eof || ended == asio::error::connection_reset));
    CHECK(std::chrono::steady_clock::now() - stopped < 5s);
}

TEST_CASE("webhooks receiver: a receiver refuses an invalid secret when it is made", "[webhooks]") {
    try {
        wh::receiver hooks{{.secret = "whsec_not base64"}};
        FAIL("the receiver accepted a bad secret");
    } catch (paced::error const& e) {
        CHECK(e.code() == wh::errc::invalid_secret);
    }
}
