// What a broken or hostile server can send reaches the caller as a typed error within the configured
// limits: malformed JSON, wrong types, invalid UTF-8, non-JSON error bodies, huge bodies, endless
// headers, endless SSE lines. Never a crash, never unbounded memory.

#include <paced/paced.hpp>

#include "common/run_coro.hpp"
#include "common/test_server.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <map>
#include <string>

namespace asio = boost::asio;
using paced::errc;
using paced::test::run_coro;
using paced::test::test_request;
using paced::test::test_response;
using paced::test::test_server;

namespace {

paced::client_options options_for(test_server const& server) {
    paced::client_options o;
    o.api_key = "sk-bad-input-0123456789";
    o.base_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1";
    o.max_retries = 0;
    o.max_response_bytes = 256 * 1024;
    return o;
}

test_response json_answer(unsigned status, std::string body) {
    test_response r;
    r.status = status;
    r.headers.add("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

/// The errc and message of what retrieving a run throws.
std::pair<boost::system::error_code, std::string> retrieve_error(test_server const& server) {
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(server)};
    try {
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await client.threads().runs().retrieve("thread_1", "run_1");
        }());
    } catch (paced::error const& e) {
        return {e.code(), e.what()};
    }
    return {};
}

/// Opens a run stream of thread_1 on `server` and reads it to its end, event by event with next() or
/// whole with until_done(); returns the errc it threw ({} when none) and copies its texts into `texts`.
boost::system::error_code read_stream(test_server const& server, std::size_t max_response_bytes, bool whole,
                                      std::map<std::string, std::string>* texts = nullptr) {
    asio::io_context ioc;
    auto o = options_for(server);
    o.max_response_bytes = max_response_bytes;
    paced::client client{ioc.get_executor(), o};
    try {
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            paced::run_create_params params{.assistant_id = "asst_1"};
            auto stream = co_await client.threads().runs().stream("thread_1", params);
            if (whole) {
                (void)co_await stream.until_done();
                co_return;
            }
            for (;;) {
                auto ev = co_await stream.next();
                if (!ev)
                    break;
            }
            if (texts)
                *texts = stream.texts();
        }());
    } catch (paced::error const& e) {
        return e.code();
    }
    return {};
}

/// The errc of what reading a streamed run to its end throws, read event by event with next() and
/// whole with until_done(); both must throw the same.
boost::system::error_code stream_error(test_server const& server, std::size_t max_response_bytes) {
    auto const by_event = read_stream(server, max_response_bytes, false);
    CHECK(read_stream(server, max_response_bytes, true) == by_event);
    return by_event;
}

} // namespace

TEST_CASE("bad input: malformed JSON gives unexpected_json", "[client][bad_input]") {
    test_server server{{.handler = [](test_request const&) {
        return json_answer(200, R"({"id": "run_1", "object": "thread.run", "status": )");
    }}};
    auto const [code, message] = retrieve_error(server);
    CHECK(code == errc::unexpected_json);
    CHECK(message.find("malformed JSON") != std::string::npos);
}

TEST_CASE("bad input: a field of the wrong type gives unexpected_json naming its path",
          "[client][bad_input]") {
    test_server server{{.handler = [](test_request const&) {
        return json_answer(200, R"({"id": "run_1", "object": "thread.run", "created_at": 1, "thread_id": 7,
                                    "assistant_id": "asst_1", "status": "queued"})");
    }}};
    auto const [code, message] = retrieve_error(server);
    CHECK(code == errc::unexpected_json);
    CHECK(message.find("thread_id") != std::string::npos);
}

TEST_CASE("bad input: invalid UTF-8 inside a JSON string gives unexpected_json", "[client][bad_input]") {
    test_server server{{.handler = [](test_request const&) {
        return json_answer(200,
                           "{\"id\": \"run_\xff\xfe\", \"object\": \"thread.run\", \"status\": \"queued\"}");
    }}};
    auto const [code, message] = retrieve_error(server);
    CHECK(code == errc::unexpected_json);
}

