// HTTP-level tests of paced-emulator's Responses and Conversations endpoints: validation, the background
// lifecycle, function calls, the event stream and its resumption, conversations and their lock, rate
// limits, faults and stats.

#include "common/emulator_process.hpp"
#include "common/raw_http.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

using paced::test::api_delete;
using paced::test::api_get;
using paced::test::api_post;
using paced::test::emulator_process;
namespace json = boost::json;

namespace {

json::object ok_json(const paced::test::raw_response& r) {
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.json().as_object();
}

std::string error_message(const paced::test::raw_response& r) {
    INFO(r.body);
    return std::string(r.json().at("error").at("message").as_string());
}

json::object wait_terminal(const std::string& url, const std::string& id) {
    for (int i = 0; i < 2000; ++i) {
        auto r = api_get(url, "/v1/responses/" + id).json().as_object();
        const std::string_view st = r.at("status").as_string();
        if (st != "queued" && st != "in_progress")
            return r;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("the response never ended");
    return {};
}

struct sse_event {
    std::string name;
    json::object data;
};

// The complete events of an SSE body (or of the raw bytes of a cut chunked answer: chunk-size lines are
// skipped, an event cut in the middle is left out).
std::vector<sse_event> parse_events(const std::string& text) {
    std::vector<sse_event> out;
    std::string name;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto eol = text.find('\n', pos);
        if (eol == std::string::npos)
            break;
        std::string line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.rfind("event: ", 0) == 0) {
            name = line.substr(7);
        } else if (line.rfind("data: ", 0) == 0 && text.compare(eol + 1, 1, "\n") == 0) {
            boost::system::error_code ec;
            auto v = json::parse(line.substr(6), ec);
            if (!ec && v.is_object())
                out.push_back({name, v.as_object()});
        }
    }
    return out;
}

// Sends one request and returns every byte the server sent until it closed the connection (a cut
// stream included, which the Beast-based raw_http reports as an error).
std::string raw_bytes(const std::string& url, const std::string& method, const std::string& target,
                      const std::string& body = "") {
    const std::string hostport = url.substr(7);
    const auto colon = hostport.rfind(':');
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver resolver(ioc);
    boost::asio::ip::tcp::socket socket(ioc);
    boost::asio::connect(socket, resolver.resolve(hostport.substr(0, colon), hostport.substr(colon + 1)));
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + hostport +
                      "\r\nAuthorization: Bearer sk-test\r\nContent-Type: application/json\r\nConnection: "
                      "close\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    boost::asio::write(socket, boost::asio::buffer(req));
    std::string out;
    boost::system::error_code ec;
    boost::asio::read(socket, boost::asio::dynamic_buffer(out), ec);
    return out;
}

const std::string tool_json = R"({"type":"function","name":"lookup_policy","strict":true,)"
                              R"("parameters":{"type":"object","properties":{"input":{"type":"string"}}}})";

} // namespace

