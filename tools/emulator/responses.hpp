#pragma once
// The Responses (`/v1/responses*`) and Conversations (`/v1/conversations*`) endpoints: validation of
// their requests against the OpenAPI schemas (CreateResponse, CreateConversationBody, ...), the handlers
// (responses.cpp, conversations.cpp) and the SSE source of a streamed response (response_events.cpp).
// api.cpp routes to responses_api::handle after authentication, faults and the rate limit's request
// charge, as for every other route; POST /v1/responses charges its own tokens (the charge callback).

#include "config.hpp"
#include "event_source.hpp"
#include "response_store.hpp"
#include "stats.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace paced::emulator {

struct api_request;
struct api_response;
struct route_match;

/** @brief One event of a response's stream, due at `due` (Unix ms); sequence numbers are its index. */
struct timed_event {
    ms_t due = 0;
    json::object data; ///< with `type`, without `sequence_number`
};

/**
 * @brief Every event of the response's stream, in order: the same list whenever it is asked for (so that
 * a replay with `starting_after` continues exactly), except that a cancellation drops the events due after
 * it. Keepalive events (--responses-keepalive-ms) fill the gaps, each with its own sequence number.
 */
std::vector<timed_event> response_events(const response_store& s, const response_rec& r, const config& cfg);

/** @brief The SSE stream of one response, from the event after `starting_after` (-1: from the first). */
class response_event_source : public event_source {
public:
    response_event_source(response_store& s, const config& cfg, std::string response_id,
                          std::int64_t starting_after)
        : store_(s), cfg_(cfg), id_(std::move(response_id)), next_(starting_after + 1) {}
    output poll(store& unused, ms_t now) override;

private:
    response_store& store_;
    const config& cfg_;
    std::string id_;
    std::int64_t next_;
    ms_t built_for_ = -1; ///< the `cancelled` time the cached list was built for
    std::vector<timed_event> events_;
};

/**
 * @brief Input items (InputParam: a string, or an array of EasyInputMessage, function_call and
 * function_call_output items) as item resources with ids. `field` names them in 400 messages.
 * @par Errors
 * Throws api_failure (400) on a malformed item.
 */
std::vector<item_ptr> input_items_of(const json::value& v, std::string_view field, response_store& s,
                                     std::size_t max_items = SIZE_MAX);

/** @brief The handlers. Thread safety: single-threaded (the server's io_context). */
class responses_api {
public:
    /// Charges the rate limit for a request naming `model` with `tokens`; false when refused (the
    /// answer, a 429, is then already in the api_response given to handle()).
    using charge_fn = std::function<bool(const std::string& model, std::int64_t tokens)>;

    responses_api(const config& cfg, stats& st, id_generator& ids)
        : cfg_(cfg), stats_(st), store_(cfg, st, ids) {}

    /** @brief Whether `route` ("METHOD /v1/pattern") is one of these endpoints. */
    static bool handles(std::string_view route);
    /**
     * @brief Answers one request. `res` carries the headers of the charge already made; the answer is
     * moved out of it.
     * @par Errors
     * Throws api_failure for every 4xx answer (api.cpp writes the error body).
     */
    api_response handle(std::string_view route, api_request& req, const route_match& m, ms_t now,
                        api_response& res, const charge_fn& charge);

    response_store& state() { return store_; }

private:
    api_response create(api_request& req, ms_t now, api_response& res, const charge_fn& charge);
    api_response input_tokens(api_request& req, ms_t now, api_response& res);
    api_response conversations(std::string_view route, api_request& req, const route_match& m, ms_t now,
                               api_response& res);

    const config& cfg_;
    stats& stats_;
    response_store store_;
};

} // namespace paced::emulator