TEST_CASE("bad input: an HTML page instead of JSON gives unexpected_json", "[client][bad_input]") {
    test_server server{{.handler = [](test_request const&) {
        test_response r;
        r.headers.add("Content-Type", "text/html");
        r.body = "<html><body>Welcome to the captive portal</body></html>";
        return r;
    }}};
    auto const [code, message] = retrieve_error(server);
    CHECK(code == errc::unexpected_json);
}

TEST_CASE("bad input: an error status with a non-JSON body keeps its status class and text",
          "[client][bad_input]") {
    test_server server{{.handler = [](test_request const&) {
        test_response r;
        r.status = 502;
        r.headers.add("Content-Type", "text/html");
        r.body = "<html>502 Bad Gateway</html>";
        return r;
    }}};
    auto const [code, message] = retrieve_error(server);
    CHECK(code == errc::server_error);
    CHECK(message.find("502") != std::string::npos);
}

TEST_CASE("bad input: a body over max_response_bytes gives body_too_large", "[client][bad_input]") {
    test_server server{{.handler = [](test_request const&) {
        return json_answer(200, "{\"id\": \"" + std::string(1024 * 1024, 'x') + "\"}");
    }}};
    auto const [code, message] = retrieve_error(server);
    CHECK(code == errc::body_too_large);
}

TEST_CASE("bad input: endless headers give headers_too_large", "[client][bad_input]") {
    test_server server{{.handler = [](test_request const&) {
        test_response r;
        r.endless_header = true;
        return r;
    }}};
    auto const [code, message] = retrieve_error(server);
    CHECK(code == errc::headers_too_large);
}

TEST_CASE("bad input: an endless SSE line in a run stream gives a typed error",
          "[client][bad_input][stream]") {
    test_server server{{.handler = [](test_request const&) {
        test_response r;
        r.headers.add("Content-Type", "text/event-stream");
        r.chunked = true;
        // 2 MiB in one `data:` line, never ended: over the SSE parser's 1 MiB line limit, under the body
        // limit set below, so the line limit is what stops it.
        r.body = "event: thread.run.created\ndata: " + std::string(2 * 1024 * 1024, 'y');
        return r;
    }}};
    CHECK(stream_error(server, 8 * 1024 * 1024) == errc::invalid_response);
}

TEST_CASE("bad input: an SSE event whose JSON is malformed gives unexpected_json",
          "[client][bad_input][stream]") {
    test_server server{{.handler = [](test_request const&) {
        test_response r;
        r.headers.add("Content-Type", "text/event-stream");
        r.body = "event: thread.run.created\ndata: {\"id\": \"run_1\", \"status\n\n";
        return r;
    }}};
    CHECK(stream_error(server, 256 * 1024) == errc::unexpected_json);
}

