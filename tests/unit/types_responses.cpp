// The Responses and Conversations models, their stream events and the text and cursor a stream keeps:
// decoding of the shapes the API documents (and of what it may add), output_text, request encoding and
// the checks before sending. No sockets.

#include <paced/types/conversation.hpp>
#include <paced/types/response.hpp>
#include <paced/types/response_event.hpp>

#include "sansio/sequence_cursor.hpp"
#include "sansio/sse_parser.hpp"
#include "streaming/response_stream_impl.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;
using paced::errc;

namespace {

// A completed response as the API documents it: a reasoning item, a message with two text parts and a
// refusal, a function call, an output item type this SDK does not know, usage with its details.
constexpr std::string_view completed_response = R"({
  "id": "resp_67ccd2bed1ec8190b14f964abc054267", "object": "response", "created_at": 1741476542,
  "status": "completed", "completed_at": 1741476543, "error": null, "incomplete_details": null,
  "instructions": null, "max_output_tokens": null, "model": "gpt-4.1-2025-04-14",
  "output": [
    {"type": "reasoning", "id": "rs_1", "summary": [], "status": "completed"},
    {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
     "content": [{"type": "output_text", "text": "In a peaceful grove, ", "annotations": []},
                 {"type": "refusal", "refusal": "no"},
                 {"type": "output_text", "text": "a unicorn slept.", "annotations": [], "logprobs": []}]},
    {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
     "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
    {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "..."},
    {"type": "message", "id": "msg_2", "status": "completed", "role": "assistant",
     "content": [{"type": "output_text", "text": " The end.", "annotations": []}]}
  ],
  "parallel_tool_calls": true, "previous_response_id": null, "background": false,
  "reasoning": {"effort": null, "summary": null}, "store": true, "temperature": 1.0,
  "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [], "top_p": 1.0,
  "truncation": "disabled",
  "usage": {"input_tokens": 36, "input_tokens_details": {"cached_tokens": 12}, "output_tokens": 87,
            "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": 123},
  "user": null, "metadata": {"paced_request_id": "abc"}
})";

paced::sansio::sse_event sse(std::string event, std::string data) {
    return {.event = std::move(event), .data = std::move(data), .id = {}, .retry = std::nullopt};
}

} // namespace

TEST_CASE("responses: a completed response decodes, keeps what it does not know, and round-trips",
          "[types][responses]") {
    auto const r = paced::parse_json<paced::response>(completed_response);
    CHECK(r.id == "resp_67ccd2bed1ec8190b14f964abc054267");
    CHECK(r.status == paced::response_status::completed);
    CHECK(paced::is_terminal(r.status.value));
    CHECK_FALSE(r.error);
    REQUIRE(r.output.size() == 5);
    CHECK(std::holds_alternative<paced::reasoning_item>(r.output[0]));
    auto const& unknown = std::get<paced::unknown_part>(r.output[3]);
    CHECK(unknown.type == "image_generation_call");
    CHECK(unknown.raw.at("result") == "...");
    REQUIRE(r.usage);
    CHECK(r.usage->input_tokens_details->cached_tokens == 12);
    CHECK(r.usage->output_tokens_details->reasoning_tokens == 5);
    CHECK(r.metadata.at("paced_request_id") == "abc");
    CHECK(r.extra.at("tool_choice") == "auto"); // echoed settings are kept, not dropped
    // Every member survives a round trip (numbers compared as JSON values).
    CHECK(paced::to_json(r) == json::parse(completed_response));
}

TEST_CASE("responses: output_text joins the text parts of every message, refusals left out",
          "[types][responses]") {
    auto const r = paced::parse_json<paced::response>(completed_response);
    CHECK(paced::output_text(r) == "In a peaceful grove, a unicorn slept. The end.");
    auto const calls = paced::function_calls(r);
    REQUIRE(calls.size() == 1);
    CHECK(calls[0]->call_id == "call_1");
    CHECK(calls[0]->arguments == R"({"city":"Paris"})");
    CHECK(paced::output_text(paced::response{}) == "");
}

