// Decoding failures: malformed JSON, wrong types and missing fields give unexpected_json naming the path.

#include <paced/types/assistant.hpp>
#include <paced/types/file.hpp>
#include <paced/types/message.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>
#include <paced/types/stream_delta.hpp>

#include "types/descriptions.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace {

/// The message of the unexpected_json error decoding `body` as T throws ("" if it does not throw).
template <class T>
std::string decode_error(std::string_view body) {
    try {
        (void)paced::parse_json<T>(body);
    } catch (paced::error const& e) {
        CHECK(e.code() == paced::errc::unexpected_json);
        return e.api().message;
    }
    return "";
}

constexpr std::string_view run_head =
    R"("id": "run_1", "created_at": 1, "thread_id": "t", "assistant_id": "a",
    "model": "gpt-4o")";

std::string run_with(std::string_view members) {
    return "{" + std::string(run_head) + ", " + std::string(members) + "}";
}

} // namespace

TEST_CASE("decode errors: a wrong type deep inside names the full path", "[types]") {
    auto const body =
        run_with(R"("status": "requires_action", "required_action": {"type": "submit_tool_outputs",
        "submit_tool_outputs": {"tool_calls": [{"id": 42, "type": "function",
        "function": {"name": "f", "arguments": "{}"}}]}})");
    CHECK(decode_error<paced::run>(body) ==
          "run.required_action.submit_tool_outputs.tool_calls[0].id: expected string, got number");
}

TEST_CASE("decode errors: a missing required field is an error", "[types]") {
    CHECK(decode_error<paced::run>("{" + std::string(run_head) + "}") ==
          "run.status: missing required field");
    CHECK(decode_error<paced::file>(R"({"id": "f", "bytes": 1, "created_at": 1, "purpose": "vision"})") ==
          "file.filename: missing required field");
    CHECK(decode_error<paced::run>(run_with(R"("status": "requires_action", "required_action": {
        "type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [{"id": "c", "type": "function",
        "function": {"name": "f"}}]}})")) ==
          "run.required_action.submit_tool_outputs.tool_calls[0].function.arguments: missing required field");
}

TEST_CASE("decode errors: null in a required non-nullable field is an error", "[types]") {
    CHECK(decode_error<paced::run>(run_with(R"("status": null)")) == "run.status: expected string, got null");
    CHECK(decode_error<paced::message>(R"({"id": "m", "created_at": 1, "thread_id": "t", "role": "user",
        "content": null})") == "message.content: expected array, got null");
}

TEST_CASE("decode errors: malformed JSON is unexpected_json, not a crash", "[types]") {
    CHECK(decode_error<paced::run>("{").rfind("body: malformed JSON", 0) == 0);
    CHECK(decode_error<paced::run>("").rfind("body: malformed JSON", 0) == 0);
    CHECK(decode_error<paced::run>("<html>502 Bad Gateway</html>").rfind("body: malformed JSON", 0) == 0);
    // OpenAI's own example file object has a trailing comma: strict JSON rejects it.
    CHECK(decode_error<paced::file>(R"({"id": "file-abc123", "object": "file", "bytes": 120000,
        "created_at": 1677610602, "filename": "salesOverview.pdf", "purpose": "assistants",})")
              .rfind("body: malformed JSON", 0) == 0);
}

TEST_CASE("decode errors: a root of the wrong kind names the model", "[types]") {
    CHECK(decode_error<paced::run>("[]") == "run: expected object, got array");
    CHECK(decode_error<paced::message>("\"hi\"") == "message: expected object, got string");
    CHECK(decode_error<paced::list_page<paced::run>>(R"({"data": {}})") ==
          "list.data: expected array, got object");
}