namespace {

/// A run of thread_1 as the server would render it, carrying the request tag `tag`.
std::string run_json(std::string_view status, std::string const& tag) {
    boost::json::object metadata;
    metadata["paced_request_id"] = tag;
    boost::json::object r{
        {"id", "run_1"},           {"object", "thread.run"},   {"created_at", 1},
        {"thread_id", "thread_1"}, {"assistant_id", "asst_1"}, {"status", status},
        {"model", "gpt-4o"},       {"instructions", ""},       {"tools", boost::json::array()}};
    r["metadata"] = std::move(metadata);
    return boost::json::serialize(r);
}

/// A server whose run stream ends in the middle of `thread.run.created`; the run exists (and lists under
/// its request tag) when `run_exists`. With `new_thread` the run is created with its thread
/// (POST /threads/runs) and the stream names the thread first.
test_server stream_cut_before_run_named(bool run_exists, bool new_thread = false) {
    auto tag = std::make_shared<std::string>(); // the request's tag; touched on the server thread only
    std::string const create_target = new_thread ? "/v1/threads/runs" : "/v1/threads/thread_1/runs";
    return test_server{{.handler = [tag, run_exists, new_thread, create_target](test_request const& req) {
        if (req.method == "POST" && req.target == create_target) {
            auto const body = boost::json::parse(req.body).as_object();
            *tag = std::string(body.at("metadata").at("paced_request_id").as_string());
            test_response r;
            r.headers.add("Content-Type", "text/event-stream");
            r.chunked = true;
            r.body.clear();
            if (new_thread)
                r.body = "event: thread.created\ndata: {\"id\": \"thread_1\", \"object\": \"thread\", "
                         "\"created_at\": 1, \"metadata\": {}, \"tool_resources\": null}\n\n";
            r.body += "event: thread.run.created\ndata: {\"id\": \"run_1\", \"obj"; // cut mid-event
            return r;
        }
        if (req.method == "GET" && req.target.starts_with("/v1/threads/thread_1/runs?")) {
            std::string data = run_exists ? run_json("in_progress", *tag) : "";
            return json_answer(200, R"({"object": "list", "data": [)" + data +
                                        R"(], "first_id": null, "last_id": null, "has_more": false})");
        }
        if (req.method == "GET" && req.target == "/v1/threads/thread_1/runs/run_1")
            return json_answer(200, run_json("completed", *tag));
        return json_answer(404,
                           R"({"error": {"message": "no such route", "type": "invalid_request_error"}})");
    }}};
}

std::size_t count_requests(test_server const& server, std::string_view method, std::string_view target) {
    std::size_t n = 0;
    for (auto const& r : server.received())
        n += r.method == method && r.target.starts_with(target);
    return n;
}

/// `client.run` of run_1's assistant on thread_1, against `server`: the run it returns.
paced::run run_on_thread_1(test_server const& server, paced::run_options const& ro) {
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(server)};
    paced::run r;
    run_coro(ioc, [&]() -> asio::awaitable<void> { r = co_await client.run("thread_1", "asst_1", ro); }());
    return r;
}

/// As run_on_thread_1, for a run that must fail: the code of the paced::error it threw.
boost::system::error_code run_error_on_thread_1(test_server const& server, paced::run_options const& ro) {
    try {
        (void)run_on_thread_1(server, ro);
    } catch (paced::error const& e) {
        return e.code();
    }
    FAIL("client.run did not fail");
    return {};
}

} // namespace

TEST_CASE("bad input: a run stream cut before it names its run is followed by the run's tag",
          "[client][bad_input][stream]") {
    asio::io_context ioc;
    paced::run_options ro{.mode = paced::run_mode::stream,
                          .poll = {.interval = std::chrono::milliseconds(10)}};

    SECTION("the run was started: client.run finds it, polls it to its end, and never starts another") {
        auto server = stream_cut_before_run_named(true);
        auto const r = run_on_thread_1(server, ro);
        CHECK(r.id == "run_1");
        CHECK(r.status == paced::run_status::completed);
        CHECK(count_requests(server, "POST", "/v1/threads/thread_1/runs") == 1);
        CHECK(count_requests(server, "GET", "/v1/threads/thread_1/runs?") == 1);
    }
    SECTION("a run on a new thread: found on the thread the stream named") {
        auto server = stream_cut_before_run_named(true, true);
        paced::client client{ioc.get_executor(), options_for(server)};
        paced::thread_and_run_create_params params{.assistant_id = "asst_1"};
        paced::run r;
        run_coro(ioc, [&]() -> asio::awaitable<void> { r = co_await client.run(params, ro); }());
        CHECK(r.id == "run_1");
        CHECK(r.status == paced::run_status::completed);
        CHECK(count_requests(server, "POST", "/v1/threads/runs") == 1);
        CHECK(count_requests(server, "GET", "/v1/threads/thread_1/runs?") == 1);
    }
    SECTION("no run was started: the stream's own error, typed") {
        auto server = stream_cut_before_run_named(false);
        CHECK(run_error_on_thread_1(server, ro) == errc::stream_truncated);
        CHECK(count_requests(server, "POST", "/v1/threads/thread_1/runs") == 1);
    }
}

