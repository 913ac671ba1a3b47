#include "response_store.hpp"

#include "reply.hpp"

#include <algorithm>

namespace paced::emulator {

namespace {
json::value resp_secs(ms_t t) {
    return json::value(t / 1000);
}

// A uniform draw in [0, 1) from a 64-bit value (the runs' fault draw, store.cpp, does the same).
double unit_of(std::uint64_t x) {
    return static_cast<double>(mix64(x) >> 11) * 0x1.0p-53;
}

std::string parts_text(const json::value& content, bool user_only_text) {
    std::string out;
    if (content.is_string())
        return std::string(content.as_string());
    if (!content.is_array())
        return out;
    for (const auto& p : content.as_array()) {
        if (!p.is_object())
            continue;
        const auto* type = p.as_object().if_contains("type");
        const auto* text = p.as_object().if_contains("text");
        if (!type || !text || !text->is_string())
            continue;
        if (user_only_text && *type != "input_text")
            continue;
        if (!out.empty())
            out += '\n';
        out += text->as_string();
    }
    return out;
}
} // namespace

const char* to_string(response_status s) {
    switch (s) {
    case response_status::queued:
        return "queued";
    case response_status::in_progress:
        return "in_progress";
    case response_status::completed:
        return "completed";
    case response_status::failed:
        return "failed";
    case response_status::cancelled:
        return "cancelled";
    case response_status::incomplete:
        return "incomplete";
    }
    return "queued";
}

bool is_terminal(response_status s) {
    return s != response_status::queued && s != response_status::in_progress;
}

response_status response_rec::status_at(ms_t t) const {
    if (t >= cancelled)
        return response_status::cancelled;
    if (t < start)
        return background ? response_status::queued : response_status::in_progress;
    if (t < end)
        return response_status::in_progress;
    switch (ending) {
    case response_ending::completed:
        return response_status::completed;
    case response_ending::incomplete:
        return response_status::incomplete;
    case response_ending::server_error:
    case response_ending::rate_limited:
        return response_status::failed;
    }
    return response_status::completed;
}

std::size_t item_bytes(const json::object& item) {
    const auto* type = item.if_contains("type");
    if (!type || *type == "message") {
        const auto* c = item.if_contains("content");
        return c ? parts_text(*c, false).size() : 0;
    }
    if (*type == "function_call") {
        const auto* a = item.if_contains("arguments");
        return a && a->is_string() ? a->as_string().size() : 0;
    }
    if (*type == "function_call_output") {
        const auto* o = item.if_contains("output");
        return o ? parts_text(*o, false).size() : 0;
    }
    return 0;
}

std::string user_text(const json::object& item) {
    const auto* type = item.if_contains("type");
    const auto* role = item.if_contains("role");
    if ((type && *type != "message") || !role || *role != "user")
        return {};
    const auto* c = item.if_contains("content");
    return c ? parts_text(*c, true) : std::string();
}

response_store::response_store(const config& cfg, stats& st, id_generator& ids)
    : cfg_(cfg), stats_(st), ids_(ids), rng_(cfg.seed ^ 0x7e5b0ULL) {}

response_rec* response_store::find_response(const std::string& id) {
    auto* r = find_any_response(id);
    return r && r->stored ? r : nullptr;
}

response_rec* response_store::find_any_response(const std::string& id) {
    auto it = responses_.find(id);
    return it == responses_.end() ? nullptr : it->second.get();
}

conversation_rec* response_store::find_conversation(const std::string& id) {
    auto it = conversations_.find(id);
    return it == conversations_.end() ? nullptr : it->second.get();
}

item_ptr response_store::make_item(json::object body, std::string_view prefix) {
    auto item = std::make_shared<item_rec>();
    const auto* id = body.if_contains("id");
    item->id =
        id && id->is_string() && !id->as_string().empty() ? std::string(id->as_string()) : ids_.next(prefix);
    // The id first, as the API writes its items.
    item->body["id"] = item->id;
    for (auto& kv : body)
        if (kv.key() != "id")
            item->body[kv.key()] = std::move(kv.value());
    return item;
}

ms_t response_store::draw_duration() {
    ms_t d = cfg_.run_ms;
    if (cfg_.run_jitter_ms > 0)
        d += std::uniform_int_distribution<ms_t>(-cfg_.run_jitter_ms, cfg_.run_jitter_ms)(rng_);
    return std::max<ms_t>(0, d);
}

response_rec& response_store::add_response(response_params p, ms_t now) {
    auto r = std::make_unique<response_rec>();
    r->id = ids_.next("resp_");
    r->model = std::move(p.model);
    r->echo = std::move(p.echo);
    r->conversation_id = std::move(p.conversation_id);
    r->background = p.background;
    r->stream = p.stream;
    r->stored = p.stored;
    r->context = std::move(p.context);
    r->input = std::move(p.input);

    // Usage: the whole context is input again (the chain of previous_response_id is billed in full);
    // what came before this request is what the server has seen already, the cached share.
    std::size_t context_bytes = 0, input_bytes = 0;
    for (const auto& i : r->context)
        context_bytes += item_bytes(i->body);
    for (const auto& i : r->input)
        input_bytes += item_bytes(i->body);
    r->input_tokens =
        ceil_div(static_cast<std::int64_t>(context_bytes + input_bytes + p.instructions.size()), 4);
    r->cached_tokens = static_cast<std::int64_t>(context_bytes / 4);

    // The output: the function calls when the response makes them, else the reply message (the runs'
    // reply function over the user text, plus the outputs this request answers calls with).
    if (!p.calls.empty()) {
        std::size_t arg_bytes = 0;
        for (auto& [name, arguments] : p.calls) {
            json::object call;
            call["type"] = "function_call";
            call["status"] = "completed";
            call["arguments"] = arguments;
            call["call_id"] = ids_.next("call_");
            call["name"] = name;
            arg_bytes += arguments.size();
            r->output.push_back(make_item(std::move(call), "fc_"));
        }
        r->output_tokens = ceil_div(static_cast<std::int64_t>(arg_bytes), 4);
    } else {
        std::string text = with_tool_outputs(classify(p.reply_input).text, p.tool_outputs);
        r->output_tokens = ceil_div(static_cast<std::int64_t>(text.size()), 4);
        if (p.max_output_tokens > 0 && r->output_tokens > p.max_output_tokens) {
            text.resize(static_cast<std::size_t>(p.max_output_tokens) * 4);
            r->output_tokens = p.max_output_tokens;
            r->ending = response_ending::incomplete;
        }
        json::object part;
        part["type"] = "output_text";
        part["text"] = text;
        part["annotations"] = json::array();
        part["logprobs"] = json::array();
        json::object msg;
        msg["type"] = "message";
        msg["status"] = r->ending == response_ending::incomplete ? "incomplete" : "completed";
        msg["role"] = "assistant";
        msg["content"] = json::array{std::move(part)};
        r->output.push_back(make_item(std::move(msg), "msg_"));
    }

    // Faults, as for runs: background responses only (a synchronous one would be a 500 instead).
    const std::uint64_t seq = ++seq_;
    const std::uint64_t draw = cfg_.fault_run_fail_permanent
                                   ? fnv1a(p.reply_input, mix64(cfg_.seed ^ 0x3c6ef372fe94f82bULL))
                                   : mix64(cfg_.seed * 0x2545f4914f6cdd1dULL + seq + 0x51ed270b27ULL);
    if (r->background) {
        if (cfg_.fault_run_fail > 0 && unit_of(draw) < cfg_.fault_run_fail)
            r->ending = response_ending::server_error;
        else if (cfg_.fault_response_rate_limited > 0 &&
                 unit_of(draw ^ 0xa54ff53a5f1d36f1ULL) < cfg_.fault_response_rate_limited)
            r->ending = response_ending::rate_limited;
    }

    const ms_t d = draw_duration();
    r->created = now;
    r->start = now + d / 10;
    r->end = now + d;

    const auto* meta = r->echo.if_contains("metadata");
    if (meta && meta->is_object())
        if (const auto* tag = meta->as_object().if_contains("paced_request_id"); tag && tag->is_string()) {
            r->tag = std::string(tag->as_string());
            if (!tags_.insert(r->tag).second)
                ++stats_.responses_duplicated;
        }
    ++stats_.responses_created;
    auto* rec = r.get();
    responses_.emplace(rec->id, std::move(r));
    open_.insert(rec);
    if (auto* c = find_conversation(rec->conversation_id))
        c->active_response = rec->id;
    return *rec;
}

void response_store::delete_response(const std::string& id) {
    auto it = responses_.find(id);
    if (it == responses_.end())
        return;
    open_.erase(it->second.get());
    if (auto* c = find_conversation(it->second->conversation_id); c && c->active_response == id)
        c->active_response.clear();
    responses_.erase(it);
}

void response_store::cancel(response_rec& r, ms_t now) {
    if (!is_terminal(r.status_at(now)))
        r.cancelled = now;
    settle(r, now);
}

std::vector<item_ptr> response_store::chain_of(const response_rec& r, ms_t now) {
    std::vector<item_ptr> items = r.context;
    items.insert(items.end(), r.input.begin(), r.input.end());
    const auto st = r.status_at(now);
    if (st == response_status::completed || st == response_status::incomplete)
        items.insert(items.end(), r.output.begin(), r.output.end());
    return items;
}

conversation_rec& response_store::add_conversation(json::value metadata, std::vector<item_ptr> items,
                                                   ms_t now) {
    auto c = std::make_unique<conversation_rec>();
    c->id = ids_.next("conv_");
    c->created = now;
    c->metadata = std::move(metadata);
    c->items = std::move(items);
    auto* p = c.get();
    conversations_.emplace(p->id, std::move(c));
    return *p;
}

void response_store::delete_conversation(const std::string& id) {
    conversations_.erase(id);
}

namespace {

/// The webhook event of a background response that ends (or will end) in `st`.
pending_webhook ended_event(const response_rec& r, response_status st) {
    return {std::string("response.") + to_string(st), r.id, std::min(r.cancelled, r.end)};
}

} // namespace

void response_store::settle(response_rec& r, ms_t now) {
    if (r.finished)
        return;
    const auto st = r.status_at(now);
    if (!is_terminal(st))
        return;
    r.finished = true;
    open_.erase(&r);
    if (r.background && !cfg_.webhook_url.empty())
        webhooks_.push_back(ended_event(r, st));
    if (auto* c = find_conversation(r.conversation_id)) {
        // "Input items and output items from this response are automatically added to this
        // conversation" once it has produced them (SPEC ConversationParam).
        if (st == response_status::completed || st == response_status::incomplete) {
            c->items.insert(c->items.end(), r.input.begin(), r.input.end());
            c->items.insert(c->items.end(), r.output.begin(), r.output.end());
        }
        if (c->active_response == r.id)
            c->active_response.clear();
    }
    switch (st) {
    case response_status::completed:
        ++stats_.responses_completed;
        break;
    case response_status::failed:
        ++stats_.responses_failed;
        break;
    case response_status::cancelled:
        ++stats_.responses_cancelled;
        break;
    case response_status::incomplete:
        ++stats_.responses_incomplete;
        break;
    default:
        break;
    }
}

void response_store::settle(conversation_rec& c, ms_t now) {
    if (c.active_response.empty())
        return;
    if (auto* r = find_any_response(c.active_response))
        settle(*r, now);
    else
        c.active_response.clear();
}

std::vector<pending_webhook> response_store::ends_by(ms_t t) const {
    std::vector<pending_webhook> out;
    for (const auto* r : open_) {
        const auto st = r->status_at(t);
        if (r->background && is_terminal(st))
            out.push_back(ended_event(*r, st));
    }
    return out;
}

void response_store::settle_all(ms_t now) {
    std::vector<response_rec*> open(open_.begin(), open_.end());
    for (auto* r : open)
        settle(*r, now);
}

void response_store::clear() {
    responses_.clear();
    conversations_.clear();
    open_.clear();
    tags_.clear();
    webhooks_.clear();
    seq_ = 0;
    rng_.seed(cfg_.seed ^ 0x7e5b0ULL);
}

json::object response_store::usage(const response_rec& r, response_status st) const {
    const bool produced = st == response_status::completed || st == response_status::incomplete;
    const std::int64_t output = produced ? r.output_tokens : 0;
    json::object in;
    in["cached_tokens"] = r.cached_tokens;
    in["cache_write_tokens"] = 0;
    json::object out;
    out["reasoning_tokens"] = 0; // the emulator does not reason
    json::object u;
    u["input_tokens"] = r.input_tokens;
    u["input_tokens_details"] = std::move(in);
    u["output_tokens"] = output;
    u["output_tokens_details"] = std::move(out);
    u["total_tokens"] = r.input_tokens + output;
    return u;
}

json::object response_store::render(const response_rec& r, ms_t t) const {
    const auto st = r.status_at(t);
    json::object o;
    o["id"] = r.id;
    o["object"] = "response";
    o["created_at"] = resp_secs(r.created);
    o["status"] = to_string(st);
    o["background"] = r.background;
    o["completed_at"] = st == response_status::completed ? resp_secs(r.end) : json::value(nullptr);
    if (st == response_status::failed) {
        json::object e;
        if (r.ending == response_ending::rate_limited) {
            e["code"] = "rate_limit_exceeded";
            e["message"] = "Rate limit reached for " + r.model +
                           " in organization org-emulator on tokens per min (TPM). Please try again in 1s.";
        } else {
            e["code"] = "server_error";
            e["message"] = "The server had an error while processing your request. Sorry about that!";
        }
        o["error"] = std::move(e);
    } else {
        o["error"] = nullptr;
    }
    o["incomplete_details"] = st == response_status::incomplete
                                  ? json::value(json::object{{"reason", "max_output_tokens"}})
                                  : json::value(nullptr);
    for (const auto& kv : r.echo)
        o[kv.key()] = kv.value();
    o["model"] = r.model;
    json::array output;
    if (st == response_status::completed || st == response_status::incomplete)
        for (const auto& i : r.output)
            output.push_back(i->body);
    o["output"] = std::move(output);
    o["conversation"] = r.conversation_id.empty() ? json::value(nullptr)
                                                  : json::value(json::object{{"id", r.conversation_id}});
    // OpenAI sends usage null until the response has ended (SPEC's stream example); a cancelled
    // response has none either.
    o["usage"] = is_terminal(st) && st != response_status::cancelled ? json::value(usage(r, st))
                                                                     : json::value(nullptr);
    return o;
}

json::object response_store::render(const conversation_rec& c) const {
    json::object o;
    o["id"] = c.id;
    o["object"] = "conversation";
    o["created_at"] = resp_secs(c.created);
    o["metadata"] = c.metadata;
    return o;
}

} // namespace paced::emulator