TEST_CASE("decode errors: integers must be whole numbers", "[types]") {
    CHECK(
        decode_error<paced::run>(R"({"id": "run_1", "created_at": 1.5, "thread_id": "t", "assistant_id": "a",
        "model": "m", "status": "queued"})") == "run.created_at: expected integer, got fractional number");
    CHECK(
        decode_error<paced::run>(R"({"id": "run_1", "created_at": "1", "thread_id": "t", "assistant_id": "a",
        "model": "m", "status": "queued"})") == "run.created_at: expected integer, got string");
    // A whole number written as a double is accepted.
    auto const r = paced::parse_json<paced::run>(R"({"id": "run_1", "created_at": 17.0, "thread_id": "t",
        "assistant_id": "a", "model": "m", "status": "queued"})");
    CHECK(r.created_at == 17);
}

TEST_CASE("decode errors: paths name list items, content parts, metadata keys and variant types", "[types]") {
    CHECK(decode_error<paced::list_page<paced::file>>(R"({"object": "list", "data": [
        {"id": "f1", "bytes": 1, "created_at": 1, "filename": "a", "purpose": "vision"},
        {"id": true, "bytes": 1, "created_at": 1, "filename": "a", "purpose": "vision"}]})") ==
          "list.data[1].id: expected string, got boolean");
    CHECK(decode_error<paced::message>(R"({"id": "m", "created_at": 1, "thread_id": "t", "role": "user",
        "content": [{"type": "text", "text": {"value": false, "annotations": []}}]})") ==
          "message.content[0].text.value: expected string, got boolean");
    CHECK(decode_error<paced::message>(R"({"id": "m", "created_at": 1, "thread_id": "t", "role": "user",
        "content": [{"type": 7}]})") == "message.content[0].type: expected string, got number");
    CHECK(decode_error<paced::assistant>(R"({"id": "a", "created_at": 1, "model": "m",
        "metadata": {"priority": 1}})") == "assistant.metadata.priority: expected string, got number");
    CHECK(decode_error<paced::run_step>(R"({"id": "s", "created_at": 1, "assistant_id": "a", "thread_id": "t",
        "run_id": "r", "type": "tool_calls", "status": "completed", "step_details": {"type": "tool_calls",
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": 3}}]}})") ==
          "run_step.step_details.tool_calls[0].function.arguments: expected string, got number");
    CHECK(decode_error<paced::message_delta_object>(
              R"({"id": "m", "delta": {"content": [{"type": "text"}]}})") ==
          "message_delta.delta.content[0].index: missing required field");
}

TEST_CASE("decode errors: renamed, nested and hand-read members are named by their JSON path", "[types]") {
    CHECK(decode_error<paced::tool_choice>(R"({"type": "function", "function": {}})") ==
          "tool_choice.function.name: missing required field");
    CHECK(decode_error<paced::tool_choice>(R"({"type": "function", "function": {"name": null}})") ==
          "tool_choice.function.name: expected string, got null");
    CHECK(decode_error<paced::tool_choice>(R"({"type": "function", "function": 3})") ==
          "tool_choice.function: expected object, got number");
    CHECK(decode_error<paced::chunking_strategy>(
              R"({"type": "static", "static": {"max_chunk_size_tokens": 1}})") ==
          "chunking_strategy.static.chunk_overlap_tokens: missing required field");
    CHECK(decode_error<paced::attachment>(R"({"file_id": "f", "tools": [{"type": "file_search"}, {}]})") ==
          "attachment.tools[1].type: missing required field");
    CHECK(decode_error<paced::tool>(R"({"type": "function"})") == "tool.function: missing required field");
}

TEST_CASE("decode errors: from_json reports the same paths as parse_json", "[types]") {
    auto const v = boost::json::parse(R"({"id": "f", "bytes": "big", "created_at": 1, "filename": "a",
        "purpose": "vision"})");
    try {
        (void)paced::from_json<paced::file>(v);
        FAIL("no exception");
    } catch (paced::error const& e) {
        CHECK(e.code() == paced::errc::unexpected_json);
        CHECK(e.api().message == "file.bytes: expected integer, got string");
    }
}