TEST_CASE("bad input: a run stream that ends cleanly before the run's end is followed by polling",
          "[client][bad_input][stream]") {
    // [DONE] after thread.run.created: a server that closed the stream early. The run lives on, so
    // client.run polls that run instead of returning it unfinished (or reading a run never sent).
    auto const make_server = [](bool names_run) {
        return test_server{{.handler = [names_run](test_request const& req) {
            if (req.method == "POST" && req.target == "/v1/threads/thread_1/runs") {
                test_response r;
                r.headers.add("Content-Type", "text/event-stream");
                r.chunked = true;
                if (names_run)
                    r.body = "event: thread.run.created\ndata: " + run_json("queued", "t") + "\n\n";
                r.body += "event: done\ndata: [DONE]\n\n";
                return r;
            }
            if (req.method == "GET" && req.target == "/v1/threads/thread_1/runs/run_1")
                return json_answer(200, run_json("completed", "t"));
            if (req.method == "GET" && req.target.starts_with("/v1/threads/thread_1/runs?"))
                return json_answer(200, R"({"object": "list", "data": [], "first_id": null, "last_id": null,
                                            "has_more": false})");
            return json_answer(404,
                               R"({"error": {"message": "no such route", "type": "invalid_request_error"}})");
        }}};
    };
    paced::run_options ro{.mode = paced::run_mode::stream,
                          .poll = {.interval = std::chrono::milliseconds(10)}};
    SECTION("the stream named its run: it is polled to its end, and no second run is started") {
        auto server = make_server(true);
        auto const r = run_on_thread_1(server, ro);
        CHECK(r.id == "run_1");
        CHECK(r.status == paced::run_status::completed);
        CHECK(count_requests(server, "POST", "/v1/threads/thread_1/runs") == 1);
        CHECK(count_requests(server, "GET", "/v1/threads/thread_1/runs/run_1") == 1);
    }
    SECTION("it named none, and none is found by its tag: stream_truncated, typed") {
        auto server = make_server(false);
        CHECK(run_error_on_thread_1(server, ro) == errc::stream_truncated);
        CHECK(count_requests(server, "POST", "/v1/threads/thread_1/runs") == 1);
    }
}

TEST_CASE("bad input: reading an empty run_stream is invalid_argument where it is awaited",
          "[client][bad_input][stream]") {
    asio::io_context ioc;
    paced::run_stream empty;  // default-constructed, or moved from
    auto next = empty.next(); // nothing is thrown before the await
    try {
        run_coro(ioc, std::move(next));
        FAIL("no error");
    } catch (paced::error const& e) {
        CHECK(e.code() == errc::invalid_argument);
    }
    auto done = empty.until_done();
    CHECK_THROWS_AS(run_coro(ioc, std::move(done)), paced::error);
}

namespace {

/// A `thread.message.delta` event adding `text` to part `index` of message `id`.
std::string text_delta(std::string_view id, int index, std::string_view text) {
    boost::json::object part{{"index", index}, {"type", "text"}, {"text", {{"value", text}}}};
    boost::json::object delta{{"content", boost::json::array{part}}};
    boost::json::object d{{"id", id}, {"object", "thread.message.delta"}, {"delta", delta}};
    return "event: thread.message.delta\ndata: " + boost::json::serialize(d) + "\n\n";
}

/// Reads a scripted stream of `body` to its end; returns the texts it built and the errc it threw.
std::pair<std::map<std::string, std::string>, boost::system::error_code> stream_texts(std::string body,
                                                                                      std::size_t limit) {
    test_server server{{.handler = [&](test_request const&) {
        test_response r;
        r.headers.add("Content-Type", "text/event-stream");
        r.chunked = true;
        r.body = body + "event: done\ndata: [DONE]\n\n";
        return r;
    }}};
    std::map<std::string, std::string> texts;
    auto const ec = read_stream(server, limit, false, &texts);
    return {texts, ec};
}

} // namespace

TEST_CASE("stream texts: deltas build each message's text, by part index", "[client][stream]") {
    std::string body = text_delta("msg_1", 0, "Hel") + text_delta("msg_1", 0, "lo") +
                       text_delta("msg_1", 2, "!") + text_delta("msg_2", 0, "other") +
                       text_delta("msg_1", 1, ", world"); // an earlier part after a later one
    auto const [texts, ec] = stream_texts(body, 1024 * 1024);
    CHECK(!ec);
    CHECK(texts == std::map<std::string, std::string>{{"msg_1", "Hello, world!"}, {"msg_2", "other"}});
}

