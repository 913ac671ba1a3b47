// JSON round trips of the models: OpenAI's example objects, nulls, missing fields, unknown fields and values.

#include <paced/types/assistant.hpp>
#include <paced/types/file.hpp>
#include <paced/types/message.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>
#include <paced/types/stream_delta.hpp>
#include <paced/types/thread.hpp>
#include <paced/types/vector_store.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;

namespace {

json::value J(std::string_view text) {
    return json::parse(text);
}

/// Decodes, re-encodes and returns the encoded value.
template <class T>
json::value round_trip(std::string_view text) {
    return paced::to_json(paced::parse_json<T>(text));
}

// The run object of the OpenAPI spec's example, plus the `required_action` it leaves out.
constexpr std::string_view spec_run = R"({
  "id": "run_abc123", "object": "thread.run", "created_at": 1698107661,
  "assistant_id": "asst_abc123", "thread_id": "thread_abc123", "status": "completed",
  "started_at": 1699073476, "expires_at": null, "cancelled_at": null, "failed_at": null,
  "completed_at": 1699073498, "last_error": null, "model": "gpt-4o", "instructions": null,
  "tools": [{"type": "file_search"}, {"type": "code_interpreter"}], "metadata": {},
  "incomplete_details": null,
  "usage": {"prompt_tokens": 123, "completion_tokens": 456, "total_tokens": 579},
  "temperature": 1.0, "top_p": 1.0, "max_prompt_tokens": 1000, "max_completion_tokens": 1000,
  "truncation_strategy": {"type": "auto", "last_messages": null},
  "response_format": "auto", "tool_choice": "auto", "parallel_tool_calls": true,
  "required_action": null
})";

constexpr std::string_view requires_action_run = R"({
  "id": "run_abc123", "object": "thread.run", "created_at": 1699075072,
  "assistant_id": "asst_abc123", "thread_id": "thread_abc123", "status": "requires_action",
  "started_at": 1699075072, "expires_at": 1699075672, "cancelled_at": null, "failed_at": null,
  "completed_at": null, "last_error": null, "model": "gpt-4o", "instructions": "Use the tools.",
  "tools": [{"type": "function", "function": {"name": "get_current_weather",
             "description": "Get the current weather in a given location",
             "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                            "required": ["location"]},
             "strict": false}}],
  "metadata": {"customer": "c-42"}, "incomplete_details": null, "usage": null,
  "temperature": 0.5, "top_p": 0.9, "max_prompt_tokens": null, "max_completion_tokens": 2048,
  "truncation_strategy": {"type": "last_messages", "last_messages": 10},
  "response_format": {"type": "json_schema", "json_schema": {"name": "weather", "strict": true,
                      "schema": {"type": "object"}}},
  "tool_choice": {"type": "function", "function": {"name": "get_current_weather"}},
  "parallel_tool_calls": false,
  "required_action": {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [
    {"id": "call_abc123", "type": "function",
     "function": {"name": "get_current_weather", "arguments": "{\"location\":\"San Francisco\"}"}}]}}
})";

} // namespace

TEST_CASE("models: OpenAI's example file decodes and re-encodes unchanged", "[types]") {
    // The spec's example has a trailing comma; the object itself is what the API sends.
    constexpr std::string_view body = R"({"id": "file-abc123", "object": "file", "bytes": 120000,
        "created_at": 1677610602, "expires_at": 1680202602, "filename": "salesOverview.pdf",
        "purpose": "assistants"})";
    auto const f = paced::parse_json<paced::file>(body);
    CHECK(f.id == "file-abc123");
    CHECK(f.bytes == 120000);
    CHECK(f.created_at == 1677610602);
    CHECK(f.expires_at == 1680202602);
    CHECK(f.filename == "salesOverview.pdf");
    CHECK(f.purpose == paced::file_purpose::assistants);
    CHECK(f.status.empty());
    CHECK(paced::to_json(f) == J(body));
}

TEST_CASE("models: file purposes with dashes map to their enumerators", "[types]") {
    auto const f = paced::parse_json<paced::file>(R"({"id": "file-1", "object": "file", "bytes": 1,
        "created_at": 1, "filename": "a.jsonl", "purpose": "fine-tune-results", "status": "processed",
        "status_details": null})");
    CHECK(f.purpose == paced::file_purpose::fine_tune_results);
    CHECK(f.status == paced::file_status::processed);
    CHECK_FALSE(f.status_details);
    CHECK(paced::to_string(paced::file_purpose::fine_tune) == "fine-tune");
}