TEST_CASE("emulator responses: a synchronous response answers completed after --run-ms",
          "[emulator][responses]") {
    emulator_process emu({"--run-ms", "300"});
    const auto t0 = std::chrono::steady_clock::now();
    auto r = ok_json(api_post(emu.url(), "/v1/responses",
                              R"({"model":"gpt-4o-mini","input":"Is this good? yes",)"
                              R"("instructions":"Classify."})"));
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(250));
    CHECK(r.at("object") == "response");
    CHECK(std::string(r.at("id").as_string()).rfind("resp_", 0) == 0);
    CHECK(r.at("status") == "completed");
    CHECK(r.at("background") == false);
    CHECK(r.at("completed_at").is_number());
    CHECK(r.at("error").is_null());
    CHECK(r.at("instructions") == "Classify.");
    CHECK(r.at("conversation").is_null());
    const auto& output = r.at("output").as_array();
    REQUIRE(output.size() == 1);
    const auto& msg = output[0].as_object();
    CHECK(msg.at("type") == "message");
    CHECK(msg.at("role") == "assistant");
    CHECK(msg.at("status") == "completed");
    const auto& part = msg.at("content").as_array()[0].as_object();
    CHECK(part.at("type") == "output_text");
    const std::string text(part.at("text").as_string());
    CHECK(text == "label: yes\nreason: 2 positive and 0 negative keyword(s) in 17 bytes of input.");
    const auto& usage = r.at("usage").as_object();
    CHECK(usage.at("input_tokens") == 7); // ceil((17 + 9) / 4)
    CHECK(usage.at("input_tokens_details").at("cached_tokens") == 0);
    CHECK(usage.at("output_tokens") == static_cast<std::int64_t>((text.size() + 3) / 4));
    CHECK(usage.at("output_tokens_details").at("reasoning_tokens") == 0);
    CHECK(usage.at("total_tokens").as_int64() ==
          usage.at("input_tokens").as_int64() + usage.at("output_tokens").as_int64());

    const std::string id(r.at("id").as_string());
    CHECK(ok_json(api_get(emu.url(), "/v1/responses/" + id)).at("output") == r.at("output"));
    auto items = ok_json(api_get(emu.url(), "/v1/responses/" + id + "/input_items"));
    REQUIRE(items.at("data").as_array().size() == 1);
    const auto& item = items.at("data").as_array()[0].as_object();
    CHECK(item.at("type") == "message");
    CHECK(item.at("role") == "user");
    CHECK(item.at("content").as_array()[0].at("type") == "input_text");
    CHECK(items.at("first_id") == item.at("id"));
    CHECK(items.at("has_more") == false);

    auto del = ok_json(api_delete(emu.url(), "/v1/responses/" + id));
    CHECK(del.at("object") == "response.deleted");
    CHECK(del.at("deleted") == true);
    auto gone = api_get(emu.url(), "/v1/responses/" + id);
    CHECK(gone.status == 404);
    CHECK(error_message(gone) == "Response with id '" + id + "' not found.");
}

TEST_CASE("emulator responses: invalid requests get OpenAI's 400 bodies", "[emulator][responses]") {
    emulator_process emu({"--run-ms", "0"});
    struct bad_case {
        std::string body;
        std::string message;
        std::string param;
    };
    const std::vector<bad_case> cases = {
        {R"({"model":"m","input":"x","bogus":1})", "Unrecognized request argument supplied: bogus", ""},
        {R"({"input":"x"})", "Missing required parameter: 'model'.", "model"},
        {R"({"model":"m","input":"x","max_output_tokens":15})",
         "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 15 "
         "instead.",
         "max_output_tokens"},
        {R"({"model":"m","input":"x","background":true,"store":false})",
         "Background sampling requires store=true.", "background"},
        {R"({"model":"m","input":"x","tools":[{"type":"function","name":"f","parameters":{}}]})",
         "Missing required parameter: 'tools[0].strict'.", "tools[0].strict"},
        {R"({"model":"m","input":"x","tools":[{"type":"function","strict":true,"parameters":{}}]})",
         "Missing required parameter: 'tools[0].name'.", "tools[0].name"},
        {R"({"model":"m","input":"x","previous_response_id":"resp_nope"})",
         "Previous response with id 'resp_nope' not found.", "previous_response_id"},
        {R"({"model":"m","input":"x","previous_response_id":"resp_a","conversation":"conv_b"})",
         "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or "
         "'conversation'.",
         "conversation"},
        {R"({"model":"m","input":[{"type":"function_call_output","call_id":"call_x","output":"1"}]})",
         "No tool call found for function call output with call_id call_x.", "input"},
        {R"({"model":"m","input":[{"role":"robot","content":"x"}]})",
         "Invalid value: 'robot'. Supported values are: 'user', 'assistant', 'system', and 'developer'.",
         "input[0].role"},
        {R"({"model":"m","input":5})",
         "Invalid type for 'input': expected a string or an array, but got an integer "
         "instead.",
         "input"},
        {R"({"model":"m","stream":"yes"})",
         "Invalid type for 'stream': expected a boolean, but got a string instead.", "stream"},
        {R"({"model":"m","truncation":"sometimes"})",
         "Invalid value: 'sometimes'. Supported values are: 'auto', and 'disabled'.", "truncation"},
    };
    for (const auto& c : cases) {
        auto r = api_post(emu.url(), "/v1/responses", c.body);
        INFO(c.body << " -> " << r.body);
        CHECK(r.status == 400);
        CHECK(error_message(r) == c.message);
        const auto body = r.json();
        const auto& param = body.at("error").at("param");
        CHECK((c.param.empty() ? param.is_null() : param == c.param.c_str()));
    }
    std::string meta = R"({"model":"m","metadata":{)";
    for (int i = 0; i < 17; ++i)
        meta += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
    CHECK(api_post(emu.url(), "/v1/responses", meta + "}}").status == 400);
    CHECK(api_post(emu.url(), "/v1/responses",
                   R"({"model":"m","metadata":{"k":")" + std::string(513, 'v') + "\"}}")
              .status == 400);
    CHECK(api_post(emu.url(), "/v1/responses",
                   R"({"model":"m","metadata":{")" + std::string(65, 'k') + "\":\"v\"}}")
              .status == 400);
    CHECK(emu.stats().at("responses_created") == 0);
}

