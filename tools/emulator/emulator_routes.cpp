// The emulator's own endpoints: GET /v1/emulator/stats and POST /v1/emulator/reset.

#include "context.hpp"

namespace paced::emulator {

void handle_emulator(request_context& c) {
    if (c.route.id == route::emu_reset) {
        c.st.clear();
        c.responses.state().clear();
        c.batches.clear();
        c.counters.reset();
        c.limiter.reset();
        c.res.body = R"({"object":"emulator.reset","ok":true})";
        return;
    }
    c.st.settle_all(c.now);
    c.responses.state().settle_all(c.now);
    json::object o;
    o["requests_total"] = c.counters.requests_total;
    json::object per;
    for (std::size_t i = 0; i < route::total; ++i)
        if (c.counters.per_route[i])
            per[route_name(static_cast<int>(i))] = c.counters.per_route[i];
    if (c.counters.per_route[route::total])
        per["unknown"] = c.counters.per_route[route::total];
    o["requests_per_route"] = std::move(per);
    o["rate_limited_429"] = c.counters.rate_limited;
    o["quota_refusals"] = c.counters.quota_refusals;
    o["max_requests_60s"] = c.counters.window_60s.max();
    o["max_requests_1s"] = c.counters.window_1s.max();
    o["runs_created"] = c.counters.runs_created;
    o["runs_completed"] = c.counters.runs_completed;
    o["runs_failed"] = c.counters.runs_failed;
    o["runs_cancelled"] = c.counters.runs_cancelled;
    o["runs_expired"] = c.counters.runs_expired;
    o["runs_open"] = c.st.open_runs();
    o["active_run_conflicts"] = c.counters.active_run_conflicts;
    o["connections_accepted"] = c.counters.connections_accepted;
    o["runs_per_thread_max"] = c.counters.runs_per_thread_max;
    o["run_inputs"] = c.counters.run_inputs;
    o["inputs_completed_more_than_once"] = c.counters.inputs_completed_more_than_once;
    o["live_runs_per_input_max"] = c.counters.live_runs_per_input_max;
    o["streams"] = c.counters.streams;
    o["responses_created"] = c.counters.responses_created;
    o["responses_completed"] = c.counters.responses_completed;
    o["responses_failed"] = c.counters.responses_failed;
    o["responses_cancelled"] = c.counters.responses_cancelled;
    o["responses_incomplete"] = c.counters.responses_incomplete;
    o["responses_open"] = c.responses.state().open_responses();
    o["conversation_locked"] = c.counters.conversation_locked;
    o["responses_duplicated"] = c.counters.responses_duplicated;
    c.batches.settle_all(c.now);
    o["batches_created"] = c.counters.batches_created;
    o["batch_lines"] = c.counters.batch_lines;
    o["batches_completed"] = c.counters.batches_completed;
    o["batches_not_completed"] = c.counters.batches_not_completed;
    o["webhooks"] = json::object{
        {"events", c.counters.webhook_events},       {"attempts", c.counters.webhook_attempts},
        {"delivered", c.counters.webhook_delivered}, {"refused", c.counters.webhook_refused},
        {"dropped", c.counters.webhook_dropped},     {"duplicated", c.counters.webhook_duplicated},
        {"late", c.counters.webhook_late},           {"bad_signature", c.counters.webhook_bad_signature},
        {"stale", c.counters.webhook_stale},         {"early", c.counters.webhook_early}};
    o["faults"] = json::object{{"server_error", c.counters.faults_5xx},
                               {"reset", c.counters.faults_reset},
                               {"slow", c.counters.faults_slow},
                               {"truncate", c.counters.faults_truncate}};
    c.res.body = json::serialize(o);
}

} // namespace paced::emulator
