// client.run: start a run (on a thread, or with a new thread), follow it to its end by polling or
// streaming, answer tool calls, honour deadlines and cancellation.

#include <paced/client.hpp>

#include "core/client_impl.hpp"
#include "core/join.hpp"
#include "resources/call.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace paced {

namespace asio = boost::asio;

namespace {

/// Runs every tool call of a step concurrently; all outputs, or errc::tool_failed.
asio::awaitable<std::vector<tool_output>> answer_tool_calls(std::vector<run_tool_call> const& calls,
                                                            tool_handler const& handler) {
    std::vector<std::function<asio::awaitable<std::string>()>> tasks;
    for (auto const& call : calls)
        tasks.push_back([&handler, call]() { return handler(call); });
    auto results = co_await detail::join_all(std::move(tasks));
    std::vector<tool_output> outputs;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i].failure) {
            std::string what = "unknown exception";
            try {
                std::rethrow_exception(results[i].failure);
            } catch (std::exception const& e) {
                what = e.what();
            } catch (...) {
            }
            throw_error(errc::tool_failed,
                        "tool call " + calls[i].id + " (" + calls[i].function.name + ") failed: " + what);
        }
        outputs.push_back({.tool_call_id = calls[i].id, .output = std::move(*results[i].value)});
    }
    co_return outputs;
}

/// Sends a cancel for the run, shielded from the cancellation that is tearing the caller down.
asio::awaitable<void> cancel_on_server(runs_resource runs, std::string thread_id, std::string run_id) {
    co_await asio::this_coro::reset_cancellation_state();
    auto ex = co_await asio::this_coro::executor;
    try {
        co_await asio::co_spawn(
            ex, [&]() -> asio::awaitable<void> { co_await runs.cancel(thread_id, run_id); },
            asio::bind_cancellation_slot(asio::cancellation_slot{}, asio::use_awaitable));
    } catch (paced::error const&) {
        // The run may have ended meanwhile (400: cannot cancel); the original failure matters more.
    }
}

/// Follows one run to its end. `start_polled` / `start_streamed` create it (on a thread or with one).
class run_follower {
public:
    using start_polled_fn = std::function<asio::awaitable<paced::run>()>;
    using start_streamed_fn = std::function<asio::awaitable<run_stream>()>;

    run_follower(client& c, run_options& options, start_polled_fn polled, start_streamed_fn streamed)
        : client_(c), options_(options), runs_(c.threads().runs()), start_polled_(std::move(polled)),
          start_streamed_(std::move(streamed)) {}

    /// The thread is known before the run exists (runs on an existing thread).
    void set_thread(std::string thread_id) { thread_id_ = std::move(thread_id); }

    asio::awaitable<paced::run> follow() {
        using namespace asio::experimental::awaitable_operators;
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        std::exception_ptr cancelled;
        std::optional<paced::run> result;
        try {
            if (options_.deadline) {
                asio::steady_timer deadline(co_await asio::this_coro::executor, *options_.deadline);
                auto outcome = co_await (follow_to_end() || deadline.async_wait(asio::use_awaitable));
                if (outcome.index() == 0)
                    result = std::move(std::get<0>(outcome));
            } else {
                result = co_await follow_to_end();
            }
        } catch (boost::system::system_error const& e) {
            if (e.code() != asio::error::operation_aborted)
                throw;
            cancelled = std::current_exception(); // the caller cancelled us
        }
        if (result) {
            if (options_.reply && options_.mode == run_mode::poll && result->status == run_status::completed)
                *options_.reply = co_await fetch_reply(*result);
            co_return std::move(*result);
        }
        if (options_.cancel_on_abort && !run_id_.empty())
            co_await cancel_on_server(runs_, thread_id_, run_id_);
        if (cancelled)
            std::rethrow_exception(cancelled);
        throw_error(errc::run_deadline, "run " + (run_id_.empty() ? std::string{"(not created)"} : run_id_) +
                                            " did not end within " + std::to_string(options_.deadline->count()) +
                                            " ms");
    }

private:
    void learn(paced::run const& r) {
        run_id_ = r.id;
        thread_id_ = r.thread_id;
    }

    bool wants_tools(paced::run const& r) const {
        return r.status == run_status::requires_action && options_.on_tool_call && r.required_action;
    }

    /// Answers the tool calls of a requires_action run; on a handler failure the run is cancelled on
    /// the server and errc::tool_failed is thrown.
    asio::awaitable<submit_tool_outputs_params> tool_outputs_for(paced::run const& r) {
        std::vector<tool_output> outputs;
        std::exception_ptr tool_failure;
        try {
            outputs = co_await answer_tool_calls(r.required_action->submit_tool_outputs.tool_calls,
                                                 options_.on_tool_call);
        } catch (paced::error const& e) {
            if (e.code() != errc::tool_failed)
                throw;
            tool_failure = std::current_exception();
        }
        if (tool_failure) {
            co_await cancel_on_server(runs_, r.thread_id, r.id);
            std::rethrow_exception(tool_failure);
        }
        co_return submit_tool_outputs_params{.tool_outputs = std::move(outputs)};
    }

