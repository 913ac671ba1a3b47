#include "store.hpp"

#include "reply.hpp"

#include <algorithm>
#include <cstdint>

namespace paced::emulator {

namespace {
constexpr ms_t run_expiry_ms = 600'000; // OpenAI's examples: expires_at = created_at + 10 minutes
constexpr ms_t max_cancel_delay_ms = 50;

json::value secs(ms_t t) {
    return t == never ? json::value(nullptr) : json::value(t / 1000);
}

template <class T>
void erase_ptr(std::vector<T*>& v, const T* p) {
    v.erase(std::remove(v.begin(), v.end(), p), v.end());
}

json::object text_part(std::string_view value) {
    json::object text;
    text["value"] = value;
    text["annotations"] = json::array();
    json::object part;
    part["type"] = "text";
    part["text"] = std::move(text);
    return part;
}
} // namespace

const char* to_string(run_status s) {
    switch (s) {
    case run_status::queued:
        return "queued";
    case run_status::in_progress:
        return "in_progress";
    case run_status::requires_action:
        return "requires_action";
    case run_status::cancelling:
        return "cancelling";
    case run_status::cancelled:
        return "cancelled";
    case run_status::failed:
        return "failed";
    case run_status::completed:
        return "completed";
    case run_status::expired:
        return "expired";
    }
    return "queued";
}

bool is_terminal(run_status s) {
    return s == run_status::cancelled || s == run_status::failed || s == run_status::completed ||
           s == run_status::expired;
}

std::string assistant_rec::model() const {
    auto it = fields.find("model");
    return it != fields.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                         : std::string();
}

std::string assistant_rec::instructions() const {
    auto it = fields.find("instructions");
    return it != fields.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                         : std::string();
}

run_status run_rec::status_at(ms_t t) const {
    if (t >= cancel_req)
        return t >= cancel_done ? run_status::cancelled : run_status::cancelling;
    if (t < start)
        return run_status::queued;
    if (action != never && submitted == never) {
        if (t < action)
            return run_status::in_progress;
        return t >= expires ? run_status::expired : run_status::requires_action;
    }
    if (t < end)
        return run_status::in_progress;
    return fail ? run_status::failed : run_status::completed;
}

ms_t run_rec::terminal_time() const {
    if (cancel_req != never)
        return cancel_done;
    if (action != never && submitted == never)
        return expires;
    return end;
}

std::string vs_file_rec::status_at(ms_t t) const {
    if (t >= cancelled && cancelled < done)
        return "cancelled";
    return t >= done ? "completed" : "in_progress";
}

store::store(const config& cfg, stats& st)
    : ids(cfg.seed), cfg_(cfg), stats_(st), rng_(cfg.seed ^ 0x5eedULL) {}

#define PACED_FIND(fn, map, type)                                                                            \
    type* store::fn(const std::string& id) {                                                                 \
        auto it = map.find(id);                                                                              \
        return it == map.end() ? nullptr : it->second.get();                                                 \
    }
PACED_FIND(find_file, files_, file_rec)
PACED_FIND(find_assistant, assistants_, assistant_rec)
PACED_FIND(find_thread, threads_, thread_rec)
PACED_FIND(find_message, messages_, message_rec)
PACED_FIND(find_run, runs_, run_rec)
PACED_FIND(find_step, steps_, step_rec)
PACED_FIND(find_vector_store, vector_stores_, vector_store_rec)
#undef PACED_FIND

file_rec& store::add_file(std::string filename, std::string purpose, std::string data,
                          std::int64_t expires_at, ms_t now) {
    auto f = std::make_unique<file_rec>();
    f->id = ids.next("file-");
    f->filename = std::move(filename);
    f->purpose = std::move(purpose);
    f->data = std::move(data);
    f->created = now;
    f->expires_at = expires_at;
    auto* p = f.get();
    files_.emplace(p->id, std::move(f));
    file_order_.push_back(p);
    return *p;
}

void store::delete_file(const std::string& id) {
    auto it = files_.find(id);
    if (it == files_.end())
        return;
    erase_ptr(file_order_, it->second.get());
    files_.erase(it);
}

assistant_rec& store::add_assistant(json::object fields, ms_t now) {
    auto a = std::make_unique<assistant_rec>();
    a->id = ids.next("asst_");
    a->created = now;
    a->fields = std::move(fields);
    auto* p = a.get();
    assistants_.emplace(p->id, std::move(a));
    assistant_order_.push_back(p);
    return *p;
}

void store::delete_assistant(const std::string& id) {
    auto it = assistants_.find(id);
    if (it == assistants_.end())
        return;
    erase_ptr(assistant_order_, it->second.get());
    assistants_.erase(it);
}

thread_rec& store::add_thread(json::value tool_resources, json::value metadata, ms_t now) {
    auto t = std::make_unique<thread_rec>();
    t->id = ids.next("thread_");
    t->created = now;
    t->tool_resources = std::move(tool_resources);
    t->metadata = std::move(metadata);
    auto* p = t.get();
    threads_.emplace(p->id, std::move(t));
    return *p;
}

void store::delete_thread(const std::string& id) {
    auto it = threads_.find(id);
    if (it == threads_.end())
        return;
    thread_rec& t = *it->second;
    for (auto* m : t.messages)
        messages_.erase(m->id);
    for (auto* r : t.runs) {
        for (auto* s : r->steps)
            steps_.erase(s->id);
        if (!r->finished)
            leave_input(*r, false);
        open_runs_.erase(r);
        runs_.erase(r->id);
    }
    threads_.erase(it);
}

message_rec& store::add_message(thread_rec& t, std::string role, json::array content, json::value attachments,
                                json::value metadata, ms_t now) {
    auto m = std::make_unique<message_rec>();
    m->id = ids.next("msg_");
    m->thread = &t;
    m->created = now;
    m->role = std::move(role);
    // One text part per line, like the other parts of the reply function's input: the words of two
    // parts never run together.
    for (const auto& part : content) {
        const auto& o = part.as_object();
        if (o.at("type") != "text")
            continue;
        if (!m->text.empty())
            m->text += '\n';
        m->text += o.at("text").at("value").as_string();
    }
    m->content = std::move(content);
    m->attachments = std::move(attachments);
    m->metadata = std::move(metadata);
    auto* p = m.get();
    messages_.emplace(p->id, std::move(m));
    t.messages.push_back(p);
    return *p;
}

void store::delete_message(const std::string& id) {
    auto it = messages_.find(id);
    if (it == messages_.end())
        return;
    erase_ptr(it->second->thread->messages, it->second.get());
    if (it->second->run && it->second->run->message == it->second.get())
        it->second->run->message = nullptr;
    messages_.erase(it);
}

std::size_t store::context_messages(const json::value& truncation) {
    if (!truncation.is_object())
        return SIZE_MAX;
    const auto& t = truncation.as_object();
    const auto* type = t.if_contains("type");
    const auto* n = t.if_contains("last_messages");
    if (!type || *type != "last_messages" || !n || !n->is_int64() || n->as_int64() < 1)
        return SIZE_MAX;
    return static_cast<std::size_t>(n->as_int64());
}

std::string store::input_of(const thread_rec& t, std::size_t* raw_bytes, std::size_t last) const {
    // The reply function's input: every user message's text followed by its attached files' bytes, one
    // part per line so that words never run together across parts, over the messages the run's context
    // keeps (its truncation strategy). Token counts use the raw bytes.
    std::string in;
    std::size_t bytes = 0;
    auto add = [&](std::string_view part) {
        if (!in.empty())
            in += '\n';
        in += part;
        bytes += part.size();
    };
    const std::size_t first = t.messages.size() > last ? t.messages.size() - last : 0;
    for (std::size_t i = first; i < t.messages.size(); ++i) {
        const auto* m = t.messages[i];
        if (m->role != "user")
            continue;
        add(m->text);
        if (m->attachments.is_array()) {
            for (const auto& a : m->attachments.as_array()) {
                const auto* id = a.as_object().if_contains("file_id");
                if (!id || !id->is_string())
                    continue;
                auto it = files_.find(std::string(id->as_string()));
                if (it != files_.end())
                    add(it->second->data);
            }
        }
    }
    if (raw_bytes)
        *raw_bytes = bytes;
    return in;
}

std::int64_t store::estimate_tokens(const thread_rec& t, const run_params& p,
                                    const std::vector<std::size_t>& extra_user_bytes) const {
    // The context keeps the newest messages: the ones still to be added come last.
    std::size_t room = context_messages(p.truncation_strategy);
    std::size_t input_bytes = 0;
    for (auto it = extra_user_bytes.rbegin(); it != extra_user_bytes.rend() && room > 0; ++it, --room)
        input_bytes += *it;
    if (room > 0) {
        std::size_t thread_bytes = 0;
        input_of(t, &thread_bytes, room);
        input_bytes += thread_bytes;
    }
    const auto bytes =
        static_cast<std::int64_t>(input_bytes + p.instructions.size() + p.additional_instructions.size());
    const std::int64_t completion =
        p.max_completion_tokens.is_int64() ? p.max_completion_tokens.as_int64() : std::int64_t{256};
    return ceil_div(bytes, 4) + completion;
}

ms_t store::draw_duration() {
    ms_t d = cfg_.run_ms;
    if (cfg_.run_jitter_ms > 0)
        d += std::uniform_int_distribution<ms_t>(-cfg_.run_jitter_ms, cfg_.run_jitter_ms)(rng_);
    return std::max<ms_t>(0, d);
}

run_rec& store::add_run(thread_rec& t, run_params p, ms_t now) {
    auto r = std::make_unique<run_rec>();
    r->id = ids.next("run_");
    r->thread = &t;
    r->assistant_id = std::move(p.assistant_id);
    r->model = std::move(p.model);
    r->instructions =
        p.instructions + (p.additional_instructions.empty() ? "" : "\n" + p.additional_instructions);
    r->tools = std::move(p.tools);
    r->metadata = std::move(p.metadata);
    r->temperature = std::move(p.temperature);
    r->top_p = std::move(p.top_p);
    r->max_prompt_tokens = std::move(p.max_prompt_tokens);
    r->max_completion_tokens = std::move(p.max_completion_tokens);
    r->truncation_strategy = std::move(p.truncation_strategy);
    r->tool_choice = std::move(p.tool_choice);
    r->parallel_tool_calls = std::move(p.parallel_tool_calls);
    r->response_format = std::move(p.response_format);

    std::size_t input_bytes = 0;
    const std::string input = input_of(t, &input_bytes, context_messages(r->truncation_strategy));
    const auto c = classify(input);
    r->reply = c.text;
    r->input_hash = fnv1a(input);
    r->prompt_tokens = ceil_div(
        static_cast<std::int64_t>(input_bytes + p.instructions.size() + p.additional_instructions.size()), 4);
    const ms_t d = draw_duration();
    const std::uint64_t seq = ++run_seq_;
    // Transient: each run draws anew, so a new run of the same input may succeed. Permanent: the draw
    // depends on the input alone, so every run of it fails.
    const std::uint64_t draw = cfg_.fault_run_fail_permanent
                                   ? fnv1a(input, mix64(cfg_.seed ^ 0x9e3779b97f4a7c15ULL))
                                   : mix64(cfg_.seed * 0x2545f4914f6cdd1dULL + seq);
    r->fail =
        cfg_.fault_run_fail > 0 && static_cast<double>(mix64(draw) >> 11) * 0x1.0p-53 < cfg_.fault_run_fail;
    r->created = now;
    r->duration = d;
    r->start = now + d / 10;
    r->expires = now + run_expiry_ms;

    // One call per function tool; arguments carry the last user message (a JSON string, as OpenAI sends).
    std::string last_user;
    for (const auto* m : t.messages)
        if (m->role == "user")
            last_user = m->text;
    if (last_user.size() > 200)
        last_user.resize(200);
    for (const auto& tool : r->tools) {
        const auto& o = tool.as_object();
        if (o.at("type") != "function")
            continue;
        const auto* fn = o.if_contains("function");
        const auto* name = fn && fn->is_object() ? fn->as_object().if_contains("name") : nullptr;
        json::object args;
        args["input"] = last_user;
        r->calls.push_back({ids.next("call_"),
                            name && name->is_string() ? std::string(name->as_string()) : "",
                            json::serialize(args), std::nullopt});
    }
    if (!r->calls.empty()) {
        r->action = now + d / 2;
    } else {
        r->gen_start = r->start;
        r->end = now + d;
    }
    auto* p_run = r.get();
    runs_.emplace(p_run->id, std::move(r));
    t.runs.push_back(p_run);
    t.active = p_run;
    ++t.runs_created;
    open_runs_.insert(p_run);
    ++stats_.runs_created;
    stats_.runs_per_thread_max = std::max(stats_.runs_per_thread_max, t.runs_created);
    count_input(*p_run, now);
    return *p_run;
}

void store::count_input(run_rec& r, ms_t now) {
    auto [it, fresh] = inputs_.try_emplace(r.input_hash);
    if (fresh)
        ++stats_.run_inputs;
    // Runs end lazily (settle): bring the input's other runs up to now before counting them as live.
    const std::vector<run_rec*> others = it->second.live;
    for (auto* other : others)
        settle(*other, now);
    auto& live = inputs_.at(r.input_hash).live;
    live.push_back(&r);
    stats_.live_runs_per_input_max = std::max<std::uint64_t>(stats_.live_runs_per_input_max, live.size());
}

void store::leave_input(run_rec& r, bool completed) {
    auto it = inputs_.find(r.input_hash);
    if (it == inputs_.end())
        return;
    erase_ptr(it->second.live, &r);
    if (completed && ++it->second.completed == 2)
        ++stats_.inputs_completed_more_than_once;
}

void store::submit_outputs(run_rec& r, const std::vector<std::pair<std::string, std::string>>& outputs,
                           ms_t now) {
    std::vector<std::pair<std::string, std::string>> named;
    for (auto& call : r.calls) {
        for (const auto& o : outputs)
            if (o.first == call.id)
                call.output = o.second;
        named.emplace_back(call.name, call.output.value_or(""));
    }
    r.reply = with_tool_outputs(r.reply, named);
    r.submitted = now;
    r.gen_start = now;
    r.end = now + (r.duration - r.duration / 2);
}

void store::cancel_run(run_rec& r, ms_t now) {
    r.cancel_req = now;
    r.cancel_done = now + std::clamp<ms_t>(r.duration / 4, 1, max_cancel_delay_ms);
}

void store::settle(run_rec& r, ms_t now) {
    if (r.finished)
        return;
    if (r.action != never && !r.tool_step && now >= r.action && r.cancel_req > r.action) {
        auto s = std::make_unique<step_rec>();
        s->id = ids.next("step_");
        s->run = &r;
        s->tool = true;
        s->created = r.action;
        r.tool_step = s.get();
        r.steps.push_back(s.get());
        steps_.emplace(s->id, std::move(s));
    }
    if (r.gen_start != never && !r.msg_step && !r.fail && now >= r.gen_start && r.cancel_req > r.gen_start) {
        auto& m = add_message(*r.thread, "assistant", json::array(), nullptr, json::object(), r.gen_start);
        m.assistant_id = r.assistant_id;
        m.run = &r;
        m.generated = true;
        m.attachments = json::array();
        r.message = &m;
        auto s = std::make_unique<step_rec>();
        s->id = ids.next("step_");
        s->run = &r;
        s->created = r.gen_start;
        s->message_id = m.id;
        r.msg_step = s.get();
        r.steps.push_back(s.get());
        steps_.emplace(s->id, std::move(s));
    }
    const auto st = r.status_at(now);
    if (is_terminal(st)) {
        r.finished = true;
        open_runs_.erase(&r);
        leave_input(r, st == run_status::completed);
        if (r.thread->active == &r)
            r.thread->active = nullptr;
        switch (st) {
        case run_status::completed:
            ++stats_.runs_completed;
            break;
        case run_status::failed:
            ++stats_.runs_failed;
            break;
        case run_status::cancelled:
            ++stats_.runs_cancelled;
            break;
        case run_status::expired:
            ++stats_.runs_expired;
            break;
        default:
            break;
        }
    }
}

void store::settle(thread_rec& t, ms_t now) {
    if (t.active)
        settle(*t.active, now);
}

void store::settle_all(ms_t now) {
    std::vector<run_rec*> open(open_runs_.begin(), open_runs_.end());
    for (auto* r : open)
        settle(*r, now);
}

vector_store_rec& store::add_vector_store(json::value name, json::value description,
                                          json::value expires_after, json::value metadata, ms_t now) {
    auto v = std::make_unique<vector_store_rec>();
    v->id = ids.next("vs_");
    v->created = now;
    v->name = std::move(name);
    v->description = std::move(description);
    v->expires_after = std::move(expires_after);
    v->metadata = std::move(metadata);
    auto* p = v.get();
    vector_stores_.emplace(p->id, std::move(v));
    vs_order_.push_back(p);
    return *p;
}

void store::delete_vector_store(const std::string& id) {
    auto it = vector_stores_.find(id);
    if (it == vector_stores_.end())
        return;
    erase_ptr(vs_order_, it->second.get());
    vector_stores_.erase(it);
}

vs_file_rec& store::attach_file(vector_store_rec& vs, const file_rec& f, json::value attributes,
                                json::value chunking, std::string batch_id, ms_t now) {
    if (auto it = vs.file_map.find(f.id); it != vs.file_map.end())
        detach_file(vs, f.id);
    auto v = std::make_unique<vs_file_rec>();
    v->id = f.id;
    v->vector_store_id = vs.id;
    v->batch_id = std::move(batch_id);
    v->created = now;
    // Indexing takes --run-ms, like a run.
    v->done = now + cfg_.run_ms;
    v->bytes = static_cast<std::int64_t>(f.data.size());
    v->attributes = std::move(attributes);
    v->chunking_strategy = std::move(chunking);
    auto* p = v.get();
    vs.file_map.emplace(p->id, std::move(v));
    vs.files.push_back(p);
    return *p;
}

void store::detach_file(vector_store_rec& vs, const std::string& file_id) {
    auto it = vs.file_map.find(file_id);
    if (it == vs.file_map.end())
        return;
    erase_ptr(vs.files, it->second.get());
    vs.file_map.erase(it);
}

batch_rec& store::add_batch(vector_store_rec& vs, ms_t now) {
    auto b = std::make_unique<batch_rec>();
    b->id = ids.next("vsfb_");
    b->vector_store_id = vs.id;
    b->created = now;
    auto* p = b.get();
    vs.batches.emplace(p->id, std::move(b));
    return *p;
}

void store::clear() {
    files_.clear();
    file_order_.clear();
    assistants_.clear();
    assistant_order_.clear();
    open_runs_.clear();
    inputs_.clear();
    steps_.clear();
    runs_.clear();
    messages_.clear();
    threads_.clear();
    vector_stores_.clear();
    vs_order_.clear();
    ids.reset();
    run_seq_ = 0;
    rng_.seed(cfg_.seed ^ 0x5eedULL);
}

// ---- rendering -----------------------------------------------------------------------------------------

json::object store::render(const file_rec& f) const {
    json::object o;
    o["id"] = f.id;
    o["object"] = "file";
    o["bytes"] = static_cast<std::int64_t>(f.data.size());
    o["created_at"] = f.created / 1000;
    // OpenAIFile types expires_at as an integer and status_details as a string, neither nullable nor
    // required: absent values are left out rather than written as null.
    if (f.expires_at)
        o["expires_at"] = f.expires_at;
    o["filename"] = f.filename;
    o["purpose"] = f.purpose;
    o["status"] = "processed";
    return o;
}

json::object store::render(const assistant_rec& a) const {
    json::object o;
    o["id"] = a.id;
    o["object"] = "assistant";
    o["created_at"] = a.created / 1000;
    for (const auto& kv : a.fields)
        o[kv.key()] = kv.value();
    return o;
}

json::object store::render(const thread_rec& t) const {
    json::object o;
    o["id"] = t.id;
    o["object"] = "thread";
    o["created_at"] = t.created / 1000;
    o["tool_resources"] = t.tool_resources;
    o["metadata"] = t.metadata;
    return o;
}

json::object store::render(const message_rec& m, ms_t t) const {
    json::object o;
    o["id"] = m.id;
    o["object"] = "thread.message";
    o["created_at"] = m.created / 1000;
    o["assistant_id"] = m.assistant_id.empty() ? json::value(nullptr) : json::value(m.assistant_id);
    o["thread_id"] = m.thread->id;
    o["run_id"] = m.run ? json::value(m.run->id) : json::value(nullptr);
    o["role"] = m.role;
    json::value status = "completed", completed_at = m.created / 1000, incomplete_at = nullptr,
                incomplete_details = nullptr;
    json::array content = m.content;
    if (m.generated && m.run) {
        const run_rec& r = *m.run;
        if (r.cancel_req != never && r.cancel_req < r.end && t >= r.cancel_req) {
            status = "incomplete";
            completed_at = nullptr;
            incomplete_at = r.cancel_req / 1000;
            incomplete_details = json::object{{"reason", "run_cancelled"}};
        } else if (t >= r.end) {
            completed_at = r.end / 1000;
            content.push_back(text_part(r.reply));
        } else {
            status = "in_progress";
            completed_at = nullptr;
        }
    }
    o["content"] = std::move(content);
    o["status"] = std::move(status);
    o["completed_at"] = std::move(completed_at);
    o["incomplete_at"] = std::move(incomplete_at);
    o["incomplete_details"] = std::move(incomplete_details);
    o["attachments"] = m.attachments.is_null() ? json::value(json::array()) : m.attachments;
    o["metadata"] = m.metadata;
    return o;
}

json::object store::render(const run_rec& r, ms_t t) const {
    const auto st = r.status_at(t);
    json::object o;
    o["id"] = r.id;
    o["object"] = "thread.run";
    o["created_at"] = r.created / 1000;
    o["assistant_id"] = r.assistant_id;
    o["thread_id"] = r.thread->id;
    o["status"] = to_string(st);
    o["started_at"] =
        (t >= r.start && r.cancel_req > r.start) ? json::value(r.start / 1000) : json::value(nullptr);
    o["expires_at"] = is_terminal(st) ? json::value(nullptr) : json::value(r.expires / 1000);
    o["cancelled_at"] = st == run_status::cancelled ? secs(r.cancel_done) : json::value(nullptr);
    o["failed_at"] = st == run_status::failed ? secs(r.end) : json::value(nullptr);
    o["completed_at"] = st == run_status::completed ? secs(r.end) : json::value(nullptr);
    if (st == run_status::requires_action) {
        json::array calls;
        for (const auto& c : r.calls) {
            json::object fn;
            fn["name"] = c.name;
            fn["arguments"] = c.arguments;
            json::object call;
            call["id"] = c.id;
            call["type"] = "function";
            call["function"] = std::move(fn);
            calls.push_back(std::move(call));
        }
        json::object sto;
        sto["tool_calls"] = std::move(calls);
        json::object ra;
        ra["type"] = "submit_tool_outputs";
        ra["submit_tool_outputs"] = std::move(sto);
        o["required_action"] = std::move(ra);
    } else {
        o["required_action"] = nullptr;
    }
    if (st == run_status::failed) {
        json::object e;
        e["code"] = "server_error";
        e["message"] = "Sorry, something went wrong.";
        o["last_error"] = std::move(e);
    } else {
        o["last_error"] = nullptr;
    }
    o["model"] = r.model;
    o["instructions"] = r.instructions;
    o["tools"] = r.tools;
    o["tool_resources"] = json::object();
    o["metadata"] = r.metadata;
    o["temperature"] = r.temperature;
    o["top_p"] = r.top_p;
    o["reasoning_effort"] = nullptr;
    o["max_prompt_tokens"] = r.max_prompt_tokens;
    o["max_completion_tokens"] = r.max_completion_tokens;
    o["truncation_strategy"] = r.truncation_strategy;
    o["incomplete_details"] = nullptr;
    o["tool_choice"] = r.tool_choice;
    o["parallel_tool_calls"] = r.parallel_tool_calls;
    o["response_format"] = r.response_format;
    if (is_terminal(st)) {
        const std::int64_t completion = st == run_status::completed ? r.completion_tokens() : 0;
        json::object u;
        u["prompt_tokens"] = r.prompt_tokens;
        u["completion_tokens"] = completion;
        u["total_tokens"] = r.prompt_tokens + completion;
        o["usage"] = std::move(u);
    } else {
        o["usage"] = nullptr;
    }
    return o;
}

json::object store::render(const step_rec& s, ms_t t) const {
    const run_rec& r = *s.run;
    const auto run_st = r.status_at(t);
    std::string status = "in_progress";
    ms_t done_at = never;
    if (s.tool) {
        if (r.submitted != never && t >= r.submitted) {
            status = "completed";
            done_at = r.submitted;
        }
    } else if (t >= r.end && r.cancel_req >= r.end) {
        status = "completed";
        done_at = r.end;
    }
    json::value cancelled_at = nullptr, expired_at = nullptr;
    if (status == "in_progress" && run_st == run_status::cancelled) {
        status = "cancelled";
        cancelled_at = r.cancel_done / 1000;
    } else if (status == "in_progress" && run_st == run_status::expired) {
        status = "expired";
        expired_at = r.expires / 1000;
    }
    json::object o;
    o["id"] = s.id;
    o["object"] = "thread.run.step";
    o["created_at"] = s.created / 1000;
    o["run_id"] = r.id;
    o["assistant_id"] = r.assistant_id;
    o["thread_id"] = r.thread->id;
    o["type"] = s.tool ? "tool_calls" : "message_creation";
    o["status"] = status;
    o["cancelled_at"] = std::move(cancelled_at);
    o["completed_at"] = secs(done_at);
    o["expired_at"] = std::move(expired_at);
    o["failed_at"] = nullptr;
    o["last_error"] = nullptr;
    json::object details;
    if (s.tool) {
        json::array calls;
        std::int64_t arg_bytes = 0;
        for (const auto& c : r.calls) {
            json::object fn;
            fn["name"] = c.name;
            fn["arguments"] = c.arguments;
            fn["output"] =
                (c.output && status == "completed") ? json::value(*c.output) : json::value(nullptr);
            arg_bytes += static_cast<std::int64_t>(c.arguments.size());
            json::object call;
            call["id"] = c.id;
            call["type"] = "function";
            call["function"] = std::move(fn);
            calls.push_back(std::move(call));
        }
        details["type"] = "tool_calls";
        details["tool_calls"] = std::move(calls);
        if (status == "completed") {
            json::object u;
            u["prompt_tokens"] = r.prompt_tokens;
            u["completion_tokens"] = ceil_div(arg_bytes, 4);
            u["total_tokens"] = r.prompt_tokens + ceil_div(arg_bytes, 4);
            o["usage"] = std::move(u);
        } else {
            o["usage"] = nullptr;
        }
    } else {
        details["type"] = "message_creation";
        details["message_creation"] = json::object{{"message_id", s.message_id}};
        if (status == "completed") {
            json::object u;
            u["prompt_tokens"] = r.prompt_tokens;
            u["completion_tokens"] = r.completion_tokens();
            u["total_tokens"] = r.prompt_tokens + r.completion_tokens();
            o["usage"] = std::move(u);
        } else {
            o["usage"] = nullptr;
        }
    }
    o["step_details"] = std::move(details);
    o["metadata"] = json::object();
    return o;
}

json::object store::file_counts(const vector_store_rec& v, const std::vector<std::string>* only,
                                ms_t t) const {
    std::int64_t in_progress = 0, completed = 0, cancelled = 0, total = 0;
    auto count = [&](const vs_file_rec& f) {
        const auto s = f.status_at(t);
        ++total;
        if (s == "completed")
            ++completed;
        else if (s == "cancelled")
            ++cancelled;
        else
            ++in_progress;
    };
    if (only) {
        for (const auto& id : *only)
            if (auto it = v.file_map.find(id); it != v.file_map.end())
                count(*it->second);
    } else {
        for (const auto* f : v.files)
            count(*f);
    }
    json::object c;
    c["in_progress"] = in_progress;
    c["completed"] = completed;
    c["failed"] = 0;
    c["cancelled"] = cancelled;
    c["total"] = total;
    return c;
}

json::object store::render(const vector_store_rec& v, ms_t t) const {
    json::object o;
    o["id"] = v.id;
    o["object"] = "vector_store";
    o["created_at"] = v.created / 1000;
    o["name"] = v.name.is_null() ? json::value("") : v.name;
    o["description"] = v.description;
    std::int64_t usage = 0;
    for (const auto* f : v.files)
        if (f->status_at(t) == "completed")
            usage += f->bytes;
    o["usage_bytes"] = usage;
    auto counts = file_counts(v, nullptr, t);
    o["status"] = counts["in_progress"].as_int64() > 0 ? "in_progress" : "completed";
    o["file_counts"] = std::move(counts);
    o["last_active_at"] = v.created / 1000;
    if (v.expires_after.is_object()) {
        o["expires_after"] = v.expires_after;
        const auto* days = v.expires_after.as_object().if_contains("days");
        o["expires_at"] = days && days->is_int64() ? json::value(v.created / 1000 + days->as_int64() * 86400)
                                                   : json::value(nullptr);
    } else {
        o["expires_at"] = nullptr;
    }
    o["metadata"] = v.metadata;
    return o;
}

json::object store::render(const vs_file_rec& f, ms_t t) const {
    json::object o;
    o["id"] = f.id;
    o["object"] = "vector_store.file";
    o["usage_bytes"] = f.status_at(t) == "completed" ? f.bytes : 0;
    o["created_at"] = f.created / 1000;
    o["vector_store_id"] = f.vector_store_id;
    o["status"] = f.status_at(t);
    o["last_error"] = nullptr;
    o["chunking_strategy"] =
        f.chunking_strategy.is_null()
            ? json::value(json::object{
                  {"type", "static"},
                  {"static", json::object{{"max_chunk_size_tokens", 800}, {"chunk_overlap_tokens", 400}}}})
            : f.chunking_strategy;
    o["attributes"] = f.attributes.is_null() ? json::value(json::object()) : f.attributes;
    return o;
}

json::object store::render(const batch_rec& b, const vector_store_rec& v, ms_t t) const {
    json::object o;
    o["id"] = b.id;
    o["object"] = "vector_store.files_batch";
    o["created_at"] = b.created / 1000;
    o["vector_store_id"] = b.vector_store_id;
    auto counts = file_counts(v, &b.file_ids, t);
    if (t >= b.cancelled)
        o["status"] = counts["in_progress"].as_int64() > 0 ? "cancelling" : "cancelled";
    else
        o["status"] = counts["in_progress"].as_int64() > 0 ? "in_progress" : "completed";
    o["file_counts"] = std::move(counts);
    return o;
}

} // namespace paced::emulator
