// Delta objects of streamed runs. Every member is optional: a delta carries only what changed.

#include "types/descriptions.hpp"

namespace paced {
namespace detail {

namespace {
/// Reads `{key: value}` of a nested one-member object into `out`; unknown nested members keep the whole
/// nested object in `extra[nested_key]` so that nothing is dropped.
void read_nested_string(object_reader& r, std::string_view nested_key, std::string_view key,
                        std::optional<std::string>& out, json::object& extra_out, json_path& p) {
    auto const* n = r.find(nested_key);
    if (!n || n->is_null())
        return;
    path_scope s(p, nested_key);
    object_reader nr(*n, p);
    nr.opt(key, out);
    json::object rest;
    nr.rest(rest);
    if (!rest.empty())
        extra_out[nested_key] = *n;
}
} // namespace

void read(json::value const& v, file_reference_delta& out, json_path& p) {
    object_reader r(v, p);
    r.opt("file_id", out.file_id);
    r.opt("quote", out.quote);
    r.rest(out.extra);
}
json::value to_value(file_reference_delta const& x) {
    json::object o;
    put_opt(o, "file_id", x.file_id);
    put_opt(o, "quote", x.quote);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, annotation_delta& out, json_path& p) {
    object_reader r(v, p);
    r.req("index", out.index);
    r.req("type", out.type);
    r.opt("text", out.text);
    r.opt("file_citation", out.file_citation);
    r.opt("file_path", out.file_path);
    r.opt("start_index", out.start_index);
    r.opt("end_index", out.end_index);
    r.rest(out.extra);
}
json::value to_value(annotation_delta const& x) {
    json::object o;
    put(o, "index", x.index);
    put(o, "type", x.type);
    put_opt(o, "text", x.text);
    put_opt(o, "file_citation", x.file_citation);
    put_opt(o, "file_path", x.file_path);
    put_opt(o, "start_index", x.start_index);
    put_opt(o, "end_index", x.end_index);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, text_delta& out, json_path& p) {
    object_reader r(v, p);
    r.opt("value", out.value);
    r.opt("annotations", out.annotations);
    r.rest(out.extra);
}
json::value to_value(text_delta const& x) {
    json::object o;
    put_opt(o, "value", x.value);
    put_nonempty(o, "annotations", x.annotations);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, image_delta& out, json_path& p) {
    object_reader r(v, p);
    r.opt("file_id", out.file_id);
    r.opt("url", out.url);
    r.opt("detail", out.detail);
    r.rest(out.extra);
}
json::value to_value(image_delta const& x) {
    json::object o;
    put_opt(o, "file_id", x.file_id);
    put_opt(o, "url", x.url);
    put_opt(o, "detail", x.detail);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, message_content_delta& out, json_path& p) {
    object_reader r(v, p);
    r.req("index", out.index);
    r.req("type", out.type);
    r.opt("text", out.text);
    r.opt("image_file", out.image_file);
    r.opt("image_url", out.image_url);
    r.opt("refusal", out.refusal);
    r.rest(out.extra);
}
json::value to_value(message_content_delta const& x) {
    json::object o;
    put(o, "index", x.index);
    put(o, "type", x.type);
    put_opt(o, "text", x.text);
    put_opt(o, "image_file", x.image_file);
    put_opt(o, "image_url", x.image_url);
    put_opt(o, "refusal", x.refusal);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, message_delta& out, json_path& p) {
    object_reader r(v, p);
    r.opt("role", out.role);
    r.opt("content", out.content);
    r.rest(out.extra);
}
json::value to_value(message_delta const& x) {
    json::object o;
    put_opt(o, "role", x.role);
    put_nonempty(o, "content", x.content);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, message_delta_object& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("object");
    r.req("delta", out.delta);
    r.rest(out.extra);
}
json::value to_value(message_delta_object const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "thread.message.delta";
    put(o, "delta", x.delta);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, code_output_delta& out, json_path& p) {
    object_reader r(v, p);
    r.req("index", out.index);
    r.req("type", out.type);
    r.opt("logs", out.logs);
    read_nested_string(r, "image", "file_id", out.image_file_id, out.extra, p);
    json::object rest;
    r.rest(rest);
    for (auto const& kv : rest)
        out.extra[kv.key()] = kv.value();
}
json::value to_value(code_output_delta const& x) {
    json::object o;
    put(o, "index", x.index);
    put(o, "type", x.type);
    put_opt(o, "logs", x.logs);
    if (x.image_file_id)
        o["image"] = json::object{{"file_id", *x.image_file_id}};
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, code_interpreter_delta& out, json_path& p) {
    object_reader r(v, p);
    r.opt("input", out.input);
    r.opt("outputs", out.outputs);
    r.rest(out.extra);
}
json::value to_value(code_interpreter_delta const& x) {
    json::object o;
    put_opt(o, "input", x.input);
    put_nonempty(o, "outputs", x.outputs);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, function_delta& out, json_path& p) {
    object_reader r(v, p);
    r.opt("name", out.name);
    r.opt("arguments", out.arguments);
    r.opt("output", out.output);
    r.rest(out.extra);
}
json::value to_value(function_delta const& x) {
    json::object o;
    put_opt(o, "name", x.name);
    put_opt(o, "arguments", x.arguments);
    put_opt(o, "output", x.output);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, tool_call_delta& out, json_path& p) {
    object_reader r(v, p);
    r.req("index", out.index);
    r.opt("id", out.id);
    r.req("type", out.type);
    r.opt("code_interpreter", out.code_interpreter);
    r.opt("file_search", out.file_search);
    r.opt("function", out.function);
    r.rest(out.extra);
}
json::value to_value(tool_call_delta const& x) {
    json::object o;
    put(o, "index", x.index);
    put_opt(o, "id", x.id);
    put(o, "type", x.type);
    put_opt(o, "code_interpreter", x.code_interpreter);
    put_opt(o, "file_search", x.file_search);
    put_opt(o, "function", x.function);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, step_details_delta& out, json_path& p) {
    object_reader r(v, p);
    r.req("type", out.type);
    read_nested_string(r, "message_creation", "message_id", out.message_id, out.extra, p);
    r.opt("tool_calls", out.tool_calls);
    json::object rest;
    r.rest(rest);
    for (auto const& kv : rest)
        out.extra[kv.key()] = kv.value();
}
json::value to_value(step_details_delta const& x) {
    json::object o;
    put(o, "type", x.type);
    if (x.message_id)
        o["message_creation"] = json::object{{"message_id", *x.message_id}};
    put_nonempty(o, "tool_calls", x.tool_calls);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, run_step_delta& out, json_path& p) {
    object_reader r(v, p);
    r.opt("step_details", out.step_details);
    r.rest(out.extra);
}
json::value to_value(run_step_delta const& x) {
    json::object o;
    put_opt(o, "step_details", x.step_details);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, run_step_delta_object& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("object");
    r.req("delta", out.delta);
    r.rest(out.extra);
}
json::value to_value(run_step_delta_object const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "thread.run.step.delta";
    put(o, "delta", x.delta);
    merge_extra(o, x.extra);
    return o;
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(file_reference_delta, "file_reference")
PACED_DEFINE_JSON_CONVERSIONS(annotation_delta, "annotation")
PACED_DEFINE_JSON_CONVERSIONS(text_delta, "text")
PACED_DEFINE_JSON_CONVERSIONS(image_delta, "image")
PACED_DEFINE_JSON_CONVERSIONS(message_content_delta, "content")
PACED_DEFINE_JSON_CONVERSIONS(message_delta, "delta")
PACED_DEFINE_JSON_CONVERSIONS(message_delta_object, "message_delta")
PACED_DEFINE_JSON_CONVERSIONS(code_output_delta, "output")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_delta, "code_interpreter")
PACED_DEFINE_JSON_CONVERSIONS(function_delta, "function")
PACED_DEFINE_JSON_CONVERSIONS(tool_call_delta, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(step_details_delta, "step_details")
PACED_DEFINE_JSON_CONVERSIONS(run_step_delta, "delta")
PACED_DEFINE_JSON_CONVERSIONS(run_step_delta_object, "run_step_delta")

} // namespace paced
