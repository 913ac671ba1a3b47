#include <paced/resources/runs.hpp>

#include "resources/call.hpp"
#include "resources/run_accounting.hpp"
#include "streaming/run_stream_impl.hpp"

namespace paced {

using detail::verb;

namespace {

/// runs.stream's look after an ambiguous failure: a run found means its stream is lost, which is reported
/// as a truncated stream of that run, so that the caller polls it instead of starting another.
boost::asio::awaitable<std::optional<run_stream>>
stream_lost_if_found(runs_resource& runs, std::string_view thread_id, std::string const& tag) {
    auto found = co_await detail::find_tagged_run(runs, thread_id, tag);
    if (found) {
        api_error details;
        details.message = "stream of run " + found->id + " was lost before its first event";
        details.param = found->id;
        throw error(make_error_code(errc::stream_truncated), std::move(details));
    }
    co_return std::nullopt;
}

/// One attempt of runs.stream: opens the stream and notes the run's token estimate on it.
boost::asio::awaitable<run_stream> open_run_stream(std::shared_ptr<detail::client_impl> impl,
                                                   detail::api_request req, request_options opts,
                                                   std::uint64_t tokens) {
    auto opened = co_await impl->open(req, opts);
    auto s = std::make_unique<detail::run_stream_impl>(impl, std::move(opened));
    s->estimate.emplace(req.scope, tokens);
    co_return run_stream{std::move(s)};
}

std::string run_path(std::string_view thread_id, std::string_view run_id) {
    return detail::make_path("threads", thread_id, "runs", run_id);
}
} // namespace

bool is_terminal(run_status s) noexcept {
    switch (s) {
    case run_status::completed:
    case run_status::cancelled:
    case run_status::failed:
    case run_status::incomplete:
    case run_status::expired:
        return true;
    default:
        return false;
    }
}

bool is_poll_stop(run_status s) noexcept {
    return s == run_status::requires_action || is_terminal(s);
}

boost::asio::awaitable<run_step> steps_resource::retrieve(std::string_view thread_id, std::string_view run_id,
                                                          std::string_view step_id,
                                                          std::vector<std::string> include,
                                                          request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    validate_id("step_id", step_id);
    query_params query;
    for (auto& i : include)
        query.emplace_back("include[]", std::move(i));
    co_return co_await detail::call_json<run_step>(
        *impl_,
        detail::plain_request(verb::get,
                              detail::make_path("threads", thread_id, "runs", run_id, "steps", step_id),
                              "steps.retrieve", detail::assistants_beta, std::move(query)),
        opts);
}

boost::asio::awaitable<page<run_step>> steps_resource::list(std::string_view thread_id,
                                                            std::string_view run_id,
                                                            run_step_list_params params,
                                                            request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    co_return co_await detail::list_call<run_step>(
        impl_, detail::make_path("threads", thread_id, "runs", run_id, "steps"), "steps.list",
        detail::assistants_beta, std::move(params), opts);
}

boost::asio::awaitable<run> runs_resource::create(std::string_view thread_id, run_create_params params,
                                                  request_options opts) {
    validate_id("thread_id", thread_id);
    validate(params);
    auto const tag = detail::tag_request(*impl_, params.metadata);

    auto const tokens = detail::run_token_estimate(detail::run_prompt_bytes(*impl_, thread_id, params),
                                                   params.max_completion_tokens);

    auto req = detail::json_request(verb::post, detail::make_path("threads", thread_id, "runs"),
                                    "runs.create", detail::assistants_beta, encode(params));
    req.scope = detail::run_scope(*impl_, params.assistant_id, params.model);
    req.cost = {.requests = 1, .tokens = tokens};
    int const max_resends = opts.max_retries.value_or(impl_->options().max_retries);
    auto r = co_await detail::create_once<run>(
        *impl_, "runs.create", "the run", tag, max_resends,
        [&] { return detail::call_json<run>(*impl_, req, opts); },
        [&] { return detail::find_tagged_run(*this, thread_id, tag); });
    impl_->note_token_estimate(r.id, req.scope, tokens);
    detail::observe_run(*impl_, r);
    co_return r;
}

boost::asio::awaitable<run_stream> runs_resource::stream(std::string_view thread_id, run_create_params params,
                                                         request_options opts) {
    validate_id("thread_id", thread_id);
    validate(params);
    auto const tag = detail::tag_request(*impl_, params.metadata);
    auto const tokens = detail::run_token_estimate(detail::run_prompt_bytes(*impl_, thread_id, params),
                                                   params.max_completion_tokens);
    auto body = encode(params);
    body["stream"] = true;
    auto req = detail::json_request(verb::post, detail::make_path("threads", thread_id, "runs"),
                                    "runs.stream", detail::assistants_beta, body);
    req.scope = detail::run_scope(*impl_, params.assistant_id, params.model);
    req.cost = {.requests = 1, .tokens = tokens};
    auto o = detail::stream_options(opts);
    int const max_resends = opts.max_retries.value_or(impl_->options().max_retries);
    co_return co_await detail::create_once<run_stream>(
        *impl_, "runs.stream", "the run", tag, max_resends,
        [&] { return open_run_stream(impl_, req, o, tokens); },
        [&] { return stream_lost_if_found(*this, thread_id, tag); });
}

boost::asio::awaitable<run_stream>
runs_resource::submit_tool_outputs_stream(std::string_view thread_id, std::string_view run_id,
                                          submit_tool_outputs_params params, request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    validate(params);
    auto body = encode(params);
    body["stream"] = true;
    auto req = detail::json_request(verb::post, run_path(thread_id, run_id) + "/submit_tool_outputs",
                                    "runs.submit_tool_outputs_stream", detail::assistants_beta, body);
    req.idempotent = true; // see submit_tool_outputs
    co_return run_stream{std::make_unique<detail::run_stream_impl>(
        impl_, co_await impl_->open(std::move(req), detail::stream_options(opts)))};
}

boost::asio::awaitable<run> runs_resource::retrieve(std::string_view thread_id, std::string_view run_id,
                                                    request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    auto r = co_await detail::call_json<run>(*impl_,
                                             detail::plain_request(verb::get, run_path(thread_id, run_id),
                                                                   "runs.retrieve", detail::assistants_beta),
                                             opts);
    detail::observe_run(*impl_, r);
    co_return r;
}

boost::asio::awaitable<run> runs_resource::update(std::string_view thread_id, std::string_view run_id,
                                                  run_update_params params, request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    validate(params);
    co_return co_await detail::call_json<run>(*impl_,
                                              detail::json_request(verb::post, run_path(thread_id, run_id),
                                                                   "runs.update", detail::assistants_beta,
                                                                   encode(params)),
                                              opts);
}

boost::asio::awaitable<page<run>> runs_resource::list(std::string_view thread_id, list_params params,
                                                      request_options opts) {
    validate_id("thread_id", thread_id);
    co_return co_await detail::list_call<run>(impl_, detail::make_path("threads", thread_id, "runs"),
                                              "runs.list", detail::assistants_beta, std::move(params), opts);
}

boost::asio::awaitable<run> runs_resource::cancel(std::string_view thread_id, std::string_view run_id,
                                                  request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    auto req = detail::plain_request(verb::post, run_path(thread_id, run_id) + "/cancel", "runs.cancel",
                                     detail::assistants_beta);
    req.idempotent = true; // cancelling twice is harmless
    auto r = co_await detail::call_json<run>(*impl_, std::move(req), opts);
    detail::observe_run(*impl_, r);
    co_return r;
}

boost::asio::awaitable<run> runs_resource::submit_tool_outputs(std::string_view thread_id,
                                                               std::string_view run_id,
                                                               submit_tool_outputs_params params,
                                                               request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    validate(params);
    auto req = detail::json_request(verb::post, run_path(thread_id, run_id) + "/submit_tool_outputs",
                                    "runs.submit_tool_outputs", detail::assistants_beta, encode(params));
    // A second submission after an ambiguous failure is refused by the server (the run is no longer
    // requires_action), so re-sending cannot apply the outputs twice.
    req.idempotent = true;
    auto r = co_await detail::call_json<run>(*impl_, std::move(req), opts);
    detail::observe_run(*impl_, r);
    co_return r;
}

boost::asio::awaitable<run> runs_resource::poll(std::string_view thread_id, std::string_view run_id,
                                                poll_options poll, request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    auto self = *this;
    std::string tid{thread_id}, rid{run_id};
    co_return co_await poll_until<run>(
        [&](response_metadata* meta) -> boost::asio::awaitable<run> {
            // A coroutine: the retrieval keeps a reference to `o`, which must outlive it.
            auto o = opts;
            o.metadata = meta;
            co_return co_await self.retrieve(tid, rid, o);
        },
        [](run const& r) { return is_poll_stop(r.status.value); }, poll);
}

boost::asio::awaitable<run> runs_resource::create_and_poll(std::string_view thread_id,
                                                           run_create_params params, poll_options poll,
                                                           request_options opts) {
    auto r = co_await create(thread_id, std::move(params), opts);
    if (is_poll_stop(r.status.value))
        co_return r;
    co_return co_await this->poll(thread_id, r.id, poll, opts);
}

boost::asio::awaitable<run> runs_resource::submit_tool_outputs_and_poll(std::string_view thread_id,
                                                                        std::string_view run_id,
                                                                        submit_tool_outputs_params params,
                                                                        poll_options poll,
                                                                        request_options opts) {
    auto r = co_await submit_tool_outputs(thread_id, run_id, std::move(params), opts);
    if (is_poll_stop(r.status.value))
        co_return r;
    co_return co_await this->poll(thread_id, r.id, poll, opts);
}

} // namespace paced

namespace paced::detail {

boost::asio::awaitable<std::optional<run>> find_tagged_run(runs_resource& runs, std::string_view thread_id,
                                                           std::string const& tag) {
    // Named, not braced inside the co_await: g++ 12 destroys such temporaries twice.
    list_params newest{.limit = 20, .order = sort_order::desc};
    auto recent = co_await runs.list(thread_id, newest);
    co_return take_tagged(recent.data, tag);
}

} // namespace paced::detail
