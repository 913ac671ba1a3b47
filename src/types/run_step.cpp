// Run steps and their details.

#include "types/descriptions.hpp"

namespace paced {
namespace detail {

void read(json::value const& v, message_creation& out, json_path& p) {
    object_reader r(v, p);
    r.req("message_id", out.message_id);
    r.rest(out.extra);
}
json::value to_value(message_creation const& x) {
    json::object o;
    put(o, "message_id", x.message_id);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, message_creation_step_details& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("message_creation", out.message_creation);
    r.rest(out.extra);
}
json::value to_value(message_creation_step_details const& x) {
    json::object o;
    o["type"] = "message_creation";
    put(o, "message_creation", x.message_creation);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, code_logs_output& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("logs", out.logs);
    r.rest(out.extra);
}
json::value to_value(code_logs_output const& x) {
    json::object o;
    o["type"] = "logs";
    put(o, "logs", x.logs);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, code_output_image& out, json_path& p) {
    object_reader r(v, p);
    r.req("file_id", out.file_id);
    r.rest(out.extra);
}
json::value to_value(code_output_image const& x) {
    json::object o;
    put(o, "file_id", x.file_id);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, code_image_output& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("image", out.image);
    r.rest(out.extra);
}
json::value to_value(code_image_output const& x) {
    json::object o;
    o["type"] = "image";
    put(o, "image", x.image);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, code_interpreter_output& out, json_path& p) {
    auto const type = type_of(v, p);
    if (type == "logs")
        read(v, out.emplace<code_logs_output>(), p);
    else if (type == "image")
        read(v, out.emplace<code_image_output>(), p);
    else
        read(v, out.emplace<unknown_part>(), p);
}
json::value to_value(code_interpreter_output const& x) {
    return std::visit([](auto const& c) { return to_value(c); }, x);
}

void read(json::value const& v, code_interpreter_call& out, json_path& p) {
    object_reader r(v, p);
    r.req("input", out.input);
    r.opt("outputs", out.outputs);
    r.rest(out.extra);
}
json::value to_value(code_interpreter_call const& x) {
    json::object o;
    put(o, "input", x.input);
    put(o, "outputs", x.outputs);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, code_interpreter_tool_call& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("type");
    r.req("code_interpreter", out.code_interpreter);
    r.rest(out.extra);
}
json::value to_value(code_interpreter_tool_call const& x) {
    json::object o;
    put(o, "id", x.id);
    o["type"] = "code_interpreter";
    put(o, "code_interpreter", x.code_interpreter);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_search_result_content& out, json_path& p) {
    object_reader r(v, p);
    r.opt("type", out.type);
    r.opt("text", out.text);
    r.rest(out.extra);
}
json::value to_value(file_search_result_content const& x) {
    json::object o;
    put(o, "type", x.type);
    put(o, "text", x.text);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_search_result& out, json_path& p) {
    object_reader r(v, p);
    r.req("file_id", out.file_id);
    r.req("file_name", out.file_name);
    r.req("score", out.score);
    r.opt("content", out.content);
    r.rest(out.extra);
}
json::value to_value(file_search_result const& x) {
    json::object o;
    put(o, "file_id", x.file_id);
    put(o, "file_name", x.file_name);
    put(o, "score", x.score);
    put_nonempty(o, "content", x.content);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_search_call& out, json_path& p) {
    object_reader r(v, p);
    r.opt("ranking_options", out.ranking_options);
    r.opt("results", out.results);
    r.rest(out.extra);
}
json::value to_value(file_search_call const& x) {
    json::object o;
    put_opt(o, "ranking_options", x.ranking_options);
    put_nonempty(o, "results", x.results);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_search_tool_call& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("type");
    r.req("file_search", out.file_search);
    r.rest(out.extra);
}
json::value to_value(file_search_tool_call const& x) {
    json::object o;
    put(o, "id", x.id);
    o["type"] = "file_search";
    put(o, "file_search", x.file_search);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, function_call_details& out, json_path& p) {
    object_reader r(v, p);
    r.req("name", out.name);
    r.req("arguments", out.arguments);
    r.opt("output", out.output);
    r.rest(out.extra);
}
json::value to_value(function_call_details const& x) {
    json::object o;
    put(o, "name", x.name);
    put(o, "arguments", x.arguments);
    put(o, "output", x.output);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, function_tool_call& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("type");
    r.req("function", out.function);
    r.rest(out.extra);
}
json::value to_value(function_tool_call const& x) {
    json::object o;
    put(o, "id", x.id);
    o["type"] = "function";
    put(o, "function", x.function);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, step_tool_call& out, json_path& p) {
    auto const type = type_of(v, p);
    if (type == "code_interpreter")
        read(v, out.emplace<code_interpreter_tool_call>(), p);
    else if (type == "file_search")
        read(v, out.emplace<file_search_tool_call>(), p);
    else if (type == "function")
        read(v, out.emplace<function_tool_call>(), p);
    else
        read(v, out.emplace<unknown_part>(), p);
}
json::value to_value(step_tool_call const& x) {
    return std::visit([](auto const& c) { return to_value(c); }, x);
}

void read(json::value const& v, tool_calls_step_details& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.opt("tool_calls", out.tool_calls);
    r.rest(out.extra);
}
json::value to_value(tool_calls_step_details const& x) {
    json::object o;
    o["type"] = "tool_calls";
    put(o, "tool_calls", x.tool_calls);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, step_details& out, json_path& p) {
    auto const type = type_of(v, p);
    if (type == "message_creation")
        read(v, out.emplace<message_creation_step_details>(), p);
    else if (type == "tool_calls")
        read(v, out.emplace<tool_calls_step_details>(), p);
    else
        read(v, out.emplace<unknown_part>(), p);
}
json::value to_value(step_details const& x) {
    return std::visit([](auto const& c) { return to_value(c); }, x);
}

void read(json::value const& v, run_step& out, json_path& p) {
    object_reader r(v, p);
    // In the order the API writes a step's members: object_reader::find tries the next member first.
    r.req("id", out.id);
    r.skip("object");
    r.req("created_at", out.created_at);
    r.req("run_id", out.run_id);
    r.req("assistant_id", out.assistant_id);
    r.req("thread_id", out.thread_id);
    r.req("type", out.type);
    r.req("status", out.status);
    r.opt("cancelled_at", out.cancelled_at);
    r.opt("completed_at", out.completed_at);
    r.opt("expired_at", out.expired_at);
    r.opt("failed_at", out.failed_at);
    r.opt("last_error", out.last_error);
    r.opt("usage", out.usage);
    r.req("step_details", out.step_details);
    r.opt("metadata", out.metadata);
    r.rest(out.extra);
}
json::value to_value(run_step const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "thread.run.step";
    put(o, "created_at", x.created_at);
    put(o, "assistant_id", x.assistant_id);
    put(o, "thread_id", x.thread_id);
    put(o, "run_id", x.run_id);
    put(o, "type", x.type);
    put(o, "status", x.status);
    put(o, "step_details", x.step_details);
    put(o, "last_error", x.last_error);
    put(o, "expired_at", x.expired_at);
    put(o, "cancelled_at", x.cancelled_at);
    put(o, "failed_at", x.failed_at);
    put(o, "completed_at", x.completed_at);
    put(o, "metadata", x.metadata);
    put(o, "usage", x.usage);
    merge_extra(o, x.extra);
    return o;
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(message_creation, "message_creation")
PACED_DEFINE_JSON_CONVERSIONS(message_creation_step_details, "step_details")
PACED_DEFINE_JSON_CONVERSIONS(code_logs_output, "output")
PACED_DEFINE_JSON_CONVERSIONS(code_output_image, "image")
PACED_DEFINE_JSON_CONVERSIONS(code_image_output, "output")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_output, "output")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_call, "code_interpreter")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(file_search_result_content, "content")
PACED_DEFINE_JSON_CONVERSIONS(file_search_result, "result")
PACED_DEFINE_JSON_CONVERSIONS(file_search_call, "file_search")
PACED_DEFINE_JSON_CONVERSIONS(file_search_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(function_call_details, "function")
PACED_DEFINE_JSON_CONVERSIONS(function_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(step_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(tool_calls_step_details, "step_details")
PACED_DEFINE_JSON_CONVERSIONS(step_details, "step_details")
PACED_DEFINE_JSON_CONVERSIONS(run_step, "run_step")

query_params to_query(run_step_list_params const& p) {
    query_params q;
    detail::append_list_query(q, p.limit, p.order, p.after, p.before);
    for (auto const& i : p.include)
        q.emplace_back("include[]", i);
    return q;
}

void validate(run_step_list_params const& p) {
    detail::check_limit("limit", p.limit, 100);
    detail::check_cursor("after", p.after);
    detail::check_cursor("before", p.before);
    for (std::size_t i = 0; i < p.include.size(); ++i)
        detail::check_not_empty(detail::field_index("include", i), p.include[i]);
}

} // namespace paced
