#include <paced/resources/runs.hpp>

#include "resources/call.hpp"
#include "resources/run_accounting.hpp"
#include "streaming/run_stream_impl.hpp"

namespace paced {

using detail::verb;

// Each operation returns the awaitable of a coroutine that owns copies of its arguments and of the client's
// state (see request_op), so that neither the caller's strings nor this handle need outlive the call.

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

/// "/threads/{thread_id}/runs/{run_id}", once both ids are checked.
std::string run_path(std::string const& thread_id, std::string const& run_id) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    return detail::make_path("threads", thread_id, "runs", run_id);
}

/// What a run's answer settles: its token charge once its usage is known, a rate-limit failure.
constexpr auto observe_answered_run = [](detail::client_impl& impl, run const& r) {
    detail::observe_run(impl, r);
};

/// A run-creating request on `thread_id` (validated) with its token estimate and budget scope; the
/// request tag goes into `params`' metadata first.
struct run_creation {
    std::string tag;
    std::uint64_t tokens = 0;
    detail::api_request req;
};

run_creation prepare_run_creation(detail::client_impl& impl, std::string const& thread_id,
                                  run_create_params& params, std::string_view route, bool stream) {
    validate_id("thread_id", thread_id);
    validate(params);
    run_creation c;
    c.tag = detail::tag_request(impl, params.metadata);
    c.tokens = detail::run_token_estimate(detail::run_prompt_bytes(impl, thread_id, params),
                                          params.max_completion_tokens);
    auto body = encode(params);
    if (stream)
        body["stream"] = true;
    c.req = detail::json_request(verb::post, detail::make_path("threads", thread_id, "runs"), route,
                                 detail::assistants_beta, body);
    c.req.scope = detail::run_scope(impl, params.assistant_id, params.model);
    c.req.cost = {.requests = 1, .tokens = c.tokens};
    return c;
}

boost::asio::awaitable<run> create_run(std::shared_ptr<detail::client_impl> impl, std::string thread_id,
                                       run_create_params params, request_options opts) {
    auto c = prepare_run_creation(*impl, thread_id, params, "runs.create", false);
    int const max_resends = opts.max_retries.value_or(impl->options().max_retries);
    runs_resource runs{impl};
    auto r = co_await detail::create_once<run>(
        *impl, "runs.create", "the run", c.tag, max_resends,
        [&] { return detail::call_json<run>(*impl, c.req, opts); },
        [&] { return detail::find_tagged_run(runs, thread_id, c.tag); });
    impl->note_token_estimate(r.id, c.req.scope, c.tokens);
    detail::observe_run(*impl, r);
    co_return r;
}

boost::asio::awaitable<run_stream> stream_run(std::shared_ptr<detail::client_impl> impl,
                                              std::string thread_id, run_create_params params,
                                              request_options opts) {
    auto c = prepare_run_creation(*impl, thread_id, params, "runs.stream", true);
    auto o = detail::stream_options(opts);
    int const max_resends = opts.max_retries.value_or(impl->options().max_retries);
    runs_resource runs{impl};
    co_return co_await detail::create_once<run_stream>(
        *impl, "runs.stream", "the run", c.tag, max_resends,
        [&] { return open_run_stream(impl, c.req, o, c.tokens); },
        [&] { return stream_lost_if_found(runs, thread_id, c.tag); });
}

boost::asio::awaitable<run_stream> stream_tool_outputs(std::shared_ptr<detail::client_impl> impl,
                                                       std::string thread_id, std::string run_id,
                                                       submit_tool_outputs_params params,
                                                       request_options opts) {
    auto path = run_path(thread_id, run_id) + "/submit_tool_outputs";
    validate(params);
    auto body = encode(params);
    body["stream"] = true;
    auto req = detail::json_request(verb::post, std::move(path), "runs.submit_tool_outputs_stream",
                                    detail::assistants_beta, body);
    req.idempotent = true; // see submit_tool_outputs
    co_return run_stream{std::make_unique<detail::run_stream_impl>(
        impl, co_await impl->open(std::move(req), detail::stream_options(opts)))};
}

boost::asio::awaitable<run> poll_run(std::shared_ptr<detail::client_impl> impl, std::string thread_id,
                                     std::string run_id, poll_options poll, request_options opts) {
    validate_id("thread_id", thread_id);
    validate_id("run_id", run_id);
    runs_resource runs{impl};
    co_return co_await poll_until<run>(
        [&](response_metadata* meta) {
            // The retrieval owns its copy of the options, this poll's metadata in it.
            auto o = opts;
            o.metadata = meta;
            return runs.retrieve(thread_id, run_id, std::move(o));
        },
        [](run const& r) { return is_poll_stop(r.status.value); }, poll);
}

boost::asio::awaitable<run> create_and_poll_run(std::shared_ptr<detail::client_impl> impl,
                                                std::string thread_id, run_create_params params,
                                                poll_options poll, request_options opts) {
    auto r = co_await create_run(impl, thread_id, std::move(params), opts);
    if (is_poll_stop(r.status.value))
        co_return r;
    co_return co_await poll_run(std::move(impl), std::move(thread_id), std::move(r.id), poll,
                                std::move(opts));
}

