// Request parameters: designated initialisers, encoding of only the set fields, and validation.

#include <paced/types/assistant.hpp>
#include <paced/types/file.hpp>
#include <paced/types/message.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>
#include <paced/types/thread.hpp>
#include <paced/types/vector_store.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

namespace json = boost::json;

namespace {

json::value J(std::string_view text) {
    return json::parse(text);
}

/// The message of the invalid_argument error `f` throws ("" if it does not throw).
template <class F>
std::string invalid(F&& f) {
    try {
        f();
    } catch (paced::error const& e) {
        CHECK(e.code() == paced::errc::invalid_argument);
        return e.api().message;
    }
    return "";
}

paced::metadata_map pairs(std::size_t n) {
    paced::metadata_map m;
    for (std::size_t i = 0; i < n; ++i)
        m["k" + std::to_string(i)] = "v";
    return m;
}

} // namespace

// ---- encoding ------------------------------------------------------------------------------------------

TEST_CASE("params: a message written with designated initialisers encodes only its set fields", "[types]") {
    paced::message_create_params const p{.role = "user",
                                         .content = "Summarise the report",
                                         .attachments = {{.file_id = "file-1", .tools = {"file_search"}}}};
    CHECK(json::value(paced::encode(p)) == J(R"({"role": "user", "content": "Summarise the report",
        "attachments": [{"file_id": "file-1", "tools": [{"type": "file_search"}]}]})"));
    CHECK(json::value(paced::encode(paced::message_create_params{.content = "hi"})) ==
          J(R"({"role": "user", "content": "hi"})"));
}

TEST_CASE("params: message content parts encode as typed objects", "[types]") {
    paced::message_create_params const p{
        .content =
            std::vector<paced::message_content_part_param>{
                paced::text_part{"What is in this image?"},
                paced::image_file_content{.image_file = {.file_id = "file-1", .detail = "high"}},
                paced::image_url_content{.image_url = {.url = "https://example.com/a.png"}}},
        .metadata = {{"source", "test"}}};
    CHECK(json::value(paced::encode(p)) == J(R"({"role": "user", "content": [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_file", "image_file": {"file_id": "file-1", "detail": "high"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}],
        "metadata": {"source": "test"}})"));
}

TEST_CASE("params: a run request encodes every option and merges extra_body last", "[types]") {
    paced::run_create_params p{
        .assistant_id = "asst_1",
        .model = "gpt-4o",
        .additional_instructions = "Be brief.",
        .additional_messages = {{.role = "assistant", .content = "Earlier answer"}},
        .tools = std::vector<paced::tool>{paced::function_tool{
            .function = {.name = "get_weather",
                         .parameters = json::object{{"type", "object"}},
                         .strict = true}}},
        .metadata = {{"request", "r-1"}},
        .temperature = 0.2,
        .max_completion_tokens = 1024,
        .truncation_strategy = paced::truncation_strategy{.type = "last_messages", .last_messages = 5},
        .tool_choice = paced::tool_choice{.type = "function", .function_name = "get_weather"},
        .parallel_tool_calls = false,
        .response_format = paced::response_format{.type = "json_object"},
        .reasoning_effort = "low",
    };
    p.extra_body["temperature"] = 0.3; // extra_body wins over the modelled field
    p.extra_body["service_tier"] = "flex";
    CHECK(json::value(paced::encode(p)) == J(R"({"assistant_id": "asst_1", "model": "gpt-4o",
        "additional_instructions": "Be brief.",
        "additional_messages": [{"role": "assistant", "content": "Earlier answer"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"},
                   "strict": true}}],
        "metadata": {"request": "r-1"}, "temperature": 0.3, "max_completion_tokens": 1024,
        "truncation_strategy": {"type": "last_messages", "last_messages": 5},
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "parallel_tool_calls": false, "response_format": {"type": "json_object"},
        "reasoning_effort": "low", "service_tier": "flex"})"));
    CHECK(json::value(paced::encode(paced::run_create_params{.assistant_id = "asst_1"})) ==
          J(R"({"assistant_id": "asst_1"})"));
    CHECK(json::value(
              paced::encode(paced::run_create_params{.assistant_id = "a",
                                                     .tool_choice = paced::tool_choice{.type = "required"},
                                                     .response_format = paced::response_format{}})) ==
          J(R"({"assistant_id": "a", "tool_choice": "required", "response_format": "auto"})"));
}

