#include "responses.hpp"

#include "api.hpp"
#include "context.hpp"
#include "lists.hpp"
#include "validate.hpp"

#include <algorithm>
#include <charconv>

namespace paced::emulator {

namespace {

constexpr std::string_view resp_routes[] = {
    "POST /v1/responses",
    "POST /v1/responses/input_tokens",
    "GET /v1/responses/{response_id}",
    "DELETE /v1/responses/{response_id}",
    "POST /v1/responses/{response_id}/cancel",
    "GET /v1/responses/{response_id}/input_items",
    "POST /v1/conversations",
    "GET /v1/conversations/{conversation_id}",
    "POST /v1/conversations/{conversation_id}",
    "DELETE /v1/conversations/{conversation_id}",
    "POST /v1/conversations/{conversation_id}/items",
    "GET /v1/conversations/{conversation_id}/items",
    "GET /v1/conversations/{conversation_id}/items/{item_id}",
    "DELETE /v1/conversations/{conversation_id}/items/{item_id}",
};

[[noreturn]] void response_not_found(std::string_view id) {
    throw api_failure{404, "Response with id '" + std::string(id) + "' not found.", "invalid_request_error"};
}

// An optional boolean-or-null field; `fallback` when absent or null.
bool opt_bool(const json::object& o, std::string_view field, bool fallback) {
    const auto* v = o.if_contains(field);
    if (!v || v->is_null())
        return fallback;
    if (!v->is_bool())
        invalid_type(field, "a boolean", *v);
    return v->as_bool();
}

// One of `allowed` (or null when `nullable`); the value as given, `fallback` when absent.
json::value opt_enum(const json::object& o, std::string_view field,
                     std::initializer_list<std::string_view> allowed, json::value fallback) {
    const auto* v = o.if_contains(field);
    if (!v || v->is_null())
        return fallback;
    if (!v->is_string())
        invalid_type(field, "a string", *v);
    if (std::find(allowed.begin(), allowed.end(), std::string_view(v->as_string())) == allowed.end()) {
        std::string list;
        std::size_t i = 0;
        for (auto a : allowed)
            list += (i++ == 0 ? "'" : (i == allowed.size() ? "', and '" : "', '")) + std::string(a);
        bad_request("Invalid value: '" + std::string(v->as_string()) + "'. Supported values are: " + list +
                        "'.",
                    std::string(field), "invalid_value");
    }
    return *v;
}

json::value opt_int(const json::object& o, std::string_view field, std::int64_t lo, std::int64_t hi) {
    const auto* v = o.if_contains(field);
    if (!v || v->is_null())
        return nullptr;
    if (!v->is_int64())
        invalid_type(field, "an integer", *v);
    const auto n = v->as_int64();
    if (n < lo)
        bad_request("Invalid '" + std::string(field) +
                        "': integer below minimum value. Expected a value >= " + std::to_string(lo) +
                        ", but got " + std::to_string(n) + " instead.",
                    std::string(field), "integer_below_min_value");
    if (n > hi)
        bad_request("Invalid '" + std::string(field) +
                        "': integer above maximum value. Expected a value <= " + std::to_string(hi) +
                        ", but got " + std::to_string(n) + " instead.",
                    std::string(field), "integer_above_max_value");
    return *v;
}

[[noreturn]] void missing(const std::string& field) {
    bad_request("Missing required parameter: '" + field + "'.", field, "missing_required_parameter");
}

// Message content: a string, or an array of content parts each with a `type` (text parts with `text`).
json::array content_of(const json::value& c, const std::string& here, bool assistant) {
    json::array parts;
    if (c.is_string()) {
        json::object p;
        p["type"] = assistant ? "output_text" : "input_text";
        p["text"] = c.as_string();
        if (assistant) {
            p["annotations"] = json::array();
            p["logprobs"] = json::array();
        }
        parts.push_back(std::move(p));
        return parts;
    }
    if (!c.is_array())
        invalid_type(here, "a string or an array", c);
    for (std::size_t i = 0; i < c.as_array().size(); ++i) {
        const auto& part = c.as_array()[i];
        const std::string at = here + "[" + std::to_string(i) + "]";
        if (!part.is_object())
            invalid_type(at, "an object", part);
        const auto& p = part.as_object();
        const auto* type = p.if_contains("type");
        if (!type)
            missing(at + ".type");
        static constexpr std::string_view kinds[] = {"input_text", "output_text", "refusal", "input_image",
                                                     "input_file"};
        if (!type->is_string() || std::find(std::begin(kinds), std::end(kinds),
                                            std::string_view(type->as_string())) == std::end(kinds))
            bad_request(
                "Invalid value: '" +
                    (type->is_string() ? std::string(type->as_string()) : json::serialize(*type)) +
                    "'. Supported values are: 'input_text', 'output_text', 'refusal', 'input_image', and "
                    "'input_file'.",
                at + ".type", "invalid_value");
        json::object out = p;
        if (*type == "input_text" || *type == "output_text") {
            const auto* text = p.if_contains("text");
            if (!text)
                missing(at + ".text");
            if (!text->is_string())
                invalid_type(at + ".text", "a string", *text);
            if (*type == "output_text") {
                if (!out.contains("annotations"))
                    out["annotations"] = json::array();
                if (!out.contains("logprobs"))
                    out["logprobs"] = json::array();
            }
        }
        parts.push_back(std::move(out));
    }
    return parts;
}

std::string require_item_string(const json::object& o, const std::string& here, std::string_view field) {
    const auto* v = o.if_contains(field);
    if (!v || v->is_null())
        missing(here + "." + std::string(field));
    if (!v->is_string())
        invalid_type(here + "." + std::string(field), "a string", *v);
    return std::string(v->as_string());
}

// The context a request continues: previous_response_id's chain or the conversation's items.
struct context_ref {
    std::vector<item_ptr> items;
    std::string previous_id;
    conversation_rec* conversation = nullptr;
};

context_ref context_of(const json::object& b, response_store& s, ms_t now) {
    context_ref ctx;
    const auto* prev = b.if_contains("previous_response_id");
    const auto* conv = b.if_contains("conversation");
    const bool has_prev = prev && !prev->is_null();
    const bool has_conv = conv && !conv->is_null();
    if (has_prev && !prev->is_string())
        invalid_type("previous_response_id", "a string", *prev);
    if (has_prev && has_conv)
        bad_request(
            "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' "
            "or 'conversation'.",
            "conversation", "mutually_exclusive_parameters");
    if (has_prev) {
        ctx.previous_id = std::string(prev->as_string());
        auto* p = s.find_response(ctx.previous_id);
        if (!p)
            bad_request("Previous response with id '" + ctx.previous_id + "' not found.",
                        "previous_response_id", "previous_response_not_found");
        s.settle(*p, now);
        ctx.items = s.chain_of(*p, now);
    }
    if (has_conv) {
        std::string id;
        if (conv->is_string()) {
            id = std::string(conv->as_string());
        } else if (conv->is_object()) {
            check_known(conv->as_object(), {"id"});
            id = require_item_string(conv->as_object(), "conversation", "id");
        } else {
            invalid_type("conversation", "a string or an object", *conv);
        }
        auto* c = s.find_conversation(id);
        if (!c)
            throw api_failure{404, "Conversation with id '" + id + "' not found.", "invalid_request_error",
                              "conversation"};
        s.settle(*c, now);
        ctx.conversation = c;
        ctx.items = c->items;
    }
    return ctx;
}

std::string instructions_of(const json::object& b) {
    const auto v = opt_string(b, "instructions");
    return v.is_string() ? std::string(v.as_string()) : std::string();
}

// Tools (ToolsArray): function tools need type, name, strict and parameters (SPEC FunctionTool); other
// tool types are echoed and never called.
json::array response_tools_of(const json::object& b) {
    const auto* v = b.if_contains("tools");
    if (!v || v->is_null())
        return {};
    if (!v->is_array())
        invalid_type("tools", "an array", *v);
    json::array out;
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
        const auto& t = v->as_array()[i];
        const std::string here = "tools[" + std::to_string(i) + "]";
        if (!t.is_object())
            invalid_type(here, "an object", t);
        const auto& o = t.as_object();
        const auto* type = o.if_contains("type");
        if (!type)
            missing(here + ".type");
        if (!type->is_string())
            invalid_type(here + ".type", "a string", *type);
        json::object tool = o;
        if (*type == "function") {
            check_known(o, {"type", "name", "description", "parameters", "strict", "output_schema",
                            "defer_loading", "allowed_callers"});
            const std::string name = require_item_string(o, here, "name");
            if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                }))
                bad_request("Invalid '" + here +
                                ".name': string does not match pattern. Expected a string that "
                                "matches the pattern '^[a-zA-Z0-9_-]+$'.",
                            here + ".name", "invalid_value");
            if (!o.contains("strict"))
                missing(here + ".strict");
            if (!o.at("strict").is_bool() && !o.at("strict").is_null())
                invalid_type(here + ".strict", "a boolean", o.at("strict"));
            if (!o.contains("parameters"))
                missing(here + ".parameters");
            if (!o.at("parameters").is_object() && !o.at("parameters").is_null())
                invalid_type(here + ".parameters", "an object", o.at("parameters"));
            if (const auto* d = o.if_contains("description"); d && !d->is_string() && !d->is_null())
                invalid_type(here + ".description", "a string", *d);
            if (!tool.contains("description"))
                tool["description"] = nullptr;
        }
        out.push_back(std::move(tool));
    }
    return out;
}