TEST_CASE("responses: an in-progress response without usage or details, and unknown statuses",
          "[types][responses]") {
    auto const r = paced::parse_json<paced::response>(
        R"({"id":"resp_1","object":"response","created_at":1,"status":"queued","model":"m","output":[],
            "error":null,"incomplete_details":null,"usage":null,"metadata":{}})");
    CHECK(r.status == paced::response_status::queued);
    CHECK_FALSE(paced::is_terminal(r.status.value));
    CHECK_FALSE(r.usage);
    auto const older = paced::parse_json<paced::response_usage>(
        R"({"input_tokens":3,"output_tokens":4,"total_tokens":7})"); // captures without the details
    CHECK_FALSE(older.input_tokens_details);
    auto const newer = paced::parse_json<paced::response>(
        R"({"id":"resp_2","object":"response","created_at":1,"status":"paused","model":"m","output":[]})");
    CHECK(newer.status == paced::response_status::unknown);
    CHECK(newer.status.str() == "paused");
    CHECK(paced::is_terminal(newer.status.value)); // the background guide: not queued/in_progress is done
    CHECK_THROWS_MATCHES(paced::parse_json<paced::response>(R"({"id":"r","object":"response","model":"m"})"),
                         paced::error, Catch::Matchers::Predicate<paced::error>([](paced::error const& e) {
                             return e.code() == errc::unexpected_json &&
                                    std::string{e.what()}.find("response.created_at") != std::string::npos;
                         }));
}

TEST_CASE("responses: a create encodes only what is set, input text as a string", "[types][responses]") {
    paced::response_create_params p{.model = "gpt-4.1-mini",
                                    .input_text = "Classify this",
                                    .background = true,
                                    .tools = {paced::response_function_tool{
                                        .name = "get_weather",
                                        .parameters = {{"type", "object"}},
                                    }},
                                    .max_output_tokens = 64,
                                    .metadata = {{"k", "v"}}};
    paced::validate(p);
    auto const body = paced::encode(p);
    CHECK(body == json::parse(R"({"model":"gpt-4.1-mini","input":"Classify this","background":true,
        "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"},"strict":false}],
        "max_output_tokens":64,"metadata":{"k":"v"}})"));
    paced::response_create_params items{
        .input = {paced::input_message{.content = "hi"},
                  paced::function_call_output_item{.call_id = "call_1", .output = "{\"t\":20}"}},
        .previous_response_id = "resp_1"};
    paced::validate(items);
    CHECK(paced::encode(items) == json::parse(R"({"input":[{"type":"message","role":"user","content":"hi"},
        {"type":"function_call_output","call_id":"call_1","output":"{\"t\":20}"}],
        "previous_response_id":"resp_1"})"));
}

TEST_CASE("responses: the checks before sending name the field", "[types][responses]") {
    auto rejects = [](paced::response_create_params const& p, std::string_view field) {
        try {
            paced::validate(p);
        } catch (paced::error const& e) {
            return e.code() == errc::invalid_argument && std::string_view{e.what()}.starts_with(field);
        }
        return false;
    };
    CHECK(rejects({.input_text = "a", .input = {paced::input_message{.content = "b"}}}, "input"));
    CHECK(rejects({.previous_response_id = "resp_1", .conversation = "conv_1"}, "previous_response_id"));
    CHECK(rejects({.background = true, .store = false}, "background"));
    CHECK(rejects({.max_output_tokens = 15}, "max_output_tokens"));
    CHECK(rejects({.input = {paced::function_call_output_item{.call_id = ""}}}, "input[0].call_id"));
    CHECK(rejects({.input = {paced::input_message{.role = "robot", .content = "x"}}}, "input[0].role"));
    CHECK(rejects({.tools = {paced::response_function_tool{.name = "bad name"}}}, "tools[0].name"));
    CHECK(rejects({.conversation = "conv/../x"}, "conversation"));
    paced::conversation_items_create_params none;
    CHECK_THROWS_AS(paced::validate(none), paced::error);
}

TEST_CASE("conversations: items decode by type and name their page's cursor", "[types][responses]") {
    auto const page = paced::parse_json<paced::list_page<paced::conversation_item>>(R"({"object":"list",
        "data":[{"type":"message","id":"msg_1","status":"completed","role":"user",
                 "content":[{"type":"input_text","text":"Hello"}]},
                {"type":"function_call_output","id":"fco_1","call_id":"call_1","output":"20"},
                {"type":"mcp_list_tools","id":"mcpl_1","server_label":"s","tools":[]}],
        "first_id":"msg_1","last_id":"mcpl_1","has_more":false})");
    REQUIRE(page.data.size() == 3);
    CHECK(std::get<paced::output_message>(page.data[0]).role == "user");
    CHECK(paced::item_id(page.data[0]) == "msg_1");
    CHECK(paced::item_id(page.data[1]) == "fco_1");
    CHECK(paced::item_id(page.data[2]) == "mcpl_1"); // an unknown item still has its cursor
    auto const c = paced::parse_json<paced::conversation>(
        R"({"id":"conv_1","object":"conversation","created_at":2,"metadata":{"topic":"x"}})");
    CHECK(c.metadata.at("topic") == "x");
}