TEST_CASE("params: an assistant request encodes tools, resources and a json_schema format", "[types]") {
    paced::assistant_create_params const p{
        .model = "gpt-4o",
        .name = "Helper",
        .instructions = "Answer from the files.",
        .tools = {paced::code_interpreter_tool{},
                  paced::file_search_tool{.file_search = paced::file_search_settings{.max_num_results = 8}}},
        .tool_resources =
            paced::tool_resources{
                .file_search = paced::file_search_resources{.vector_stores = {{.file_ids = {"file-1"}}}}},
        .top_p = 0.5,
        .response_format = paced::response_format{.type = "json_schema",
                                                  .json_schema = paced::json_schema_format{.name = "answer",
                                                                                           .strict = true}},
    };
    CHECK(json::value(paced::encode(p)) == J(R"({"model": "gpt-4o", "name": "Helper",
        "instructions": "Answer from the files.",
        "tools": [{"type": "code_interpreter"}, {"type": "file_search", "file_search": {"max_num_results": 8}}],
        "tool_resources": {"file_search": {"vector_stores": [{"file_ids": ["file-1"]}]}},
        "top_p": 0.5, "response_format": {"type": "json_schema", "json_schema": {"name": "answer",
        "strict": true}}})"));
    // An update may clear the tools with an empty list; unset fields are not sent.
    CHECK(json::value(paced::encode(paced::assistant_update_params{.tools = std::vector<paced::tool>{}})) ==
          J(R"({"tools": []})"));
}

TEST_CASE("params: thread-and-run nests the thread request", "[types]") {
    paced::thread_and_run_create_params const p{
        .assistant_id = "asst_1",
        .thread = paced::thread_create_params{.messages = {{.content = "Hello"}}, .metadata = {{"a", "b"}}},
        .tool_resources =
            paced::tool_resources{.code_interpreter =
                                      paced::code_interpreter_resources{.file_ids = {"file-1"}}},
    };
    CHECK(json::value(paced::encode(p)) == J(R"({"assistant_id": "asst_1",
        "thread": {"messages": [{"role": "user", "content": "Hello"}], "metadata": {"a": "b"}},
        "tool_resources": {"code_interpreter": {"file_ids": ["file-1"]}}})"));
}

TEST_CASE("params: tool outputs, updates and vector store requests encode", "[types]") {
    CHECK(json::value(paced::encode(paced::submit_tool_outputs_params{
              .tool_outputs = {{.tool_call_id = "call_1", .output = "22C"}}})) ==
          J(R"({"tool_outputs": [{"tool_call_id": "call_1", "output": "22C"}]})"));
    CHECK(json::value(paced::encode(paced::run_update_params{.metadata = {{"k", "v"}}})) ==
          J(R"({"metadata": {"k": "v"}})"));
    CHECK(json::value(paced::encode(paced::message_update_params{})) == J("{}"));
    CHECK(json::value(paced::encode(paced::thread_update_params{})) == J("{}"));
    CHECK(json::value(paced::encode(paced::vector_store_create_params{
              .file_ids = {"file-1"},
              .name = "docs",
              .expires_after = paced::vector_store_expires_after{.days = 7},
              .chunking_strategy = paced::chunking_strategy{.type = "static",
                                                            .static_config = {{.max_chunk_size_tokens = 400,
                                                                               .chunk_overlap_tokens = 100}}},
          })) == J(R"({"file_ids": ["file-1"], "name": "docs",
              "expires_after": {"anchor": "last_active_at", "days": 7},
              "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 400,
                                    "chunk_overlap_tokens": 100}}})"));
    CHECK(json::value(paced::encode(paced::vector_store_update_params{.name = "renamed"})) ==
          J(R"({"name": "renamed"})"));
    CHECK(json::value(paced::encode(paced::vector_store_file_create_params{
              .file_id = "file-1", .attributes = json::object{{"year", 2024}}})) ==
          J(R"({"file_id": "file-1", "attributes": {"year": 2024}})"));
    CHECK(json::value(paced::encode(paced::vector_store_file_update_params{})) == J(R"({"attributes": {}})"));
    CHECK(json::value(paced::encode(paced::file_batch_create_params{.file_ids = {"file-1", "file-2"}})) ==
          J(R"({"file_ids": ["file-1", "file-2"]})"));
    CHECK(json::value(paced::encode(paced::file_batch_create_params{.files = {{.file_id = "file-1"}}})) ==
          J(R"({"files": [{"file_id": "file-1"}]})"));
}