boost::asio::awaitable<run> submit_tool_outputs_and_poll_run(std::shared_ptr<detail::client_impl> impl,
                                                             std::string thread_id, std::string run_id,
                                                             submit_tool_outputs_params params,
                                                             poll_options poll, request_options opts) {
    runs_resource runs{impl};
    auto r = co_await runs.submit_tool_outputs(thread_id, run_id, std::move(params), opts);
    if (is_poll_stop(r.status.value))
        co_return r;
    co_return co_await poll_run(std::move(impl), std::move(thread_id), std::move(r.id), poll,
                                std::move(opts));
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
    return detail::request_op<run_step>(impl_, std::move(opts),
                                        [tid = std::string{thread_id}, rid = std::string{run_id},
                                         sid = std::string{step_id}, include = std::move(include)] {
                                            auto path = run_path(tid, rid);
                                            validate_id("step_id", sid);
                                            query_params query;
                                            for (auto const& i : include)
                                                query.emplace_back("include[]", i);
                                            return detail::plain_request(
                                                verb::get, path + detail::make_path("steps", sid),
                                                "steps.retrieve", detail::assistants_beta, std::move(query));
                                        });
}

boost::asio::awaitable<page<run_step>> steps_resource::list(std::string_view thread_id,
                                                            std::string_view run_id,
                                                            run_step_list_params params,
                                                            request_options opts) {
    return detail::list_call<run_step>(
        impl_,
        [tid = std::string{thread_id}, rid = std::string{run_id}] { return run_path(tid, rid) + "/steps"; },
        "steps.list", detail::assistants_beta, std::move(params), std::move(opts));
}

boost::asio::awaitable<run> runs_resource::create(std::string_view thread_id, run_create_params params,
                                                  request_options opts) {
    return create_run(impl_, std::string{thread_id}, std::move(params), std::move(opts));
}

boost::asio::awaitable<run_stream> runs_resource::stream(std::string_view thread_id, run_create_params params,
                                                         request_options opts) {
    return stream_run(impl_, std::string{thread_id}, std::move(params), std::move(opts));
}

boost::asio::awaitable<run_stream>
runs_resource::submit_tool_outputs_stream(std::string_view thread_id, std::string_view run_id,
                                          submit_tool_outputs_params params, request_options opts) {
    return stream_tool_outputs(impl_, std::string{thread_id}, std::string{run_id}, std::move(params),
                               std::move(opts));
}

boost::asio::awaitable<run> runs_resource::retrieve(std::string_view thread_id, std::string_view run_id,
                                                    request_options opts) {
    return detail::request_op<run>(
        impl_, std::move(opts),
        [tid = std::string{thread_id}, rid = std::string{run_id}] {
            return detail::plain_request(verb::get, run_path(tid, rid), "runs.retrieve",
                                         detail::assistants_beta);
        },
        observe_answered_run);
}

boost::asio::awaitable<run> runs_resource::update(std::string_view thread_id, std::string_view run_id,
                                                  run_update_params params, request_options opts) {
    return detail::request_op<run>(
        impl_, std::move(opts),
        [tid = std::string{thread_id}, rid = std::string{run_id}, params = std::move(params)] {
            auto path = run_path(tid, rid);
            validate(params);
            return detail::json_request(verb::post, std::move(path), "runs.update", detail::assistants_beta,
                                        encode(params));
        });
}

boost::asio::awaitable<page<run>> runs_resource::list(std::string_view thread_id, list_params params,
                                                      request_options opts) {
    return detail::list_call<run>(
        impl_,
        [tid = std::string{thread_id}] {
            validate_id("thread_id", tid);
            return detail::make_path("threads", tid, "runs");
        },
        "runs.list", detail::assistants_beta, std::move(params), std::move(opts));
}

boost::asio::awaitable<run> runs_resource::cancel(std::string_view thread_id, std::string_view run_id,
                                                  request_options opts) {
    return detail::request_op<run>(
        impl_, std::move(opts),
        [tid = std::string{thread_id}, rid = std::string{run_id}] {
            auto req = detail::plain_request(verb::post, run_path(tid, rid) + "/cancel", "runs.cancel",
                                             detail::assistants_beta);
            req.idempotent = true; // cancelling twice is harmless
            return req;
        },
        observe_answered_run);
}

boost::asio::awaitable<run> runs_resource::submit_tool_outputs(std::string_view thread_id,
                                                               std::string_view run_id,
                                                               submit_tool_outputs_params params,
                                                               request_options opts) {
    return detail::request_op<run>(
        impl_, std::move(opts),
        [tid = std::string{thread_id}, rid = std::string{run_id}, params = std::move(params)] {
            auto path = run_path(tid, rid) + "/submit_tool_outputs";
            validate(params);
            auto req = detail::json_request(verb::post, std::move(path), "runs.submit_tool_outputs",
                                            detail::assistants_beta, encode(params));
            // A second submission after an ambiguous failure is refused by the server (the run is no
            // longer requires_action), so re-sending cannot apply the outputs twice.
            req.idempotent = true;
            return req;
        },
        observe_answered_run);
}

boost::asio::awaitable<run> runs_resource::poll(std::string_view thread_id, std::string_view run_id,
                                                poll_options poll, request_options opts) {
    return poll_run(impl_, std::string{thread_id}, std::string{run_id}, poll, std::move(opts));
}

boost::asio::awaitable<run> runs_resource::create_and_poll(std::string_view thread_id,
                                                           run_create_params params, poll_options poll,
                                                           request_options opts) {
    return create_and_poll_run(impl_, std::string{thread_id}, std::move(params), poll, std::move(opts));
}

boost::asio::awaitable<run> runs_resource::submit_tool_outputs_and_poll(std::string_view thread_id,
                                                                        std::string_view run_id,
                                                                        submit_tool_outputs_params params,
                                                                        poll_options poll,
                                                                        request_options opts) {
    return submit_tool_outputs_and_poll_run(impl_, std::string{thread_id}, std::string{run_id},
                                            std::move(params), poll, std::move(opts));
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