json::value tool_choice_of(const json::object& b, const json::array& tools) {
    const auto* v = b.if_contains("tool_choice");
    if (!v || v->is_null())
        return "auto";
    if (v->is_string())
        return opt_enum(b, "tool_choice", {"none", "auto", "required"}, "auto");
    if (!v->is_object())
        invalid_type("tool_choice", "a string or an object", *v);
    const auto& o = v->as_object();
    const auto* type = o.if_contains("type");
    if (!type)
        missing("tool_choice.type");
    if (!type->is_string())
        invalid_type("tool_choice.type", "a string", *type);
    if (*type == "function") {
        const std::string name = require_item_string(o, "tool_choice", "name");
        const bool known = std::any_of(tools.begin(), tools.end(), [&](const json::value& t) {
            return t.as_object().at("type") == "function" && t.as_object().at("name") == name.c_str();
        });
        if (!known)
            bad_request("Tool choice 'function' with name '" + name + "' not found in 'tools' parameter.",
                        "tool_choice", "invalid_value");
    }
    return *v;
}

json::value text_of(const json::object& b) {
    const auto* v = b.if_contains("text");
    json::object out{{"format", json::object{{"type", "text"}}}, {"verbosity", "medium"}};
    if (!v || v->is_null())
        return out;
    if (!v->is_object())
        invalid_type("text", "an object", *v);
    const auto& t = v->as_object();
    check_known(t, {"format", "verbosity"});
    if (const auto* f = t.if_contains("format"); f && !f->is_null()) {
        if (!f->is_object())
            invalid_type("text.format", "an object", *f);
        const auto& fo = f->as_object();
        const auto type = opt_enum(fo, "type", {"text", "json_schema", "json_object"}, nullptr);
        if (type.is_null())
            missing("text.format.type");
        if (type == "json_schema") {
            require_item_string(fo, "text.format", "name");
            const auto* schema = fo.if_contains("schema");
            if (!schema)
                missing("text.format.schema");
            if (!schema->is_object())
                invalid_type("text.format.schema", "an object", *schema);
        }
        out["format"] = fo;
    }
    out["verbosity"] = opt_enum(t, "verbosity", {"low", "medium", "high"}, "medium");
    return out;
}

