#pragma once
/// @file `client.threads().messages()`: the messages of a thread.

#include <paced/pagination.hpp>
#include <paced/resources/resource_base.hpp>
#include <paced/types/message.hpp>

namespace paced {

/** @brief Messages: `/threads/{thread_id}/messages`. See resource_base.hpp.
 *
 * @par Ambiguous failures of create
 * When a create times out or its connection breaks after the request was sent, the server may have
 * created the message. Every create is tagged with a client-generated `metadata["paced_request_id"]`
 * (when the metadata has room), and before re-sending, the thread's newest messages are listed: if the
 * tagged message is there it is returned, so one call never creates two messages.
 */
class messages_resource : public resource_base {
public:
    using resource_base::resource_base;

    boost::asio::awaitable<message> create(std::string_view thread_id, message_create_params params,
                                           request_options opts = request_options());
    boost::asio::awaitable<message> retrieve(std::string_view thread_id, std::string_view message_id,
                                             request_options opts = request_options());
    boost::asio::awaitable<message> update(std::string_view thread_id, std::string_view message_id,
                                           message_update_params params,
                                           request_options opts = request_options());
    boost::asio::awaitable<page<message>> list(std::string_view thread_id,
                                               message_list_params params = message_list_params(),
                                               request_options opts = request_options());
    boost::asio::awaitable<deleted_object> del(std::string_view thread_id, std::string_view message_id,
                                               request_options opts = request_options());
};

} // namespace paced