TEST_CASE("models: OpenAI's example assistant round-trips exactly", "[types]") {
    constexpr std::string_view body =
        R"({"id": "asst_abc123", "object": "assistant", "created_at": 1698984975,
        "name": "Math Tutor", "description": null, "model": "gpt-4o",
        "instructions": "You are a personal math tutor.", "tools": [{"type": "code_interpreter"}],
        "metadata": {}, "top_p": 1.0, "temperature": 1.0, "response_format": "auto"})";
    auto const a = paced::parse_json<paced::assistant>(body);
    CHECK(a.name == "Math Tutor");
    CHECK_FALSE(a.description);
    REQUIRE(a.tools.size() == 1);
    CHECK(std::holds_alternative<paced::code_interpreter_tool>(a.tools[0]));
    REQUIRE(a.response_format);
    CHECK(a.response_format->type == "auto");
    CHECK(a.temperature == 1.0);
    CHECK(paced::to_json(a) == J(body));
}

TEST_CASE("models: assistant tool resources and file_search settings round-trip", "[types]") {
    constexpr std::string_view body = R"({"id": "asst_1", "object": "assistant", "created_at": 1,
        "name": null, "description": null, "model": "gpt-4o", "instructions": null,
        "tools": [{"type": "file_search", "file_search": {"max_num_results": 5,
                   "ranking_options": {"ranker": "auto", "score_threshold": 0.25}}}],
        "tool_resources": {"code_interpreter": {"file_ids": ["file-1", "file-2"]},
                           "file_search": {"vector_store_ids": ["vs_1"]}},
        "metadata": {"team": "support"}, "response_format": {"type": "json_object"}})";
    auto const a = paced::parse_json<paced::assistant>(body);
    auto const& fs = std::get<paced::file_search_tool>(a.tools.at(0));
    REQUIRE(fs.file_search);
    CHECK(fs.file_search->max_num_results == 5);
    CHECK(fs.file_search->ranking_options->score_threshold == 0.25);
    REQUIRE(a.tool_resources);
    CHECK(a.tool_resources->code_interpreter->file_ids == std::vector<std::string>{"file-1", "file-2"});
    CHECK(a.tool_resources->file_search->vector_store_ids == std::vector<std::string>{"vs_1"});
    CHECK(a.metadata.at("team") == "support");
    CHECK(paced::to_json(a) == J(body));
}

TEST_CASE("models: OpenAI's example run round-trips exactly", "[types]") {
    auto const r = paced::parse_json<paced::run>(spec_run);
    CHECK(r.status == paced::run_status::completed);
    CHECK(r.status.raw == "completed");
    CHECK(r.started_at == 1699073476);
    CHECK_FALSE(r.expires_at);
    CHECK_FALSE(r.instructions);
    CHECK_FALSE(r.required_action);
    REQUIRE(r.usage);
    CHECK(r.usage->total_tokens == 579);
    REQUIRE(r.tools.size() == 2);
    CHECK(std::holds_alternative<paced::file_search_tool>(r.tools[0]));
    CHECK(r.truncation_strategy->type == "auto");
    CHECK_FALSE(r.truncation_strategy->last_messages);
    CHECK(r.tool_choice->type == "auto");
    CHECK(r.parallel_tool_calls);
    CHECK(paced::to_json(r) == J(spec_run));
}

TEST_CASE("models: a requires_action run exposes its tool calls and round-trips exactly", "[types]") {
    auto const r = paced::parse_json<paced::run>(requires_action_run);
    CHECK(r.status == paced::run_status::requires_action);
    REQUIRE(r.required_action);
    auto const& calls = r.required_action->submit_tool_outputs.tool_calls;
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].id == "call_abc123");
    CHECK(calls[0].function.name == "get_current_weather");
    CHECK(calls[0].function.arguments == R"({"location":"San Francisco"})");
    auto const& fn = std::get<paced::function_tool>(r.tools.at(0)).function;
    CHECK(fn.description == "Get the current weather in a given location");
    CHECK(fn.parameters->at("required").as_array().size() == 1);
    CHECK(fn.strict == false);
    CHECK(r.tool_choice->type == "function");
    CHECK(r.tool_choice->function_name == "get_current_weather");
    CHECK(r.response_format->json_schema->name == "weather");
    CHECK(r.truncation_strategy->last_messages == 10);
    CHECK_FALSE(r.max_prompt_tokens);
    CHECK(r.max_completion_tokens == 2048);
    CHECK_FALSE(r.parallel_tool_calls);
    CHECK_FALSE(r.usage);
    CHECK(paced::to_json(r) == J(requires_action_run));
}