TEST_CASE("stream texts: the kept text is bounded by max_response_bytes, the stream as a whole is not",
          "[client][stream][bad_input]") {
    // 200 deltas of 1 KiB: 200 KiB of text in a stream of over 240 KiB.
    std::string body;
    for (int i = 0; i < 200; ++i)
        body += text_delta("msg_1", 0, std::string(1024, 'a' + i % 26));
    auto const within = stream_texts(body, 256 * 1024);
    CHECK(!within.second);
    CHECK(within.first.at("msg_1").size() == 200 * 1024);
    CHECK(stream_texts(body, 100 * 1024).second == errc::body_too_large);
}

namespace {

/// An assistant as the server would render it, carrying the request tag `tag`.
std::string assistant_json(std::string const& tag) {
    boost::json::object metadata;
    metadata["paced_request_id"] = tag;
    boost::json::object a{{"id", "asst_1"},     {"object", "assistant"},        {"created_at", 1},
                          {"name", nullptr},    {"description", nullptr},       {"model", "gpt-4o"},
                          {"instructions", ""}, {"tools", boost::json::array()}};
    a["metadata"] = std::move(metadata);
    return boost::json::serialize(a);
}

/// A server that drops the first POST /assistants without answering (the client cannot tell whether it
/// acted); the assistant exists, and lists under its tag, when `created`. Later creates are answered.
test_server first_assistant_create_dropped(bool created) {
    struct state {
        std::string tag;
        int creates = 0;
    };
    auto st = std::make_shared<state>(); // touched on the server thread only
    return test_server{{.handler = [st, created](test_request const& req) {
        if (req.method == "POST" && req.target == "/v1/assistants") {
            auto const body = boost::json::parse(req.body).as_object();
            st->tag = std::string(body.at("metadata").at("paced_request_id").as_string());
            if (st->creates++ == 0) {
                test_response r;
                r.drop = true;
                return r;
            }
            return json_answer(200, assistant_json(st->tag));
        }
        if (req.method == "GET" && req.target.starts_with("/v1/assistants?")) {
            std::string data = created ? assistant_json(st->tag) : "";
            return json_answer(200, R"({"object": "list", "data": [)" + data +
                                        R"(], "first_id": null, "last_id": null, "has_more": false})");
        }
        return json_answer(404,
                           R"({"error": {"message": "no such route", "type": "invalid_request_error"}})");
    }}};
}

} // namespace

TEST_CASE("bad input: an assistant create whose answer was lost is found by its tag, never made twice",
          "[client][bad_input]") {
    asio::io_context ioc;
    paced::assistant_create_params params{.model = "gpt-4o"};
    auto retrying = [](test_server const& server) {
        auto o = options_for(server);
        o.max_retries = 2; // what paced-batch's client uses; 0 would give the ambiguous failure up at once
        return o;
    };
    SECTION("the server had created it: found among the newest, not sent again") {
        auto server = first_assistant_create_dropped(true);
        paced::client client{ioc.get_executor(), retrying(server)};
        paced::assistant a;
        run_coro(ioc, [&]() -> asio::awaitable<void> { a = co_await client.assistants().create(params); }());
        CHECK(a.id == "asst_1");
        CHECK(count_requests(server, "POST", "/v1/assistants") == 1);
        CHECK(count_requests(server, "GET", "/v1/assistants?") == 1);
    }
    SECTION("it had not: sent again once, after one look") {
        auto server = first_assistant_create_dropped(false);
        paced::client client{ioc.get_executor(), retrying(server)};
        paced::assistant a;
        run_coro(ioc, [&]() -> asio::awaitable<void> { a = co_await client.assistants().create(params); }());
        CHECK(a.id == "asst_1");
        CHECK(count_requests(server, "POST", "/v1/assistants") == 2);
        CHECK(count_requests(server, "GET", "/v1/assistants?") == 1);
    }
}
