#include <paced/resources/messages.hpp>

#include "resources/call.hpp"
#include "resources/run_accounting.hpp"

namespace paced {

using detail::verb;

namespace {

/// Looks for a message created by an earlier, ambiguous attempt (newest first).
boost::asio::awaitable<std::optional<message>>
find_tagged_message(messages_resource& messages, std::string_view thread_id, std::string const& tag) {
    // Named, not braced inside the co_await: g++ 12 destroys such temporaries twice.
    message_list_params newest{.limit = 20, .order = sort_order::desc};
    auto recent = co_await messages.list(thread_id, newest);
    co_return detail::take_tagged(recent.data, tag);
}
} // namespace

boost::asio::awaitable<message>
messages_resource::create(std::string_view thread_id, message_create_params params, request_options opts) {
    validate_id("thread_id", thread_id);
    validate(params);
    auto const tag = detail::tag_request(*impl_, params.metadata);
    auto const path = detail::make_path("threads", thread_id, "messages");
    auto const body = encode(params);
    auto const added_bytes = detail::message_bytes(*impl_, params);
    int const max_resends = opts.max_retries.value_or(impl_->options().max_retries);
    auto m = co_await detail::create_once<message>(
        *impl_, "messages.create", "the message", tag, max_resends,
        [&] {
            return detail::call_json<message>(
                *impl_,
                detail::json_request(verb::post, path, "messages.create", detail::assistants_beta, body),
                opts);
        },
        [&] { return find_tagged_message(*this, thread_id, tag); });
    impl_->add_context_bytes(std::string{thread_id}, added_bytes);
    co_return m;
}

boost::asio::awaitable<message>
messages_resource::retrieve(std::string_view thread_id, std::string_view message_id, request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("message_id", message_id);
    co_return co_await detail::call_json<message>(
        *impl_,
        detail::plain_request(verb::get, detail::make_path("threads", thread_id, "messages", message_id),
                              "messages.retrieve", detail::assistants_beta),
        opts);
}

boost::asio::awaitable<message> messages_resource::update(std::string_view thread_id,
                                                          std::string_view message_id,
                                                          message_update_params params,
                                                          request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("message_id", message_id);
    validate(params);
    co_return co_await detail::call_json<message>(
        *impl_,
        detail::json_request(verb::post, detail::make_path("threads", thread_id, "messages", message_id),
                             "messages.update", detail::assistants_beta, encode(params)),
        opts);
}

boost::asio::awaitable<page<message>>
messages_resource::list(std::string_view thread_id, message_list_params params, request_options opts) {
    validate_id("thread_id", thread_id);
    co_return co_await detail::list_call<message>(impl_, detail::make_path("threads", thread_id, "messages"),
                                                  "messages.list", detail::assistants_beta, std::move(params),
                                                  opts);
}

boost::asio::awaitable<deleted_object>
messages_resource::del(std::string_view thread_id, std::string_view message_id, request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("message_id", message_id);
    co_return co_await detail::call_json<deleted_object>(
        *impl_,
        detail::plain_request(verb::delete_, detail::make_path("threads", thread_id, "messages", message_id),
                              "messages.delete", detail::assistants_beta),
        opts);
}

} // namespace paced