TEST_CASE("params: list queries contain only the set parameters", "[types]") {
    using q = paced::query_params;
    CHECK(paced::to_query(paced::list_params{}).empty());
    CHECK(
        paced::to_query(paced::list_params{.limit = 50, .order = paced::sort_order::asc, .after = "run_1"}) ==
        q{{"limit", "50"}, {"order", "asc"}, {"after", "run_1"}});
    CHECK(paced::to_query(paced::message_list_params{.before = "msg_1", .run_id = "run_1"}) ==
          q{{"before", "msg_1"}, {"run_id", "run_1"}});
    CHECK(paced::to_query(paced::vector_store_file_list_params{
              .order = paced::sort_order::desc, .filter = paced::vector_store_file_status::failed}) ==
          q{{"order", "desc"}, {"filter", "failed"}});
    CHECK(paced::to_query(paced::run_step_list_params{
              .limit = 1, .include = {"step_details.tool_calls[*].file_search.results[*].content"}}) ==
          q{{"limit", "1"}, {"include[]", "step_details.tool_calls[*].file_search.results[*].content"}});
    CHECK(
        paced::to_query(paced::file_list_params{.purpose = paced::file_purpose::fine_tune, .limit = 10000}) ==
        q{{"purpose", "fine-tune"}, {"limit", "10000"}});
    CHECK(paced::form_fields(
              paced::file_create_params{.purpose = paced::file_purpose::user_data,
                                        .expires_after = paced::file_expires_after{.seconds = 7200}}) ==
          q{{"purpose", "user_data"},
            {"expires_after[anchor]", "created_at"},
            {"expires_after[seconds]", "7200"}});
}

// ---- validation ----------------------------------------------------------------------------------------

TEST_CASE("validate: metadata holds at most 16 pairs, keys <= 64 and values <= 512 characters", "[types]") {
    CHECK(invalid([] { paced::validate(paced::message_update_params{.metadata = pairs(16)}); }).empty());
    CHECK(invalid([] { paced::validate(paced::message_update_params{.metadata = pairs(17)}); }) ==
          "metadata: at most 16 pairs, got 17");
    std::string const k64(64, 'k'), k65(65, 'k'), v512(512, 'v'), v513(513, 'v');
    CHECK(invalid([&] { paced::validate(paced::run_update_params{.metadata = {{k64, v512}}}); }).empty());
    CHECK(invalid([&] {
              paced::validate(paced::run_update_params{.metadata = {{k65, "v"}}});
          }) == "metadata[" + k65 + "]: key longer than 64 characters");
    CHECK(invalid([&] {
              paced::validate(paced::thread_update_params{.metadata = {{"k", v513}}});
          }) == "metadata[k]: value longer than 512 characters");
    CHECK(invalid([] {
              paced::validate(paced::assistant_create_params{.model = "m", .metadata = pairs(17)});
          }) == "metadata: at most 16 pairs, got 17");
    CHECK(invalid([] { paced::validate(paced::vector_store_create_params{.metadata = pairs(20)}); }) ==
          "metadata: at most 16 pairs, got 20");
}

TEST_CASE("validate: list limits are 1..100, and 1..10,000 for files", "[types]") {
    CHECK(invalid([] { paced::validate(paced::list_params{.limit = 0}); }) ==
          "limit: must be between 1 and 100, got 0");
    CHECK(invalid([] { paced::validate(paced::list_params{.limit = 101}); }) ==
          "limit: must be between 1 and 100, got 101");
    CHECK(invalid([] { paced::validate(paced::list_params{.limit = 1}); }).empty());
    CHECK(invalid([] { paced::validate(paced::list_params{.limit = 100}); }).empty());
    CHECK(invalid([] { paced::validate(paced::message_list_params{.limit = 101}); }) ==
          "limit: must be between 1 and 100, got 101");
    CHECK(invalid([] { paced::validate(paced::run_step_list_params{.limit = -1}); }) ==
          "limit: must be between 1 and 100, got -1");
    CHECK(invalid([] { paced::validate(paced::vector_store_file_list_params{.limit = 200}); }) ==
          "limit: must be between 1 and 100, got 200");
    CHECK(invalid([] { paced::validate(paced::file_list_params{.limit = 10000}); }).empty());
    CHECK(invalid([] { paced::validate(paced::file_list_params{.limit = 10001}); }) ==
          "limit: must be between 1 and 10000, got 10001");
    CHECK(invalid([] { paced::validate(paced::list_params{.after = ""}); }) ==
          "after: must not be empty when set");
}