TEST_CASE("models: a run with only its required fields decodes with every optional field empty", "[types]") {
    auto const r = paced::parse_json<paced::run>(R"({"id": "run_1", "created_at": 5, "thread_id": "thread_1",
        "assistant_id": "asst_1", "status": "queued", "model": "gpt-4o", "metadata": null})");
    CHECK(r.status == paced::run_status::queued);
    CHECK_FALSE(r.required_action);
    CHECK_FALSE(r.last_error);
    CHECK_FALSE(r.usage);
    CHECK_FALSE(r.temperature);
    CHECK_FALSE(r.tool_choice);
    CHECK(r.tools.empty());
    CHECK(r.metadata.empty());
    CHECK(r.parallel_tool_calls);
    // Re-encoding writes the nullable fields OpenAI always sends as null, and no optional ones.
    auto const out = paced::to_json(r).as_object();
    CHECK(out.at("last_error").is_null());
    CHECK(out.at("usage").is_null());
    CHECK_FALSE(out.contains("temperature"));
}

TEST_CASE("models: a failed run keeps its last_error", "[types]") {
    auto const r = paced::parse_json<paced::run>(R"({"id": "run_1", "created_at": 5, "thread_id": "t",
        "assistant_id": "a", "status": "failed", "model": "gpt-4o", "failed_at": 9,
        "last_error": {"code": "rate_limit_exceeded", "message": "Rate limit reached"}})");
    CHECK(r.status == paced::run_status::failed);
    REQUIRE(r.last_error);
    CHECK(r.last_error->code == "rate_limit_exceeded");
    CHECK(r.failed_at == 9);
}

TEST_CASE("models: an unknown enum value is kept and re-encoded", "[types]") {
    auto r = paced::parse_json<paced::run>(R"({"id": "run_1", "created_at": 5, "thread_id": "t",
        "assistant_id": "a", "status": "paused_for_review", "model": "gpt-4o"})");
    CHECK(r.status == paced::run_status::unknown);
    CHECK(r.status.raw == "paused_for_review");
    CHECK(r.status.str() == "paused_for_review");
    CHECK(paced::to_json(r).at("status") == "paused_for_review");

    // A value set from code wins over the stale server string.
    r.status = paced::run_status::cancelling;
    CHECK(paced::to_json(r).at("status") == "cancelling");
}

TEST_CASE("models: unknown fields are kept at every level and re-encoded", "[types]") {
    constexpr std::string_view body = R"({"id": "run_1", "object": "thread.run", "created_at": 5,
        "thread_id": "t", "assistant_id": "a", "status": "requires_action", "model": "gpt-4o",
        "instructions": "", "tools": [{"type": "web_browser", "web_browser": {"depth": 2}}],
        "metadata": {}, "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3,
                                  "prompt_token_details": {"cached_tokens": 1}},
        "expires_at": null, "started_at": null, "cancelled_at": null, "failed_at": null,
        "completed_at": null, "last_error": null, "incomplete_details": null,
        "max_prompt_tokens": null, "max_completion_tokens": null, "truncation_strategy": null,
        "tool_choice": null, "parallel_tool_calls": true, "response_format": null,
        "reasoning_effort": "low", "service_tier": {"tier": "flex"},
        "required_action": {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [
          {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}", "hint": 1},
           "origin": "model"}]}}})";
    auto const r = paced::parse_json<paced::run>(body);
    CHECK(r.extra.at("reasoning_effort") == "low");
    CHECK(r.extra.at("service_tier").at("tier") == "flex");
    CHECK(r.usage->extra.at("prompt_token_details").at("cached_tokens") == 1);
    auto const& call = r.required_action->submit_tool_outputs.tool_calls.at(0);
    CHECK(call.extra.at("origin") == "model");
    CHECK(call.function.extra.at("hint") == 1);
    auto const& tool = std::get<paced::unknown_tool>(r.tools.at(0));
    CHECK(tool.type == "web_browser");
    CHECK(paced::to_json(r) == J(body));
}

