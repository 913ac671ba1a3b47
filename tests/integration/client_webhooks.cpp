// Background responses completed by webhook: paced-emulator delivers each response's event to a
// paced::webhooks::receiver, and client.respond retrieves a response once when its event arrives, instead
// of polling. Lost, duplicated, badly signed and stale deliveries still end every response once.

#include <paced/paced.hpp>

#include "common/emulator_process.hpp"
#include "common/run_coro.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <optional>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using paced::test::emulator_process;

namespace {

constexpr char const* hook_secret = "whsec_cGFjZWQtd2ViaG9vay10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5";

/// An emulator that delivers its webhooks to a receiver served on a free loopback port, and a client.
struct hooked_service {
    asio::io_context ioc;
    paced::webhooks::receiver hooks{paced::webhooks::receiver_options{.secret = hook_secret}};
    asio::ip::tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    asio::cancellation_signal stop_listening;
    std::optional<emulator_process> emu;
    std::optional<paced::client> client;

    explicit hooked_service(std::vector<std::string> const& faults) {
        asio::co_spawn(ioc, hooks.listen(acceptor),
                       asio::bind_cancellation_slot(stop_listening.slot(), asio::detached));
        std::vector<std::string> flags{
            "--run-ms",
            "400",
            "--batch-ms",
            "600",
            "--webhook-url",
            "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/hooks",
            "--webhook-secret",
            hook_secret};
        flags.insert(flags.end(), faults.begin(), faults.end());
        emu.emplace(flags);
        paced::client_options o;
        o.api_key = "sk-test-key-0123456789";
        o.base_url = emu->base_url();
        client.emplace(ioc.get_executor(), o);
    }

    std::int64_t stat(char const* name) const { return emu->stats().at(name).as_int64(); }

    /// Runs `count` coroutines made by `make(i)` to their end, then stops the receiver; returns how many
    /// ended with an exception.
    template <class Make>
    int run_all(int count, Make make) {
        int finished = 0;
        int failed = 0;
        for (int i = 0; i < count; ++i)
            asio::co_spawn(ioc, make(i), [&](std::exception_ptr e) {
                failed += e ? 1 : 0;
                if (++finished == count)
                    stop_listening.emit(asio::cancellation_type::terminal);
            });
        ioc.run_for(60s);
        return failed;
    }
};

struct webhook_run {
    int completed = 0;
    int other = 0;
    std::uint64_t requests = 0;
    paced::webhooks::receiver_stats hooks{};
};

/// `count` background responses at once, each followed by its webhook through one receiver, against
/// an emulator started with `faults`; a webhook not seen within `completion_poll` is made up for by a
/// retrieval.
webhook_run respond_by_webhook(int count, std::vector<std::string> faults,
                               std::chrono::milliseconds completion_poll) {
    hooked_service svc(faults);
    webhook_run out;
    out.other = svc.run_all(count, [&](int i) -> asio::awaitable<void> {
        paced::response_create_params p{.model = "gpt-4.1-mini",
                                        .input_text = "Input " + std::to_string(i) + " is good."};
        paced::respond_options options{.completion = &svc.hooks, .completion_poll = completion_poll};
        auto r = co_await svc.client->respond(std::move(p), options);
        (r.status == paced::response_status::completed ? out.completed : out.other)++;
    });
    out.requests = static_cast<std::uint64_t>(svc.stat("requests_total"));
    out.hooks = svc.hooks.stats();
    CHECK(svc.stat("responses_created") == count); // one response each, never two
    return out;
}

} // namespace

TEST_CASE("client.respond: 500 background responses end by webhook at two requests each",
          "[client][responses][webhooks]") {
    // A completion_poll longer than the test: a single retrieval after the create means the webhook did it.
    auto const r = respond_by_webhook(500, {}, 60s);
    CHECK(r.completed == 500);
    CHECK(r.other == 0);
    CHECK(r.requests == 1000); // create + one retrieval: no poll beyond the final retrieve
}

TEST_CASE("client.respond: lost, duplicated, forged and stale webhooks still end every response once",
          "[client][responses][webhooks][faults]") {
    auto const r = respond_by_webhook(500,
                                      {"--webhook-fault-drop", "0.1", "--webhook-fault-duplicate", "0.1",
                                       "--webhook-fault-bad-signature", "0.05", "--webhook-fault-stale",
                                       "0.05", "--seed", "5"},
                                      2s);
    CHECK(r.completed == 500);
    CHECK(r.other == 0);
    // A lost webhook costs the retrieval after completion_poll, which finds the response ended: still two
    // requests per response (a third only if that retrieval came before the end).
    CHECK(r.requests <= 500 * 205 / 100);
    CHECK(r.hooks.duplicates > 0);
    CHECK(r.hooks.rejected > 0); // the forged and stale first attempts were refused, their retries taken
}

TEST_CASE("responses.wait: background responses created by hand end by webhook, at two requests each",
          "[client][responses][webhooks]") {
    constexpr int count = 100;
    hooked_service svc({});
    int completed = 0;
    auto const failed = svc.run_all(count, [&](int i) -> asio::awaitable<void> {
        paced::response_create_params p{.model = "gpt-4.1-mini",
                                        .input_text = "Input " + std::to_string(i) + " is good.",
                                        .background = true};
        auto const created = co_await svc.client->responses().create(std::move(p));
        CHECK(!paced::is_terminal(created.status.value));
        paced::wait_options wait{.completion = &svc.hooks, .completion_poll = 60s};
        auto const r = co_await svc.client->responses().wait(created.id, wait);
        completed += r.status == paced::response_status::completed ? 1 : 0;
    });
    CHECK(failed == 0);
    CHECK(completed == count);
    CHECK(svc.stat("requests_total") == 2 * count); // the create, and one retrieval when the event came
}