json::value reasoning_of(const json::object& b) {
    const auto* v = b.if_contains("reasoning");
    json::object out{{"effort", nullptr}, {"summary", nullptr}};
    if (!v || v->is_null())
        return out;
    if (!v->is_object())
        invalid_type("reasoning", "an object", *v);
    const auto& r = v->as_object();
    out = r;
    out["effort"] =
        opt_enum(r, "effort", {"none", "minimal", "low", "medium", "high", "xhigh", "max"}, nullptr);
    out["summary"] = opt_enum(r, "summary", {"auto", "concise", "detailed"}, nullptr);
    return out;
}

json::value include_of(const json::object& b) {
    const auto* v = b.if_contains("include");
    if (!v || v->is_null())
        return nullptr;
    if (!v->is_array())
        invalid_type("include", "an array", *v);
    for (const auto& x : v->as_array())
        if (!x.is_string())
            invalid_type("include[]", "a string", x);
    return *v;
}

// The calls a response makes, mirroring runs (README "Runs"): one per function tool, with the last
// user message as arguments, unless this request answers calls (function_call_output items) or
// tool_choice forbids them; tool_choice {type: function} narrows them to that tool, and
// parallel_tool_calls false to the first.
std::vector<std::pair<std::string, std::string>> calls_of(const json::array& tools, const json::value& choice,
                                                          bool parallel, bool answers_calls,
                                                          const std::string& last_user) {
    std::vector<std::pair<std::string, std::string>> calls;
    if (answers_calls || choice == "none")
        return calls;
    if (choice.is_object() && choice.as_object().at("type") != "function")
        return calls;
    std::string input = last_user.substr(0, 200);
    json::object args;
    args["input"] = input;
    const std::string arguments = json::serialize(args);
    for (const auto& t : tools) {
        const auto& o = t.as_object();
        if (o.at("type") != "function")
            continue;
        const std::string name(o.at("name").as_string());
        if (choice.is_object() && choice.as_object().at("name") != name.c_str())
            continue;
        calls.emplace_back(name, arguments);
        if (!parallel)
            break;
    }
    return calls;
}