TEST_CASE("models: OpenAI's example message list decodes", "[types]") {
    auto const page = paced::parse_json<paced::list_page<paced::message>>(R"({"object": "list", "data": [
        {"id": "msg_abc123", "object": "thread.message", "created_at": 1699016383, "assistant_id": null,
         "thread_id": "thread_abc123", "run_id": null, "role": "user",
         "content": [{"type": "text", "text": {"value": "How does AI work? Explain it in simple terms.",
                                               "annotations": []}}],
         "attachments": [], "metadata": {}},
        {"id": "msg_abc456", "object": "thread.message", "created_at": 1699016383, "assistant_id": null,
         "thread_id": "thread_abc123", "run_id": null, "role": "user",
         "content": [{"type": "text", "text": {"value": "Hello, what is AI?", "annotations": []}}],
         "attachments": [], "metadata": {}}],
        "first_id": "msg_abc123", "last_id": "msg_abc456", "has_more": false})");
    REQUIRE(page.data.size() == 2);
    CHECK(page.first_id == "msg_abc123");
    CHECK(page.last_id == "msg_abc456");
    CHECK_FALSE(page.has_more);
    CHECK(page.data[0].role == paced::message_role::user);
    CHECK(page.data[0].status.empty()); // the example leaves it out
    CHECK_FALSE(page.data[0].assistant_id);
    CHECK(paced::text_of(page.data[1]) == "Hello, what is AI?");
}

TEST_CASE("models: every content part and annotation round-trips, unknown parts are kept", "[types]") {
    constexpr std::string_view body = R"({"id": "msg_1", "object": "thread.message", "created_at": 10,
        "thread_id": "thread_1", "status": "incomplete", "incomplete_details": {"reason": "max_tokens"},
        "completed_at": null, "incomplete_at": 12, "role": "assistant",
        "content": [
          {"type": "text", "text": {"value": "See [1] and [2].", "annotations": [
            {"type": "file_citation", "text": "[1]", "file_citation": {"file_id": "file-1"},
             "start_index": 4, "end_index": 7},
            {"type": "file_path", "text": "[2]", "file_path": {"file_id": "file-2"},
             "start_index": 12, "end_index": 15},
            {"type": "url_citation", "url": "https://example.com"}]}},
          {"type": "image_file", "image_file": {"file_id": "file-3", "detail": "low"}},
          {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
          {"type": "refusal", "refusal": "I can't help with that."},
          {"type": "audio_clip", "audio_clip": {"seconds": 3}}],
        "assistant_id": "asst_1", "run_id": "run_1",
        "attachments": [{"file_id": "file-1", "tools": [{"type": "file_search"}, {"type": "code_interpreter"}]}],
        "metadata": {}})";
    auto const m = paced::parse_json<paced::message>(body);
    CHECK(m.status == paced::message_status::incomplete);
    CHECK(m.incomplete_details->reason == "max_tokens");
    CHECK(m.incomplete_at == 12);
    REQUIRE(m.content.size() == 5);
    auto const& text = std::get<paced::text_content>(m.content[0]).text;
    REQUIRE(text.annotations.size() == 3);
    auto const& cite = std::get<paced::file_citation_annotation>(text.annotations[0]);
    CHECK(cite.file_citation.file_id == "file-1");
    CHECK(cite.start_index == 4);
    CHECK(std::get<paced::file_path_annotation>(text.annotations[1]).file_path.file_id == "file-2");
    CHECK(std::get<paced::unknown_part>(text.annotations[2]).type == "url_citation");
    CHECK(std::get<paced::image_file_content>(m.content[1]).image_file.detail == "low");
    CHECK(std::get<paced::image_url_content>(m.content[2]).image_url.url == "https://example.com/a.png");
    CHECK(std::get<paced::refusal_content>(m.content[3]).refusal == "I can't help with that.");
    auto const& unknown = std::get<paced::unknown_content>(m.content[4]);
    CHECK(unknown.type == "audio_clip");
    CHECK(unknown.raw.at("audio_clip").at("seconds") == 3);
    CHECK(m.attachments.at(0).tools == std::vector<std::string>{"file_search", "code_interpreter"});
    CHECK(paced::text_of(m) == "See [1] and [2].");
    CHECK(paced::to_json(m) == J(body));
}

