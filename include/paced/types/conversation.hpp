#pragma once
/// @file The Conversations API: a conversation, its items, and the parameters of its operations.

#include <paced/types/response.hpp>

namespace paced {

/** @brief A conversation (`ConversationResource`, `object: "conversation"`). It has no status and no
 * item count; its items are listed with `conversations().items().list(id)`. */
struct conversation {
    std::string id{};
    std::int64_t created_at = 0;
    metadata_map metadata{};
    boost::json::object extra{};
};

/** @brief An item of a conversation: what a response's input and output items become once stored
 * (a message with its role and content parts, a function call, its output, reasoning...). Kept as the
 * variant of the items the SDK models, any other type whole in `unknown_part`. */
using conversation_item =
    std::variant<output_message, function_call_item, function_call_output_item, reasoning_item,
                 file_search_call_item, web_search_call_item, unknown_part>;

/// The id of a conversation item ("" when it has none): the cursor of a page of them.
std::string item_id(conversation_item const& item);

/** @brief Parameters of `POST /conversations`: metadata and at most 20 initial items. */
struct conversation_create_params {
    std::vector<input_item> items{};
    metadata_map metadata{};
    boost::json::object extra_body{};
};

/** @brief Parameters of `POST /conversations/{id}` (the API requires `metadata`). */
struct conversation_update_params {
    metadata_map metadata{};
    boost::json::object extra_body{};
};

/** @brief Parameters of `POST /conversations/{id}/items`: 1 to 20 items. */
struct conversation_items_create_params {
    std::vector<input_item> items{};
    boost::json::object extra_body{};
};

/// @name JSON conversions
/// @{
PACED_JSON_CONVERSIONS(conversation);
PACED_JSON_CONVERSIONS(conversation_item);
/// @}

/// @name Request encoding and validation
/// @{
boost::json::object encode(conversation_create_params const& p);
boost::json::object encode(conversation_update_params const& p);
boost::json::object encode(conversation_items_create_params const& p);
/// @par Errors `errc::invalid_argument`: more than 20 items, metadata limits.
void validate(conversation_create_params const& p);
void validate(conversation_update_params const& p);
/// @par Errors `errc::invalid_argument`: no item, or more than 20.
void validate(conversation_items_create_params const& p);
/// @}

} // namespace paced