std::string output_text_of(const json::value& output) {
    std::string s;
    if (output.is_string())
        return std::string(output.as_string());
    if (output.is_array())
        for (const auto& p : output.as_array())
            if (p.is_object())
                if (const auto* t = p.as_object().if_contains("text"); t && t->is_string())
                    s += t->as_string();
    return s;
}

} // namespace

bool responses_api::handles(std::string_view route) {
    return std::find(std::begin(resp_routes), std::end(resp_routes), route) != std::end(resp_routes);
}

std::vector<item_ptr> input_items_of(const json::value& v, std::string_view field, response_store& s,
                                     std::size_t max_items) {
    std::vector<item_ptr> items;
    const std::string f(field);
    if (v.is_string()) {
        json::object msg;
        msg["type"] = "message";
        msg["role"] = "user";
        msg["content"] = content_of(v, f, false);
        msg["status"] = "completed";
        items.push_back(s.make_item(std::move(msg), "msg_"));
        return items;
    }
    if (!v.is_array())
        invalid_type(f, "a string or an array", v);
    const auto& a = v.as_array();
    if (a.size() > max_items)
        bad_request("Invalid '" + f + "': array too long. Expected an array with maximum length " +
                        std::to_string(max_items) + ", but got an array with length " +
                        std::to_string(a.size()) + " instead.",
                    f, "array_above_max_length");
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string here = f + "[" + std::to_string(i) + "]";
        if (!a[i].is_object())
            invalid_type(here, "an object", a[i]);
        const auto& o = a[i].as_object();
        const auto* type = o.if_contains("type");
        if (type && !type->is_string())
            invalid_type(here + ".type", "a string", *type);
        const std::string_view kind = type ? std::string_view(type->as_string()) : "message";
        json::object item;
        if (kind == "message") {
            check_known(o, {"type", "role", "content", "id", "status", "phase"});
            const auto* role = o.if_contains("role");
            if (!role)
                missing(here + ".role");
            if (*role != "user" && *role != "assistant" && *role != "system" && *role != "developer")
                bad_request(
                    "Invalid value: '" +
                        (role->is_string() ? std::string(role->as_string()) : json::serialize(*role)) +
                        "'. Supported values are: 'user', 'assistant', 'system', and 'developer'.",
                    here + ".role", "invalid_value");
            const auto* content = o.if_contains("content");
            if (!content)
                missing(here + ".content");
            item = o;
            item["type"] = "message";
            item["content"] = content_of(*content, here + ".content", *role == "assistant");
            if (!item.contains("status"))
                item["status"] = "completed";
            items.push_back(s.make_item(std::move(item), "msg_"));
        } else if (kind == "function_call") {
            check_known(o, {"type", "id", "call_id", "name", "arguments", "status", "namespace", "caller"});
            require_item_string(o, here, "call_id");
            require_item_string(o, here, "name");
            require_item_string(o, here, "arguments");
            item = o;
            if (!item.contains("status"))
                item["status"] = "completed";
            items.push_back(s.make_item(std::move(item), "fc_"));
        } else if (kind == "function_call_output") {
            check_known(o, {"type", "id", "call_id", "output", "status", "name", "namespace", "caller"});
            const std::string call_id = require_item_string(o, here, "call_id");
            if (call_id.size() > 64)
                bad_request("Invalid '" + here +
                                ".call_id': string too long. Expected a string with maximum length "
                                "64, but got a string with length " +
                                std::to_string(call_id.size()) + " instead.",
                            here + ".call_id", "string_above_max_length");
            const auto* out = o.if_contains("output");
            if (!out)
                missing(here + ".output");
            if (!out->is_string() && !out->is_array())
                invalid_type(here + ".output", "a string or an array", *out);
            item = o;
            if (!item.contains("status"))
                item["status"] = "completed";
            items.push_back(s.make_item(std::move(item), "fco_"));
        } else {
            // Valid in the API (reasoning, item_reference, hosted tool calls...), but nothing the emulator
            // produces or can resolve.
            bad_request("Invalid value: '" + std::string(kind) +
                            "'. The emulator supports the input item types 'message', 'function_call', and "
                            "'function_call_output'.",
                        here + ".type", "invalid_value");
        }
    }
    return items;
}