TEST_CASE("models: a null attachments list decodes to empty", "[types]") {
    auto const m = paced::parse_json<paced::message>(R"({"id": "msg_1", "created_at": 1, "thread_id": "t",
        "role": "user", "content": [], "attachments": null, "metadata": null})");
    CHECK(m.attachments.empty());
    CHECK(m.metadata.empty());
}

TEST_CASE("models: OpenAI's example thread decodes", "[types]") {
    auto const t = paced::parse_json<paced::thread>(
        R"({"id": "thread_abc123", "object": "thread", "created_at": 1698107661, "metadata": {}})");
    CHECK(t.id == "thread_abc123");
    CHECK(t.created_at == 1698107661);
    CHECK_FALSE(t.tool_resources);
    auto const full = R"({"id": "thread_1", "object": "thread", "created_at": 1,
        "tool_resources": {"file_search": {"vector_store_ids": ["vs_1"]}}, "metadata": {"k": "v"}})";
    CHECK(round_trip<paced::thread>(full) == J(full));
}

TEST_CASE("models: OpenAI's example run step decodes and re-decodes to the same values", "[types]") {
    auto const s = paced::parse_json<paced::run_step>(R"({"id": "step_abc123", "object": "thread.run.step",
        "created_at": 1699063291, "run_id": "run_abc123", "assistant_id": "asst_abc123",
        "thread_id": "thread_abc123", "type": "message_creation", "status": "completed",
        "cancelled_at": null, "completed_at": 1699063291, "expired_at": null, "failed_at": null,
        "last_error": null, "step_details": {"type": "message_creation",
                                             "message_creation": {"message_id": "msg_abc123"}},
        "usage": {"prompt_tokens": 123, "completion_tokens": 456, "total_tokens": 579}})");
    CHECK(s.type == paced::run_step_type::message_creation);
    CHECK(s.status == paced::run_step_status::completed);
    auto const& d = std::get<paced::message_creation_step_details>(s.step_details);
    CHECK(d.message_creation.message_id == "msg_abc123");
    auto const again = paced::from_json<paced::run_step>(paced::to_json(s));
    CHECK(paced::to_json(again) == paced::to_json(s));
    CHECK(again.usage->prompt_tokens == 123);
}

TEST_CASE("models: a tool_calls run step round-trips every tool call kind", "[types]") {
    constexpr std::string_view body = R"({"id": "step_1", "object": "thread.run.step", "created_at": 1,
        "assistant_id": "asst_1", "thread_id": "thread_1", "run_id": "run_1", "type": "tool_calls",
        "status": "in_progress", "last_error": null, "expired_at": null, "cancelled_at": null,
        "failed_at": null, "completed_at": null, "metadata": {}, "usage": null,
        "step_details": {"type": "tool_calls", "tool_calls": [
          {"id": "call_1", "type": "code_interpreter", "code_interpreter": {"input": "x = 1",
            "outputs": [{"type": "logs", "logs": "1\n"}, {"type": "image", "image": {"file_id": "file-9"}}]}},
          {"id": "call_2", "type": "file_search", "file_search": {
            "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.5},
            "results": [{"file_id": "file-1", "file_name": "a.pdf", "score": 0.75,
                         "content": [{"type": "text", "text": "chunk"}]}]}},
          {"id": "call_3", "type": "function", "function": {"name": "f", "arguments": "{}", "output": null}}]}})";
    auto const s = paced::parse_json<paced::run_step>(body);
    auto const& calls = std::get<paced::tool_calls_step_details>(s.step_details).tool_calls;
    REQUIRE(calls.size() == 3);
    auto const& ci = std::get<paced::code_interpreter_tool_call>(calls[0]);
    CHECK(ci.code_interpreter.input == "x = 1");
    CHECK(std::get<paced::code_logs_output>(ci.code_interpreter.outputs.at(0)).logs == "1\n");
    CHECK(std::get<paced::code_image_output>(ci.code_interpreter.outputs.at(1)).image.file_id == "file-9");
    auto const& fs = std::get<paced::file_search_tool_call>(calls[1]);
    CHECK(fs.file_search.results.at(0).score == 0.75);
    CHECK(fs.file_search.ranking_options->ranker == "default_2024_08_21");
    auto const& fn = std::get<paced::function_tool_call>(calls[2]);
    CHECK_FALSE(fn.function.output);
    CHECK(paced::to_json(s) == J(body));
}

