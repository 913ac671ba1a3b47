// The lookups and answers every API area's handler shares (see context.hpp).

#include "context.hpp"

namespace paced::emulator {

void request_context::ok(const json::value& v) {
    res.status = 200;
    res.body = json::serialize(v);
}

bool request_context::charge(std::string_view model, std::int64_t tokens) {
    charged = true;
    auto d = limiter.charge(model, tokens, steady, route_name(route.id));
    if (!d.admitted) {
        ++counters.rate_limited;
        res.status = 429;
        res.body = std::move(d.body);
        res.headers = std::move(d.headers);
        return false;
    }
    res.headers = std::move(d.headers);
    return true;
}

void request_context::suggest_poll_interval() {
    if (cfg.poll_after_ms > 0)
        res.headers.push_back({"openai-poll-after-ms", std::to_string(cfg.poll_after_ms)});
}

thread_rec& request_context::need_thread(const std::string& id) {
    auto* t = st.find_thread(id);
    if (!t)
        not_found("thread", id);
    st.settle(*t, now);
    return *t;
}

run_rec& request_context::need_run(thread_rec& t, const std::string& id) {
    auto* r = st.find_run(id);
    if (!r || r->thread != &t)
        not_found("run", id);
    st.settle(*r, now);
    return *r;
}

file_rec& request_context::need_file(const std::string& id) {
    auto* f = st.find_file(id);
    if (!f)
        throw api_failure{404, "No such File object: " + id, "invalid_request_error", "id"};
    return *f;
}

vector_store_rec& request_context::need_vector_store(const std::string& id) {
    auto* v = st.find_vector_store(id);
    if (!v)
        not_found("vector store", id);
    return *v;
}

assistant_rec& request_context::need_assistant(const std::string& id) {
    auto* a = st.find_assistant(id);
    if (!a)
        not_found("assistant", id);
    return *a;
}

json::object deleted_body(std::string_view id, std::string_view object) {
    json::object o;
    o["id"] = id;
    o["object"] = object;
    o["deleted"] = true;
    return o;
}

} // namespace paced::emulator