    asio::awaitable<paced::run> follow_to_end() {
        if (options_.mode == run_mode::stream)
            co_return co_await follow_by_streaming();
        auto r = co_await start_polled_();
        learn(r);
        co_return co_await follow_by_polling(std::move(r));
    }

    /// Poll mode, and the stream mode's fallback: follow run `r` by retrieving it.
    asio::awaitable<paced::run> follow_by_polling(paced::run r) {
        for (;;) {
            if (!is_poll_stop(r.status.value))
                r = co_await runs_.poll(r.thread_id, r.id, options_.poll, options_.request);
            if (!wants_tools(r))
                co_return r;
            r = co_await runs_.submit_tool_outputs(r.thread_id, r.id, co_await tool_outputs_for(r), options_.request);
        }
    }

    /// Stream mode: one request for the run (plus one per tool-output submission). If a stream breaks,
    /// the same run is polled: a second run is never created.
    asio::awaitable<paced::run> follow_by_streaming() {
        std::optional<run_stream> stream;
        try {
            stream = co_await start_streamed_();
        } catch (paced::error const& e) {
            if (e.code() != errc::stream_truncated || !e.api().param || thread_id_.empty())
                throw;
            run_id_ = *e.api().param; // the run was created but its stream was lost
        }
        for (;;) {
            bool broken = false;
            if (stream) {
                try {
                    while (auto ev = co_await stream->next())
                        if (auto r = ev->get<paced::run>())
                            learn(*r);
                } catch (paced::error const& e) {
                    bool recoverable = e.code() == errc::stream_truncated || e.code() == errc::connection_lost ||
                                       e.code() == errc::timeout;
                    if (!recoverable || run_id_.empty())
                        throw;
                    broken = true;
                }
            }
            if (!stream || broken) {
                auto r = co_await runs_.retrieve(thread_id_, run_id_, options_.request);
                r = co_await follow_by_polling(std::move(r));
                if (options_.reply && r.status == run_status::completed)
                    *options_.reply = co_await fetch_reply(r);
                co_return r;
            }
            auto r = *stream->last_run();
            if (options_.reply)
                for (auto const& [id, text] : stream->texts())
                    *options_.reply += text;
            if (!wants_tools(r))
                co_return r;
            auto outputs = co_await tool_outputs_for(r);
            stream.reset();
            try {
                stream = co_await runs_.submit_tool_outputs_stream(r.thread_id, r.id, std::move(outputs), options_.request);
            } catch (paced::error const& e) {
                if (!detail::is_transport_failure(e.code()))
                    throw;
                // The outputs may or may not have arrived: polling tells (requires_action again, or on).
            }
        }
    }

    asio::awaitable<std::string> fetch_reply(paced::run const& r) {
        message_list_params of_run{.order = sort_order::asc, .run_id = r.id};
        auto page = co_await client_.threads().messages().list(r.thread_id, of_run, options_.request);
        std::string text;
        for (auto const& m : page.data)
            if (m.role == message_role::assistant)
                text += text_of(m);
        co_return text;
    }

    client& client_;
    run_options& options_;
    runs_resource runs_;
    start_polled_fn start_polled_;
    start_streamed_fn start_streamed_;
    std::string run_id_;    // known once the run exists: what to cancel on abort
    std::string thread_id_; //
};

} // namespace

asio::awaitable<paced::run> client::run(thread const& t, assistant const& a, run_options options) {
    co_return co_await run(t.id, a.id, std::move(options));
}

asio::awaitable<paced::run> client::run(std::string_view thread_id_view, std::string_view assistant_id,
                                        run_options options) {
    validate_id("thread_id", thread_id_view);
    validate_id("assistant_id", assistant_id);
    std::string const thread_id{thread_id_view};
    options.params.assistant_id = std::string{assistant_id};
    auto runs = threads().runs();
    run_follower follower(
        *this, options, [&]() { return runs.create(thread_id, options.params, options.request); },
        [&]() { return runs.stream(thread_id, options.params, options.request); });
    follower.set_thread(thread_id);
    co_return co_await follower.follow();
}

asio::awaitable<paced::run> client::run(thread_and_run_create_params params, run_options options) {
    auto threads_api = threads();
    run_follower follower(
        *this, options, [&]() { return threads_api.create_and_run(params, options.request); },
        [&]() { return threads_api.create_and_run_stream(params, options.request); });
    co_return co_await follower.follow();
}

} // namespace paced
