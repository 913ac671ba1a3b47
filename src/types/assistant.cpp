// Assistants, tools, tool resources and response formats.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {
namespace detail {

void read(json::value const& v, response_format& out, json_path& p) {
    if (auto const* s = v.if_string()) { // the bare "auto"
        out = response_format{};
        out.type.assign(s->data(), s->size());
        return;
    }
    read_members(v, out, p);
}
json::value write(response_format const& x, json_mode mode) {
    if (x.type == "auto" && !x.json_schema && x.extra.empty())
        return json::string("auto");
    return write_members(x, mode);
}

void write_member(json::object& o, file_search_resources const& x,
                  member<&file_search_resources::vector_store_ids>, json_mode mode) {
    // A request that creates a store sends vector_stores alone (the API takes one or the other).
    if (!x.vector_store_ids.empty() || x.vector_stores.empty())
        o.emplace("vector_store_ids", write(x.vector_store_ids, mode));
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

PACED_DEFINE_ENCODE(assistant_create_params)
PACED_DEFINE_ENCODE(assistant_update_params)

// ---- validation ----------------------------------------------------------------------------------------

namespace {

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
    detail::check_sampling(p);
    if (p.response_format)
        validate(*p.response_format);
}

} // namespace

void validate(tool const& t, std::string_view field) {
    if (auto const* f = std::get_if<function_tool>(&t)) {
        detail::check_function_name(detail::field_name(field, "function.name"), f->function.name);
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
        detail::check_each_not_empty(f, ids);
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
        detail::check_each_not_empty(f + ".vector_store_ids", fs.vector_store_ids);
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
        detail::check_function_name(detail::field_name(field, "json_schema.name"), f.json_schema->name);
    } else if (t != "auto" && t != "text" && t != "json_object") {
        detail::invalid(detail::field_name(field, "type"),
                        "must be \"auto\", \"text\", \"json_object\" or \"json_schema\"");
    }
}

void validate(assistant_create_params const& p) {
    detail::check_not_empty("model", p.model);
    detail::check_tools(p.tools, 128, "");
    check_assistant_common(p);
}

void validate(assistant_update_params const& p) {
    if (p.model)
        detail::check_not_empty("model", *p.model);
    if (p.tools)
        detail::check_tools(*p.tools, 128, "");
    check_assistant_common(p);
}

} // namespace paced