api_response responses_api::handle(std::string_view route, api_request& req, const route_match& m, ms_t now,
                                   api_response& res, const charge_fn& charge) {
    auto ok = [&](const json::value& v) {
        res.status = 200;
        res.body = json::serialize(v);
        return std::move(res);
    };
    const std::string id(m.params[0]);
    auto need = [&]() -> response_rec& {
        auto* r = store_.find_response(id);
        if (!r)
            response_not_found(id);
        store_.settle(*r, now);
        return *r;
    };
    if (route == "POST /v1/responses")
        return create(req, now, res, charge);
    if (route == "POST /v1/responses/input_tokens")
        return input_tokens(req, now, res);
    if (route == "GET /v1/responses/{response_id}") {
        auto& r = need();
        if (query_param(m.query, "stream") == "true") {
            if (!(r.background && r.stream))
                bad_request("Response with id '" + id +
                                "' was not created with background=true and stream=true, so it cannot be "
                                "streamed again.",
                            "stream");
            std::int64_t after = -1;
            if (has_query_param(m.query, "starting_after")) {
                const std::string v = query_param(m.query, "starting_after");
                auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), after);
                if (ec != std::errc() || p != v.data() + v.size())
                    bad_request("Invalid 'starting_after': expected an integer, but got '" + v + "' instead.",
                                "starting_after", "invalid_type");
                if (after < 0)
                    bad_request(
                        "Invalid 'starting_after': integer below minimum value. Expected a value >= 0, "
                        "but got " +
                            std::to_string(after) + " instead.",
                        "starting_after", "integer_below_min_value");
            }
            ++stats_.streams;
            res.status = 200;
            res.content_type = "text/event-stream; charset=utf-8";
            res.stream = std::make_unique<response_event_source>(store_, cfg_, r.id, after);
            return std::move(res);
        }
        if (cfg_.poll_after_ms > 0)
            res.headers.push_back({"openai-poll-after-ms", std::to_string(cfg_.poll_after_ms)});
        return ok(store_.render(r, now));
    }
    if (route == "DELETE /v1/responses/{response_id}") {
        need();
        store_.delete_response(id);
        return ok(deleted_body(id, "response.deleted"));
    }
    if (route == "POST /v1/responses/{response_id}/cancel") {
        auto& r = need();
        if (!r.background)
            bad_request("Only responses created with background=true can be cancelled.");
        const auto st = r.status_at(now);
        if (is_terminal(st) && st != response_status::cancelled)
            bad_request("Cannot cancel a " + std::string(to_string(st)) + " response.");
        // Cancelling twice is idempotent: the second answer is the same cancelled object (BG guide).
        store_.cancel(r, now);
        return ok(store_.render(r, now));
    }
    if (route == "GET /v1/responses/{response_id}/input_items") {
        auto& r = need();
        auto p = parse_list(m.query, 100, 20, false);
        auto body = list_body(r.input, p, [](const item_rec& i) { return i.body; });
        res.status = 200;
        res.body = std::move(body);
        return std::move(res);
    }
    return conversations(route, req, m, now, res);
}

