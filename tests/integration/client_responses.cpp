// client.responses(), client.conversations() and client.respond against paced-emulator: background
// polling, streams (and their resumption after breaks), function calls, deadlines, conversations, and
// what each costs in requests, counted by the emulator.

#include <paced/paced.hpp>

#include "common/emulator_process.hpp"
#include "common/run_coro.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using paced::test::emulator_process;
using paced::test::run_coro;

namespace {

paced::client_options responses_client(emulator_process const& emu) {
    paced::client_options o;
    o.api_key = "sk-test-key-0123456789";
    o.base_url = emu.base_url();
    o.max_retries = 6;
    return o;
}

std::int64_t stat(emulator_process const& emu, char const* name) {
    auto const s = emu.stats();
    auto const* v = s.as_object().if_contains(name);
    return v && v->is_int64() ? v->as_int64() : -1;
}

std::int64_t route_count(emulator_process const& emu, char const* route) {
    auto const s = emu.stats();
    auto const* v = s.at("requests_per_route").as_object().if_contains(route);
    return v ? v->as_int64() : 0;
}

paced::response_create_params question(std::string text) {
    return {.model = "gpt-4.1-mini", .input_text = std::move(text)};
}

paced::response_create_params weather_question() {
    auto p = question("What is the weather in Paris?");
    p.tools = {paced::response_function_tool{
        .name = "get_weather",
        .parameters = {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}},
    }};
    return p;
}

template <class F>
paced::error error_of(F&& f) {
    try {
        f();
    } catch (paced::error const& e) {
        return e;
    }
    FAIL("no error thrown");
    return paced::error(paced::make_error_code(paced::errc::invalid_argument), "");
}

} // namespace

TEST_CASE("client.respond: a background response is polled to its end, the first poll waiting",
          "[client][responses]") {
    emulator_process emu({"--run-ms", "300"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), responses_client(emu)};
    paced::response r;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::respond_options o;
        o.poll.interval = 400ms;
        r = co_await client.respond(question("Is the proposal approved?"), o);
    }());
    CHECK(r.status == paced::response_status::completed);
    CHECK(r.background == true);
    CHECK_FALSE(paced::output_text(r).empty());
    REQUIRE(r.usage);
    CHECK(r.usage->input_tokens > 0);
    // One create and one retrieval: the retrieval waited for the run time instead of finding it queued.
    CHECK(route_count(emu, "POST /v1/responses") == 1);
    CHECK(route_count(emu, "GET /v1/responses/{response_id}") == 1);
    CHECK(r.metadata.count("paced_request_id") == 1);
    CHECK_NOTHROW(paced::check_response(r));
}

TEST_CASE("client.respond: a streamed response costs one request and carries its text",
          "[client][responses]") {
    emulator_process emu({"--run-ms", "200"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), responses_client(emu)};
    paced::response r;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::respond_options o{.mode = paced::respond_mode::stream};
        r = co_await client.respond(question("Summarise the report."), o);
    }());
    CHECK(r.status == paced::response_status::completed);
    CHECK_FALSE(paced::output_text(r).empty());
    CHECK(emu.stats().at("requests_total").as_int64() == 1);
}

TEST_CASE("client.respond: function calls are answered by the next response, polled or streamed",
          "[client][responses][tools]") {
    for (auto mode : {paced::respond_mode::background_poll, paced::respond_mode::stream}) {
        emulator_process emu({"--run-ms", "200"});
        asio::io_context ioc;
        paced::client client{ioc.get_executor(), responses_client(emu)};
        paced::response r;
        int calls = 0;
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            paced::respond_options o{.mode = mode};
            o.poll.interval = 300ms;
            o.on_function_call =
                [&calls](paced::function_call_item const& c) -> asio::awaitable<std::string> {
                ++calls;
                CHECK(c.name == "get_weather");
                co_return std::string{"20C"};
            };
            r = co_await client.respond(weather_question(), o);
        }());
        INFO("mode " << static_cast<int>(mode));
        CHECK(calls == 1);
        CHECK(r.status == paced::response_status::completed);
        CHECK(paced::function_calls(r).empty());
        CHECK(paced::output_text(r).find("get_weather=20C") != std::string::npos);
        CHECK(r.previous_response_id.has_value());
        CHECK(stat(emu, "responses_created") == 2);
    }
}

TEST_CASE("client.respond: without a handler a response asking for calls is returned, a failing one throws",
          "[client][responses][tools]") {
    emulator_process emu({"--run-ms", "100"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), responses_client(emu)};
    paced::response r;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::respond_options o{.mode = paced::respond_mode::stream};
        r = co_await client.respond(weather_question(), o);
    }());
    CHECK(paced::function_calls(r).size() == 1);
    CHECK(r.status == paced::response_status::completed);
    std::string failure;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::respond_options o{.mode = paced::respond_mode::stream};
        o.on_function_call = [](paced::function_call_item const&) -> asio::awaitable<std::string> {
            throw std::runtime_error("the weather service is down");
            co_return std::string{};
        };
        try {
            (void)co_await client.respond(weather_question(), o);
        } catch (paced::error const& err) {
            if (err.code() == paced::errc::tool_failed)
                failure = err.what();
        }
    }());
    CHECK(failure.find("the weather service is down") != std::string::npos);
}

