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

namespace asio = boost::asio;
using namespace std::chrono_literals;
using paced::test::emulator_process;

namespace {

constexpr char const* hook_secret = "whsec_cGFjZWQtd2ViaG9vay10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5";

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
    asio::io_context ioc;
    paced::webhooks::receiver hooks(paced::webhooks::receiver_options{.secret = hook_secret});
    asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    asio::cancellation_signal stop_listening;
    asio::co_spawn(ioc, hooks.listen(acceptor),
                   asio::bind_cancellation_slot(stop_listening.slot(), asio::detached));
    std::vector<std::string> flags{
        "--run-ms",         "400",
        "--webhook-url",    "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/hooks",
        "--webhook-secret", hook_secret};
    flags.insert(flags.end(), faults.begin(), faults.end());
    emulator_process emu(flags);
    paced::client_options o;
    o.api_key = "sk-test-key-0123456789";
    o.base_url = emu.base_url();
    paced::client client{ioc.get_executor(), o};
    webhook_run out;
    int finished = 0;
    for (int i = 0; i < count; ++i)
        asio::co_spawn(
            ioc,
            [&, i]() -> asio::awaitable<void> {
                paced::response_create_params p{.model = "gpt-4.1-mini",
                                                .input_text = "Input " + std::to_string(i) + " is good."};
                paced::respond_options options{.completion = &hooks, .completion_poll = completion_poll};
                auto r = co_await client.respond(std::move(p), options);
                (r.status == paced::response_status::completed ? out.completed : out.other)++;
            },
            [&](std::exception_ptr e) {
                if (e)
                    ++out.other;
                if (++finished == count)
                    stop_listening.emit(asio::cancellation_type::terminal);
            });
    ioc.run_for(60s);
    out.requests = static_cast<std::uint64_t>(emu.stats().at("requests_total").as_int64());
    out.hooks = hooks.stats();
    CHECK(emu.stats().at("responses_created").as_int64() == count); // one response each, never two
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
    auto const r = respond_by_webhook(200,
                                      {"--webhook-fault-drop", "0.1", "--webhook-fault-duplicate", "0.1",
                                       "--webhook-fault-bad-signature", "0.05", "--webhook-fault-stale",
                                       "0.05", "--seed", "5"},
                                      2s);
    CHECK(r.completed == 200);
    CHECK(r.other == 0);
    // A lost webhook costs the retrieval after completion_poll, which finds the response ended: still two
    // requests per response (a third only if that retrieval came before the end).
    CHECK(r.requests <= 2 * 200 + 20);
    CHECK(r.hooks.rejected > 0); // the forged and stale first attempts were refused, their retries taken
}