TEST_CASE("validate: temperature is 0..2 and top_p 0..1", "[types]") {
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{.assistant_id = "a", .temperature = 2.5});
          }) == "temperature: must be between 0 and 2, got 2.5");
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{.assistant_id = "a", .temperature = -0.5});
          }) == "temperature: must be between 0 and 2, got -0.5");
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{
                  .assistant_id = "a", .temperature = std::numeric_limits<double>::quiet_NaN()});
          }).rfind("temperature: must be between 0 and 2", 0) == 0);
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{.assistant_id = "a", .temperature = 2.0});
          }).empty());
    CHECK(invalid([] { paced::validate(paced::assistant_create_params{.model = "m", .top_p = 1.5}); }) ==
          "top_p: must be between 0 and 1, got 1.5");
    CHECK(invalid([] { paced::validate(paced::assistant_update_params{.temperature = 3.0}); }) ==
          "temperature: must be between 0 and 2, got 3");
    CHECK(invalid([] {
              paced::validate(paced::thread_and_run_create_params{.assistant_id = "a", .top_p = -1.0});
          }) == "top_p: must be between 0 and 1, got -1");
}

TEST_CASE("validate: max_prompt_tokens and max_completion_tokens are at least 256", "[types]") {
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{.assistant_id = "a", .max_prompt_tokens = 255});
          }) == "max_prompt_tokens: must be at least 256, got 255");
    CHECK(invalid([] {
              paced::validate(
                  paced::thread_and_run_create_params{.assistant_id = "a", .max_completion_tokens = 10});
          }) == "max_completion_tokens: must be at least 256, got 10");
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{
                  .assistant_id = "a", .max_prompt_tokens = 256, .max_completion_tokens = 256});
          }).empty());
}

TEST_CASE("validate: required strings must not be empty and roles are user or assistant", "[types]") {
    CHECK(invalid([] { paced::validate(paced::assistant_create_params{}); }) == "model: must not be empty");
    CHECK(invalid([] { paced::validate(paced::assistant_update_params{.model = ""}); }) ==
          "model: must not be empty");
    CHECK(invalid([] { paced::validate(paced::run_create_params{}); }) == "assistant_id: must not be empty");
    CHECK(invalid([] { paced::validate(paced::run_create_params{.assistant_id = "a/../b"}); }) ==
          "assistant_id: must not contain '/'");
    CHECK(invalid([] { paced::validate(paced::message_create_params{.role = "system", .content = "x"}); }) ==
          "role: must be \"user\" or \"assistant\", got \"system\"");
    CHECK(invalid([] { paced::validate(paced::message_create_params{.content = ""}); }) ==
          "content: must not be empty");
    CHECK(invalid([] {
              paced::validate(
                  paced::message_create_params{.content = std::vector<paced::message_content_part_param>{}});
          }) == "content: must not be empty");
    CHECK(invalid([] {
              paced::validate(paced::message_create_params{
                  .content = std::vector<paced::message_content_part_param>{paced::text_part{""}}});
          }) == "content[0].text: must not be empty");
    CHECK(invalid([] {
              paced::validate(paced::message_create_params{.content = "x", .attachments = {{.file_id = ""}}});
          }) == "attachments[0].file_id: must not be empty");
    CHECK(invalid([] {
              paced::validate(paced::message_create_params{.role = "assistant", .content = "ok"});
          }).empty());
    CHECK(invalid([] { paced::validate(paced::submit_tool_outputs_params{}); }) ==
          "tool_outputs: must not be empty");
    CHECK(invalid([] {
              paced::validate(paced::submit_tool_outputs_params{.tool_outputs = {{.output = "x"}}});
          }) == "tool_outputs[0].tool_call_id: must not be empty");
}

TEST_CASE("validate: nested messages are named by their position", "[types]") {
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{
                  .assistant_id = "a", .additional_messages = {{.content = "ok"}, {.content = ""}}});
          }) == "additional_messages[1].content: must not be empty");
    CHECK(invalid([] {
              paced::validate(paced::thread_and_run_create_params{
                  .assistant_id = "a",
                  .thread = paced::thread_create_params{.messages = {{.role = "tool", .content = "x"}}}});
          }) == "thread.messages[0].role: must be \"user\" or \"assistant\", got \"tool\"");
    CHECK(invalid([] { paced::validate(paced::thread_create_params{.messages = {{.content = ""}}}); }) ==
          "messages[0].content: must not be empty");
}