TEST_CASE("emulator responses: background goes queued, in_progress, completed, cancel rules",
          "[emulator][responses]") {
    emulator_process emu({"--run-ms", "400"});
    auto created = ok_json(api_post(emu.url(), "/v1/responses",
                                    R"({"model":"gpt-4o-mini","input":"approve","background":true})"));
    CHECK(created.at("status") == "queued");
    CHECK(created.at("background") == true);
    CHECK(created.at("output").as_array().empty());
    CHECK(created.at("usage").is_null());
    const std::string id(created.at("id").as_string());
    std::set<std::string> seen;
    json::object last;
    for (int i = 0; i < 200; ++i) {
        last = ok_json(api_get(emu.url(), "/v1/responses/" + id));
        seen.insert(std::string(last.at("status").as_string()));
        if (last.at("status") == "completed")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(seen.count("in_progress") == 1);
    CHECK(last.at("status") == "completed");
    CHECK(last.at("usage").is_object());
    auto again = api_post(emu.url(), "/v1/responses/" + id + "/cancel", "");
    CHECK(again.status == 400);
    CHECK(error_message(again) == "Cannot cancel a completed response.");

    auto open = ok_json(api_post(emu.url(), "/v1/responses",
                                 R"({"model":"gpt-4o-mini","input":"approve","background":true})"));
    const std::string open_id(open.at("id").as_string());
    auto cancelled = ok_json(api_post(emu.url(), "/v1/responses/" + open_id + "/cancel", ""));
    CHECK(cancelled.at("status") == "cancelled");
    auto twice = ok_json(api_post(emu.url(), "/v1/responses/" + open_id + "/cancel", ""));
    CHECK(twice == cancelled);
    std::this_thread::sleep_for(std::chrono::milliseconds(450));
    CHECK(ok_json(api_get(emu.url(), "/v1/responses/" + open_id)).at("status") == "cancelled");

    auto sync = ok_json(api_post(emu.url(), "/v1/responses", R"({"model":"gpt-4o-mini","input":"x"})"));
    CHECK(api_post(emu.url(), "/v1/responses/" + std::string(sync.at("id").as_string()) + "/cancel", "")
              .status == 400);
    auto stats = emu.stats();
    CHECK(stats.at("responses_created") == 3);
    CHECK(stats.at("responses_completed") == 2);
    CHECK(stats.at("responses_cancelled") == 1);
}

TEST_CASE("emulator responses: function calls, outputs by previous_response_id, and the chain's billing",
          "[emulator][responses][tools]") {
    emulator_process emu({"--run-ms", "0"});
    auto first = ok_json(api_post(
        emu.url(), "/v1/responses",
        R"({"model":"gpt-4o-mini","input":"Should we accept this claim?","tools":[)" + tool_json + "]}"));
    CHECK(first.at("status") == "completed");
    const auto& out = first.at("output").as_array();
    REQUIRE(out.size() == 1);
    const auto& call = out[0].as_object();
    CHECK(call.at("type") == "function_call");
    CHECK(call.at("name") == "lookup_policy");
    CHECK(call.at("status") == "completed");
    CHECK(std::string(call.at("id").as_string()).rfind("fc_", 0) == 0);
    const std::string call_id(call.at("call_id").as_string());
    CHECK(call_id.rfind("call_", 0) == 0);
    CHECK(json::parse(call.at("arguments").as_string()).at("input") == "Should we accept this claim?");

    const std::string first_id(first.at("id").as_string());
    auto second = ok_json(api_post(emu.url(), "/v1/responses",
                                   R"({"model":"gpt-4o-mini","previous_response_id":")" + first_id +
                                       R"(","input":[{"type":"function_call_output","call_id":")" + call_id +
                                       R"(","output":"policy-7"}],"tools":[)" + tool_json + "]}"));
    CHECK(second.at("previous_response_id") == first_id.c_str());
    const auto& msg = second.at("output").as_array().at(0).as_object();
    REQUIRE(msg.at("type") == "message");
    const std::string text(msg.at("content").as_array()[0].at("text").as_string());
    CHECK(text == "label: yes\nreason: 1 positive and 0 negative keyword(s) in 28 bytes of input.\n"
                  "tool outputs: lookup_policy=policy-7");
    // The whole chain is input again: 28 bytes of question + the call's arguments + 8 bytes of output.
    const auto args = call.at("arguments").as_string().size();
    CHECK(second.at("usage").at("input_tokens") == static_cast<std::int64_t>((28 + args + 8 + 3) / 4));
    CHECK(second.at("usage").at("input_tokens_details").at("cached_tokens") ==
          static_cast<std::int64_t>((28 + args) / 4));

    // tool_choice none makes no call; parallel_tool_calls false makes one of two.
    auto none =
        ok_json(api_post(emu.url(), "/v1/responses",
                         R"({"model":"m","input":"x","tool_choice":"none","tools":[)" + tool_json + "]}"));
    CHECK(none.at("output").as_array()[0].at("type") == "message");
    std::string two = tool_json;
    two.replace(two.find("lookup_policy"), 13, "second_tool");
    auto one = ok_json(api_post(emu.url(), "/v1/responses",
                                R"({"model":"m","input":"x","parallel_tool_calls":false,"tools":[)" +
                                    tool_json + "," + two + "]}"));
    CHECK(one.at("output").as_array().size() == 1);
    auto both = ok_json(api_post(emu.url(), "/v1/responses",
                                 R"({"model":"m","input":"x","tools":[)" + tool_json + "," + two + "]}"));
    CHECK(both.at("output").as_array().size() == 2);
}

