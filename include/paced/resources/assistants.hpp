#pragma once
/// @file `client.assistants()`: create, retrieve, update, list and delete assistants.

#include <paced/pagination.hpp>
#include <paced/resources/resource_base.hpp>
#include <paced/types/assistant.hpp>

namespace paced {

/** @brief Assistants: `/assistants`. See resource_base.hpp for errors, cancellation and thread safety. */
class assistants_resource : public resource_base {
public:
    using resource_base::resource_base;

    /** @brief POST /assistants. Tagged with a client-generated `metadata["paced_request_id"]` (unless
     * the metadata is full, or the caller set one): after a failure that leaves it unknown whether the
     * server created the assistant (connection lost, timeout), the newest 20 assistants are listed and a
     * tagged one is returned; only when none is there is the create sent again (at most `max_retries`
     * times), so one call never creates two assistants. */
    boost::asio::awaitable<assistant> create(assistant_create_params params,
                                             request_options opts = request_options());
    boost::asio::awaitable<assistant> retrieve(std::string_view assistant_id,
                                               request_options opts = request_options());
    boost::asio::awaitable<assistant> update(std::string_view assistant_id, assistant_update_params params,
                                             request_options opts = request_options());
    boost::asio::awaitable<page<assistant>> list(list_params params = list_params(),
                                                 request_options opts = request_options());
    boost::asio::awaitable<deleted_object> del(std::string_view assistant_id,
                                               request_options opts = request_options());
};

} // namespace paced
