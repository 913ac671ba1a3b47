// Runs and run steps: create (also with a new thread), list, retrieve, modify, cancel, tool outputs.

#include "context.hpp"
#include "lists.hpp"

#include <algorithm>

namespace paced::emulator {

namespace {

const json::value default_truncation = json::object{{"type", "auto"}, {"last_messages", nullptr}};

// TruncationObject: `type` (required) `auto` or `last_messages`, `last_messages` an integer >= 1 or null.
json::value truncation_of(const json::object& b) {
    const auto* v = b.if_contains("truncation_strategy");
    if (!v || v->is_null())
        return default_truncation;
    if (!v->is_object())
        invalid_type("truncation_strategy", "an object", *v);
    const auto& t = v->as_object();
    check_known(t, {"type", "last_messages"});
    const auto* type = t.if_contains("type");
    if (!type)
        bad_request("Missing required parameter: 'truncation_strategy.type'.", "truncation_strategy.type",
                    "missing_required_parameter");
    if (!type->is_string())
        invalid_type("truncation_strategy.type", "a string", *type);
    if (*type != "auto" && *type != "last_messages")
        bad_request("Invalid value: '" + std::string(type->as_string()) +
                        "'. Supported values are: 'auto' and 'last_messages'.",
                    "truncation_strategy.type", "invalid_value");
    json::object out;
    out["type"] = *type;
    out["last_messages"] = nullptr;
    if (const auto* n = t.if_contains("last_messages"); n && !n->is_null()) {
        if (!n->is_int64())
            invalid_type("truncation_strategy.last_messages", "an integer", *n);
        if (n->as_int64() < 1)
            bad_request(
                "Invalid 'truncation_strategy.last_messages': integer below minimum value. Expected a "
                "value >= 1, but got " +
                    std::to_string(n->as_int64()) + " instead.",
                "truncation_strategy.last_messages", "integer_below_min_value");
        out["last_messages"] = *n;
    }
    return out;
}

// Shared by createRun and createThreadAndRun: the run's parameters from the body and the assistant.
store::run_params run_params_of(const json::object& b, const assistant_rec& a) {
    store::run_params p;
    p.assistant_id = a.id;
    const auto* model = b.if_contains("model");
    if (model && !model->is_null() && !model->is_string())
        invalid_type("model", "a string", *model);
    p.model = model && model->is_string() ? std::string(model->as_string()) : a.model();
    const auto* instr = b.if_contains("instructions");
    if (instr && !instr->is_null() && !instr->is_string())
        invalid_type("instructions", "a string", *instr);
    p.instructions = instr && instr->is_string() ? std::string(instr->as_string()) : a.instructions();
    if (const auto* add = b.if_contains("additional_instructions"); add && !add->is_null()) {
        if (!add->is_string())
            invalid_type("additional_instructions", "a string", *add);
        p.additional_instructions = std::string(add->as_string());
    }
    if (const auto* tools = b.if_contains("tools"); tools && !tools->is_null())
        p.tools = tools_of(*tools, "tools", 20);
    else if (const auto* at = a.fields.if_contains("tools"); at && at->is_array())
        p.tools = at->as_array();
    p.metadata = metadata_of(b);
    p.temperature =
        opt_number(b, "temperature", 0, 2,
                   a.fields.contains("temperature") ? a.fields.at("temperature") : json::value(1.0));
    p.top_p =
        opt_number(b, "top_p", 0, 1, a.fields.contains("top_p") ? a.fields.at("top_p") : json::value(1.0));
    p.max_prompt_tokens = opt_tokens(b, "max_prompt_tokens");
    p.max_completion_tokens = opt_tokens(b, "max_completion_tokens");
    p.truncation_strategy = truncation_of(b);
    if (const auto* tc = b.if_contains("tool_choice"); tc && !tc->is_null()) {
        if (tc->is_string() && *tc != "none" && *tc != "auto" && *tc != "required")
            bad_request("Invalid value: '" + std::string(tc->as_string()) +
                            "'. Supported values are: 'none', 'auto', and 'required'.",
                        "tool_choice", "invalid_value");
        if (!tc->is_string() && !tc->is_object())
            invalid_type("tool_choice", "a string or an object", *tc);
        p.tool_choice = *tc;
    } else {
        p.tool_choice = "auto";
    }
    if (const auto* ptc = b.if_contains("parallel_tool_calls"); ptc && !ptc->is_null()) {
        if (!ptc->is_bool())
            invalid_type("parallel_tool_calls", "a boolean", *ptc);
        p.parallel_tool_calls = *ptc;
    }
    if (const auto* rf = b.if_contains("response_format"); rf && !rf->is_null())
        p.response_format = *rf;
    else
        p.response_format =
            a.fields.contains("response_format") ? a.fields.at("response_format") : json::value("auto");
    return p;
}

bool stream_flag(const json::object& b) {
    const auto* s = b.if_contains("stream");
    if (!s || s->is_null())
        return false;
    if (!s->is_bool())
        invalid_type("stream", "a boolean", *s);
    return s->as_bool();
}

// 200 with an SSE stream that follows the run (server.cpp writes its events as the run's timeline passes).
void start_stream(request_context& c, const run_rec& r, bool thread_created, bool resumed) {
    ++c.counters.streams;
    c.res.status = 200;
    c.res.content_type = "text/event-stream; charset=utf-8";
    c.res.stream = std::make_unique<run_event_source>(r.id, thread_created, resumed);
}

} // namespace

void handle_runs(request_context& c) {
    switch (c.route.id) {
    case route::run_create: {
        auto& t = c.need_thread(c.p0);
        auto b = parse_body(c.req.body);
        check_known(b, {"assistant_id", "model", "reasoning_effort", "instructions",
                        "additional_instructions", "additional_messages", "tools", "metadata", "temperature",
                        "top_p", "stream", "max_prompt_tokens", "max_completion_tokens",
                        "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format"});
        auto& a = c.need_assistant(require_string(b, "assistant_id"));
        auto params = run_params_of(b, a);
        const bool stream = stream_flag(b);
        std::vector<message_input> extra;
        std::vector<std::size_t> extra_bytes;
        if (const auto* am = b.if_contains("additional_messages"); am && !am->is_null()) {
            if (!am->is_array())
                invalid_type("additional_messages", "an array", *am);
            for (std::size_t i = 0; i < am->as_array().size(); ++i) {
                extra.push_back(
                    message_of(am->as_array()[i], "additional_messages[" + std::to_string(i) + "]", c.st));
                extra_bytes.push_back(extra.back().user_bytes);
            }
        }
        if (t.active) {
            ++c.counters.active_run_conflicts;
            bad_request("Thread " + t.id + " already has an active run " + t.active->id + ".");
        }
        if (!c.charge(params.model, c.st.estimate_tokens(t, params, extra_bytes)))
            return;
        for (auto& m : extra)
            c.st.add_message(t, m.role, std::move(m.content), std::move(m.attachments), std::move(m.metadata),
                             c.now);
        auto& r = c.st.add_run(t, std::move(params), c.now);
        if (stream)
            return start_stream(c, r, false, false);
        // The creation answer shows the run as just queued, whatever --run-ms is.
        return c.ok(c.st.render(r, r.created - 1));
    }
    case route::thread_and_run: {
        auto b = parse_body(c.req.body);
        check_known(b, {"assistant_id", "thread", "model", "instructions", "tools", "tool_resources",
                        "metadata", "temperature", "top_p", "stream", "max_prompt_tokens",
                        "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls",
                        "response_format", "reasoning_effort"});
        auto& a = c.need_assistant(require_string(b, "assistant_id"));
        auto params = run_params_of(b, a);
        const bool stream = stream_flag(b);
        object_or_null(b, "tool_resources", nullptr);
        json::object th;
        if (const auto* tv = b.if_contains("thread"); tv && !tv->is_null()) {
            if (!tv->is_object())
                invalid_type("thread", "an object", *tv);
            th = tv->as_object();
            check_known(th, {"messages", "tool_resources", "metadata"});
        }
        std::vector<message_input> msgs;
        std::vector<std::size_t> bytes;
        if (const auto* m = th.if_contains("messages"); m && !m->is_null()) {
            if (!m->is_array())
                invalid_type("thread.messages", "an array", *m);
            for (std::size_t i = 0; i < m->as_array().size(); ++i) {
                msgs.push_back(
                    message_of(m->as_array()[i], "thread.messages[" + std::to_string(i) + "]", c.st));
                bytes.push_back(msgs.back().user_bytes);
            }
        }
        auto tool_resources = object_or_null(th, "tool_resources", json::object());
        auto metadata = metadata_of(th);
        thread_rec empty;
        if (!c.charge(params.model, c.st.estimate_tokens(empty, params, bytes)))
            return;
        auto& t = c.st.add_thread(std::move(tool_resources), std::move(metadata), c.now);
        for (auto& m : msgs)
            c.st.add_message(t, m.role, std::move(m.content), std::move(m.attachments), std::move(m.metadata),
                             c.now);
        auto& r = c.st.add_run(t, std::move(params), c.now);
        if (stream)
            return start_stream(c, r, true, false);
        return c.ok(c.st.render(r, r.created - 1));
    }
    case route::run_list: {
        auto& t = c.need_thread(c.p0);
        auto p = parse_list(c.route.query, 100, 20);
        c.res.body = list_body(t.runs, p, [&](const run_rec& r) { return c.st.render(r, c.now); });
        return;
    }
    case route::run_get: {
        auto& r = c.need_run(c.need_thread(c.p0), c.p1);
        c.suggest_poll_interval();
        return c.ok(c.st.render(r, c.now));
    }
    case route::run_modify: {
        auto& r = c.need_run(c.need_thread(c.p0), c.p1);
        auto b = parse_body(c.req.body);
        check_known(b, {"metadata"});
        r.metadata = metadata_of(b, r.metadata);
        return c.ok(c.st.render(r, c.now));
    }
    case route::run_cancel: {
        auto& r = c.need_run(c.need_thread(c.p0), c.p1);
        const auto st = r.status_at(c.now);
        if (st != run_status::queued && st != run_status::in_progress && st != run_status::requires_action)
            bad_request("Cannot cancel run with status '" + std::string(to_string(st)) + "'.");
        c.st.cancel_run(r, c.now);
        return c.ok(c.st.render(r, c.now));
    }
    case route::run_submit: {
        auto& r = c.need_run(c.need_thread(c.p0), c.p1);
        auto b = parse_body(c.req.body);
        check_known(b, {"tool_outputs", "stream"});
        const bool stream = stream_flag(b);
        const auto* outs = b.if_contains("tool_outputs");
        if (!outs)
            bad_request("Missing required parameter: 'tool_outputs'.", "tool_outputs",
                        "missing_required_parameter");
        if (!outs->is_array())
            invalid_type("tool_outputs", "an array", *outs);
        std::vector<std::pair<std::string, std::string>> outputs;
        for (std::size_t i = 0; i < outs->as_array().size(); ++i) {
            const auto& o = outs->as_array()[i];
            const std::string here = "tool_outputs[" + std::to_string(i) + "]";
            if (!o.is_object())
                invalid_type(here, "an object", o);
            check_known(o.as_object(), {"tool_call_id", "output"});
            const auto* id = o.as_object().if_contains("tool_call_id");
            const auto* out = o.as_object().if_contains("output");
            if (!id || !id->is_string())
                bad_request("Missing required parameter: '" + here + ".tool_call_id'.",
                            here + ".tool_call_id", "missing_required_parameter");
            if (out && !out->is_string())
                invalid_type(here + ".output", "a string", *out);
            outputs.emplace_back(std::string(id->as_string()), out ? std::string(out->as_string()) : "");
        }
        const auto st = r.status_at(c.now);
        if (st != run_status::requires_action)
            bad_request("Runs in status \"" + std::string(to_string(st)) + "\" do not accept tool outputs.");
        std::string expected, got;
        bool complete = true;
        for (const auto& c : r.calls) {
            expected += (expected.empty() ? "'" : ", '") + c.id + "'";
            if (std::none_of(outputs.begin(), outputs.end(), [&](const auto& o) { return o.first == c.id; }))
                complete = false;
        }
        for (const auto& o : outputs) {
            got += (got.empty() ? "'" : ", '") + o.first + "'";
            if (std::none_of(r.calls.begin(), r.calls.end(), [&](const auto& c) { return c.id == o.first; }))
                complete = false;
        }
        if (!complete)
            bad_request("Expected tool outputs for call_ids [" + expected + "], got [" + got + "]");
        c.st.submit_outputs(r, outputs, c.now);
        if (stream)
            return start_stream(c, r, false, true);
        return c.ok(c.st.render(r, c.now));
    }
    case route::step_list: {
        auto& r = c.need_run(c.need_thread(c.p0), c.p1);
        auto p = parse_list(c.route.query, 100, 20);
        c.res.body = list_body(r.steps, p, [&](const step_rec& s) { return c.st.render(s, c.now); });
        return;
    }
    case route::step_get: {
        auto& r = c.need_run(c.need_thread(c.p0), c.p1);
        auto* s = c.st.find_step(c.p2);
        if (!s || s->run != &r)
            not_found("run step", c.p2);
        return c.ok(c.st.render(*s, c.now));
    }
    }
    throw api_failure{404, "Invalid URL"};
}

} // namespace paced::emulator
