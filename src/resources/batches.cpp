// client.batches(): the Batch API's operations; a create whose answer was lost is looked for by its tag.

#include <paced/resources/batches.hpp>

#include "resources/call.hpp"
#include "webhooks/completion_watch.hpp"

namespace paced {

using detail::verb;

namespace {

std::string batch_path(std::string const& id) {
    validate_id("batch_id", id);
    return detail::make_path("batches", id);
}

boost::asio::awaitable<std::optional<batch>> find_tagged_batch(batches_resource& batches,
                                                               std::string const& tag) {
    batch_list_params newest{.limit = 20};
    auto recent = co_await batches.list(newest);
    co_return detail::take_tagged(recent.data, tag);
}

boost::asio::awaitable<batch> create_batch(std::shared_ptr<detail::client_impl> impl,
                                           batch_create_params params, request_options opts) {
    validate(params);
    // Batches can be listed: a create whose answer was lost is found by its tag rather than sent twice.
    batches_resource batches{impl};
    co_return co_await detail::create_tagged<batch>(
        *impl, params, "/batches", "batches.create", detail::not_assistants_beta, opts, "the batch",
        [&](std::string const& tag) { return find_tagged_batch(batches, tag); });
}

boost::asio::awaitable<batch> wait_batch(batches_resource batches, std::string id, wait_options wait) {
    validate_id("batch_id", id);
    co_return co_await detail::wait_until_ended<batch>(
        std::move(id), std::move(wait),
        [&](std::string const& batch_id, request_options o) {
            return batches.retrieve(batch_id, std::move(o));
        },
        [](batch const& b) { return is_terminal(b.status.value); });
}

} // namespace

boost::asio::awaitable<batch> batches_resource::create(batch_create_params params, request_options opts) {
    return create_batch(impl_, std::move(params), std::move(opts));
}

boost::asio::awaitable<batch> batches_resource::retrieve(std::string_view batch_id, request_options opts) {
    return detail::request_op<batch>(impl_, std::move(opts), [id = std::string{batch_id}] {
        return detail::plain_request(verb::get, batch_path(id), "batches.retrieve",
                                     detail::not_assistants_beta);
    });
}

boost::asio::awaitable<batch> batches_resource::cancel(std::string_view batch_id, request_options opts) {
    return detail::request_op<batch>(impl_, std::move(opts), [id = std::string{batch_id}] {
        auto req = detail::plain_request(verb::post, batch_path(id) + "/cancel", "batches.cancel",
                                         detail::not_assistants_beta);
        req.idempotent = true; // cancelling a cancelling batch answers it again
        return req;
    });
}

boost::asio::awaitable<page<batch>> batches_resource::list(batch_list_params params, request_options opts) {
    return detail::list_call<batch>(impl_, "/batches", "batches.list", detail::not_assistants_beta,
                                    std::move(params), std::move(opts));
}

boost::asio::awaitable<batch> batches_resource::poll(std::string_view batch_id, poll_options poll,
                                                     request_options opts) {
    return wait(batch_id, {.poll = poll, .request = std::move(opts)});
}

boost::asio::awaitable<batch> batches_resource::wait(std::string_view batch_id, wait_options wait) {
    return wait_batch(batches_resource{impl_}, std::string{batch_id}, std::move(wait));
}

} // namespace paced
