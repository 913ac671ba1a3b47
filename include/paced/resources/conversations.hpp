#pragma once
/// @file `client.conversations()`: create, retrieve, update and delete conversations, and their items.

#include <paced/pagination.hpp>
#include <paced/resources/resource_base.hpp>
#include <paced/types/conversation.hpp>

namespace paced {

/** @brief Items of a conversation: `/conversations/{id}/items`. See resource_base.hpp. */
class conversation_items_resource : public resource_base {
public:
    using resource_base::resource_base;

    /// POST /conversations/{id}/items: 1 to 20 items; returns them as stored (with their ids).
    boost::asio::awaitable<list_page<conversation_item>> create(std::string_view conversation_id,
                                                                conversation_items_create_params params,
                                                                request_options opts = request_options());
    /// GET /conversations/{id}/items (newest first unless `order` says otherwise).
    boost::asio::awaitable<page<conversation_item>> list(std::string_view conversation_id,
                                                         item_list_params params = item_list_params(),
                                                         request_options opts = request_options());
    boost::asio::awaitable<conversation_item> retrieve(std::string_view conversation_id,
                                                       std::string_view item_id,
                                                       request_options opts = request_options());
    /// DELETE /conversations/{id}/items/{item_id}: returns the conversation.
    boost::asio::awaitable<conversation> del(std::string_view conversation_id, std::string_view item_id,
                                             request_options opts = request_options());
};

/** @brief Conversations: `/conversations`. See resource_base.hpp. The API cannot list conversations:
 * keep their ids. */
class conversations_resource : public resource_base {
public:
    using resource_base::resource_base;

    conversation_items_resource items() const { return conversation_items_resource{impl_}; }

    boost::asio::awaitable<conversation>
    create(conversation_create_params params = conversation_create_params(),
           request_options opts = request_options());
    boost::asio::awaitable<conversation> retrieve(std::string_view conversation_id,
                                                  request_options opts = request_options());
    boost::asio::awaitable<conversation> update(std::string_view conversation_id,
                                                conversation_update_params params,
                                                request_options opts = request_options());
    /// DELETE /conversations/{id} (its items are not deleted).
    boost::asio::awaitable<deleted_object> del(std::string_view conversation_id,
                                               request_options opts = request_options());
};

} // namespace paced