TEST_CASE("client.respond: broken streams of a background response are resumed, never re-created",
          "[client][responses][faults]") {
    emulator_process emu({"--run-ms", "400", "--fault-truncate", "0.5", "--seed", "7"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), responses_client(emu)};
    std::vector<paced::response> done;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 8; ++i) {
            paced::respond_options o{.mode = paced::respond_mode::stream};
            o.poll.interval = 200ms;
            auto p = question("Input number " + std::to_string(i));
            done.push_back(co_await client.respond(std::move(p), o));
        }
    }());
    for (auto const& r : done) {
        CHECK(r.status == paced::response_status::completed);
        CHECK_FALSE(paced::output_text(r).empty());
    }
    CHECK(stat(emu, "responses_created") == 8);                    // one per input, whatever broke
    CHECK(emu.stats().at("faults").at("truncate").as_int64() > 0); // and streams did break
}

TEST_CASE("client.respond: the deadline cancels a background response on the server", "[client][responses]") {
    emulator_process emu({"--run-ms", "10000"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), responses_client(emu)};
    paced::errc code{};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::respond_options o{.deadline = 300ms};
        try {
            (void)co_await client.respond(question("A long essay."), o);
        } catch (paced::error const& e) {
            code = static_cast<paced::errc>(e.code().value());
        }
    }());
    CHECK(code == paced::errc::run_deadline);
    CHECK(stat(emu, "responses_cancelled") == 1);
}

TEST_CASE("client.respond: a response failed for rate inside a 200 is returned and typed",
          "[client][responses]") {
    emulator_process emu({"--run-ms", "100", "--fault-response-rate-limited", "1"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), responses_client(emu)};
    paced::response r;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::respond_options o;
        o.poll.interval = 200ms;
        r = co_await client.respond(question("Hello"), o);
    }());
    CHECK(r.status == paced::response_status::failed);
    REQUIRE(r.error);
    CHECK(r.error->code == "rate_limit_exceeded");
    auto const e = error_of([&] { paced::check_response(r); });
    CHECK(e.code() == paced::errc::run_failed);
    CHECK(e.api().code == "rate_limit_exceeded");
}

TEST_CASE("client.respond: turns on one conversation are sent one at a time", "[client][responses]") {
    emulator_process emu({"--run-ms", "300"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), responses_client(emu)};
    std::string conversation_id;
    int finished = 0;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto c = co_await client.conversations().create();
        conversation_id = c.id;
    }());
    for (auto text : {"First question", "Second question"})
        asio::co_spawn(
            ioc,
            [&, text]() -> asio::awaitable<void> {
                auto p = question(text);
                p.conversation = conversation_id;
                paced::respond_options o;
                o.poll.interval = 200ms;
                auto r = co_await client.respond(std::move(p), o);
                CHECK(r.status == paced::response_status::completed);
                ++finished;
            },
            [](std::exception_ptr e) {
                if (e)
                    std::rethrow_exception(e);
            });
    ioc.restart();
    ioc.run_for(30s);
    CHECK(finished == 2);
    CHECK(stat(emu, "conversation_locked") == 0); // never caused by this client
    paced::page<paced::conversation_item> items;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::item_list_params oldest{.order = paced::sort_order::asc};
        items = co_await client.conversations().items().list(conversation_id, oldest);
    }());
    CHECK(items.data.size() == 4); // two questions, two answers
}

TEST_CASE("client.responses: retrieve, input items, token counts, cancel and delete", "[client][responses]") {
    emulator_process emu({"--run-ms", "100"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), responses_client(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto p = question("Count my tokens");
        p.input_text.reset();
        for (int i = 0; i < 3; ++i)
            p.input.push_back(
                paced::input_message{.content = boost::json::string("line " + std::to_string(i))});
        auto created = co_await client.responses().create(p);
        CHECK((created.status == paced::response_status::in_progress ||
               created.status == paced::response_status::completed)); // answered when ended, or not
        auto again = co_await client.responses().retrieve(created.id);
        CHECK(again.id == created.id);
        paced::item_list_params two{.limit = 2, .order = paced::sort_order::asc};
        auto first = co_await client.responses().input_items(created.id, two);
        CHECK(first.data.size() == 2);
        auto all = co_await std::move(first).all().collect();
        CHECK(all.size() == 3); // the second page came after the last item's id
        paced::input_tokens_params count{.model = "gpt-4.1-mini", .input_text = "Count my tokens"};
        auto n = co_await client.responses().input_tokens(count);
        CHECK(n.input_tokens > 0);
        paced::errc cancel_code{};
        try {
            (void)co_await client.responses().cancel(created.id);
        } catch (paced::error const& e) {
            cancel_code = static_cast<paced::errc>(e.code().value());
        }
        CHECK(cancel_code == paced::errc::bad_request); // not a background response, or completed
        auto gone = co_await client.responses().del(created.id);
        CHECK(gone.deleted);
        paced::errc missing{};
        try {
            (void)co_await client.responses().retrieve(created.id);
        } catch (paced::error const& e) {
            missing = static_cast<paced::errc>(e.code().value());
        }
        CHECK(missing == paced::errc::not_found);
    }());
}
