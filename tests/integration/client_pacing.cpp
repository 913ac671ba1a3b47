// The point of the project: many concurrent runs against a server with a low rate limit finish with
// zero 429s, because every attempt (creates, polls, pages, retries) draws from one budget.

#include <paced/batch.hpp>
#include <paced/paced.hpp>

#include "common/emulator_process.hpp"
#include "common/run_coro.hpp"
#include "common/test_server.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>

namespace asio = boost::asio;
using paced::test::emulator_process;
using paced::test::run_coro;

namespace {

// Parameters are named variables, never braced temporaries inside a co_await expression: g++ 12
// destroys those twice (and rejects braced lists of vectors there).
paced::thread_create_params one_message(std::string text) {
    paced::thread_create_params p;
    p.messages.push_back({.content = std::move(text)});
    return p;
}

paced::thread_and_run_create_params new_thread_run(std::string assistant_id, std::string text) {
    return {.assistant_id = std::move(assistant_id), .thread = one_message(std::move(text))};
}

paced::client_options paced_options(emulator_process const& emu, asio::io_context& ioc, double rpm) {
    paced::client_options o;
    o.api_key = "sk-test-key-0123456789";
    o.base_url = emu.base_url();
    o.pacing = std::make_shared<paced::local_budget>(
        ioc.get_executor(), paced::budget_options{.defaults = {.requests_per_minute = rpm}});
    return o;
}

std::int64_t stat(emulator_process const& emu, char const* name) {
    return emu.stats().as_object().at(name).to_number<std::int64_t>();
}

} // namespace

TEST_CASE("pacing: 40 concurrent polled runs at 600 RPM finish with zero 429s", "[pacing][slow]") {
    emulator_process emu({"--rpm", "600", "--run-ms", "400", "--run-jitter-ms", "200"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), paced_options(emu, ioc, 600)};
    std::vector<int> inputs(40);
    run_coro(
        ioc,
        [&]() -> asio::awaitable<void> {
            paced::assistant_create_params ap{.model = "gpt-4o-mini"};
            auto a = co_await client.assistants().create(ap);
            paced::batch_options all_at_once{.concurrency = 40};
            auto results = co_await paced::run_batch(
                client, inputs,
                [&](int) -> asio::awaitable<paced::run> {
                    auto job = new_thread_run(a.id, "good");
                    paced::run_options ro{.poll = {.interval = std::chrono::milliseconds(250)}};
                    co_return co_await client.run(job, ro);
                },
                all_at_once);
            for (auto& r : results) {
                REQUIRE(r.has_value());
                CHECK(r.value().status == paced::run_status::completed);
            }
        }(),
        std::chrono::minutes(3));
    CHECK(client.metrics().rate_limited == 0);
    CHECK(stat(emu, "rate_limited_429") == 0);
    CHECK(stat(emu, "runs_completed") == 40);
    // The GCRA admits at most B + 1 s / T (+1 at the window's edge) per budget in any second: 10 + 10 + 1
    // at 600/min, and there are two budgets (the model's and the org's).
    CHECK(stat(emu, "max_requests_1s") <= 2 * (10 + 10 + 1));
}

TEST_CASE("pacing: streamed runs cost one request each, with zero 429s", "[pacing][stream]") {
    emulator_process emu({"--rpm", "600", "--run-ms", "300"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), paced_options(emu, ioc, 600)};
    std::vector<int> inputs(20);
    std::uint64_t run_requests = 0;
    run_coro(
        ioc,
        [&]() -> asio::awaitable<void> {
            paced::assistant_create_params ap{.model = "gpt-4o-mini"};
            auto a = co_await client.assistants().create(ap);
            auto results =
                co_await paced::run_batch(client, inputs, [&](int i) -> asio::awaitable<paced::run> {
                    std::string reply;
                    auto job = new_thread_run(a.id, i % 2 ? "approved" : "rejected");
                    paced::run_options ro{.mode = paced::run_mode::stream,
                                          .reply = &reply,
                                          .request = {.attempts = &run_requests}};
                    auto r = co_await client.run(job, ro);
                    if (reply.find(i % 2 ? "label: yes" : "label: no") == std::string::npos)
                        throw std::runtime_error("unexpected reply: " + reply);
                    co_return r;
                });
            for (auto& r : results)
                CHECK(r.value().status == paced::run_status::completed);
        }(),
        std::chrono::minutes(2));
    CHECK(run_requests == 20);
    CHECK(stat(emu, "rate_limited_429") == 0);
}

