#pragma once
/// @file The events of a streamed response (`stream: true`), typed by their `type`.
///
/// Every event carries a `sequence_number`, the cursor a broken background stream resumes after
/// (`starting_after`). The SDK types the events a client acts on; the other ~50 types (reasoning, hosted
/// tools, audio, refusals...) arrive as `response_other_event`, whose JSON is kept whole.

#include <paced/types/response.hpp>

#include <variant>

namespace paced {

/** @brief `response.created`, `.queued`, `.in_progress`, `.completed`, `.failed`, `.incomplete`: a
 * snapshot of the whole response. */
struct response_lifecycle_event {
    paced::response response{};
    boost::json::object extra{};
};

/** @brief `response.output_item.added` / `.done`. */
struct response_output_item_event {
    std::int64_t output_index = 0;
    output_item item{};
    boost::json::object extra{};
};

/** @brief `response.output_text.delta`: a piece of an `output_text` part. */
struct response_text_delta_event {
    std::string item_id{};
    std::int64_t output_index = 0;
    std::int64_t content_index = 0;
    std::string delta{};
    boost::json::object extra{}; ///< e.g. `logprobs`, `obfuscation`.
};

/** @brief `response.output_text.done`: the whole text of an `output_text` part. */
struct response_text_done_event {
    std::string item_id{};
    std::int64_t output_index = 0;
    std::int64_t content_index = 0;
    std::string text{};
    boost::json::object extra{};
};

/** @brief `response.function_call_arguments.delta` (`delta`) and `.done` (`arguments`, and `name` on
 * newer servers). */
struct response_function_arguments_event {
    std::string item_id{};
    std::int64_t output_index = 0;
    std::optional<std::string> delta{};
    std::optional<std::string> arguments{};
    std::optional<std::string> name{};
    boost::json::object extra{};
};

/** @brief Any other event: its JSON object, `type` and `sequence_number` included. */
struct response_other_event {
    boost::json::object raw{};
};

/// The payload of a response event.
using response_event_payload =
    std::variant<response_lifecycle_event, response_output_item_event, response_text_delta_event,
                 response_text_done_event, response_function_arguments_event, response_other_event>;

/** @brief One event of a response stream. */
struct response_event {
    std::string type{};                ///< e.g. `response.output_text.delta`.
    std::int64_t sequence_number = -1; ///< -1 when the server sent none.
    response_event_payload data{};

    /// The payload as T, or nullptr.
    template <class T>
    T const* get() const noexcept {
        return std::get_if<T>(&data);
    }
    /// The response of a lifecycle event, or nullptr.
    paced::response const* response() const noexcept {
        auto const* e = get<response_lifecycle_event>();
        return e ? &e->response : nullptr;
    }
};

/// True for the events after which a response stream carries nothing more: `response.completed`,
/// `response.failed`, `response.incomplete` (an `error` event is thrown, not returned).
bool is_terminal_event(std::string_view type) noexcept;

PACED_JSON_CONVERSIONS(response_lifecycle_event);
PACED_JSON_CONVERSIONS(response_output_item_event);
PACED_JSON_CONVERSIONS(response_text_delta_event);
PACED_JSON_CONVERSIONS(response_text_done_event);
PACED_JSON_CONVERSIONS(response_function_arguments_event);

} // namespace paced
