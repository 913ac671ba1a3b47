// Runs, required actions, run options and run requests.

#include "types/descriptions.hpp"

namespace paced {
namespace detail {

void read(json::value const& v, function_call& out, json_path& p) {
    object_reader r(v, p);
    r.req("name", out.name);
    r.req("arguments", out.arguments);
    r.rest(out.extra);
}
json::value to_value(function_call const& x) {
    json::object o;
    put(o, "name", x.name);
    put(o, "arguments", x.arguments);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, run_tool_call& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.req("type", out.type);
    r.req("function", out.function);
    r.rest(out.extra);
}
json::value to_value(run_tool_call const& x) {
    json::object o;
    put(o, "id", x.id);
    put(o, "type", x.type);
    put(o, "function", x.function);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, submit_tool_outputs_action& out, json_path& p) {
    object_reader r(v, p);
    r.req("tool_calls", out.tool_calls);
    r.rest(out.extra);
}
json::value to_value(submit_tool_outputs_action const& x) {
    json::object o;
    put(o, "tool_calls", x.tool_calls);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, required_action& out, json_path& p) {
    object_reader r(v, p);
    r.req("type", out.type);
    r.opt("submit_tool_outputs", out.submit_tool_outputs); // a future action type may not have it
    r.rest(out.extra);
}
json::value to_value(required_action const& x) {
    json::object o;
    put(o, "type", x.type);
    if (x.type == "submit_tool_outputs" || !x.submit_tool_outputs.tool_calls.empty())
        put(o, "submit_tool_outputs", x.submit_tool_outputs);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, truncation_strategy& out, json_path& p) {
    object_reader r(v, p);
    r.req("type", out.type);
    r.opt("last_messages", out.last_messages);
    r.rest(out.extra);
}
json::value to_value(truncation_strategy const& x) {
    json::object o;
    put(o, "type", x.type);
    // The API always answers with last_messages (null for "auto"); requests may omit it.
    put(o, "last_messages", x.last_messages);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, tool_choice& out, json_path& p) {
    if (auto const* s = v.if_string()) { // "none", "auto", "required"
        out = tool_choice{};
        out.type.assign(s->data(), s->size());
        return;
    }
    object_reader r(v, p);
    r.req("type", out.type);
    if (auto const* f = r.find("function"); f && !f->is_null()) {
        path_scope s(p, std::string_view("function"));
        object_reader fr(*f, p);
        std::string name;
        fr.req("name", name);
        out.function_name = std::move(name);
        json::object rest;
        fr.rest(rest);
        if (!rest.empty()) // keep unknown members of `function` rather than drop them
            out.extra["function"] = *f;
    }
    r.rest(out.extra);
}
json::value to_value(tool_choice const& x) {
    if ((x.type == "none" || x.type == "auto" || x.type == "required") && !x.function_name && x.extra.empty())
        return json::string(x.type);
    json::object o;
    put(o, "type", x.type);
    if (x.function_name)
        o["function"] = json::object{{"name", *x.function_name}};
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, run& out, json_path& p) {
    object_reader r(v, p);
    // In the order the API writes a run's members: object_reader::find tries the next member first.
    r.req("id", out.id);
    r.skip("object");
    r.req("created_at", out.created_at);
    r.req("assistant_id", out.assistant_id);
    r.req("thread_id", out.thread_id);
    r.req("status", out.status);
    r.opt("started_at", out.started_at);
    r.opt("expires_at", out.expires_at);
    r.opt("cancelled_at", out.cancelled_at);
    r.opt("failed_at", out.failed_at);
    r.opt("completed_at", out.completed_at);
    r.opt("required_action", out.required_action);
    r.opt("last_error", out.last_error);
    r.req("model", out.model);
    r.opt("instructions", out.instructions);
    r.opt("tools", out.tools);
    r.opt("metadata", out.metadata);
    r.opt("temperature", out.temperature);
    r.opt("top_p", out.top_p);
    r.opt("max_prompt_tokens", out.max_prompt_tokens);
    r.opt("max_completion_tokens", out.max_completion_tokens);
    r.opt("truncation_strategy", out.truncation_strategy);
    r.opt("incomplete_details", out.incomplete_details);
    r.opt("tool_choice", out.tool_choice);
    out.parallel_tool_calls = true; // the API's default when absent or null
    r.opt("parallel_tool_calls", out.parallel_tool_calls);
    r.opt("response_format", out.response_format);
    r.opt("usage", out.usage);
    r.rest(out.extra);
}
json::value to_value(run const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "thread.run";
    put(o, "created_at", x.created_at);
    put(o, "thread_id", x.thread_id);
    put(o, "assistant_id", x.assistant_id);
    put(o, "status", x.status);
    put(o, "required_action", x.required_action);
    put(o, "last_error", x.last_error);
    put(o, "expires_at", x.expires_at);
    put(o, "started_at", x.started_at);
    put(o, "cancelled_at", x.cancelled_at);
    put(o, "failed_at", x.failed_at);
    put(o, "completed_at", x.completed_at);
    put(o, "incomplete_details", x.incomplete_details);
    put(o, "model", x.model);
    put(o, "instructions", x.instructions);
    put(o, "tools", x.tools);
    put(o, "metadata", x.metadata);
    put(o, "usage", x.usage);
    put_opt(o, "temperature", x.temperature);
    put_opt(o, "top_p", x.top_p);
    put(o, "max_prompt_tokens", x.max_prompt_tokens);
    put(o, "max_completion_tokens", x.max_completion_tokens);
    put(o, "truncation_strategy", x.truncation_strategy);
    put(o, "tool_choice", x.tool_choice);
    put(o, "parallel_tool_calls", x.parallel_tool_calls);
    put(o, "response_format", x.response_format);
    merge_extra(o, x.extra);
    return o;
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

using detail::put;
using detail::put_nonempty;
using detail::put_opt;

namespace {

/// The members run_create_params and thread_and_run_create_params share.
template <class P>
void encode_run_options(boost::json::object& o, P const& p) {
    put_opt(o, "model", p.model);
    put_opt(o, "instructions", p.instructions);
    put_opt(o, "tools", p.tools);
    put_nonempty(o, "metadata", p.metadata);
    put_opt(o, "temperature", p.temperature);
    put_opt(o, "top_p", p.top_p);
    put_opt(o, "max_prompt_tokens", p.max_prompt_tokens);
    put_opt(o, "max_completion_tokens", p.max_completion_tokens);
    if (p.truncation_strategy) {
        boost::json::object t;
        put(t, "type", p.truncation_strategy->type);
        put_opt(t, "last_messages", p.truncation_strategy->last_messages);
        detail::merge_extra(t, p.truncation_strategy->extra);
        o["truncation_strategy"] = std::move(t);
    }
    put_opt(o, "tool_choice", p.tool_choice);
    put_opt(o, "parallel_tool_calls", p.parallel_tool_calls);
    put_opt(o, "response_format", p.response_format);
}

template <class P>
void check_run_options(P const& p) {
    validate_id("assistant_id", p.assistant_id);
    if (p.model)
        detail::check_not_empty("model", *p.model);
    if (p.tools) {
        if (p.tools->size() > 20)
            detail::invalid("tools", "at most 20 tools per run, got " + std::to_string(p.tools->size()));
        for (std::size_t i = 0; i < p.tools->size(); ++i)
            validate((*p.tools)[i], detail::field_index("tools", i));
    }
    validate_metadata("metadata", p.metadata);
    if (p.temperature)
        detail::check_range("temperature", *p.temperature, 0.0, 2.0);
    if (p.top_p)
        detail::check_range("top_p", *p.top_p, 0.0, 1.0);
    if (p.max_prompt_tokens && *p.max_prompt_tokens < 256)
        detail::invalid("max_prompt_tokens",
                        "must be at least 256, got " + std::to_string(*p.max_prompt_tokens));
    if (p.max_completion_tokens && *p.max_completion_tokens < 256)
        detail::invalid("max_completion_tokens",
                        "must be at least 256, got " + std::to_string(*p.max_completion_tokens));
    if (p.truncation_strategy)
        validate(*p.truncation_strategy);
    if (p.tool_choice)
        validate(*p.tool_choice);
    if (p.response_format)
        validate(*p.response_format);
}

} // namespace

boost::json::object encode(run_create_params const& p) {
    boost::json::object o;
    put(o, "assistant_id", p.assistant_id);
    put_opt(o, "additional_instructions", p.additional_instructions);
    if (!p.additional_messages.empty()) {
        boost::json::array a;
        for (auto const& m : p.additional_messages)
            a.push_back(encode(m));
        o["additional_messages"] = std::move(a);
    }
    put_opt(o, "reasoning_effort", p.reasoning_effort);
    encode_run_options(o, p);
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(thread_and_run_create_params const& p) {
    boost::json::object o;
    put(o, "assistant_id", p.assistant_id);
    if (p.thread)
        o["thread"] = encode(*p.thread);
    put_opt(o, "tool_resources", p.tool_resources);
    encode_run_options(o, p);
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(run_update_params const& p) {
    boost::json::object o;
    put_nonempty(o, "metadata", p.metadata);
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(submit_tool_outputs_params const& p) {
    boost::json::object o;
    boost::json::array a;
    for (auto const& t : p.tool_outputs)
        a.push_back(boost::json::object{{"tool_call_id", t.tool_call_id}, {"output", t.output}});
    o["tool_outputs"] = std::move(a);
    detail::merge_extra(o, p.extra_body);
    return o;
}

// ---- validation ----------------------------------------------------------------------------------------

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