TEST_CASE("emulator responses: max_output_tokens below the reply ends incomplete", "[emulator][responses]") {
    emulator_process emu({"--run-ms", "0"});
    auto r = ok_json(
        api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"yes","max_output_tokens":16})"));
    CHECK(r.at("status") == "incomplete");
    CHECK(r.at("incomplete_details").at("reason") == "max_output_tokens");
    CHECK(r.at("completed_at").is_null());
    CHECK(r.at("usage").at("output_tokens") == 16);
    CHECK(r.at("output").as_array()[0].at("status") == "incomplete");
    CHECK(r.at("output").as_array()[0].at("content").as_array()[0].at("text").as_string().size() == 64);
    CHECK(emu.stats().at("responses_incomplete") == 1);
}

TEST_CASE("emulator responses: a stream has every event in order with sequence numbers from 0",
          "[emulator][responses][stream]") {
    emulator_process emu({"--run-ms", "200"});
    auto r = api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"good and true","stream":true})");
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type").rfind("text/event-stream", 0) == 0);
    CHECK(r.body.find("[DONE]") == std::string::npos);
    auto events = parse_events(r.body);
    std::vector<std::string> names;
    std::string deltas;
    for (std::size_t i = 0; i < events.size(); ++i) {
        names.push_back(events[i].name);
        CHECK(events[i].data.at("type") == events[i].name.c_str());
        CHECK(events[i].data.at("sequence_number") == static_cast<std::int64_t>(i));
        if (events[i].name == "response.output_text.delta")
            deltas += events[i].data.at("delta").as_string();
    }
    REQUIRE(names.size() >= 10);
    CHECK(names[0] == "response.created");
    CHECK(names[1] == "response.in_progress");
    CHECK(names[2] == "response.output_item.added");
    CHECK(names[3] == "response.content_part.added");
    CHECK(names[4] == "response.output_text.delta");
    CHECK(names[names.size() - 4] == "response.output_text.done");
    CHECK(names[names.size() - 3] == "response.content_part.done");
    CHECK(names[names.size() - 2] == "response.output_item.done");
    CHECK(names.back() == "response.completed");
    CHECK(events.front().data.at("response").at("status") == "in_progress");
    const auto& done = events.back().data.at("response");
    CHECK(done.at("status") == "completed");
    CHECK(deltas == done.at("output").as_array()[0].at("content").as_array()[0].at("text").as_string());
    // Not background: it cannot be streamed again.
    auto replay =
        api_get(emu.url(), "/v1/responses/" + std::string(done.at("id").as_string()) + "?stream=true");
    CHECK(replay.status == 400);

    // A streamed tool call.
    auto tools =
        parse_events(api_post(emu.url(), "/v1/responses",
                              R"({"model":"m","input":"x","stream":true,"tools":[)" + tool_json + "]}")
                         .body);
    std::vector<std::string> tnames;
    for (const auto& e : tools)
        tnames.push_back(e.name);
    const std::vector<std::string> want = {"response.created",
                                           "response.in_progress",
                                           "response.output_item.added",
                                           "response.function_call_arguments.delta",
                                           "response.function_call_arguments.done",
                                           "response.output_item.done",
                                           "response.completed"};
    CHECK(tnames == want);
}

