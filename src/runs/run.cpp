// client.run: start a run (on a thread, or with a new thread), follow it to its end by polling or
// streaming, answer tool calls, honour deadlines and cancellation. What to do next is decided by the
// sans-io follow machine; this file performs its steps with the Assistants resources.

#include <paced/client.hpp>

#include "resources/call.hpp"
#include "resources/run_accounting.hpp"
#include "runs/follower.hpp"

#include <stdexcept>

namespace paced {

namespace asio = boost::asio;

namespace {

/// Answers every tool call of a step concurrently; all outputs, or errc::tool_failed.
asio::awaitable<std::vector<tool_output>> answer_tool_calls(std::vector<run_tool_call> const& calls,
                                                            tool_handler const& handler) {
    std::vector<run_tool_call const*> pending;
    for (auto const& call : calls)
        pending.push_back(&call);
    auto texts = co_await detail::answer_calls(
        pending, handler, [](run_tool_call const& c) { return c.id + " (" + c.function.name + ")"; });
    std::vector<tool_output> outputs;
    for (std::size_t i = 0; i < texts.size(); ++i)
        outputs.push_back({.tool_call_id = calls[i].id, .output = std::move(texts[i])});
    co_return outputs;
}

/// What following a run needs of its run_options besides the machine's configuration (the creation
/// parameters go to the creation and are freed once the run exists).
struct follow_options {
    tool_handler on_tool_call;
    std::optional<std::chrono::milliseconds> deadline;
    std::string* reply = nullptr;
    request_options request;

    explicit follow_options(run_options& o)
        : on_tool_call(std::move(o.on_tool_call)), deadline(o.deadline), reply(o.reply),
          request(std::move(o.request)) {}
};

/// How the machine follows a run of these options.
sansio::follow_config follow_config_of(run_options const& o) {
    return {.statuses = &sansio::assistants_run_statuses(),
            .poll = o.poll,
            .stream = o.mode == run_mode::stream,
            .answers_tool_calls = static_cast<bool>(o.on_tool_call),
            .fetches_reply = o.reply != nullptr,
            .cancel_on_abort = o.cancel_on_abort};
}

/// What the machine reads of a run: its status, and whether it carries tool calls to answer.
sansio::object_state state_of(paced::run const& r) {
    return {.status = r.status.str(), .has_tool_calls = static_cast<bool>(r.required_action)};
}

/// Errors of a stream after which its run may still be followed (by polling it, or finding it first).
bool run_may_outlive_stream(boost::system::error_code ec) noexcept {
    return ec == errc::stream_truncated || ec == errc::connection_lost || ec == errc::timeout;
}

/** Follows one run to its end: performs the steps that the sans-io follow machine decides
 * (src/sansio/follow_machine.hpp) with the Assistants resources, and keeps what only Assistants runs
 * have (thread and run ids, the request tag, the runs.list lookup). One object per client.run, on the
 * heap and sized to what following needs: with thousands of runs in flight, each holds a few hundred
 * bytes while it waits between polls. The coroutines below keep their state here rather than in locals
 * (g++ keeps every named local of a coroutine, and every temporary of a co_await expression, in the frame
 * for the coroutine's lifetime). It holds the client's state, not the client, and builds its resource
 * handles from that state: the client may be destroyed while its runs are followed.
 */
class run_follower : public detail::follower<run_follower, paced::run> {
    friend class detail::follower<run_follower, paced::run>;

public:
    /// A run on an existing thread.
    run_follower(std::shared_ptr<detail::client_impl> impl, std::string thread_id, std::string assistant_id,
                 run_options options)
        : follower(follow_config_of(options), options.deadline), impl_(std::move(impl)), options_(options),
          runs_(impl_), assistant_id_(std::move(assistant_id)), thread_id_(std::move(thread_id)),
          on_thread_(std::make_unique<run_create_params>(std::move(options.params))) {}