TEST_CASE("validate: at most 128 tools on an assistant and 20 on a run", "[types]") {
    std::vector<paced::tool> const t128(128, paced::code_interpreter_tool{});
    std::vector<paced::tool> const t129(129, paced::code_interpreter_tool{});
    std::vector<paced::tool> const t20(20, paced::code_interpreter_tool{});
    std::vector<paced::tool> const t21(21, paced::code_interpreter_tool{});
    CHECK(invalid([&] {
              paced::validate(paced::assistant_create_params{.model = "m", .tools = t128});
          }).empty());
    CHECK(invalid([&] { paced::validate(paced::assistant_create_params{.model = "m", .tools = t129}); }) ==
          "tools: at most 128 tools, got 129");
    CHECK(invalid([&] { paced::validate(paced::assistant_update_params{.tools = t129}); }) ==
          "tools: at most 128 tools, got 129");
    CHECK(invalid([&] {
              paced::validate(paced::run_create_params{.assistant_id = "a", .tools = t20});
          }).empty());
    CHECK(invalid([&] { paced::validate(paced::run_create_params{.assistant_id = "a", .tools = t21}); }) ==
          "tools: at most 20 tools per run, got 21");
    CHECK(invalid([&] {
              paced::validate(paced::thread_and_run_create_params{.assistant_id = "a", .tools = t21});
          }) == "tools: at most 20 tools per run, got 21");
}

TEST_CASE("validate: tool definitions, tool choice, truncation and response formats", "[types]") {
    auto const fn = [](std::string name) {
        return paced::assistant_create_params{
            .model = "m", .tools = {paced::function_tool{.function = {.name = std::move(name)}}}};
    };
    CHECK(invalid([&] { paced::validate(fn("get_weather-v2")); }).empty());
    CHECK(invalid([&] { paced::validate(fn("")); }) == "tools[0].function.name: must not be empty");
    CHECK(invalid([&] { paced::validate(fn("get weather")); }) ==
          "tools[0].function.name: may only contain a-z, A-Z, 0-9, '_' and '-'");
    CHECK(invalid([&] { paced::validate(fn(std::string(65, 'f'))); }) ==
          "tools[0].function.name: longer than 64 characters (65)");
    CHECK(invalid([] {
              paced::validate(paced::assistant_create_params{
                  .model = "m",
                  .tools = {paced::file_search_tool{
                      .file_search = paced::file_search_settings{.max_num_results = 51}}}});
          }) == "tools[0].file_search.max_num_results: must be between 1 and 50, got 51");
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{.assistant_id = "a",
                                                       .truncation_strategy = paced::truncation_strategy{
                                                           .type = "last_messages", .last_messages = 0}});
          }) == "truncation_strategy.last_messages: must be at least 1, got 0");
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{
                  .assistant_id = "a", .tool_choice = paced::tool_choice{.type = "function"}});
          }) == "tool_choice.function.name: required with type \"function\"");
    CHECK(invalid([] {
              paced::validate(paced::run_create_params{
                  .assistant_id = "a", .response_format = paced::response_format{.type = "yaml"}});
          }) == "response_format.type: must be \"auto\", \"text\", \"json_object\" or \"json_schema\"");
    CHECK(
        invalid([] {
            paced::validate(paced::assistant_create_params{
                .model = "m",
                .tool_resources = paced::tool_resources{.code_interpreter = paced::code_interpreter_resources{
                                                            .file_ids = std::vector<std::string>(21, "f")}}});
        }) == "tool_resources.code_interpreter.file_ids: at most 20 files, got 21");
    CHECK(invalid([] {
              paced::validate(paced::thread_update_params{
                  .tool_resources = paced::tool_resources{
                      .file_search = paced::file_search_resources{.vector_store_ids = {"vs_1", "vs_2"}}}});
          }) == "tool_resources.file_search.vector_store_ids: at most 1 vector store, got 2");
    CHECK(invalid([] {
              paced::validate(paced::assistant_create_params{.model = "m", .name = std::string(257, 'n')});
          }) == "name: longer than 256 characters (257)");
}