TEST_CASE("models: OpenAI's example vector store keeps its unknown last_used_at", "[types]") {
    auto const vs = paced::parse_json<paced::vector_store>(R"({"id": "vs_123", "object": "vector_store",
        "created_at": 1698107661, "usage_bytes": 123456, "last_active_at": 1698107661,
        "name": "my_vector_store", "status": "completed",
        "file_counts": {"in_progress": 0, "completed": 100, "cancelled": 0, "failed": 0, "total": 100},
        "last_used_at": 1698107661})");
    CHECK(vs.name == "my_vector_store");
    CHECK(vs.status == paced::vector_store_status::completed);
    CHECK(vs.file_counts.completed == 100);
    CHECK(vs.extra.at("last_used_at") == 1698107661);
    CHECK(paced::to_json(vs).at("last_used_at") == 1698107661);
    auto const full = R"({"id": "vs_1", "object": "vector_store", "created_at": 1, "name": null,
        "usage_bytes": 0, "file_counts": {"in_progress": 1, "completed": 0, "failed": 0, "cancelled": 0,
        "total": 1}, "status": "in_progress", "expires_after": {"anchor": "last_active_at", "days": 7},
        "expires_at": 604801, "last_active_at": null, "metadata": {}})";
    CHECK(round_trip<paced::vector_store>(full) == J(full));
}

TEST_CASE("models: OpenAI's example vector store file and file batch round-trip", "[types]") {
    constexpr std::string_view file = R"({"id": "file-abc123", "object": "vector_store.file",
        "usage_bytes": 1234, "created_at": 1698107661, "vector_store_id": "vs_abc123", "status": "completed",
        "last_error": null, "chunking_strategy": {"type": "static",
        "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}})";
    auto const f = paced::parse_json<paced::vector_store_file>(file);
    CHECK(f.status == paced::vector_store_file_status::completed);
    CHECK(f.chunking_strategy->static_config->max_chunk_size_tokens == 800);
    CHECK(paced::to_json(f) == J(file));

    constexpr std::string_view failed = R"({"id": "file-1", "object": "vector_store.file", "usage_bytes": 0,
        "created_at": 1, "vector_store_id": "vs_1", "status": "failed",
        "last_error": {"code": "unsupported_file", "message": "bad type"},
        "chunking_strategy": {"type": "other"}, "attributes": {"year": 2024, "draft": false, "team": "x"}})";
    auto const ff = paced::parse_json<paced::vector_store_file>(failed);
    CHECK(ff.last_error->code == "unsupported_file");
    CHECK(ff.attributes->at("year") == 2024);
    CHECK(paced::to_json(ff) == J(failed));

    constexpr std::string_view batch = R"({"id": "vsfb_123", "object": "vector_store.files_batch",
        "created_at": 1698107661, "vector_store_id": "vs_abc123", "status": "completed",
        "file_counts": {"in_progress": 0, "completed": 100, "failed": 0, "cancelled": 0, "total": 100}})";
    auto const b = paced::parse_json<paced::vector_store_file_batch>(batch);
    CHECK(b.file_counts.total == 100);
    CHECK(paced::to_json(b) == J(batch));
}

TEST_CASE("models: OpenAI's example deltas round-trip", "[types]") {
    constexpr std::string_view msg = R"({"id": "msg_123", "object": "thread.message.delta", "delta": {
        "content": [{"index": 0, "type": "text", "text": {"value": "Hello", "annotations": [
          {"index": 0, "type": "file_citation", "text": "[1]", "file_citation": {"file_id": "file-1"},
           "start_index": 0, "end_index": 3}]}}]}})";
    auto const m = paced::parse_json<paced::message_delta_object>(msg);
    CHECK(m.id == "msg_123");
    REQUIRE(m.delta.content.size() == 1);
    CHECK(m.delta.content[0].text->value == "Hello");
    CHECK(m.delta.content[0].text->annotations.at(0).file_citation->file_id == "file-1");
    CHECK_FALSE(m.delta.role);
    CHECK(paced::to_json(m) == J(msg));

    constexpr std::string_view step = R"({"id": "step_123", "object": "thread.run.step.delta", "delta": {
        "step_details": {"type": "tool_calls", "tool_calls": [
          {"index": 0, "id": "call_123", "type": "code_interpreter", "code_interpreter": {"input": "",
           "outputs": [{"index": 0, "type": "image", "image": {"file_id": "file-1"}}]}},
          {"index": 1, "type": "function", "function": {"arguments": "{\"lo"}},
          {"index": 2, "type": "file_search", "file_search": {}}]}}})";
    auto const s = paced::parse_json<paced::run_step_delta_object>(step);
    auto const& calls = s.delta.step_details->tool_calls;
    REQUIRE(calls.size() == 3);
    CHECK(calls[0].id == "call_123");
    CHECK(calls[0].code_interpreter->outputs.at(0).image_file_id == "file-1");
    CHECK_FALSE(calls[1].id);
    CHECK(calls[1].function->arguments == "{\"lo");
    CHECK(calls[2].file_search->empty());
    CHECK(paced::to_json(s) == J(step));

    constexpr std::string_view creation = R"({"id": "step_1", "object": "thread.run.step.delta",
        "delta": {"step_details": {"type": "message_creation", "message_creation": {"message_id": "msg_1"}}}})";
    CHECK(paced::parse_json<paced::run_step_delta_object>(creation).delta.step_details->message_id ==
          "msg_1");
    CHECK(round_trip<paced::run_step_delta_object>(creation) == J(creation));
}