TEST_CASE("responses.wait: without a receiver, or with its webhook lost, the response is polled",
          "[client][responses][webhooks][faults]") {
    hooked_service svc({"--webhook-fault-drop", "1"}); // no event ever arrives
    std::vector<paced::response_status> ends;
    std::int64_t requests_before_lost_wait = 0;
    auto const failed = svc.run_all(1, [&](int) -> asio::awaitable<void> {
        auto responses = svc.client->responses();
        paced::response_create_params p{.model = "gpt-4.1-mini", .input_text = "Hello.", .background = true};
        auto const polled = co_await responses.create(p);
        paced::wait_options by_poll{.poll = {.interval = 100ms}};
        ends.push_back((co_await responses.wait(polled.id, by_poll)).status.value);
        requests_before_lost_wait = svc.stat("requests_total");
        auto const lost = co_await responses.create(p);
        paced::wait_options by_hook{
            .poll = {.interval = 100ms}, .completion = &svc.hooks, .completion_poll = 300ms};
        ends.push_back((co_await responses.wait(lost.id, by_hook)).status.value);
    });
    CHECK(failed == 0);
    CHECK(ends == std::vector{paced::response_status::completed, paced::response_status::completed});
    // Polled: a retrieval at once and about one per 100 ms of the 400 ms response.
    CHECK(requests_before_lost_wait >= 1 + 3);
    CHECK(requests_before_lost_wait <= 1 + 8);
    // Lost webhook: a retrieval per 300 ms of completion_poll, not one per 100 ms: the 400 ms response is
    // found ended by the second.
    auto const lost_wait_requests = svc.stat("requests_total") - requests_before_lost_wait;
    CHECK(lost_wait_requests >= 2);
    CHECK(lost_wait_requests <= 1 + 2);
    CHECK(svc.hooks.stats().accepted == 0);
}

TEST_CASE("webhooks: an event sent before retrievals show the end costs polls, not a busy loop",
          "[client][responses][webhooks][faults]") {
    // Every event goes 300 ms before its 400 ms response ends: the retrieval it causes finds the response
    // in progress, and the receiver, which remembers the event, would answer the next wait at once.
    hooked_service svc({"--webhook-fault-early", "1", "--webhook-early-ms", "300"});
    constexpr int count = 20;
    int completed = 0;
    auto const failed = svc.run_all(2 * count, [&](int i) -> asio::awaitable<void> {
        paced::response_create_params p{.model = "gpt-4.1-mini", .input_text = "Input " + std::to_string(i)};
        paced::poll_options const poll{.interval = 100ms};
        paced::response r;
        if (i % 2 == 0) {
            r = co_await svc.client->respond(
                std::move(p), {.poll = poll, .completion = &svc.hooks, .completion_poll = 60s});
        } else {
            p.background = true;
            auto const created = co_await svc.client->responses().create(std::move(p));
            r = co_await svc.client->responses().wait(
                created.id, {.poll = poll, .completion = &svc.hooks, .completion_poll = 60s});
        }
        completed += r.status == paced::response_status::completed ? 1 : 0;
    });
    CHECK(failed == 0);
    CHECK(completed == 2 * count);
    CHECK(svc.emu->stats().at("webhooks").at("early").as_int64() == 2 * count);
    // Per response: the create, the retrieval the event caused, then one per 100 ms of the last 300 ms
    // (about 3; a busy loop would make hundreds).
    auto const requests = svc.stat("requests_total");
    CHECK(requests >= 2 * count * 3);
    CHECK(requests <= 2 * count * 8);
}

TEST_CASE("batches.wait: batches end by their webhook at one retrieval each", "[client][batches][webhooks]") {
    hooked_service svc({});
    constexpr int count = 5;
    int completed = 0;
    auto const failed = svc.run_all(count, [&](int i) -> asio::awaitable<void> {
        std::vector<paced::batch_request_line> lines;
        for (int j = 0; j < 20; ++j)
            lines.push_back({.custom_id = std::to_string(i) + "-" + std::to_string(j),
                             .body = {{"model", "gpt-4.1-mini"}, {"input", "Is this good?"}}});
        paced::file_upload upload{.bytes = paced::to_jsonl(lines),
                                  .filename = "requests.jsonl",
                                  .purpose = paced::file_purpose::batch};
        auto const input = co_await svc.client->files().create(std::move(upload));
        paced::batch_create_params params{.input_file_id = input.id};
        auto const created = co_await svc.client->batches().create(std::move(params));
        paced::wait_options wait{.completion = &svc.hooks, .completion_poll = 60s};
        auto const ended = co_await svc.client->batches().wait(created.id, wait);
        completed += ended.status == paced::batch_status::completed ? 1 : 0;
    });
    CHECK(failed == 0);
    CHECK(completed == count);
    CHECK(svc.stat("requests_total") == 3 * count); // upload, create, and the retrieval the event caused
    CHECK(svc.hooks.stats().accepted == count);
}
