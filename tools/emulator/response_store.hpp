#pragma once
// In-memory state of the Responses and Conversations endpoints. As for runs (store.hpp), a response's
// timeline is fixed when it is created and its status is computed from timestamps on access
// (status_at(t)); what its end changes elsewhere (the conversation's items, the stats) is applied lazily
// by settle(). Items (input, output, conversation) are shared between the objects that list them.

#include "config.hpp"
#include "stats.hpp"
#include "util.hpp"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace paced::emulator {

/** @brief One item (message, function_call, function_call_output) as the API lists it, with its id. */
struct item_rec {
    std::string id;
    json::object body; ///< the item resource, `id` included
};
using item_ptr = std::shared_ptr<const item_rec>;

enum class response_status { queued, in_progress, completed, failed, cancelled, incomplete };
const char* to_string(response_status s);
bool is_terminal(response_status s);

/** @brief How a response ends when nobody cancels it (drawn or computed at creation). */
enum class response_ending { completed, incomplete, server_error, rate_limited };

struct response_rec {
    std::string id;
    std::string model;
    json::object echo; ///< the request settings the object shows (tools, text, metadata, ...)
    std::string conversation_id;
    std::string tag; ///< metadata.paced_request_id, when given
    bool background = false;
    bool stream = false;
    bool stored = true;

    std::vector<item_ptr> context; ///< what came before this request: the chain or the conversation
    std::vector<item_ptr> input;   ///< this request's input items
    std::vector<item_ptr> output;  ///< shown once the response has ended completed or incomplete

    // The timeline (Unix ms): queued (background) until start, in_progress until end.
    ms_t created = 0, start = 0, end = 0, cancelled = never;
    response_ending ending = response_ending::completed;
    std::int64_t input_tokens = 0, cached_tokens = 0, output_tokens = 0;
    bool finished = false; ///< terminal and counted in the stats

    response_status status_at(ms_t t) const;
};

struct conversation_rec {
    std::string id;
    ms_t created = 0;
    json::value metadata = json::object();
    std::vector<item_ptr> items; ///< creation order
    std::string active_response; ///< the response operating on it until it ends ("" = none)
};

/** @brief A webhook event due for a background response that ended (`response.completed`, ...). */
struct pending_webhook {
    std::string type;        ///< e.g. `response.completed`
    std::string response_id; ///< the event's `data.id`
    ms_t ended = 0;          ///< when the response ended (the event's `created_at`)
};

/** @brief Responses and conversations. Thread safety: single-threaded (the server's io_context). */
class response_store {
public:
    response_store(const config& cfg, stats& st, id_generator& ids);

    /** @brief A stored response (store=false ones are not found), nullptr when absent. */
    response_rec* find_response(const std::string& id);
    /** @brief Any response, stored or not (the stream of a store=false response follows it too). */
    response_rec* find_any_response(const std::string& id);
    conversation_rec* find_conversation(const std::string& id);

    /** @brief The validated creation request (responses.cpp fills it). */
    struct response_params {
        std::string model;
        json::object echo;
        std::string conversation_id;
        bool background = false, stream = false, stored = true;
        std::vector<item_ptr> context, input;
        std::string instructions;
        std::vector<std::pair<std::string, std::string>> calls; ///< function calls to make: name, arguments
        std::vector<std::pair<std::string, std::string>> tool_outputs; ///< name, output (answered calls)
        std::string reply_input; ///< the reply function's input: the user text of context and input
        std::int64_t max_output_tokens = 0; ///< 0 = no limit
    };
    /** @brief Creates the response and fixes its timeline, output and usage. */
    response_rec& add_response(response_params p, ms_t now);
    void delete_response(const std::string& id);
    /** @brief Cancels a background response that has not ended: it is `cancelled` from `now`. */
    void cancel(response_rec& r, ms_t now);
    /** @brief The items the response's successor sees before its own input (previous_response_id). */
    std::vector<item_ptr> chain_of(const response_rec& r, ms_t now);

    conversation_rec& add_conversation(json::value metadata, std::vector<item_ptr> items, ms_t now);
    void delete_conversation(const std::string& id);
    /** @brief Makes an item with a fresh id (`prefix`) unless `body` brings its own. */
    item_ptr make_item(json::object body, std::string_view prefix);

    /** @brief Applies what the response's end changed (conversation items, stats) once it has ended. */
    void settle(response_rec& r, ms_t now);
    /** @brief Settles the response operating on the conversation, if any. */
    void settle(conversation_rec& c, ms_t now);
    void settle_all(ms_t now);

    /** @brief The Response object as the API shows it at time t. */
    json::object render(const response_rec& r, ms_t t) const;
    json::object render(const conversation_rec& c) const;
    /** @brief The usage object of an ended response. */
    json::object usage(const response_rec& r, response_status st) const;

    std::size_t open_responses() const { return open_.size(); }
    /** @brief The webhook events of the background responses that ended since the last call (only when
     * --webhook-url is set: otherwise none are kept). Call settle_all first. */
    std::vector<pending_webhook> take_webhooks() { return std::exchange(webhooks_, {}); }
    /** @brief The events of the background responses still open that will have ended by `t` (a future
     * time), as they will be: what a server that sends events before its reads catch up sends early. */
    std::vector<pending_webhook> ends_by(ms_t t) const;
    /** @brief Forgets everything (POST /v1/emulator/reset). */
    void clear();

private:
    ms_t draw_duration();

    const config& cfg_;
    stats& stats_;
    id_generator& ids_;
    std::uint64_t seq_ = 0;
    std::mt19937_64 rng_; ///< run-jitter draws, apart from the runs' sequence
    std::unordered_map<std::string, std::unique_ptr<response_rec>> responses_;
    std::unordered_map<std::string, std::unique_ptr<conversation_rec>> conversations_;
    std::unordered_set<response_rec*> open_;
    std::unordered_set<std::string> tags_;
    std::vector<pending_webhook> webhooks_;
};

/** @brief Bytes an item contributes to the token counts (message text, arguments, output). */
std::size_t item_bytes(const json::object& item);
/** @brief The text parts of a user message item, one per line ("" for any other item). */
std::string user_text(const json::object& item);

} // namespace paced::emulator