api_response responses_api::create(api_request& req, ms_t now, api_response& res, const charge_fn& charge) {
    auto b = parse_body(req.body);
    check_known(b, {"background",
                    "context_management",
                    "conversation",
                    "include",
                    "input",
                    "instructions",
                    "max_output_tokens",
                    "max_tool_calls",
                    "metadata",
                    "model",
                    "moderation",
                    "parallel_tool_calls",
                    "previous_response_id",
                    "prompt",
                    "prompt_cache_key",
                    "prompt_cache_options",
                    "prompt_cache_retention",
                    "reasoning",
                    "safety_identifier",
                    "service_tier",
                    "store",
                    "stream",
                    "stream_options",
                    "temperature",
                    "text",
                    "tool_choice",
                    "tools",
                    "top_logprobs",
                    "top_p",
                    "truncation",
                    "user"});
    response_store::response_params p;
    p.model = require_string(b, "model");
    p.background = opt_bool(b, "background", false);
    p.stream = opt_bool(b, "stream", false);
    p.stored = opt_bool(b, "store", true);
    if (p.background && !p.stored)
        bad_request("Background sampling requires store=true.", "background");
    if (const auto* so = b.if_contains("stream_options"); so && !so->is_null()) {
        if (!so->is_object())
            invalid_type("stream_options", "an object", *so);
        check_known(so->as_object(), {"include_obfuscation"});
        opt_bool(so->as_object(), "include_obfuscation", true);
    }
    json::object& e = p.echo;
    e["instructions"] = opt_string(b, "instructions");
    p.instructions = instructions_of(b);
    auto tools = response_tools_of(b);
    e["tool_choice"] = tool_choice_of(b, tools);
    const bool parallel = opt_bool(b, "parallel_tool_calls", true);
    e["parallel_tool_calls"] = parallel;
    e["max_output_tokens"] = opt_int(b, "max_output_tokens", 16, INT64_MAX);
    p.max_output_tokens = e["max_output_tokens"].is_int64() ? e["max_output_tokens"].as_int64() : 0;
    e["max_tool_calls"] = opt_int(b, "max_tool_calls", 1, INT64_MAX);
    e["metadata"] = metadata_of(b);
    e["temperature"] = opt_number(b, "temperature", 0, 2, 1.0);
    e["top_p"] = opt_number(b, "top_p", 0, 1, 1.0);
    e["top_logprobs"] = opt_int(b, "top_logprobs", 0, 20);
    if (e["top_logprobs"].is_null())
        e["top_logprobs"] = 0;
    e["text"] = text_of(b);
    e["reasoning"] = reasoning_of(b);
    e["truncation"] = opt_enum(b, "truncation", {"auto", "disabled"}, "disabled");
    include_of(b);
    // The tier actually used is echoed: the default one for `auto`.
    auto tier = opt_enum(b, "service_tier",
                         {"auto", "default", "flex", "scale", "priority", "fast", "ultrafast"}, "default");
    e["service_tier"] = tier == "auto" ? json::value("default") : tier;
    e["prompt_cache_key"] = opt_string(b, "prompt_cache_key");
    e["safety_identifier"] = opt_string(b, "safety_identifier");
    if (e["safety_identifier"].is_string() && e["safety_identifier"].as_string().size() > 64)
        bad_request(
            "Invalid 'safety_identifier': string too long. Expected a string with maximum length 64, but got "
            "a string with length " +
                std::to_string(e["safety_identifier"].as_string().size()) + " instead.",
            "safety_identifier", "string_above_max_length");
    opt_string(b, "user");
    e["background"] = p.background;
    e["store"] = p.stored;

    auto ctx = context_of(b, store_, now);
    e["previous_response_id"] = ctx.previous_id.empty() ? json::value(nullptr) : json::value(ctx.previous_id);
    if (const auto* in = b.if_contains("input"); in && !in->is_null())
        p.input = input_items_of(*in, "input", store_);

    // Every function_call_output answers a function_call the model made before: in the chain, on the
    // conversation, or earlier in this input (a stateless replay of the history).
    std::vector<const json::object*> seen_calls;
    for (const auto& i : ctx.items)
        if (i->body.at("type") == "function_call")
            seen_calls.push_back(&i->body);
    bool answers_calls = false;
    for (const auto& i : p.input) {
        const auto& item = i->body;
        if (item.at("type") == "function_call") {
            seen_calls.push_back(&item);
        } else if (item.at("type") == "function_call_output") {
            answers_calls = true;
            const auto& call_id = item.at("call_id");
            auto call = std::find_if(seen_calls.begin(), seen_calls.end(),
                                     [&](const json::object* c) { return c->at("call_id") == call_id; });
            if (call == seen_calls.end())
                bad_request("No tool call found for function call output with call_id " +
                                std::string(call_id.as_string()) + ".",
                            "input");
            p.tool_outputs.emplace_back(std::string((*call)->at("name").as_string()),
                                        output_text_of(item.at("output")));
        }
    }
    std::string last_user;
    for (const auto* list : {&ctx.items, &p.input})
        for (const auto& i : *list) {
            const auto text = user_text(i->body);
            if (text.empty())
                continue;
            last_user = text;
            if (!p.reply_input.empty())
                p.reply_input += '\n';
            p.reply_input += text;
        }
    p.calls = calls_of(tools, e["tool_choice"], parallel, answers_calls, last_user);
    e["tools"] = std::move(tools);

    if (ctx.conversation) {
        if (!ctx.conversation->active_response.empty()) {
            ++stats_.conversation_locked;
            bad_request("Another process is currently operating on this conversation. Please retry in a few "
                        "seconds.",
                        "conversation", "conversation_locked");
        }
        p.conversation_id = ctx.conversation->id;
    }
    p.context = std::move(ctx.items);

    // The token charge, as for a run: the prompt estimate (the whole context, billed again with
    // previous_response_id) plus the output allowance.
    std::size_t bytes = p.instructions.size();
    for (const auto* list : {&p.context, &p.input})
        for (const auto& i : *list)
            bytes += item_bytes(i->body);
    const std::int64_t estimate =
        ceil_div(static_cast<std::int64_t>(bytes), 4) + (p.max_output_tokens > 0 ? p.max_output_tokens : 256);
    if (!charge(p.model, estimate))
        return std::move(res);

    auto& r = store_.add_response(std::move(p), now);
    if (r.stream) {
        ++stats_.streams;
        res.status = 200;
        res.content_type = "text/event-stream; charset=utf-8";
        res.stream = std::make_unique<response_event_source>(store_, cfg_, r.id, -1);
        return std::move(res);
    }
    res.status = 200;
    if (r.background) {
        // The creation answer shows the response as just queued, whatever --run-ms is.
        res.body = json::serialize(store_.render(r, r.created));
    } else {
        // A synchronous response is answered when it has ended, --run-ms later, as the service does.
        res.body = json::serialize(store_.render(r, r.end));
        res.send_at = r.end;
    }
    return std::move(res);
}

