// client.responses(): the Responses API's operations. Creates are paced in their model's scope with a
// token estimate that counts the chain they continue (response_accounting.hpp).

#include <paced/resources/responses.hpp>

#include "resources/call.hpp"
#include "resources/response_accounting.hpp"
#include "streaming/response_stream_impl.hpp"
#include "webhooks/completion_watch.hpp"

namespace paced {

using detail::verb;

namespace {

/// What every answer that shows a response settles: its token charge, a rate-limit failure, its chain.
constexpr auto observe_answered_response = [](detail::client_impl& impl, response const& r) {
    detail::observe_response(impl, r);
};

/// A response-creating request, validated, tagged, with its scope and token estimate.
struct response_creation {
    std::uint64_t tokens = 0;
    detail::api_request req;
};

response_creation prepare_response_creation(detail::client_impl& impl, response_create_params& params,
                                            std::string_view route, bool stream) {
    validate(params);
    (void)detail::tag_request(impl,
                              params.metadata); // recognisable later: see "Creates whose answer was lost"
    response_creation c;
    c.tokens =
        detail::run_token_estimate(detail::response_prompt_bytes(impl, params), params.max_output_tokens);
    auto body = encode(params);
    if (stream)
        body["stream"] = true;
    c.req = detail::json_request(verb::post, "/responses", route, detail::not_assistants_beta, body);
    c.req.scope = detail::response_scope(params);
    c.req.cost = {.requests = 1, .tokens = c.tokens};
    return c;
}

boost::asio::awaitable<response> create_response(std::shared_ptr<detail::client_impl> impl,
                                                 response_create_params params, request_options opts) {
    auto c = prepare_response_creation(*impl, params, "responses.create", false);
    auto answer = detail::call_json<response>(*impl, std::move(c.req), opts);
    auto r = co_await std::move(answer);
    impl->note_token_estimate(r.id, detail::response_scope(params), c.tokens);
    detail::observe_response(*impl, r);
    co_return r;
}

boost::asio::awaitable<response_stream>
open_response_stream(std::shared_ptr<detail::client_impl> impl, detail::api_request req, request_options opts,
                     std::optional<std::pair<budget_scope, std::uint64_t>> estimate) {
    auto opened = co_await impl->open(std::move(req), detail::stream_options(opts));
    auto s = std::make_unique<detail::response_stream_impl>(impl, std::move(opened), std::move(opts));
    s->estimate = std::move(estimate);
    co_return response_stream{std::move(s)};
}

boost::asio::awaitable<response_stream> stream_response(std::shared_ptr<detail::client_impl> impl,
                                                        response_create_params params, request_options opts) {
    auto c = prepare_response_creation(*impl, params, "responses.stream", true);
    auto scope = c.req.scope;
    auto stream = co_await open_response_stream(impl, std::move(c.req), std::move(opts),
                                                std::make_pair(std::move(scope), c.tokens));
    co_return stream;
}

std::string response_path(std::string const& id) {
    validate_id("response_id", id);
    return detail::make_path("responses", id);
}

boost::asio::awaitable<response_stream> retrieve_response_stream(std::shared_ptr<detail::client_impl> impl,
                                                                 std::string id,
                                                                 std::optional<std::int64_t> starting_after,
                                                                 request_options opts) {
    query_params query{{"stream", "true"}};
    if (starting_after) {
        if (*starting_after < 0)
            throw_error(errc::invalid_argument, "starting_after: must not be negative");
        query.emplace_back("starting_after", std::to_string(*starting_after));
    }
    auto req = detail::plain_request(verb::get, response_path(id), "responses.retrieve_stream",
                                     detail::not_assistants_beta, std::move(query));
    auto stream = co_await open_response_stream(impl, std::move(req), std::move(opts), std::nullopt);
    co_return stream;
}

boost::asio::awaitable<response> wait_response(responses_resource responses, std::string id,
                                               wait_options wait) {
    validate_id("response_id", id);
    co_return co_await detail::wait_until_ended<response>(
        std::move(id), std::move(wait),
        [&](std::string const& response_id, request_options o) {
            return responses.retrieve(response_id, std::move(o));
        },
        [](response const& r) { return is_terminal(r.status.value); });
}

} // namespace

boost::asio::awaitable<response> responses_resource::create(response_create_params params,
                                                            request_options opts) {
    return create_response(impl_, std::move(params), std::move(opts));
}

boost::asio::awaitable<response_stream> responses_resource::stream(response_create_params params,
                                                                   request_options opts) {
    return stream_response(impl_, std::move(params), std::move(opts));
}

boost::asio::awaitable<response> responses_resource::retrieve(std::string_view response_id,
                                                              request_options opts) {
    return detail::request_op<response>(
        impl_, std::move(opts),
        [id = std::string{response_id}] {
            return detail::plain_request(verb::get, response_path(id), "responses.retrieve",
                                         detail::not_assistants_beta);
        },
        observe_answered_response);
}

boost::asio::awaitable<response_stream>
responses_resource::retrieve_stream(std::string_view response_id, std::optional<std::int64_t> starting_after,
                                    request_options opts) {
    return retrieve_response_stream(impl_, std::string{response_id}, starting_after, std::move(opts));
}

boost::asio::awaitable<response> responses_resource::wait(std::string_view response_id, wait_options wait) {
    return wait_response(responses_resource{impl_}, std::string{response_id}, std::move(wait));
}

boost::asio::awaitable<response> responses_resource::cancel(std::string_view response_id,
                                                            request_options opts) {
    return detail::request_op<response>(
        impl_, std::move(opts),
        [id = std::string{response_id}] {
            auto req = detail::plain_request(verb::post, response_path(id) + "/cancel", "responses.cancel",
                                             detail::not_assistants_beta);
            req.idempotent = true; // cancelling twice answers the same cancelled response
            return req;
        },
        observe_answered_response);
}

boost::asio::awaitable<deleted_object> responses_resource::del(std::string_view response_id,
                                                               request_options opts) {
    return detail::request_op<deleted_object>(impl_, std::move(opts), [id = std::string{response_id}] {
        return detail::plain_request(verb::delete_, response_path(id), "responses.delete",
                                     detail::not_assistants_beta);
    });
}

boost::asio::awaitable<page<input_item>>
responses_resource::input_items(std::string_view response_id, item_list_params params, request_options opts) {
    return detail::list_call<input_item>(
        impl_, [id = std::string{response_id}] { return response_path(id) + "/input_items"; },
        "responses.input_items", detail::not_assistants_beta, std::move(params), std::move(opts));
}

boost::asio::awaitable<input_tokens_count> responses_resource::input_tokens(input_tokens_params params,
                                                                            request_options opts) {
    return detail::request_op<input_tokens_count>(impl_, std::move(opts), [params = std::move(params)] {
        validate(params);
        auto req = detail::json_request(verb::post, "/responses/input_tokens", "responses.input_tokens",
                                        detail::not_assistants_beta, encode(params));
        req.idempotent = true; // a count changes nothing on the server
        return req;
    });
}

} // namespace paced