TEST_CASE("models: list pages decode every listable model, including an empty page", "[types]") {
    auto const empty = paced::parse_json<paced::list_page<paced::run>>(
        R"({"object": "list", "data": [], "first_id": null, "last_id": null, "has_more": false})");
    CHECK(empty.data.empty());
    CHECK_FALSE(empty.first_id);
    auto const files = paced::parse_json<paced::list_page<paced::file>>(R"({"object": "list", "data": [
        {"id": "file-1", "object": "file", "bytes": 1, "created_at": 1, "filename": "a", "purpose": "vision"}],
        "first_id": "file-1", "last_id": "file-1", "has_more": true})");
    CHECK(files.has_more);
    CHECK(files.data.at(0).purpose == paced::file_purpose::vision);
    CHECK(paced::to_json(files).at("data").at(0).at("id") == "file-1");
    (void)paced::parse_json<paced::list_page<paced::assistant>>(R"({"object":"list","data":[]})");
    (void)paced::parse_json<paced::list_page<paced::run_step>>(R"({"object":"list","data":[]})");
    (void)paced::parse_json<paced::list_page<paced::vector_store>>(R"({"object":"list","data":[]})");
    (void)paced::parse_json<paced::list_page<paced::vector_store_file>>(R"({"object":"list","data":[]})");
}

TEST_CASE("models: deleted objects and error bodies decode", "[types]") {
    auto const d = paced::parse_json<paced::deleted_object>(
        R"({"id": "asst_abc123", "object": "assistant.deleted", "deleted": true})");
    CHECK(d.deleted);
    CHECK(d.object == "assistant.deleted");
    auto const e = paced::parse_json<paced::error_body>(
        R"({"message": "No thread found", "type": "invalid_request_error", "param": null, "code": null})");
    CHECK(e.message == "No thread found");
    CHECK(e.type == "invalid_request_error");
    CHECK_FALSE(e.code);
}

TEST_CASE("models: Boost.JSON value_to and value_from use the same conversions", "[types]") {
    json::value const v = J(spec_run);
    auto const r = json::value_to<paced::run>(v);
    CHECK(r.id == "run_abc123");
    CHECK(json::value_from(r) == v);
    auto const tools = json::value_to<std::vector<paced::tool>>(v.at("tools"));
    CHECK(tools.size() == 2);
}

TEST_CASE("models: heap_optional behaves like std::optional with a pointer's footprint", "[models]") {
    STATIC_REQUIRE(sizeof(paced::heap_optional<paced::response_format>) == sizeof(void*));
    paced::heap_optional<paced::last_error> empty;
    CHECK_FALSE(empty);
    CHECK(empty == std::nullopt);
    CHECK_THROWS_AS(empty.value(), std::bad_optional_access);

    paced::heap_optional<paced::last_error> e = paced::last_error{.code = "server_error", .message = "boom"};
    REQUIRE(e.has_value());
    auto copy = e;
    copy->message = "changed";
    CHECK(e->message == "boom"); // deep copy
    auto moved = std::move(copy);
    CHECK_FALSE(copy); // NOLINT(bugprone-use-after-move): a moved-from heap_optional is empty
    CHECK(moved->message == "changed");
    moved = std::nullopt;
    CHECK_FALSE(moved);
    moved.emplace().code = "rate_limit_exceeded";
    CHECK(moved.value().code == "rate_limit_exceeded");
    e = moved;
    CHECK(e->code == "rate_limit_exceeded");
    CHECK(e->message.empty());
}