TEST_CASE("emulator responses: a background stream replays after starting_after, and resumes a cut stream",
          "[emulator][responses][stream][faults]") {
    emulator_process emu({"--run-ms", "600", "--fault-truncate", "0.5", "--seed", "3"});
    const std::string body = R"({"model":"m","input":"approve it","background":true,"stream":true})";
    // Read creation streams until one is cut after its first event, then resume it with starting_after
    // until the terminal event: whatever the cuts, the events join up with no gap and no repeat.
    std::vector<sse_event> events;
    for (int i = 0; i < 50; ++i) {
        events = parse_events(raw_bytes(emu.url(), "POST", "/v1/responses", body));
        if (!events.empty() && events.back().name != "response.completed")
            break;
    }
    REQUIRE(!events.empty());
    REQUIRE(events[0].name == "response.created");
    CHECK(events[0].data.at("response").at("status") == "queued");
    const std::string id(events[0].data.at("response").at("id").as_string());
    int resumes = 0;
    while (events.back().name != "response.completed" && resumes < 50) {
        const auto last = events.back().data.at("sequence_number").as_int64();
        auto more = parse_events(raw_bytes(
            emu.url(), "GET", "/v1/responses/" + id + "?stream=true&starting_after=" + std::to_string(last)));
        events.insert(events.end(), more.begin(), more.end());
        ++resumes;
    }
    CHECK(resumes >= 1);
    REQUIRE(events.back().name == "response.completed");
    for (std::size_t i = 0; i < events.size(); ++i)
        CHECK(events[i].data.at("sequence_number") == static_cast<std::int64_t>(i));
    CHECK(events[1].name == "response.queued");
    CHECK(emu.stats().at("faults").at("truncate").to_number<std::uint64_t>() >= 1);
}