TEST_CASE("validate: a file batch holds 1 to 2000 files, given one way", "[types]") {
    CHECK(invalid([] { paced::validate(paced::file_batch_create_params{}); }) ==
          "file_ids: must hold 1 to 2000 files, got 0");
    CHECK(invalid([] {
              paced::validate(
                  paced::file_batch_create_params{.file_ids = std::vector<std::string>(2001, "file-1")});
          }) == "file_ids: must hold 1 to 2000 files, got 2001");
    CHECK(invalid([] {
              paced::validate(
                  paced::file_batch_create_params{.file_ids = std::vector<std::string>(2000, "file-1")});
          }).empty());
    CHECK(invalid([] {
              paced::validate(
                  paced::file_batch_create_params{.file_ids = {"file-1"}, .files = {{.file_id = "file-2"}}});
          }) == "file_ids: set either file_ids or files, not both");
    CHECK(invalid([] { paced::validate(paced::file_batch_create_params{.files = {{.file_id = "a/b"}}}); }) ==
          "files[0].file_id: must not contain '/'");
    CHECK(invalid([] { paced::validate(paced::file_batch_create_params{.file_ids = {""}}); }) ==
          "file_ids[0]: must not be empty");
}

TEST_CASE("validate: vector store expiry, chunking and attributes", "[types]") {
    CHECK(invalid([] {
              paced::validate(paced::vector_store_create_params{
                  .expires_after = paced::vector_store_expires_after{.days = 366}});
          }) == "expires_after.days: must be between 1 and 365, got 366");
    CHECK(invalid([] {
              paced::validate(paced::vector_store_update_params{
                  .expires_after = paced::vector_store_expires_after{.days = 0}});
          }) == "expires_after.days: must be between 1 and 365, got 0");
    CHECK(invalid([] {
              paced::validate(paced::vector_store_file_create_params{
                  .file_id = "file-1",
                  .chunking_strategy = paced::chunking_strategy{
                      .type = "static",
                      .static_config = {{.max_chunk_size_tokens = 400, .chunk_overlap_tokens = 300}}}});
          }) == "chunking_strategy.static.chunk_overlap_tokens: must be between 0 and 200, got 300");
    CHECK(invalid([] {
              paced::validate(paced::vector_store_file_create_params{
                  .file_id = "file-1", .chunking_strategy = paced::chunking_strategy{.type = "static"}});
          }) == "chunking_strategy.static: required with type \"static\"");
    CHECK(invalid([] {
              paced::validate(paced::vector_store_file_create_params{
                  .file_id = "file-1", .attributes = json::object{{"tags", json::array{"a"}}}});
          }) == "attributes[tags]: value must be a string, number or boolean");
    CHECK(invalid([] {
              paced::validate(
                  paced::vector_store_create_params{.file_ids = std::vector<std::string>(501, "f")});
          }) == "file_ids: at most 500 files, got 501");
    CHECK(invalid([] {
              paced::validate(
                  paced::file_create_params{.expires_after = paced::file_expires_after{.seconds = 60}});
          }) == "expires_after.seconds: must be between 3600 and 2592000, got 60");
}

TEST_CASE("validate_id: rejects ids that would change the request URL", "[types]") {
    CHECK(invalid([] { paced::validate_id("thread_id", "thread_abc123"); }).empty());
    CHECK(invalid([] { paced::validate_id("thread_id", "file-AbC_12.3"); }).empty());
    CHECK(invalid([] { paced::validate_id("thread_id", ""); }) == "thread_id: must not be empty");
    CHECK(invalid([] { paced::validate_id("run_id", "run_1/cancel"); }) == "run_id: must not contain '/'");
    CHECK(invalid([] { paced::validate_id("run_id", "run_1?x=1"); }) == "run_id: must not contain '?'");
    CHECK(invalid([] { paced::validate_id("run_id", "run_1#x"); }) == "run_id: must not contain '#'");
    CHECK(invalid([] { paced::validate_id("run_id", "run%2F1"); }) == "run_id: must not contain '%'");
    CHECK(invalid([] { paced::validate_id("run_id", "run 1"); }) ==
          "run_id: must not contain whitespace or control characters");
    CHECK(invalid([] { paced::validate_id("run_id", "run_1\n"); }) ==
          "run_id: must not contain whitespace or control characters");
    CHECK(invalid([] { paced::validate_id("run_id", std::string("run\x7f", 4)); }) ==
          "run_id: must not contain whitespace or control characters");
    CHECK(invalid([] { paced::validate_id("run_id", ".."); }) == "run_id: '..' is not a valid id");
    CHECK(invalid([] { paced::validate_id("run_id", "."); }) == "run_id: '.' is not a valid id");
}