TEST_CASE("pacing: a finished run stream gives its connection back to the pool", "[pacing][stream]") {
    emulator_process emu({"--run-ms", "50"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), paced_options(emu, ioc, 6000)};
    run_coro(
        ioc,
        [&]() -> asio::awaitable<void> {
            paced::assistant_create_params ap{.model = "gpt-4o-mini"};
            auto a = co_await client.assistants().create(ap);
            for (int i = 0; i < 3; ++i) {
                paced::run_options ro{.mode = paced::run_mode::stream};
                auto job = new_thread_run(a.id, "approved");
                auto r = co_await client.run(std::move(job), std::move(ro));
                CHECK(r.status == paced::run_status::completed);
            }
        }(),
        std::chrono::minutes(1));
    // One connection for the assistant and the three streams: each stream's body was read to its end.
    CHECK(client.metrics().connections_opened == 1);
    CHECK(client.metrics().connections_reused == 3);
}

TEST_CASE("pacing: a tool call round trip in stream and poll modes", "[pacing][tools]") {
    emulator_process emu({"--run-ms", "200"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), paced_options(emu, ioc, 6000)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::assistant_create_params ap{.model = "gpt-4o-mini",
                                          .tools = {paced::function_tool{.function = {.name = "lookup"}},
                                                    paced::function_tool{.function = {.name = "weather"}}}};
        auto a = co_await client.assistants().create(ap);
        int calls = 0;
        paced::tool_handler handler = [&](paced::run_tool_call const& c) -> asio::awaitable<std::string> {
            ++calls;
            co_return "out-" + c.function.name;
        };
        for (auto mode : {paced::run_mode::poll, paced::run_mode::stream}) {
            auto t = co_await client.threads().create(one_message("hello"));
            std::string reply;
            paced::run_options ro{.mode = mode, .on_tool_call = handler, .reply = &reply};
            auto r = co_await client.run(t.id, a.id, ro);
            CHECK(r.status == paced::run_status::completed);
            CHECK(reply.find("out-lookup") != std::string::npos);
            CHECK(reply.find("out-weather") != std::string::npos);
        }
        CHECK(calls == 4);

        // A handler that throws fails the run cleanly: cancelled on the server, tool_failed to the caller.
        auto t = co_await client.threads().create(one_message("hello"));
        paced::tool_handler failing = [](paced::run_tool_call const&) -> asio::awaitable<std::string> {
            throw std::runtime_error("tool exploded");
            co_return "";
        };
        try {
            paced::run_options ro{.mode = paced::run_mode::stream, .on_tool_call = failing};
            co_await client.run(t.id, a.id, ro);
            FAIL("no error");
        } catch (paced::error const& e) {
            CHECK(e.code() == paced::errc::tool_failed);
            CHECK(std::string{e.what()}.find("tool exploded") != std::string::npos);
        }
        auto runs = co_await client.threads().runs().list(t.id);
        REQUIRE(runs.data.size() == 1);
        CHECK((runs.data[0].status == paced::run_status::cancelled ||
               runs.data[0].status == paced::run_status::cancelling));
    }());
}

TEST_CASE("pacing: a 429 pauses the budget until the server's hint, then the request succeeds",
          "[pacing][429]") {
    emulator_process emu({"--rpm", "60"});
    asio::io_context ioc;
    paced::client_options o;
    o.api_key = "sk-test-key-0123456789";
    o.base_url = emu.base_url();
    // No configured limit, and learning disabled: the client only finds out through 429s.
    o.pacing = std::make_shared<paced::local_budget>(ioc.get_executor(),
                                                     paced::budget_options{.learn_from_headers = false});
    o.max_retries = 5;
    paced::client client{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto t1 = co_await client.threads().create();
        auto t2 = co_await client.threads().create(); // refused once (1 per second), retried after the hint
        CHECK(t1.id != t2.id);
    }());
    CHECK(client.metrics().rate_limited >= 1);
    CHECK(client.metrics().retries >= 1);
}

TEST_CASE("pacing: insufficient quota fails at once, without retries", "[pacing][429]") {
    emulator_process emu({"--quota-exhausted"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), paced_options(emu, ioc, 6000)};
    try {
        run_coro(ioc, client.threads().create());
        FAIL("no error");
    } catch (paced::error const& e) {
        CHECK(e.code() == paced::errc::insufficient_quota);
        CHECK(e.api().status == 429);
    }
    CHECK(client.metrics().requests == 1);
}