TEST_CASE("emulator responses: replay with starting_after gives exactly the later events",
          "[emulator][responses][stream]") {
    emulator_process emu({"--run-ms", "0"});
    auto all = parse_events(
        api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"x","background":true,"stream":true})")
            .body);
    REQUIRE(all.size() > 5);
    const std::string id(all[0].data.at("response").at("id").as_string());
    auto replay = api_get(emu.url(), "/v1/responses/" + id + "?stream=true&starting_after=4");
    REQUIRE(replay.status == 200);
    auto tail = parse_events(replay.body);
    REQUIRE(tail.size() == all.size() - 5);
    for (std::size_t i = 0; i < tail.size(); ++i)
        CHECK(json::serialize(tail[i].data) == json::serialize(all[i + 5].data));
    CHECK(api_get(emu.url(), "/v1/responses/" + id + "?stream=true&starting_after=x").status == 400);
    CHECK(parse_events(api_get(emu.url(), "/v1/responses/" + id + "?stream=true").body).size() == all.size());
}

TEST_CASE("emulator responses: keepalives, [DONE], flat error events and failed background responses",
          "[emulator][responses][stream][faults]") {
    emulator_process emu({"--run-ms", "300", "--responses-keepalive-ms", "50", "--responses-done-sentinel",
                          "--responses-error-style", "flat", "--fault-run-fail", "1"});
    auto r =
        api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"x","background":true,"stream":true})");
    REQUIRE(r.status == 200);
    CHECK(r.body.size() > 14);
    CHECK(r.body.substr(r.body.size() - 14) == "data: [DONE]\n\n");
    auto events = parse_events(r.body);
    int keepalives = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].data.at("sequence_number") == static_cast<std::int64_t>(i));
        keepalives += events[i].name == "keepalive";
    }
    CHECK(keepalives >= 3);
    REQUIRE(events.size() >= 2);
    const auto& err = events[events.size() - 2];
    CHECK(err.name == "error");
    CHECK(err.data.at("code") == "server_error");
    CHECK(err.data.contains("message"));
    CHECK(err.data.at("param").is_null());
    CHECK(events.back().name == "response.failed");
    const std::string id(events[0].data.at("response").at("id").as_string());
    auto failed = ok_json(api_get(emu.url(), "/v1/responses/" + id));
    CHECK(failed.at("status") == "failed");
    CHECK(failed.at("error").at("code") == "server_error");
    // A synchronous response is not failed by the fault.
    CHECK(ok_json(api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"x"})")).at("status") ==
          "completed");
}

TEST_CASE("emulator responses: --fault-response-rate-limited fails background responses inside a 200",
          "[emulator][responses][faults]") {
    emulator_process emu({"--run-ms", "0", "--fault-response-rate-limited", "1"});
    auto created =
        ok_json(api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"x","background":true})"));
    auto done = wait_terminal(emu.url(), std::string(created.at("id").as_string()));
    CHECK(done.at("status") == "failed");
    CHECK(done.at("error").at("code") == "rate_limit_exceeded");
    auto nested = parse_events(
        api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"x","background":true,"stream":true})")
            .body);
    REQUIRE(nested.size() >= 2);
    CHECK(nested[nested.size() - 2].data.at("error").at("code") == "rate_limit_exceeded");
    CHECK(emu.stats().at("responses_failed") == 2);
}

