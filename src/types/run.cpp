// Runs, required actions, run options and run requests.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {
namespace detail {

void write_member(json::object& o, required_action const& x, member<&required_action::submit_tool_outputs>,
                  json_mode mode) {
    if (x.type == "submit_tool_outputs" || !x.submit_tool_outputs.tool_calls.empty())
        o.emplace("submit_tool_outputs", write(x.submit_tool_outputs, mode));
}

namespace {
bool is_bare(std::string_view type) {
    return type == "none" || type == "auto" || type == "required";
}
} // namespace

void read(json::value const& v, tool_choice& out, json_path& p) {
    if (auto const* s = v.if_string()) { // "none", "auto", "required"
        out = tool_choice{};
        out.type.assign(s->data(), s->size());
        return;
    }
    read_members(v, out, p);
}
json::value write(tool_choice const& x, json_mode mode) {
    if (is_bare(x.type) && !x.function_name && x.extra.empty())
        return json::string(x.type);
    return write_members(x, mode);
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(function_call, "function")
PACED_DEFINE_JSON_CONVERSIONS(run_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(submit_tool_outputs_action, "submit_tool_outputs")
PACED_DEFINE_JSON_CONVERSIONS(required_action, "required_action")
PACED_DEFINE_JSON_CONVERSIONS(truncation_strategy, "truncation_strategy")
PACED_DEFINE_JSON_CONVERSIONS(tool_choice, "tool_choice")
PACED_DEFINE_JSON_CONVERSIONS(run, "run")

// ---- requests ------------------------------------------------------------------------------------------

PACED_DEFINE_ENCODE(run_create_params)
PACED_DEFINE_ENCODE(thread_and_run_create_params)
PACED_DEFINE_ENCODE(run_update_params)
PACED_DEFINE_ENCODE(submit_tool_outputs_params)

// ---- validation ----------------------------------------------------------------------------------------

namespace {

void check_at_least_256(std::string_view field, std::optional<std::int64_t> const& tokens) {
    if (tokens && *tokens < 256)
        detail::invalid(field, "must be at least 256, got " + std::to_string(*tokens));
}

/// The members run_create_params and thread_and_run_create_params share.
template <class P>
void check_run_options(P const& p) {
    validate_id("assistant_id", p.assistant_id);
    if (p.model)
        detail::check_not_empty("model", *p.model);
    if (p.tools)
        detail::check_tools(*p.tools, 20, " per run");
    validate_metadata("metadata", p.metadata);
    detail::check_sampling(p);
    check_at_least_256("max_prompt_tokens", p.max_prompt_tokens);
    check_at_least_256("max_completion_tokens", p.max_completion_tokens);
    if (p.truncation_strategy)
        validate(*p.truncation_strategy);
    if (p.tool_choice)
        validate(*p.tool_choice);
    if (p.response_format)
        validate(*p.response_format);
}

} // namespace

void validate(truncation_strategy const& t, std::string_view field) {
    if (t.type == "last_messages") {
        if (!t.last_messages)
            detail::invalid(detail::field_name(field, "last_messages"),
                            "required with type \"last_messages\"");
        if (*t.last_messages < 1)
            detail::invalid(detail::field_name(field, "last_messages"),
                            "must be at least 1, got " + std::to_string(*t.last_messages));
    } else if (t.type != "auto") {
        detail::invalid(detail::field_name(field, "type"), "must be \"auto\" or \"last_messages\"");
    }
}

void validate(tool_choice const& t, std::string_view field) {
    if (t.type == "function") {
        if (!t.function_name || t.function_name->empty())
            detail::invalid(detail::field_name(field, "function.name"), "required with type \"function\"");
    } else if (t.type.empty()) {
        detail::invalid(detail::field_name(field, "type"), "must not be empty");
    } else if (t.function_name) {
        detail::invalid(detail::field_name(field, "function.name"), "only allowed with type \"function\"");
    }
}

void validate(run_create_params const& p) {
    check_run_options(p);
    for (std::size_t i = 0; i < p.additional_messages.size(); ++i)
        validate(p.additional_messages[i], detail::field_index("additional_messages", i));
    if (p.reasoning_effort)
        detail::check_not_empty("reasoning_effort", *p.reasoning_effort);
}

void validate(thread_and_run_create_params const& p) {
    check_run_options(p);
    if (p.thread)
        validate(*p.thread, "thread");
    if (p.tool_resources)
        validate(*p.tool_resources);
}

void validate(run_update_params const& p) {
    validate_metadata("metadata", p.metadata);
}

void validate(submit_tool_outputs_params const& p) {
    if (p.tool_outputs.empty())
        detail::invalid("tool_outputs", "must not be empty");
    for (std::size_t i = 0; i < p.tool_outputs.size(); ++i)
        detail::check_not_empty(detail::field_index("tool_outputs", i) + ".tool_call_id",
                                p.tool_outputs[i].tool_call_id);
}

} // namespace paced
