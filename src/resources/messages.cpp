#include <paced/resources/messages.hpp>

#include "resources/call.hpp"
#include "resources/run_accounting.hpp"

namespace paced {

using detail::verb;

// Each operation returns the awaitable of a coroutine that owns copies of its arguments and of the client's
// state (see request_op), so that neither the caller's strings nor this handle need outlive the call.

namespace {

/// Looks for a message created by an earlier, ambiguous attempt (newest first).
boost::asio::awaitable<std::optional<message>>
find_tagged_message(messages_resource& messages, std::string_view thread_id, std::string const& tag) {
    // Named, not braced inside the co_await: g++ 12 destroys such temporaries twice.
    message_list_params newest{.limit = 20, .order = sort_order::desc};
    auto recent = co_await messages.list(thread_id, newest);
    co_return detail::take_tagged(recent.data, tag);
}

boost::asio::awaitable<message> create_message(std::shared_ptr<detail::client_impl> impl,
                                               std::string thread_id, message_create_params params,
                                               request_options opts) {
    validate_id("thread_id", thread_id);
    validate(params);
    auto const tag = detail::tag_request(*impl, params.metadata);
    auto const path = detail::make_path("threads", thread_id, "messages");
    auto const body = encode(params);
    auto const added_bytes = detail::message_bytes(*impl, params);
    int const max_resends = opts.max_retries.value_or(impl->options().max_retries);
    messages_resource messages{impl};
    auto m = co_await detail::create_once<message>(
        *impl, "messages.create", "the message", tag, max_resends,
        [&] {
            return detail::call_json<message>(
                *impl,
                detail::json_request(verb::post, path, "messages.create", detail::assistants_beta, body),
                opts);
        },
        [&] { return find_tagged_message(messages, thread_id, tag); });
    impl->add_context_bytes(thread_id, added_bytes);
    co_return m;
}

/// "/threads/{thread_id}/messages/{message_id}", once both ids are checked.
std::string message_path(std::string const& thread_id, std::string const& message_id) {
    validate_id("thread_id", thread_id);
    validate_id("message_id", message_id);
    return detail::make_path("threads", thread_id, "messages", message_id);
}

} // namespace

boost::asio::awaitable<message>
messages_resource::create(std::string_view thread_id, message_create_params params, request_options opts) {
    return create_message(impl_, std::string{thread_id}, std::move(params), std::move(opts));
}

boost::asio::awaitable<message>
messages_resource::retrieve(std::string_view thread_id, std::string_view message_id, request_options opts) {
    return detail::request_op<message>(
        impl_, std::move(opts), [tid = std::string{thread_id}, mid = std::string{message_id}] {
            return detail::plain_request(verb::get, message_path(tid, mid), "messages.retrieve",
                                         detail::assistants_beta);
        });
}

boost::asio::awaitable<message> messages_resource::update(std::string_view thread_id,
                                                          std::string_view message_id,
                                                          message_update_params params,
                                                          request_options opts) {
    return detail::request_op<message>(
        impl_, std::move(opts),
        [tid = std::string{thread_id}, mid = std::string{message_id}, params = std::move(params)] {
            auto path = message_path(tid, mid);
            validate(params);
            return detail::json_request(verb::post, std::move(path), "messages.update",
                                        detail::assistants_beta, encode(params));
        });
}

boost::asio::awaitable<page<message>>
messages_resource::list(std::string_view thread_id, message_list_params params, request_options opts) {
    return detail::list_call<message>(
        impl_,
        [tid = std::string{thread_id}] {
            validate_id("thread_id", tid);
            return detail::make_path("threads", tid, "messages");
        },
        "messages.list", detail::assistants_beta, std::move(params), std::move(opts));
}

boost::asio::awaitable<deleted_object>
messages_resource::del(std::string_view thread_id, std::string_view message_id, request_options opts) {
    return detail::request_op<deleted_object>(
        impl_, std::move(opts), [tid = std::string{thread_id}, mid = std::string{message_id}] {
            return detail::plain_request(verb::delete_, message_path(tid, mid), "messages.delete",
                                         detail::assistants_beta);
        });
}

} // namespace paced