TEST_CASE("emulator conversations: create, retrieve, update, items, delete", "[emulator][conversations]") {
    emulator_process emu({"--run-ms", "0"});
    auto c = ok_json(api_post(emu.url(), "/v1/conversations",
                              R"({"metadata":{"k":"v"},"items":[{"role":"user","content":"first"},)"
                              R"({"type":"message","role":"assistant","content":"second"}]})"));
    CHECK(c.at("object") == "conversation");
    CHECK(c.at("metadata").at("k") == "v");
    CHECK(c.at("created_at").is_number());
    const std::string id(c.at("id").as_string());
    CHECK(id.rfind("conv_", 0) == 0);
    CHECK(ok_json(api_get(emu.url(), "/v1/conversations/" + id)) == c);
    CHECK(api_post(emu.url(), "/v1/conversations/" + id, "{}").status == 400);
    CHECK(ok_json(api_post(emu.url(), "/v1/conversations/" + id, R"({"metadata":{"k":"w"}})"))
              .at("metadata")
              .at("k") == "w");

    auto added = ok_json(api_post(emu.url(), "/v1/conversations/" + id + "/items",
                                  R"({"items":[{"role":"user","content":"third"}]})"));
    CHECK(added.at("object") == "list");
    REQUIRE(added.at("data").as_array().size() == 1);
    std::string many = R"({"items":[)";
    for (int i = 0; i < 21; ++i)
        many += (i ? "," : "") + std::string(R"({"role":"user","content":"x"})");
    CHECK(api_post(emu.url(), "/v1/conversations/" + id + "/items", many + "]}").status == 400);
    CHECK(api_post(emu.url(), "/v1/conversations", R"({"items":)" + many.substr(9) + "}").status == 400);

    auto list = ok_json(api_get(emu.url(), "/v1/conversations/" + id + "/items"));
    const auto& data = list.at("data").as_array();
    REQUIRE(data.size() == 3);
    CHECK(data[0].at("content").as_array()[0].at("text") == "third"); // default order desc
    CHECK(data[2].at("content").as_array()[0].at("text") == "first");
    CHECK(data[1].at("content").as_array()[0].at("type") == "output_text");
    auto page = ok_json(api_get(emu.url(), "/v1/conversations/" + id + "/items?order=asc&limit=1&after=" +
                                               std::string(data[2].at("id").as_string())));
    REQUIRE(page.at("data").as_array().size() == 1);
    CHECK(page.at("data").as_array()[0].at("id") == data[1].at("id"));
    CHECK(page.at("has_more") == true);
    CHECK(api_get(emu.url(), "/v1/conversations/" + id + "/items?limit=101").status == 400);

    const std::string item_id(data[1].at("id").as_string());
    CHECK(ok_json(api_get(emu.url(), "/v1/conversations/" + id + "/items/" + item_id)).at("id") ==
          item_id.c_str());
    auto after_delete = ok_json(api_delete(emu.url(), "/v1/conversations/" + id + "/items/" + item_id));
    CHECK(after_delete.at("object") == "conversation");
    CHECK(api_get(emu.url(), "/v1/conversations/" + id + "/items/" + item_id).status == 404);

    auto del = ok_json(api_delete(emu.url(), "/v1/conversations/" + id));
    CHECK(del.at("object") == "conversation.deleted");
    CHECK(del.at("deleted") == true);
    CHECK(api_get(emu.url(), "/v1/conversations/" + id).status == 404);
}

TEST_CASE("emulator conversations: a response reads and extends its conversation, a second turn is locked",
          "[emulator][conversations][responses]") {
    emulator_process emu({"--run-ms", "300"});
    auto c =
        ok_json(api_post(emu.url(), "/v1/conversations", R"({"items":[{"role":"user","content":"good"}]})"));
    const std::string conv(c.at("id").as_string());
    auto r = ok_json(
        api_post(emu.url(), "/v1/responses",
                 R"({"model":"m","input":"and true","background":true,"conversation":")" + conv + "\"}"));
    CHECK(r.at("conversation").at("id") == conv.c_str());
    // While it runs, another turn on the conversation is refused.
    auto locked = api_post(emu.url(), "/v1/responses",
                           R"({"model":"m","input":"more","conversation":{"id":")" + conv + "\"}}");
    CHECK(locked.status == 400);
    CHECK(
        locked.body ==
        R"({"error":{"message":"Another process is currently operating on this conversation. Please retry in a )"
        R"(few seconds.","type":"invalid_request_error","param":"conversation","code":"conversation_locked"}})");
    // Items are appended only once the response has ended.
    CHECK(ok_json(api_get(emu.url(), "/v1/conversations/" + conv + "/items")).at("data").as_array().size() ==
          1);
    auto done = wait_terminal(emu.url(), std::string(r.at("id").as_string()));
    const std::string text(
        done.at("output").as_array()[0].at("content").as_array()[0].at("text").as_string());
    CHECK(text == "label: yes\nreason: 2 positive and 0 negative keyword(s) in 13 bytes of input.");
    auto items = ok_json(api_get(emu.url(), "/v1/conversations/" + conv + "/items?order=asc"));
    REQUIRE(items.at("data").as_array().size() == 3);
    CHECK(items.at("data").as_array()[1].at("content").as_array()[0].at("text") == "and true");
    CHECK(items.at("data").as_array()[2].at("role") == "assistant");
    // Now the next turn goes through, and sees the whole conversation.
    auto next = ok_json(api_post(emu.url(), "/v1/responses",
                                 R"({"model":"m","input":"yes","conversation":")" + conv + "\"}"));
    CHECK(next.at("status") == "completed");
    CHECK(next.at("usage").at("input_tokens_details").at("cached_tokens").as_int64() > 0);
    CHECK(emu.stats().at("conversation_locked") == 1);
    CHECK(api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"x","conversation":"conv_nope"})")
              .status == 404);
}

