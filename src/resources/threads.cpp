#include <paced/resources/threads.hpp>

#include "resources/call.hpp"
#include "resources/run_accounting.hpp"
#include "streaming/run_stream_impl.hpp"

namespace paced {

using detail::verb;

// Each operation returns the awaitable of a coroutine that owns copies of its arguments and of the client's
// state (see request_op), so that neither the caller's strings nor this handle need outlive the call.

namespace {

boost::asio::awaitable<thread> create_thread(std::shared_ptr<detail::client_impl> impl,
                                             thread_create_params params, request_options opts) {
    validate(params);
    std::uint64_t bytes = 0;
    for (auto const& m : params.messages)
        bytes += detail::message_bytes(*impl, m);
    // Re-sent like an idempotent request after a failure that leaves its fate unknown (connection lost
    // or timeout after sending): at worst the server keeps an orphan thread that no run ever uses, which
    // costs nothing, whereas failing would lose the caller's work. (There is no list of threads to look
    // in, so a tag lookup as for runs and messages is impossible.)
    auto req = detail::json_request(verb::post, "/threads", "threads.create", detail::assistants_beta,
                                    encode(params));
    req.idempotent = true;
    auto t = co_await detail::call_json<thread>(*impl, req, opts);
    if (bytes)
        impl->add_context_bytes(t.id, bytes);
    co_return t;
}

boost::asio::awaitable<run> create_thread_and_run(std::shared_ptr<detail::client_impl> impl,
                                                  thread_and_run_create_params params, request_options opts) {
    auto pending = detail::begin_create_and_run(*impl, params, opts);
    auto answer = co_await std::move(pending.answer);
    co_return detail::finish_create_and_run(*impl, pending, answer);
}

boost::asio::awaitable<run> create_thread_and_run_poll(std::shared_ptr<detail::client_impl> impl,
                                                       thread_and_run_create_params params, poll_options poll,
                                                       request_options opts) {
    auto r = co_await create_thread_and_run(impl, std::move(params), opts);
    if (is_poll_stop(r.status.value))
        co_return r;
    co_return co_await runs_resource{impl}.poll(r.thread_id, r.id, poll, std::move(opts));
}

boost::asio::awaitable<run_stream> stream_thread_and_run(std::shared_ptr<detail::client_impl> impl,
                                                         thread_and_run_create_params params,
                                                         request_options opts) {
    validate(params);
    auto const prompt_bytes = detail::run_prompt_bytes(*impl, params);
    auto const tokens = detail::run_token_estimate(prompt_bytes, params.max_completion_tokens);
    auto body = encode(params);
    body["stream"] = true;
    auto req = detail::json_request(verb::post, "/threads/runs", "threads.create_and_run_stream",
                                    detail::assistants_beta, body);
    req.scope = detail::run_scope(*impl, params.assistant_id, params.model);
    req.cost = {.requests = 1, .tokens = tokens};
    auto s = std::make_unique<detail::run_stream_impl>(
        impl, co_await impl->open(req, detail::stream_options(opts)));
    s->estimate.emplace(req.scope, tokens);
    co_return run_stream{std::move(s)};
}

} // namespace

boost::asio::awaitable<thread> threads_resource::create(thread_create_params params, request_options opts) {
    return create_thread(impl_, std::move(params), std::move(opts));
}

boost::asio::awaitable<thread> threads_resource::retrieve(std::string_view thread_id, request_options opts) {
    return detail::request_op<thread>(impl_, std::move(opts), [id = std::string{thread_id}] {
        validate_id("thread_id", id);
        return detail::plain_request(verb::get, detail::make_path("threads", id), "threads.retrieve",
                                     detail::assistants_beta);
    });
}

boost::asio::awaitable<thread> threads_resource::update(std::string_view thread_id,
                                                        thread_update_params params, request_options opts) {
    return detail::request_op<thread>(
        impl_, std::move(opts), [id = std::string{thread_id}, params = std::move(params)] {
            validate_id("thread_id", id);
            validate(params);
            return detail::json_request(verb::post, detail::make_path("threads", id), "threads.update",
                                        detail::assistants_beta, encode(params));
        });
}

boost::asio::awaitable<deleted_object> threads_resource::del(std::string_view thread_id,
                                                             request_options opts) {
    std::string id{thread_id};
    auto forget = [id](detail::client_impl& impl, deleted_object const&) { impl.forget_context(id); };
    return detail::request_op<deleted_object>(
        impl_, std::move(opts),
        [id = std::move(id)] {
            validate_id("thread_id", id);
            return detail::plain_request(verb::delete_, detail::make_path("threads", id), "threads.delete",
                                         detail::assistants_beta);
        },
        std::move(forget));
}

boost::asio::awaitable<run> threads_resource::create_and_run(thread_and_run_create_params params,
                                                             request_options opts) {
    return create_thread_and_run(impl_, std::move(params), std::move(opts));
}

boost::asio::awaitable<run_stream>
threads_resource::create_and_run_stream(thread_and_run_create_params params, request_options opts) {
    return stream_thread_and_run(impl_, std::move(params), std::move(opts));
}

boost::asio::awaitable<run> threads_resource::create_and_run_poll(thread_and_run_create_params params,
                                                                  poll_options poll, request_options opts) {
    return create_thread_and_run_poll(impl_, std::move(params), poll, std::move(opts));
}

namespace detail {

pending_thread_run begin_create_and_run(client_impl& impl, thread_and_run_create_params const& params,
                                        request_options const& opts) {
    validate(params);
    auto const prompt_bytes = run_prompt_bytes(impl, params);
    auto const tokens = run_token_estimate(prompt_bytes, params.max_completion_tokens);
    auto req = json_request(verb::post, "/threads/runs", "threads.create_and_run", detail::assistants_beta,
                            encode(params));
    req.scope = run_scope(impl, params.assistant_id, params.model);
    req.cost = {.requests = 1, .tokens = tokens};
    auto scope = req.scope;
    return pending_thread_run{impl.execute(std::move(req), opts), std::move(scope), tokens, prompt_bytes};
}

run finish_create_and_run(client_impl& impl, pending_thread_run& pending, api_response const& answer) {
    auto r = parse_json<run>(answer.body);
    impl.note_token_estimate(r.id, std::move(pending.scope), pending.tokens);
    if (pending.prompt_bytes)
        impl.add_context_bytes(r.thread_id, pending.prompt_bytes);
    observe_run(impl, r);
    return r;
}

} // namespace detail

} // namespace paced
