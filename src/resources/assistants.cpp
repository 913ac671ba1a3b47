#include <paced/resources/assistants.hpp>

#include "resources/call.hpp"

namespace paced {

using detail::verb;

// Each operation returns the awaitable of a coroutine that owns copies of its arguments and of the client's
// state (see request_op), so that neither the caller's strings nor this handle need outlive the call.

namespace {
/// Runs are paced in the budget of their assistant's model: every answer that shows an assistant tells it.
constexpr auto remember_assistant_model = [](detail::client_impl& impl, assistant const& a) {
    impl.remember_model(a.id, a.model);
};

/// Looks for an assistant created by an earlier, ambiguous attempt (newest first).
boost::asio::awaitable<std::optional<assistant>> find_tagged_assistant(assistants_resource& assistants,
                                                                       std::string const& tag) {
    // Named, not braced inside the co_await: g++ 12 destroys such temporaries twice.
    list_params newest{.limit = 20, .order = sort_order::desc};
    auto recent = co_await assistants.list(newest);
    co_return detail::take_tagged(recent.data, tag);
}

boost::asio::awaitable<assistant> create_assistant(std::shared_ptr<detail::client_impl> impl,
                                                   assistant_create_params params, request_options opts) {
    validate(params);
    // A batch's setup must survive a fault like its files do: a create whose answer was lost is looked
    // for among the newest assistants by its tag before it is sent again, so one call never makes two.
    assistants_resource assistants{impl};
    auto a = co_await detail::create_tagged<assistant>(
        *impl, params, "/assistants", "assistants.create", detail::assistants_beta, opts, "the assistant",
        [&](std::string const& tag) { return find_tagged_assistant(assistants, tag); });
    remember_assistant_model(*impl, a);
    co_return a;
}
} // namespace

boost::asio::awaitable<assistant> assistants_resource::create(assistant_create_params params,
                                                              request_options opts) {
    return create_assistant(impl_, std::move(params), std::move(opts));
}

boost::asio::awaitable<assistant> assistants_resource::retrieve(std::string_view assistant_id,
                                                                request_options opts) {
    return detail::request_op<assistant>(
        impl_, std::move(opts),
        [id = std::string{assistant_id}] {
            validate_id("assistant_id", id);
            return detail::plain_request(verb::get, detail::make_path("assistants", id),
                                         "assistants.retrieve", detail::assistants_beta);
        },
        remember_assistant_model);
}

boost::asio::awaitable<assistant> assistants_resource::update(std::string_view assistant_id,
                                                              assistant_update_params params,
                                                              request_options opts) {
    return detail::request_op<assistant>(
        impl_, std::move(opts),
        [id = std::string{assistant_id}, params = std::move(params)] {
            validate_id("assistant_id", id);
            validate(params);
            return detail::json_request(verb::post, detail::make_path("assistants", id), "assistants.update",
                                        detail::assistants_beta, encode(params));
        },
        remember_assistant_model);
}

boost::asio::awaitable<page<assistant>> assistants_resource::list(list_params params, request_options opts) {
    return detail::list_call<assistant>(impl_, "/assistants", "assistants.list", detail::assistants_beta,
                                        std::move(params), std::move(opts));
}

boost::asio::awaitable<deleted_object> assistants_resource::del(std::string_view assistant_id,
                                                                request_options opts) {
    return detail::request_op<deleted_object>(impl_, std::move(opts), [id = std::string{assistant_id}] {
        validate_id("assistant_id", id);
        return detail::plain_request(verb::delete_, detail::make_path("assistants", id), "assistants.delete",
                                     detail::assistants_beta);
    });
}

} // namespace paced