TEST_CASE("emulator responses: input_tokens counts the input, the instructions and the chain",
          "[emulator][responses]") {
    emulator_process emu({"--run-ms", "0"});
    auto t = ok_json(api_post(emu.url(), "/v1/responses/input_tokens",
                              R"({"model":"m","input":"twelve bytes","instructions":"four"})"));
    CHECK(t.at("object") == "response.input_tokens");
    CHECK(t.at("input_tokens") == 4);
    auto first = ok_json(api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"twelve bytes"})"));
    auto chained = ok_json(api_post(emu.url(), "/v1/responses/input_tokens",
                                    R"({"model":"m","input":"x","previous_response_id":")" +
                                        std::string(first.at("id").as_string()) + "\"}"));
    CHECK(chained.at("input_tokens").as_int64() > 4);
    CHECK(api_post(emu.url(), "/v1/responses/input_tokens", R"({"stream":true})").status == 400);
}

TEST_CASE("emulator responses: every request is charged, creation charges its token estimate",
          "[emulator][responses][rate]") {
    {
        emulator_process emu({"--rpm", "60", "--run-ms", "0"});
        auto first = api_post(emu.url(), "/v1/responses", R"({"model":"gpt-4o","input":"x"})");
        CHECK(first.status == 200);
        CHECK(first.header("x-ratelimit-limit-requests") == "60");
        auto second = api_get(emu.url(), "/v1/responses/" + std::string(first.json().at("id").as_string()));
        REQUIRE(second.status == 429);
        CHECK(second.json().at("error").at("code") == "rate_limit_exceeded");
        CHECK(!second.header("retry-after").empty());
        auto third = api_post(emu.url(), "/v1/conversations", "{}");
        CHECK(third.status == 429);
    }
    {
        emulator_process emu({"--tpm", "60000", "--run-ms", "0"});
        auto r =
            api_post(emu.url(), "/v1/responses", R"({"model":"m","input":"hello","max_output_tokens":500})");
        REQUIRE(r.status == 200);
        // Burst 1000 tokens; charged ceil(5 / 4) + 500 = 502.
        CHECK(r.header("x-ratelimit-remaining-tokens") == "498");
        auto big = api_post(emu.url(), "/v1/responses",
                            R"({"model":"m","input":")" + std::string(4000, 'a') + "\"}");
        CHECK(big.status == 429);
    }
}

TEST_CASE("emulator responses: stats count duplicates by the paced_request_id tag", "[emulator][responses]") {
    emulator_process emu({"--run-ms", "0"});
    for (const char* tag : {"a", "b", "a", "a"})
        ok_json(api_post(emu.url(), "/v1/responses",
                         std::string(R"({"model":"m","input":"x","metadata":{"paced_request_id":")") + tag +
                             "\"}}"));
    auto stats = emu.stats();
    CHECK(stats.at("responses_created") == 4);
    CHECK(stats.at("responses_duplicated") == 2);
    CHECK(stats.at("requests_per_route").at("POST /v1/responses") == 4);
}
