// Assistants, tools, tool resources and response formats.

#include "types/descriptions.hpp"

namespace paced {
namespace detail {

void read(json::value const& v, function_definition& out, json_path& p) {
    object_reader r(v, p);
    r.req("name", out.name);
    r.opt("description", out.description);
    r.opt("parameters", out.parameters);
    r.opt("strict", out.strict);
    r.rest(out.extra);
}
json::value to_value(function_definition const& x) {
    json::object o;
    put(o, "name", x.name);
    put_opt(o, "description", x.description);
    put_opt(o, "parameters", x.parameters);
    put_opt(o, "strict", x.strict);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, code_interpreter_tool& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.rest(out.extra);
}
json::value to_value(code_interpreter_tool const& x) {
    json::object o;
    o["type"] = "code_interpreter";
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_search_ranking_options& out, json_path& p) {
    object_reader r(v, p);
    r.opt("ranker", out.ranker);
    r.req("score_threshold", out.score_threshold);
    r.rest(out.extra);
}
json::value to_value(file_search_ranking_options const& x) {
    json::object o;
    put_opt(o, "ranker", x.ranker);
    put(o, "score_threshold", x.score_threshold);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_search_settings& out, json_path& p) {
    object_reader r(v, p);
    r.opt("max_num_results", out.max_num_results);
    r.opt("ranking_options", out.ranking_options);
    r.rest(out.extra);
}
json::value to_value(file_search_settings const& x) {
    json::object o;
    put_opt(o, "max_num_results", x.max_num_results);
    put_opt(o, "ranking_options", x.ranking_options);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_search_tool& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.opt("file_search", out.file_search);
    r.rest(out.extra);
}
json::value to_value(file_search_tool const& x) {
    json::object o;
    o["type"] = "file_search";
    put_opt(o, "file_search", x.file_search);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, function_tool& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("function", out.function);
    r.rest(out.extra);
}
json::value to_value(function_tool const& x) {
    json::object o;
    o["type"] = "function";
    put(o, "function", x.function);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, tool& out, json_path& p) {
    auto const type = type_of(v, p);
    if (type == "code_interpreter")
        read(v, out.emplace<code_interpreter_tool>(), p);
    else if (type == "file_search")
        read(v, out.emplace<file_search_tool>(), p);
    else if (type == "function")
        read(v, out.emplace<function_tool>(), p);
    else
        read(v, out.emplace<unknown_tool>(), p);
}
json::value to_value(tool const& x) {
    return std::visit([](auto const& t) { return to_value(t); }, x);
}

void read(json::value const& v, code_interpreter_resources& out, json_path& p) {
    object_reader r(v, p);
    r.opt("file_ids", out.file_ids);
    r.rest(out.extra);
}
json::value to_value(code_interpreter_resources const& x) {
    json::object o;
    put(o, "file_ids", x.file_ids);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, vector_store_seed& out, json_path& p) {
    object_reader r(v, p);
    r.opt("file_ids", out.file_ids);
    r.opt("chunking_strategy", out.chunking_strategy);
    r.opt("metadata", out.metadata);
    r.rest(out.extra);
}
json::value to_value(vector_store_seed const& x) {
    json::object o;
    put(o, "file_ids", x.file_ids);
    put_opt(o, "chunking_strategy", x.chunking_strategy);
    put_nonempty(o, "metadata", x.metadata);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_search_resources& out, json_path& p) {
    object_reader r(v, p);
    r.opt("vector_store_ids", out.vector_store_ids);
    r.opt("vector_stores", out.vector_stores);
    r.rest(out.extra);
}
json::value to_value(file_search_resources const& x) {
    json::object o;
    // A request that creates a store sends vector_stores alone (the API takes one or the other).
    if (!x.vector_store_ids.empty() || x.vector_stores.empty())
        put(o, "vector_store_ids", x.vector_store_ids);
    put_nonempty(o, "vector_stores", x.vector_stores);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, tool_resources& out, json_path& p) {
    object_reader r(v, p);
    r.opt("code_interpreter", out.code_interpreter);
    r.opt("file_search", out.file_search);
    r.rest(out.extra);
}
json::value to_value(tool_resources const& x) {
    json::object o;
    put_opt(o, "code_interpreter", x.code_interpreter);
    put_opt(o, "file_search", x.file_search);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, json_schema_format& out, json_path& p) {
    object_reader r(v, p);
    r.req("name", out.name);
    r.opt("description", out.description);
    r.opt("schema", out.schema);
    r.opt("strict", out.strict);
    r.rest(out.extra);
}
json::value to_value(json_schema_format const& x) {
    json::object o;
    put(o, "name", x.name);
    put_opt(o, "description", x.description);
    put_opt(o, "schema", x.schema);
    put_opt(o, "strict", x.strict);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, response_format& out, json_path& p) {
    if (auto const* s = v.if_string()) { // the bare "auto"
        out = response_format{};
        out.type.assign(s->data(), s->size());
        return;
    }
    object_reader r(v, p);
    r.req("type", out.type);
    r.opt("json_schema", out.json_schema);
    r.rest(out.extra);
}
json::value to_value(response_format const& x) {
    if (x.type == "auto" && !x.json_schema && x.extra.empty())
        return json::string("auto");
    json::object o;
    put(o, "type", x.type);
    put_opt(o, "json_schema", x.json_schema);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, assistant& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("object");
    r.req("created_at", out.created_at);
    r.opt("name", out.name);
    r.opt("description", out.description);
    r.req("model", out.model);
    r.opt("instructions", out.instructions);
    r.opt("tools", out.tools);
    r.opt("tool_resources", out.tool_resources);
    r.opt("metadata", out.metadata);
    r.opt("temperature", out.temperature);
    r.opt("top_p", out.top_p);
    r.opt("response_format", out.response_format);
    r.rest(out.extra);
}
json::value to_value(assistant const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "assistant";
    put(o, "created_at", x.created_at);
    put(o, "name", x.name);
    put(o, "description", x.description);
    put(o, "model", x.model);
    put(o, "instructions", x.instructions);
    put(o, "tools", x.tools);
    put_opt(o, "tool_resources", x.tool_resources);
    put(o, "metadata", x.metadata);
    put_opt(o, "temperature", x.temperature);
    put_opt(o, "top_p", x.top_p);
    put_opt(o, "response_format", x.response_format);
    merge_extra(o, x.extra);
    return o;
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(function_definition, "function")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_tool, "tool")
PACED_DEFINE_JSON_CONVERSIONS(file_search_ranking_options, "ranking_options")
PACED_DEFINE_JSON_CONVERSIONS(file_search_settings, "file_search")
PACED_DEFINE_JSON_CONVERSIONS(file_search_tool, "tool")
PACED_DEFINE_JSON_CONVERSIONS(function_tool, "tool")
PACED_DEFINE_JSON_CONVERSIONS(tool, "tool")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_resources, "code_interpreter")
PACED_DEFINE_JSON_CONVERSIONS(vector_store_seed, "vector_store")
PACED_DEFINE_JSON_CONVERSIONS(file_search_resources, "file_search")
PACED_DEFINE_JSON_CONVERSIONS(tool_resources, "tool_resources")
PACED_DEFINE_JSON_CONVERSIONS(json_schema_format, "json_schema")
PACED_DEFINE_JSON_CONVERSIONS(response_format, "response_format")
PACED_DEFINE_JSON_CONVERSIONS(assistant, "assistant")

// ---- requests ------------------------------------------------------------------------------------------

using detail::put;
using detail::put_nonempty;
using detail::put_opt;

boost::json::object encode(assistant_create_params const& p) {
    boost::json::object o;
    put(o, "model", p.model);
    put_opt(o, "name", p.name);
    put_opt(o, "description", p.description);
    put_opt(o, "instructions", p.instructions);
    put_opt(o, "reasoning_effort", p.reasoning_effort);
    put_nonempty(o, "tools", p.tools);
    put_opt(o, "tool_resources", p.tool_resources);
    put_nonempty(o, "metadata", p.metadata);
    put_opt(o, "temperature", p.temperature);
    put_opt(o, "top_p", p.top_p);
    put_opt(o, "response_format", p.response_format);
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(assistant_update_params const& p) {
    boost::json::object o;
    put_opt(o, "model", p.model);
    put_opt(o, "name", p.name);
    put_opt(o, "description", p.description);
    put_opt(o, "instructions", p.instructions);
    put_opt(o, "reasoning_effort", p.reasoning_effort);
    put_opt(o, "tools", p.tools);
    put_opt(o, "tool_resources", p.tool_resources);
    put_nonempty(o, "metadata", p.metadata);
    put_opt(o, "temperature", p.temperature);
    put_opt(o, "top_p", p.top_p);
    put_opt(o, "response_format", p.response_format);
    detail::merge_extra(o, p.extra_body);
    return o;
}

// ---- validation ----------------------------------------------------------------------------------------

namespace {

bool valid_function_name(std::string_view n) {
    for (char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-'))
            return false;
    return true;
}

void check_tools(std::vector<tool> const& tools, std::size_t max) {
    if (tools.size() > max)
        detail::invalid("tools",
                        "at most " + std::to_string(max) + " tools, got " + std::to_string(tools.size()));
    for (std::size_t i = 0; i < tools.size(); ++i)
        validate(tools[i], detail::field_index("tools", i));
}

template <class P>
void check_assistant_common(P const& p) {
    if (p.name)
        detail::check_max_length("name", *p.name, 256);
    if (p.description)
        detail::check_max_length("description", *p.description, 512);
    if (p.instructions)
        detail::check_max_length("instructions", *p.instructions, 256000);
    if (p.tool_resources)
        validate(*p.tool_resources);
    validate_metadata("metadata", p.metadata);
    if (p.temperature)
        detail::check_range("temperature", *p.temperature, 0.0, 2.0);
    if (p.top_p)
        detail::check_range("top_p", *p.top_p, 0.0, 1.0);
    if (p.response_format)
        validate(*p.response_format);
}

} // namespace

void validate(tool const& t, std::string_view field) {
    if (auto const* f = std::get_if<function_tool>(&t)) {
        auto const name = detail::field_name(field, "function.name");
        detail::check_not_empty(name, f->function.name);
        detail::check_max_length(name, f->function.name, 64);
        if (!valid_function_name(f->function.name))
            detail::invalid(name, "may only contain a-z, A-Z, 0-9, '_' and '-'");
    } else if (auto const* s = std::get_if<file_search_tool>(&t)) {
        if (s->file_search) {
            if (s->file_search->max_num_results)
                detail::check_range(detail::field_name(field, "file_search.max_num_results"),
                                    *s->file_search->max_num_results, 1, 50);
            if (s->file_search->ranking_options)
                detail::check_range(detail::field_name(field, "file_search.ranking_options.score_threshold"),
                                    s->file_search->ranking_options->score_threshold, 0.0, 1.0);
        }
    } else if (auto const* u = std::get_if<unknown_tool>(&t)) {
        if (u->type.empty())
            detail::invalid(detail::field_name(field, "type"), "must not be empty");
    }
}

void validate(tool_resources const& r, std::string_view field) {
    if (r.code_interpreter) {
        auto const& ids = r.code_interpreter->file_ids;
        auto const f = detail::field_name(field, "code_interpreter.file_ids");
        if (ids.size() > 20)
            detail::invalid(f, "at most 20 files, got " + std::to_string(ids.size()));
        for (std::size_t i = 0; i < ids.size(); ++i)
            detail::check_not_empty(detail::field_index(f, i), ids[i]);
    }
    if (r.file_search) {
        auto const& fs = *r.file_search;
        auto const f = detail::field_name(field, "file_search");
        if (fs.vector_store_ids.size() > 1)
            detail::invalid(f + ".vector_store_ids",
                            "at most 1 vector store, got " + std::to_string(fs.vector_store_ids.size()));
        if (fs.vector_stores.size() > 1)
            detail::invalid(f + ".vector_stores",
                            "at most 1 vector store, got " + std::to_string(fs.vector_stores.size()));
        if (!fs.vector_store_ids.empty() && !fs.vector_stores.empty())
            detail::invalid(f, "set either vector_store_ids or vector_stores, not both");
        for (std::size_t i = 0; i < fs.vector_store_ids.size(); ++i)
            detail::check_not_empty(detail::field_index(f + ".vector_store_ids", i), fs.vector_store_ids[i]);
        for (std::size_t i = 0; i < fs.vector_stores.size(); ++i) {
            auto const vf = detail::field_index(f + ".vector_stores", i);
            if (fs.vector_stores[i].chunking_strategy) {
                try {
                    validate(*fs.vector_stores[i].chunking_strategy);
                } catch (paced::error const& e) {
                    detail::invalid(vf, e.api().message);
                }
            }
            validate_metadata(vf + ".metadata", fs.vector_stores[i].metadata);
        }
    }
}

void validate(response_format const& f, std::string_view field) {
    auto const& t = f.type;
    if (t == "json_schema") {
        if (!f.json_schema)
            detail::invalid(detail::field_name(field, "json_schema"), "required with type \"json_schema\"");
        auto const name = detail::field_name(field, "json_schema.name");
        detail::check_not_empty(name, f.json_schema->name);
        detail::check_max_length(name, f.json_schema->name, 64);
        if (!valid_function_name(f.json_schema->name))
            detail::invalid(name, "may only contain a-z, A-Z, 0-9, '_' and '-'");
    } else if (t != "auto" && t != "text" && t != "json_object") {
        detail::invalid(detail::field_name(field, "type"),
                        "must be \"auto\", \"text\", \"json_object\" or \"json_schema\"");
    }
}

void validate(assistant_create_params const& p) {
    detail::check_not_empty("model", p.model);
    check_tools(p.tools, 128);
    check_assistant_common(p);
}

void validate(assistant_update_params const& p) {
    if (p.model)
        detail::check_not_empty("model", *p.model);
    if (p.tools)
        check_tools(*p.tools, 128);
    check_assistant_common(p);
}

} // namespace paced