api_response responses_api::input_tokens(api_request& req, ms_t now, api_response& res) {
    auto b = parse_body(req.body);
    check_known(b, {"conversation", "input", "instructions", "model", "parallel_tool_calls", "personality",
                    "previous_response_id", "reasoning", "text", "tool_choice", "tools", "truncation"});
    opt_string(b, "model");
    auto tools = response_tools_of(b);
    tool_choice_of(b, tools);
    opt_bool(b, "parallel_tool_calls", true);
    text_of(b);
    reasoning_of(b);
    opt_enum(b, "truncation", {"auto", "disabled"}, "disabled");
    auto ctx = context_of(b, store_, now);
    std::vector<item_ptr> input;
    if (const auto* in = b.if_contains("input"); in && !in->is_null())
        input = input_items_of(*in, "input", store_);
    std::size_t bytes = instructions_of(b).size();
    for (const auto* list : {&ctx.items, &input})
        for (const auto& i : *list)
            bytes += item_bytes(i->body);
    json::object o;
    o["object"] = "response.input_tokens";
    o["input_tokens"] = ceil_div(static_cast<std::int64_t>(bytes), 4);
    res.status = 200;
    res.body = json::serialize(o);
    return std::move(res);
}

void handle_responses(request_context& c) {
    auto charge = [&c](const std::string& model, std::int64_t tokens) { return c.charge(model, tokens); };
    c.res = c.responses.handle(route_name(c.route.id), c.req, c.route, c.now, c.res, charge);
}

} // namespace paced::emulator