TEST_CASE("models: a run's rarely present parts decode to heap_optional and round-trip null or set",
          "[models]") {
    // A waiting run is held in two coroutine frames per client.run: it must stay small.
    STATIC_REQUIRE(sizeof(paced::run) <= 640);
    auto base = json::parse(R"({"id":"run_1","object":"thread.run","created_at":1,"thread_id":"thread_1",
        "assistant_id":"asst_1","status":"failed","required_action":null,
        "last_error":{"code":"rate_limit_exceeded","message":"slow down"},"incomplete_details":null,
        "model":"gpt-4o","instructions":null,"tools":[],"metadata":{},"usage":null,
        "truncation_strategy":{"type":"last_messages","last_messages":3},"tool_choice":"auto",
        "parallel_tool_calls":true,"response_format":"auto"})");
    auto r = paced::from_json<paced::run>(base);
    CHECK_FALSE(r.required_action);
    CHECK_FALSE(r.incomplete_details);
    REQUIRE(r.last_error);
    CHECK(r.last_error->code == "rate_limit_exceeded");
    REQUIRE(r.truncation_strategy);
    CHECK(r.truncation_strategy->last_messages == 3);
    REQUIRE(r.tool_choice);
    CHECK(r.tool_choice->type == "auto");
    REQUIRE(r.response_format);
    CHECK(r.response_format->type == "auto");
    auto const again = paced::to_json(r);
    CHECK(again.as_object().at("required_action").is_null());
    CHECK(again.as_object().at("last_error").as_object().at("message") == "slow down");
    CHECK(again.as_object().at("truncation_strategy").as_object().at("last_messages") == 3);
}

TEST_CASE("models: members are written in declaration order, the constant object right after id", "[types]") {
    // The order is the description's: the emulator's logs and recorded bodies stay comparable byte by byte.
    auto const r = paced::parse_json<paced::run>(R"({"model": "m", "status": "queued", "id": "run_1",
        "created_at": 5, "assistant_id": "a", "thread_id": "t", "temperature": 1.0, "reasoning_effort": "low"})");
    CHECK(
        paced::to_json_string(r) ==
        R"({"id":"run_1","object":"thread.run","created_at":5,"thread_id":"t","assistant_id":"a",)"
        R"("status":"queued","required_action":null,"last_error":null,"expires_at":null,"started_at":null,)"
        R"("cancelled_at":null,"failed_at":null,"completed_at":null,"incomplete_details":null,"model":"m",)"
        R"("instructions":null,"tools":[],"metadata":{},"usage":null,"temperature":1E0,)"
        R"("max_prompt_tokens":null,"max_completion_tokens":null,"truncation_strategy":null,)"
        R"("tool_choice":null,"parallel_tool_calls":true,"response_format":null,"reasoning_effort":"low"})");
    // A variant alternative's type comes first, or right after its id.
    CHECK(paced::to_json_string(paced::function_tool_call{.id = "call_1", .function = {.name = "f"}}) ==
          R"({"id":"call_1","type":"function","function":{"name":"f","arguments":"","output":null}})");
    CHECK(paced::to_json_string(paced::tool{paced::function_tool{.function = {.name = "f"}}}) ==
          R"({"type":"function","function":{"name":"f"}})");
}

TEST_CASE("models: members of a nested object the SDK maps to one field keep the rest", "[types]") {
    // tool_choice.function.name is function_name; anything else in `function` is kept in extra.
    constexpr std::string_view choice = R"({"type": "function", "function": {"name": "f", "strict": true}})";
    auto const c = paced::parse_json<paced::tool_choice>(choice);
    CHECK(c.function_name == "f");
    CHECK(c.extra.at("function").at("strict") == true);
    CHECK(paced::to_json(c) == J(choice));
    CHECK(paced::to_json(paced::parse_json<paced::tool_choice>(R"({"type": "function"})")) ==
          J(R"({"type": "function"})"));
    // A code interpreter image output's file id, likewise.
    constexpr std::string_view output = R"({"index": 0, "type": "image", "image": {"file_id": "f", "x": 1}})";
    auto const o = paced::parse_json<paced::code_output_delta>(output);
    CHECK(o.image_file_id == "f");
    CHECK(paced::to_json(o) == J(output));
}
