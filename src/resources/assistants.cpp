#include <paced/resources/assistants.hpp>

#include "resources/call.hpp"

namespace paced {

using detail::verb;

boost::asio::awaitable<assistant> assistants_resource::create(assistant_create_params params,
                                                              request_options opts) {
    validate(params);
    auto a = co_await detail::call_json<assistant>(
        *impl_,
        detail::json_request(verb::post, "/assistants", "assistants.create", detail::assistants_beta,
                             encode(params)),
        opts);
    impl_->remember_model(a.id, a.model);
    co_return a;
}

boost::asio::awaitable<assistant> assistants_resource::retrieve(std::string_view assistant_id,
                                                                request_options opts) {
    validate_id("assistant_id", assistant_id);
    auto a = co_await detail::call_json<assistant>(
        *impl_,
        detail::plain_request(verb::get, detail::make_path("assistants", assistant_id), "assistants.retrieve",
                              detail::assistants_beta),
        opts);
    impl_->remember_model(a.id, a.model);
    co_return a;
}

boost::asio::awaitable<assistant> assistants_resource::update(std::string_view assistant_id,
                                                              assistant_update_params params,
                                                              request_options opts) {
    validate_id("assistant_id", assistant_id);
    validate(params);
    auto a = co_await detail::call_json<assistant>(
        *impl_,
        detail::json_request(verb::post, detail::make_path("assistants", assistant_id), "assistants.update",
                             detail::assistants_beta, encode(params)),
        opts);
    impl_->remember_model(a.id, a.model);
    co_return a;
}

boost::asio::awaitable<page<assistant>> assistants_resource::list(list_params params, request_options opts) {
    co_return co_await detail::list_call<assistant>(impl_, "/assistants", "assistants.list",
                                                    detail::assistants_beta, std::move(params), opts);
}

boost::asio::awaitable<deleted_object> assistants_resource::del(std::string_view assistant_id,
                                                                request_options opts) {
    validate_id("assistant_id", assistant_id);
    co_return co_await detail::call_json<deleted_object>(
        *impl_,
        detail::plain_request(verb::delete_, detail::make_path("assistants", assistant_id),
                              "assistants.delete", detail::assistants_beta),
        opts);
}

} // namespace paced