    /// A run on a new thread.
    run_follower(std::shared_ptr<detail::client_impl> impl, thread_and_run_create_params params,
                 run_options options)
        : follower(follow_config_of(options), options.deadline), impl_(std::move(impl)), options_(options),
          runs_(impl_), with_thread_(std::make_unique<thread_and_run_create_params>(std::move(params))) {}

private:
    void prepare() { check_ids(); }
    request_options const& requests() const noexcept { return options_.request; }
    void drop_current() noexcept { current_.reset(); }

    void check_ids() {
        if (on_thread_) {
            validate_id("thread_id", thread_id_);
            validate_id("assistant_id", assistant_id_);
            on_thread_->assistant_id = assistant_id_;
        }
    }

    /// The run exists on the server and can be cancelled there.
    bool named() const noexcept { return !run_id_.empty(); }

    /// The steps other than retrievals. Not a coroutine: each step has a frame of its own, sized to what
    /// it holds while it waits.
    asio::awaitable<void> run_step() {
        switch (next_.step) {
        case sansio::follow_step::create:
            return create_polled();
        case sansio::follow_step::create_streamed:
            return create_streamed_and_read();
        case sansio::follow_step::find_tagged:
            return look_for_tagged_run();
        case sansio::follow_step::run_tools:
            return run_tools();
        case sansio::follow_step::submit_outputs:
            return submit_outputs();
        case sansio::follow_step::submit_outputs_streamed:
            return submit_outputs_streamed();
        default:
            break;
        }
        throw std::logic_error("client.run: step " + std::to_string(static_cast<int>(next_.step)) +
                               " is not one of the run's steps");
    }

    /// The reply of a completed run (outside the deadline: the run has ended).
    asio::awaitable<void> fetch_reply() {
        *options_.reply = co_await fetch_reply_text(*current_);
        next_ = machine_.on_reply_fetched();
    }

    /// Sends a cancel for the run, shielded from the cancellation that is tearing the caller down.
    asio::awaitable<void> cancel_on_server() {
        return detail::send_shielded([this] { return runs_.cancel(thread_id_, run_id_); });
    }