TEST_CASE("pacing: a run's deadline cancels it on the server", "[pacing][deadline]") {
    emulator_process emu({"--run-ms", "60000"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), paced_options(emu, ioc, 6000)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::assistant_create_params ap{.model = "gpt-4o-mini"};
        auto a = co_await client.assistants().create(ap);
        auto t = co_await client.threads().create(one_message("hello"));
        try {
            paced::run_options ro{.poll = {.interval = std::chrono::milliseconds(100)},
                                  .deadline = std::chrono::milliseconds(500)};
            co_await client.run(t.id, a.id, ro);
            FAIL("no error");
        } catch (paced::error const& e) {
            CHECK(e.code() == paced::errc::run_deadline);
        }
        auto runs = co_await client.threads().runs().list(t.id);
        REQUIRE(runs.data.size() == 1);
        CHECK((runs.data[0].status == paced::run_status::cancelled ||
               runs.data[0].status == paced::run_status::cancelling));
    }());
}

TEST_CASE("pacing: broken streams fall back to polling the same run, never a second run",
          "[pacing][faults]") {
    emulator_process emu(
        {"--run-ms", "200", "--fault-truncate", "0.3", "--fault-reset", "0.05", "--seed", "7"});
    asio::io_context ioc;
    auto o = paced_options(emu, ioc, 60000);
    o.max_retries = 6;
    paced::client client{ioc.get_executor(), o};
    std::vector<int> inputs(30);
    std::size_t completed = 0;
    run_coro(
        ioc,
        [&]() -> asio::awaitable<void> {
            paced::assistant a;
            for (int attempt = 0;; ++attempt) { // a create meeting a fault after sending is not re-sent
                try {
                    paced::assistant_create_params ap{.model = "gpt-4o-mini"};
                    a = co_await client.assistants().create(ap);
                    break;
                } catch (paced::error const&) {
                    if (attempt == 5)
                        throw;
                }
            }
            auto results = co_await paced::run_batch(client, inputs, [&](int) -> asio::awaitable<paced::run> {
                auto t = co_await client.threads().create(one_message("good"));
                paced::run_options ro{.mode = paced::run_mode::stream,
                                      .poll = {.interval = std::chrono::milliseconds(100)}};
                co_return co_await client.run(t.id, a.id, ro);
            });
            for (auto& r : results) {
                if (r.has_value()) {
                    if (r.value().status == paced::run_status::completed)
                        ++completed;
                    continue;
                }
                // Every failure is a typed error (a create that failed after sending is not re-sent).
                try {
                    std::rethrow_exception(r.error());
                } catch (paced::error const&) {
                }
            }
        }(),
        std::chrono::minutes(3));
    // Every thread got at most one run (one call never starts two), and runs complete despite faults.
    // (About a third of the inputs fail by design: their thread create met a fault after it was sent.)
    CHECK(stat(emu, "runs_per_thread_max") <= 1);
    CHECK(completed >= 10);
}

TEST_CASE("pacing: 429 refusals are retried apart from max_retries, up to max_rate_limit_retries",
          "[pacing][429]") {
    int const refusals = 3;
    std::atomic<int> seen{0};
    paced::test::test_server server{{.handler = [&](paced::test::test_request const&) {
        paced::test::test_response r;
        r.headers.add("Content-Type", "application/json");
        if (++seen <= refusals) {
            r.status = 429;
            r.headers.add("retry-after-ms", "20");
            r.body =
                R"({"error":{"message":"Rate limit reached for requests","type":"requests","param":null,)"
                R"("code":"rate_limit_exceeded"}})";
        } else {
            r.body = R"({"id":"thread_1","object":"thread","created_at":1,"metadata":{}})";
        }
        return r;
    }}};
    int const allowed = GENERATE(3, 2);
    CAPTURE(allowed);
    seen = 0;
    asio::io_context ioc;
    paced::client_options o;
    o.api_key = "sk-test-key-0123456789";
    o.base_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1";
    o.max_retries = 1; // other failures: one retry; 429s are counted apart
    o.max_rate_limit_retries = allowed;
    paced::client client{ioc.get_executor(), o};
    auto fetch = [&]() -> asio::awaitable<void> { co_await client.threads().retrieve("thread_1"); };
    if (allowed >= refusals) {
        run_coro(ioc, fetch());
        CHECK(client.metrics().rate_limited == 3);
    } else {
        boost::system::error_code code;
        try {
            run_coro(ioc, fetch());
        } catch (paced::error const& e) {
            code = e.code();
        }
        CHECK(code == paced::errc::rate_limited);
        CHECK(seen == allowed + 1);
    }
}
