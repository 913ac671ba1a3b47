#pragma once
// What an API area's handler is given (the request, the emulator's state, the lookups by id the areas
// share), and the handlers themselves: one function per area, each in the area's own file.

#include "api.hpp"
#include "batch_jobs.hpp"
#include "validate.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace paced::emulator {

/** @brief One request on its way through api::handle: an area's handler reads it and fills `res`. */
struct request_context {
    const config& cfg;
    store& st;
    stats& counters;
    rate_limiter& limiter;
    responses_api& responses; ///< the Responses and Conversations endpoints, with their own state
    batch_jobs& batches;      ///< the Batch API's state
    api_request& req;
    const route_match& route;
    api_response& res;
    ms_t now;                ///< wall clock at arrival: every timeline is looked at as of this moment
    std::int64_t steady = 0; ///< monotonic ns at arrival, for the rate limiter
    bool charged = false;    ///< the budgets were charged (an error answer after that is not charged again)
    std::string p0, p1, p2;  ///< the route's path parameters, in the pattern's order

    /** @brief A 200 answer with `v` as its body. */
    void ok(const json::value& v);
    /**
     * @brief Charges the route's budgets 1 request and `tokens` for `model` (empty: none named).
     * @return false when refused: `res` is then the 429 answer, to be returned as it is.
     */
    bool charge(std::string_view model, std::int64_t tokens);
    /** @brief Adds `openai-poll-after-ms` when --poll-after-ms asks for it (retrievals of pollable objects).
     */
    void suggest_poll_interval();

    // Objects by id, or the service's 404; threads and runs settled as of `now`.
    thread_rec& need_thread(const std::string& id);
    run_rec& need_run(thread_rec& t, const std::string& id);
    file_rec& need_file(const std::string& id);
    vector_store_rec& need_vector_store(const std::string& id);
    assistant_rec& need_assistant(const std::string& id);
};

/** @brief The `{id, object, deleted: true}` answer of a delete. */
json::object deleted_body(std::string_view id, std::string_view object);

// The areas, one file each (files.cpp, assistants.cpp, ...). Each handles the routes of its area in the
// route table; they throw api_failure for an error answer.
void handle_files(request_context& c);
void handle_assistants(request_context& c);
void handle_threads(request_context& c);
void handle_runs(request_context& c);
void handle_vector_stores(request_context& c);
void handle_responses(request_context& c);
void handle_batches(request_context& c);
void handle_emulator(request_context& c);

} // namespace paced::emulator