    [[noreturn]] void throw_failure(std::exception_ptr const& cancelled) const {
        std::exception_ptr kept;
        switch (next_.failure) {
        case sansio::follow_failure::deadline:
            throw_error(errc::run_deadline,
                        "run " + (run_id_.empty() ? std::string{"(not created)"} : run_id_) +
                            " did not end within " + std::to_string(options_.deadline->count()) + " ms");
        case sansio::follow_failure::unknown_statuses:
            throw_error(errc::unexpected_json,
                        "run " + run_id_ + " answered status '" + std::string{current_->status.str()} + "' " +
                            std::to_string(sansio::follow_machine::unknown_status_limit) +
                            " times in a row; it is not a run status this SDK knows, so it stopped polling");
        case sansio::follow_failure::tool_rounds: // client.run sets no bound
            throw_error(errc::tool_failed, "run " + run_id_ + " asked for tools more times than allowed");
        case sansio::follow_failure::cancelled:
            kept = cancelled;
            break;
        case sansio::follow_failure::tool_failed:
        case sansio::follow_failure::stream_lost:
            kept = failure_;
            break;
        case sansio::follow_failure::none:
            break;
        }
        if (!kept)
            throw std::logic_error("client.run: a failure without its error");
        std::rethrow_exception(kept);
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

    /// Creates the run (poll mode) and makes it the current state. Not a coroutine: each way of creating
    /// has a frame of its own, sized to what it holds while the request waits (g++ keeps the locals of
    /// both branches of one coroutine in its frame, a whole run among them).
    asio::awaitable<void> create_polled() {
        if (with_thread_)
            return create_with_thread();
        return create_on_thread();
    }

    void created(paced::run r) {
        set_current(std::move(r));
        next_ = machine_.on_created(state_of(*current_));
    }

    /// A run on a new thread: while the request waits for the budget and a connection, the frame holds
    /// only the awaited answer; the parameters are freed as soon as the request's body is built.
    asio::awaitable<void> create_with_thread() {
        auto answer = begin_create_with_thread();
        auto resp = co_await std::move(answer);
        created(detail::finish_create_and_run(*impl_, *pending_, resp));
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
        created(co_await std::move(answer));
    }

    asio::awaitable<paced::run> begin_create_on_thread() {
        // The parameters move into the creating coroutine's frame, not into a temporary of ours.
        auto answer = runs_.create(thread_id_, std::move(*on_thread_), options_.request);
        on_thread_.reset();
        return answer;
    }

    asio::awaitable<detail::api_response> begin_retrieve(request_options const& opts) {
        validate_id("thread_id", thread_id_);
        validate_id("run_id", run_id_);
        return impl_->execute(detail::plain_request(detail::verb::get,
                                                    detail::make_path("threads", thread_id_, "runs", run_id_),
                                                    "runs.retrieve", true),
                              opts);
    }

    /// Makes a retrieved run the current state, settles its pacing (token true-up, rate-limit failures)
    /// and asks the machine what follows.
    void take_retrieved(detail::api_response const& resp) {
        set_current(parse_json<paced::run>(resp.body));
        detail::observe_run(*impl_, *current_);
        next_ = machine_.on_retrieved(state_of(*current_), resp.headers);
    }

    /// Answers the tool calls of the requires_action run; a frame of its own, which exists only while
    /// tools run. A handler's failure is kept for the machine, which has the run cancelled first.
    asio::awaitable<void> run_tools() {
        std::vector<tool_output> outputs;
        bool failed = false;
        try {
            outputs = co_await answer_tool_calls(current_->required_action->submit_tool_outputs.tool_calls,
                                                 options_.on_tool_call);
        } catch (paced::error const& e) {
            if (e.code() != errc::tool_failed)
                throw;
            failure_ = std::current_exception();
            failed = true;
        }
        if (failed) {
            next_ = machine_.on_tool_failed();
            co_return;
        }
        outputs_ = std::make_unique<submit_tool_outputs_params>();
        outputs_->tool_outputs = std::move(outputs);
        next_ = machine_.on_tool_outputs_ready();
    }

    submit_tool_outputs_params take_outputs() {
        auto outputs = std::move(*outputs_);
        outputs_.reset();
        return outputs;
    }

    /// Submits the outputs (poll mode, and the stream mode's fallback); the answer is the run's new state.
    asio::awaitable<void> submit_outputs() {
        auto outputs = take_outputs();
        auto r =
            co_await runs_.submit_tool_outputs(thread_id_, run_id_, std::move(outputs), options_.request);
        set_current(std::move(r));
        next_ = machine_.on_outputs_submitted(state_of(*current_));
    }

    /// Stream mode: creates the run streamed and reads the stream to its end (one request for the run).
    asio::awaitable<void> create_streamed_and_read() {
        // The run's request tag is chosen here rather than inside runs.stream, so that a stream that breaks
        // before it names its run can still find that run by its tag. A run on a new thread can be looked
        // for only once the stream has named the thread (`thread.created` comes first).
        if (on_thread_)
            tag_ = std::make_unique<std::string>(detail::tag_request(*impl_, on_thread_->metadata));
        else if (with_thread_)
            tag_ = std::make_unique<std::string>(detail::tag_request(*impl_, with_thread_->metadata));
        std::optional<run_stream> stream;
        try {
            stream = co_await create_streamed();
        } catch (paced::error const& e) {
            // After an ambiguous failure runs.stream looked for the run by its tag itself: one it found comes
            // back as a truncated stream naming it. Any other failure of the creation is the caller's.
            if (e.code() != errc::stream_truncated || !e.api().param || thread_id_.empty())
                throw;
            run_id_ = *e.api().param; // the run was created but its stream was lost
        }
        with_thread_.reset();
        on_thread_.reset();
        if (!stream) {
            next_ = machine_.on_stream_broke(true, false);
            co_return;
        }
        co_await read_stream(*stream);
    }

    asio::awaitable<run_stream> create_streamed() {
        if (with_thread_)
            co_return co_await threads_resource{impl_}.create_and_run_stream(*with_thread_, options_.request);
        co_return co_await runs_.stream(thread_id_, *on_thread_, options_.request);
    }

    /// Stream mode: submits the outputs streamed and reads that stream to its end.
    asio::awaitable<void> submit_outputs_streamed() {
        auto outputs = take_outputs();
        std::optional<run_stream> stream;
        try {
            stream = co_await runs_.submit_tool_outputs_stream(thread_id_, run_id_, std::move(outputs),
                                                               options_.request);
        } catch (paced::error const& e) {
            if (!detail::is_transport_failure(e.code()))
                throw;
            // The outputs may or may not have arrived: polling tells (requires_action again, or on).
        }
        if (!stream) {
            next_ = machine_.on_stream_broke(true, false);
            co_return;
        }
        co_await read_stream(*stream);
    }

    /// Reads a run's stream to its end, learning the run's and the thread's ids as they come, and gathers
    /// the reply from it. A break after which the run may live on is the machine's to decide (the error is
    /// kept, in case nothing is left to follow); any other is thrown.
    asio::awaitable<void> read_stream(run_stream& stream) {
        bool broke = false;
        try {
            while (auto ev = co_await stream.next()) {
                if (auto r = ev->get<paced::run>())
                    learn(*r);
                else if (auto t = ev->get<paced::thread>())
                    thread_id_ = t->id; // where to look for the run, should the stream break now
            }
        } catch (paced::error const& e) {
            if (!run_may_outlive_stream(e.code()))
                throw;
            failure_ = std::current_exception();
            broke = true;
        }
        if (!broke && !stream.last_run()) {
            // The stream ended cleanly without ever showing its run: a server that closed it early. The
            // run may have been started, so it is looked for like one whose stream broke.
            failure_ = std::make_exception_ptr(error(make_error_code(errc::stream_truncated),
                                                     "the run's stream ended before it showed the run"));
            broke = true;
        }
        if (broke) {
            next_ = machine_.on_stream_broke(named(), tag_ && !tag_->empty() && !thread_id_.empty());
            co_return;
        }
        set_current(*stream.last_run());
        if (options_.reply)
            for (auto const& [id, text] : stream.texts())
                *options_.reply += text;
        next_ = machine_.on_stream_ended(state_of(*current_));
    }

    /// A stream that broke before it named its run: the server may have started the run, so it is looked
    /// for among the thread's runs by its request tag.
    asio::awaitable<void> look_for_tagged_run() {
        impl_->log(log_level::info, "client.run: the stream broke before naming its run; checking for it");
        auto found = co_await detail::find_tagged_run(runs_, thread_id_, *tag_);
        if (found)
            learn(*found);
        next_ = machine_.on_looked_up(found.has_value());
    }

    asio::awaitable<std::string> fetch_reply_text(paced::run const& r) {
        message_list_params of_run{.order = sort_order::asc, .run_id = r.id};
        auto page = co_await messages_resource{impl_}.list(r.thread_id, of_run, options_.request);
        std::string text;
        for (auto const& m : page.data)
            if (m.role == message_role::assistant)
                text += text_of(m);
        co_return text;
    }

    std::shared_ptr<detail::client_impl> impl_;
    follow_options options_; // the machine was configured (in the base) before it took the tool handler
    runs_resource runs_;
    std::string assistant_id_;
    std::string run_id_;                           // known once the run exists: what to cancel on abort
    std::string thread_id_;                        //
    std::unique_ptr<run_create_params> on_thread_; // until the run is created
    std::unique_ptr<thread_and_run_create_params> with_thread_; // until the run's request is built
    std::unique_ptr<detail::pending_thread_run> pending_;       // bookkeeping of a create-and-run in flight
    std::unique_ptr<paced::run> current_; // the run's last state seen (not kept while waiting)
    std::unique_ptr<submit_tool_outputs_params> outputs_; // between the tools and their submission
    std::unique_ptr<std::string> tag_; // stream mode: the creation's request tag (polled runs carry none)
    std::exception_ptr failure_;       // a tool's failure, or a broken stream's error, for the machine's end
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
