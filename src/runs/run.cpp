// client.run: start a run (on a thread, or with a new thread), follow it to its end by polling or
// streaming, answer tool calls, honour deadlines and cancellation.

#include <paced/client.hpp>

#include "core/client_impl.hpp"
#include "core/join.hpp"
#include "core/plain_allocator.hpp"
#include "resources/call.hpp"
#include "resources/run_accounting.hpp"

#include <boost/asio/bind_allocator.hpp>
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

/// What following a run needs of its run_options (the creation parameters go to the creation and are
/// freed once the run exists).
struct follow_options {
    run_mode mode = run_mode::poll;
    poll_schedule poll; // the waits between retrievals
    tool_handler on_tool_call;
    bool cancel_on_abort = true;
    std::optional<std::chrono::milliseconds> deadline;
    std::string* reply = nullptr;
    request_options request;

    explicit follow_options(run_options& o)
        : mode(o.mode), poll(o.poll), on_tool_call(std::move(o.on_tool_call)),
          cancel_on_abort(o.cancel_on_abort), deadline(o.deadline), reply(o.reply),
          request(std::move(o.request)) {}
};

/** Follows one run to its end. One object per client.run, on the heap and sized to what following needs:
 * with thousands of runs in flight, each holds a few hundred bytes while it waits between polls. The
 * coroutines below keep their state here rather than in locals (g++ keeps every named local of a
 * coroutine, and every temporary of a co_await expression, in the frame for the coroutine's lifetime).
 * It holds the client's state, not the client, and builds its resource handles from that state: the
 * client may be destroyed while its runs are followed.
 */
class run_follower {
public:
    /// A run on an existing thread.
    run_follower(std::shared_ptr<detail::client_impl> impl, std::string thread_id, std::string assistant_id,
                 run_options options)
        : impl_(std::move(impl)), options_(options), runs_(impl_), assistant_id_(std::move(assistant_id)),
          thread_id_(std::move(thread_id)),
          on_thread_(std::make_unique<run_create_params>(std::move(options.params))) {}

    /// A run on a new thread.
    run_follower(std::shared_ptr<detail::client_impl> impl, thread_and_run_create_params params,
                 run_options options)
        : impl_(std::move(impl)), options_(options), runs_(impl_),
          with_thread_(std::make_unique<thread_and_run_create_params>(std::move(params))) {}

    /** Follows the run to its end and returns it. The one coroutine of a client.run that holds a whole run
     * (its result slot), so it keeps nothing else: the rare endings (the reply, a cancel sent to the
     * server, the deadline's error) are in conclude(), a frame that exists only once the run has ended. */
    static asio::awaitable<paced::run> follow_owned(std::unique_ptr<run_follower> self) {
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        self->check_ids();
        std::exception_ptr cancelled;
        try {
            co_await self->follow_main();
        } catch (boost::system::system_error const& e) {
            if (e.code() != asio::error::operation_aborted)
                throw;
            cancelled = std::current_exception(); // the caller cancelled us
        }
        if (!self->finished_ || self->wants_reply())
            co_await self->conclude(cancelled);
        co_return self->take_result();
    }

private:
    void check_ids() {
        if (on_thread_) {
            validate_id("thread_id", thread_id_);
            validate_id("assistant_id", assistant_id_);
            on_thread_->assistant_id = assistant_id_;
        }
    }

    asio::awaitable<void> follow_main() {
        if (options_.deadline)
            return follow_with_deadline();
        return follow_to_end();
    }

    bool wants_reply() const {
        return options_.reply && options_.mode == run_mode::poll && current_->status == run_status::completed;
    }