TEST_CASE("decode errors: a path deeper than the inline segments is reported whole", "[types]") {
    // No model nests this deep today; the path must still spill to the heap intact when one does.
    paced::detail::json_path p("root");
    std::string expected = "root";
    for (std::size_t i = 0; i < 20; ++i) {
        if (i % 2 == 0) {
            p.push(std::string_view("k"));
            expected += ".k";
        } else {
            p.push(i);
            expected += "[" + std::to_string(i) + "]";
        }
    }
    CHECK(p.str() == expected);
    for (std::size_t i = 0; i < 15; ++i)
        p.pop();
    CHECK(p.str() == "root.k[1].k[3].k");
    try {
        p.fail("bad");
        FAIL("no exception");
    } catch (paced::error const& e) {
        CHECK(e.api().message == "root.k[1].k[3].k: bad");
    }
}

namespace {
/// A file object whose `count` unknown members come before the known ones, each value `pad` long.
std::string file_after_unknown_members(std::size_t count, std::size_t pad) {
    std::string body = "{";
    for (std::size_t i = 0; i < count; ++i)
        body += "\"x" + std::to_string(i) + "\": \"" + std::string(pad, 'v') + std::to_string(i) + "\", ";
    body += R"("id": "file-1", "bytes": 3, "created_at": 1, "filename": "a.txt", "purpose": "assistants"})";
    return body;
}
} // namespace

TEST_CASE("decode: members past the 64th are read, and the rest kept in extra", "[types]") {
    auto const body = file_after_unknown_members(70, 0);
    for (auto const& f :
         {paced::parse_json<paced::file>(body), paced::from_json<paced::file>(boost::json::parse(body))}) {
        CHECK(f.id == "file-1");
        CHECK(f.filename == "a.txt");
        CHECK(f.bytes == 3);
        REQUIRE(f.extra.size() == 70);
        CHECK(f.extra.at("x0") == "0");
        CHECK(f.extra.at("x69") == "69");
        CHECK_FALSE(f.extra.contains("id"));
    }
}

TEST_CASE("decode: every key of a described struct is found whatever member was tried first", "[types]") {
    // key_table tries the member after the last one found, then its table: each key must be found from
    // every starting point, the constant `object` as the tag, and nothing else.
    using table = paced::detail::key_table<paced::run>;
    for (std::size_t i = 0; i < table::count; ++i)
        for (std::size_t hint = 0; hint <= table::count + 1; ++hint)
            CHECK(table::find(table::key_at(i), hint) == i);
    CHECK(table::find("object", 0) == table::tag_index);
    CHECK(table::find("extra", 0) == table::not_found);
    CHECK(table::find("", 1) == table::not_found);
    CHECK(table::find("reasoning_effort", 3) == table::not_found);
    CHECK(table::find("created_a", 1) == table::not_found);
    // A renamed member is found by its JSON name only.
    using chunking = paced::detail::key_table<paced::chunking_strategy>;
    CHECK(chunking::find("static", 0) == 1);
    CHECK(chunking::find("static_config", 0) == chunking::not_found);
}

TEST_CASE("decode: members are found whatever order the server writes them in", "[types]") {
    // A run whose members come in another order than the decoder reads them decodes the same.
    auto const in_order = paced::parse_json<paced::run>(run_with(R"("status": "queued", "usage": null)"));
    auto const reversed = paced::parse_json<paced::run>(
        R"({"usage": null, "status": "queued", "model": "gpt-4o", "assistant_id": "a", "thread_id": "t",
            "created_at": 1, "id": "run_1"})");
    CHECK(paced::to_json(in_order) == paced::to_json(reversed));
    CHECK(reversed.thread_id == "t");
    CHECK(reversed.assistant_id == "a");
}

TEST_CASE("decode: a model outlives the scratch memory its document was parsed into", "[types]") {
    // 40 unknown members of 300 bytes: the document outgrows the stack scratch, and `extra` must own
    // copies (AddressSanitizer reports a read of the parse's memory after it is gone).
    auto const f = paced::parse_json<paced::file>(file_after_unknown_members(40, 300));
    REQUIRE(f.extra.size() == 40);
    CHECK(f.extra.storage().get() == boost::json::storage_ptr().get());
    CHECK(f.extra.at("x39").as_string() == std::string(300, 'v') + "39");
    auto copy = f; // and so must every copy of it
    CHECK(copy.extra.at("x0").as_string().size() == 301);
}