TEST_CASE("response events: decoded by type, with their sequence numbers", "[streaming][responses]") {
    auto created = paced::detail::decode_response_event(
        sse("response.created",
            R"({"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response",
            "created_at":1,"status":"queued","model":"m","output":[],"background":true}})"));
    CHECK(created.type == "response.created");
    CHECK(created.sequence_number == 0);
    REQUIRE(created.response());
    CHECK(created.response()->id == "resp_1");
    auto delta = paced::detail::decode_response_event(
        sse("response.output_text.delta", R"({"type":"response.output_text.delta","sequence_number":4,
            "item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hel","obfuscation":"xyz"})"));
    REQUIRE(delta.get<paced::response_text_delta_event>());
    CHECK(delta.get<paced::response_text_delta_event>()->delta == "Hel");
    // A type the SDK does not model, and the undocumented keepalive, are kept whole.
    auto other = paced::detail::decode_response_event(
        sse("response.reasoning_summary_text.delta",
            R"({"type":"response.reasoning_summary_text.delta","sequence_number":5,"delta":"hm"})"));
    REQUIRE(other.get<paced::response_other_event>());
    CHECK(other.get<paced::response_other_event>()->raw.at("delta") == "hm");
    auto keepalive =
        paced::detail::decode_response_event(sse("", R"({"type":"keepalive","sequence_number":466})"));
    CHECK(keepalive.type == "keepalive"); // no SSE event name: the JSON's type decides
    CHECK(keepalive.sequence_number == 466);
    CHECK(paced::is_terminal_event("response.completed"));
    CHECK(paced::is_terminal_event("response.incomplete"));
    CHECK_FALSE(paced::is_terminal_event("response.in_progress"));
}

TEST_CASE("response events: error events throw stream_error, nested and flat", "[streaming][responses]") {
    auto error_of = [](std::string data) {
        try {
            (void)paced::detail::decode_response_event(sse("error", std::move(data)));
        } catch (paced::error const& e) {
            return e;
        }
        FAIL("no error thrown");
        return paced::error(paced::make_error_code(errc::invalid_argument), "");
    };
    auto const nested = error_of(R"({"type":"error","sequence_number":9,"error":{"type":"server_error",
        "code":"server_error","message":"An error occurred while processing your request."}})");
    CHECK(nested.code() == errc::stream_error);
    CHECK(nested.api().code == "server_error");
    CHECK(nested.api().type == "server_error");
    auto const flat = error_of(R"({"type":"error","code":"rate_limit_exceeded","message":"slow down",
        "param":null,"sequence_number":3})");
    CHECK(flat.api().code == "rate_limit_exceeded");
    CHECK(flat.api().message == "slow down");
    CHECK(flat.api().type.empty()); // "error" names the event, not the error
}

TEST_CASE("response text: deltas build it, done events replace it, in output order",
          "[streaming][responses]") {
    paced::detail::response_text text(64);
    auto ev = [](std::string data) {
        auto j = json::parse(data);
        return paced::detail::decode_response_event(
            sse(std::string{j.at("type").as_string()}, std::move(data)));
    };
    text.apply(ev(R"({"type":"response.output_text.delta","sequence_number":1,"item_id":"m2","output_index":1,
        "content_index":0,"delta":"world"})"));
    text.apply(ev(R"({"type":"response.output_text.delta","sequence_number":2,"item_id":"m1","output_index":0,
        "content_index":0,"delta":"Hel"})"));
    text.apply(ev(R"({"type":"response.output_text.delta","sequence_number":3,"item_id":"m1","output_index":0,
        "content_index":0,"delta":"lo "})"));
    CHECK(text.text() == "Hello world");
    text.apply(ev(R"({"type":"response.output_text.done","sequence_number":4,"item_id":"m1","output_index":0,
        "content_index":0,"text":"Hi "})"));
    CHECK(text.text() == "Hi world");
    // Past the bound: a typed error, not unbounded memory.
    CHECK_THROWS_MATCHES(
        text.apply(ev(R"({"type":"response.output_text.delta","sequence_number":5,"item_id":"m2",
            "output_index":1,"content_index":0,"delta":")" +
                      std::string(80, 'x') + R"("})")),
        paced::error, Catch::Matchers::Predicate<paced::error>([](paced::error const& e) {
            return e.code() == errc::body_too_large;
        }));
}

TEST_CASE("sequence cursor: replays are dropped, and an unnumbered event ends exact resumption",
          "[sansio][responses]") {
    paced::sansio::sequence_cursor c;
    CHECK_FALSE(c.last());
    CHECK(c.accept(0));
    CHECK(c.accept(1));
    CHECK(c.accept(5)); // a gap is the server's: delivered
    CHECK(*c.last() == 5);
    CHECK_FALSE(c.accept(5)); // a server that replays from the start after a resumption
    CHECK_FALSE(c.accept(2));
    CHECK(c.accept(6));
    CHECK(c.resumable());
    CHECK(c.accept(-1));
    CHECK_FALSE(c.resumable());
    CHECK(*c.last() == 6);
}