    /// The end of a run that did not simply finish: fetches the reply, or cancels the run on the server
    /// (after an abort) and throws the cancellation or errc::run_deadline.
    asio::awaitable<void> conclude(std::exception_ptr cancelled) {
        if (finished_) {
            *options_.reply = co_await fetch_reply(*current_);
            co_return;
        }
        if (options_.cancel_on_abort && !run_id_.empty())
            co_await cancel_on_server(runs_, thread_id_, run_id_);
        if (cancelled)
            std::rethrow_exception(cancelled);
        throw_error(errc::run_deadline, "run " + (run_id_.empty() ? std::string{"(not created)"} : run_id_) +
                                            " did not end within " +
                                            std::to_string(options_.deadline->count()) + " ms");
    }

    paced::run take_result() { return std::move(*current_); }

    void learn(paced::run const& r) {
        run_id_ = r.id;
        thread_id_ = r.thread_id;
    }

    /// Makes `r` the run's current state.
    void set_current(paced::run r) {
        learn(r);
        if (current_)
            *current_ = std::move(r);
        else
            current_ = std::make_unique<paced::run>(std::move(r));
    }

    bool wants_tools(paced::run const& r) const {
        return r.status == run_status::requires_action && options_.on_tool_call && r.required_action;
    }

    asio::awaitable<void> follow_with_deadline() {
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer deadline(co_await asio::this_coro::executor, *options_.deadline);
        auto outcome = co_await (follow_to_end() || deadline.async_wait(asio::use_awaitable));
        if (outcome.index() != 0)
            finished_ = false; // the deadline came first
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

    /// Not a coroutine: each mode follows the whole run in one frame.
    asio::awaitable<void> follow_to_end() {
        if (options_.mode == run_mode::stream)
            return stream_to_end();
        return follow_by_polling(true);
    }

    asio::awaitable<void> stream_to_end() {
        co_await follow_by_streaming();
        finished_ = true;
    }

    /// Creates the run (poll mode) and makes it the current state. Not a coroutine: each way of creating
    /// has a frame of its own, sized to what it holds while the request waits (g++ keeps the locals of
    /// both branches of one coroutine in its frame, a whole run among them).
    asio::awaitable<void> create_polled() {
        if (with_thread_)
            return create_with_thread();
        return create_on_thread();
    }

    /// A run on a new thread: while the request waits for the budget and a connection, the frame holds
    /// only the awaited answer; the parameters are freed as soon as the request's body is built.
    asio::awaitable<void> create_with_thread() {
        auto answer = begin_create_with_thread();
        auto resp = co_await std::move(answer);
        set_current(detail::finish_create_and_run(*impl_, *pending_, resp));
        pending_.reset();
    }

    asio::awaitable<detail::api_response> begin_create_with_thread() {
        auto pending = detail::begin_create_and_run(*impl_, *with_thread_, options_.request);
        with_thread_.reset(); // encoded in the request's body; not needed any more
        auto answer = std::move(pending.answer);
        pending_ = std::make_unique<detail::pending_thread_run>(std::move(pending));
        return answer;
    }

    /// A run on an existing thread (runs().create: re-sent safely after an ambiguous failure).
    asio::awaitable<void> create_on_thread() {
        auto answer = begin_create_on_thread();
        set_current(co_await std::move(answer));
    }

    asio::awaitable<paced::run> begin_create_on_thread() {
        // The parameters move into the creating coroutine's frame, not into a temporary of ours.
        auto answer = runs_.create(thread_id_, std::move(*on_thread_), options_.request);
        on_thread_.reset();
        return answer;
    }

    asio::awaitable<run_stream> create_streamed() {
        if (with_thread_)
            co_return co_await threads_resource{impl_}.create_and_run_stream(*with_thread_, options_.request);
        co_return co_await runs_.stream(thread_id_, *on_thread_, options_.request);
    }

    /// Retrieves the run into the current state. `opts` must outlive the call.
    asio::awaitable<void> retrieve_current(request_options const& opts) {
        auto answer = begin_retrieve(opts);
        auto resp = co_await std::move(answer);
        adopt_retrieved(resp);
    }

    /// Makes a retrieved run the current state and settles its pacing (token true-up, rate-limit failures).
    void adopt_retrieved(detail::api_response const& resp) {
        set_current(parse_json<paced::run>(resp.body));
        detail::observe_run(*impl_, *current_);
    }

    asio::awaitable<detail::api_response> begin_retrieve(request_options const& opts) {
        validate_id("thread_id", thread_id_);
        validate_id("run_id", run_id_);
        return impl_->execute(detail::plain_request(detail::verb::get,
                                                    detail::make_path("threads", thread_id_, "runs", run_id_),
                                                    "runs.retrieve", true),
                              opts);
    }

    /// Makes a retrieved run the current state. Returns nothing when the run stopped, else the wait
    /// before the next retrieval (the server's hint, else the interval); the run's state is then dropped.
    std::optional<std::chrono::milliseconds> take_retrieved(detail::api_response resp) {
        adopt_retrieved(resp);
        if (is_poll_stop(current_->status.value))
            return std::nullopt;
        current_.reset();
        return options_.poll.next_wait(resp.headers);
    }

    /** Poll mode (`create` first), and the stream mode's fallback: follows the current run by retrieving
     * it (at once, then after each wait, as runs().poll does) and answering its tool calls. One frame for
     * the whole loop, which every run between two polls holds: the creation and each retrieval are
     * awaited here, not in frames of their own, and the run's state is dropped while waiting. */
    asio::awaitable<void> follow_by_polling(bool create) {
        if (create)
            co_await create_polled();
        asio::steady_timer timer(co_await asio::this_coro::executor);
        request_options opts = options_.request;
        opts.metadata = nullptr; // the caller's metadata describes the creation, not the polls
        for (;;) {
            if (!is_poll_stop(current_->status.value)) {
                options_.poll.restart();
                current_.reset(); // not held while queued for the budget or a connection
                for (;;) {
                    auto answer = begin_retrieve(opts);
                    auto resp = co_await std::move(answer);
                    auto const wait = take_retrieved(std::move(resp));
                    if (!wait)
                        break;
                    timer.expires_after(*wait);
                    // Thousands of runs may wait here at once: the wait's operation gets its exact size.
                    co_await timer.async_wait(
                        asio::bind_allocator(detail::plain_allocator<void>(), asio::use_awaitable));
                }
            }
            if (!wants_tools(*current_))
                break;
            co_await submit_tool_outputs();
        }
        if (create)
            finished_ = true;
    }

    /// Answers a requires_action run and submits the outputs; a frame of its own, which exists only
    /// while tools run (it holds a run and the outputs).
    asio::awaitable<void> submit_tool_outputs() {
        auto outputs = co_await tool_outputs_for(*current_);
        auto r =
            co_await runs_.submit_tool_outputs(thread_id_, run_id_, std::move(outputs), options_.request);
        set_current(std::move(r));
    }

    /// Stream mode: one request for the run (plus one per tool-output submission). If a stream breaks,
    /// the same run is polled: a second run is never created.
    asio::awaitable<void> follow_by_streaming() {
        // The run's request tag is chosen here rather than inside runs.stream, so that a stream that breaks
        // before it names its run can still find that run by its tag. A run on a new thread can be looked
        // for only once the stream has named the thread (`thread.created` comes first).
        std::string tag;
        if (on_thread_)
            tag = detail::tag_request(*impl_, on_thread_->metadata);
        else if (with_thread_)
            tag = detail::tag_request(*impl_, with_thread_->metadata);
        std::optional<run_stream> stream;
        try {
            stream = co_await create_streamed();
        } catch (paced::error const& e) {
            if (e.code() != errc::stream_truncated || !e.api().param || thread_id_.empty())
                throw;
            run_id_ = *e.api().param; // the run was created but its stream was lost
        }
        with_thread_.reset();
        on_thread_.reset();
        for (;;) {
            bool broken = false;
            std::exception_ptr unnamed; // the stream broke before it named its run
            if (stream) {
                try {
                    while (auto ev = co_await stream->next()) {
                        if (auto r = ev->get<paced::run>())
                            learn(*r);
                        else if (auto t = ev->get<paced::thread>())
                            thread_id_ = t->id; // where to look for the run, should the stream break now
                    }
                } catch (paced::error const& e) {
                    bool recoverable = e.code() == errc::stream_truncated ||
                                       e.code() == errc::connection_lost || e.code() == errc::timeout;
                    if (!recoverable || (run_id_.empty() && (tag.empty() || thread_id_.empty())))
                        throw;
                    if (run_id_.empty())
                        unnamed = std::current_exception();
                    broken = true;
                }
            }
            if (unnamed) {
                // The server may have started the run before the stream broke: look for it by its tag.
                impl_->log(log_level::info,
                           "client.run: the stream broke before naming its run; checking for it");
                auto found = co_await detail::find_tagged_run(runs_, thread_id_, tag);
                if (!found)
                    std::rethrow_exception(unnamed); // no run was started: nothing to follow
                learn(*found);
            }
            if (!stream || broken) {
                stream.reset();
                co_await retrieve_current(options_.request);
                co_await follow_by_polling(false);
                if (options_.reply && current_->status == run_status::completed)
                    *options_.reply = co_await fetch_reply(*current_);
                co_return;
            }
            set_current(*stream->last_run());
            if (options_.reply)
                for (auto const& [id, text] : stream->texts())
                    *options_.reply += text;
            if (!wants_tools(*current_))
                co_return;
            auto outputs = co_await tool_outputs_for(*current_);
            stream.reset();
            try {
                stream = co_await runs_.submit_tool_outputs_stream(thread_id_, run_id_, std::move(outputs),
                                                                   options_.request);
            } catch (paced::error const& e) {
                if (!detail::is_transport_failure(e.code()))
                    throw;
                // The outputs may or may not have arrived: polling tells (requires_action again, or on).
            }
        }
    }

    asio::awaitable<std::string> fetch_reply(paced::run const& r) {
        message_list_params of_run{.order = sort_order::asc, .run_id = r.id};
        auto page = co_await messages_resource{impl_}.list(r.thread_id, of_run, options_.request);
        std::string text;
        for (auto const& m : page.data)
            if (m.role == message_role::assistant)
                text += text_of(m);
        co_return text;
    }

    std::shared_ptr<detail::client_impl> impl_;
    follow_options options_;
    runs_resource runs_;
    std::string assistant_id_;
    std::string run_id_;                           // known once the run exists: what to cancel on abort
    std::string thread_id_;                        //
    std::unique_ptr<run_create_params> on_thread_; // until the run is created
    std::unique_ptr<thread_and_run_create_params> with_thread_; // until the run's request is built
    std::unique_ptr<detail::pending_thread_run> pending_;       // bookkeeping of a create-and-run in flight
    std::unique_ptr<paced::run> current_; // the run's last state seen (not kept while waiting)
    bool finished_ = false;
};

} // namespace

// Not coroutines: they move their arguments into the follower, so no frame holds them (nor throws
// before the caller awaits: the checks run inside the coroutine).
asio::awaitable<paced::run> client::run(thread const& t, assistant const& a, run_options options) {
    return run(t.id, a.id, std::move(options));
}

asio::awaitable<paced::run> client::run(std::string_view thread_id, std::string_view assistant_id,
                                        run_options options) {
    return run_follower::follow_owned(std::make_unique<run_follower>(
        impl_, std::string{thread_id}, std::string{assistant_id}, std::move(options)));
}

asio::awaitable<paced::run> client::run(thread_and_run_create_params params, run_options options) {
    return run_follower::follow_owned(
        std::make_unique<run_follower>(impl_, std::move(params), std::move(options)));
}

} // namespace paced
