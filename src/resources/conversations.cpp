// client.conversations() and its items(): the Conversations API's operations.

#include <paced/resources/conversations.hpp>

#include "resources/call.hpp"

namespace paced {

using detail::verb;

namespace {

std::string conversation_path(std::string const& id) {
    validate_id("conversation_id", id);
    return detail::make_path("conversations", id);
}

std::string item_path(std::string const& conversation_id, std::string const& item_id) {
    validate_id("item_id", item_id);
    return conversation_path(conversation_id) + detail::make_path("items", item_id);
}

} // namespace

boost::asio::awaitable<conversation> conversations_resource::create(conversation_create_params params,
                                                                    request_options opts) {
    return detail::request_op<conversation>(impl_, std::move(opts), [params = std::move(params)] {
        validate(params);
        return detail::json_request(verb::post, "/conversations", "conversations.create",
                                    detail::not_assistants_beta, encode(params));
    });
}

boost::asio::awaitable<conversation> conversations_resource::retrieve(std::string_view conversation_id,
                                                                      request_options opts) {
    return detail::request_op<conversation>(impl_, std::move(opts), [id = std::string{conversation_id}] {
        return detail::plain_request(verb::get, conversation_path(id), "conversations.retrieve",
                                     detail::not_assistants_beta);
    });
}

boost::asio::awaitable<conversation> conversations_resource::update(std::string_view conversation_id,
                                                                    conversation_update_params params,
                                                                    request_options opts) {
    return detail::request_op<conversation>(
        impl_, std::move(opts), [id = std::string{conversation_id}, params = std::move(params)] {
            validate(params);
            auto req = detail::json_request(verb::post, conversation_path(id), "conversations.update",
                                            detail::not_assistants_beta, encode(params));
            req.idempotent = true; // it sets the metadata: sending it twice sets the same
            return req;
        });
}

boost::asio::awaitable<deleted_object> conversations_resource::del(std::string_view conversation_id,
                                                                   request_options opts) {
    return detail::request_op<deleted_object>(impl_, std::move(opts), [id = std::string{conversation_id}] {
        return detail::plain_request(verb::delete_, conversation_path(id), "conversations.delete",
                                     detail::not_assistants_beta);
    });
}

boost::asio::awaitable<list_page<conversation_item>>
conversation_items_resource::create(std::string_view conversation_id, conversation_items_create_params params,
                                    request_options opts) {
    return detail::request_op<list_page<conversation_item>>(
        impl_, std::move(opts), [id = std::string{conversation_id}, params = std::move(params)] {
            validate(params);
            return detail::json_request(verb::post, conversation_path(id) + "/items",
                                        "conversations.items.create", detail::not_assistants_beta,
                                        encode(params));
        });
}

boost::asio::awaitable<page<conversation_item>>
conversation_items_resource::list(std::string_view conversation_id, item_list_params params,
                                  request_options opts) {
    return detail::list_call<conversation_item>(
        impl_, [id = std::string{conversation_id}] { return conversation_path(id) + "/items"; },
        "conversations.items.list", detail::not_assistants_beta, std::move(params), std::move(opts));
}

boost::asio::awaitable<conversation_item>
conversation_items_resource::retrieve(std::string_view conversation_id, std::string_view item_id,
                                      request_options opts) {
    return detail::request_op<conversation_item>(
        impl_, std::move(opts), [id = std::string{conversation_id}, item = std::string{item_id}] {
            return detail::plain_request(verb::get, item_path(id, item), "conversations.items.retrieve",
                                         detail::not_assistants_beta);
        });
}

boost::asio::awaitable<conversation> conversation_items_resource::del(std::string_view conversation_id,
                                                                      std::string_view item_id,
                                                                      request_options opts) {
    return detail::request_op<conversation>(
        impl_, std::move(opts), [id = std::string{conversation_id}, item = std::string{item_id}] {
            return detail::plain_request(verb::delete_, item_path(id, item), "conversations.items.delete",
                                         detail::not_assistants_beta);
        });
}

} // namespace paced
