// client.respond: create a response, follow it to its end by polling it in the background or by
// streaming it (resumed after a break), answer its function calls with the next response. The decisions
// are the sans-io follow machine's, as for client.run; this file performs its steps with the Responses
// resources.

#include <paced/client.hpp>
#include <paced/webhooks/receiver.hpp>

#include "resources/call.hpp"
#include "resources/response_accounting.hpp"
#include "runs/follower.hpp"
#include "webhooks/completion_watch.hpp"

#include <stdexcept>

namespace paced {

namespace asio = boost::asio;

namespace {

/// What following a response needs of its respond_options besides the machine's configuration.
struct respond_follow_options {
    function_call_handler on_function_call;
    std::uint16_t max_function_rounds;
    bool background;
    webhooks::receiver* completion;
    std::chrono::milliseconds completion_poll;
    request_options request;

    explicit respond_follow_options(respond_options& o)
        : on_function_call(std::move(o.on_function_call)), max_function_rounds(o.max_function_rounds),
          background(o.mode == respond_mode::background_poll || o.background_stream),
          completion(o.mode == respond_mode::background_poll ? o.completion : nullptr),
          completion_poll(o.completion_poll), request(std::move(o.request)) {}
};

sansio::follow_config follow_config_of(respond_options const& o) {
    return {.statuses = &sansio::response_statuses(),
            .poll = o.poll,
            .stream = o.mode == respond_mode::stream,
            .answers_tool_calls = static_cast<bool>(o.on_function_call),
            .fetches_reply = false, // a response carries its output
            .cancel_on_abort = o.cancel_on_abort,
            .tool_calls_end_object = true, // function calls are answered by the next response
            .max_tool_rounds = o.max_function_rounds};
}

/// What the machine reads of a response: its status, and whether it ended asking for function calls.
sansio::object_state state_of(response const& r) {
    bool calls = false;
    for (auto const& item : r.output)
        calls = calls || std::holds_alternative<function_call_item>(item);
    return {.status = r.status.str(), .has_tool_calls = calls};
}

/// Errors of a stream after which its response may still be followed (resumed, or polled). An `error`
/// event is one of them: the response it names has a final state (often `failed`) that a retrieval or
/// the rest of the stream tells, and which the caller gets as it would by polling.
bool response_may_outlive_stream(boost::system::error_code ec) noexcept {
    return ec == errc::stream_truncated || ec == errc::connection_lost || ec == errc::timeout ||
           ec == errc::stream_error;
}

/** Follows one turn (and the turns its function calls lead to) to its end. One object per
 * client.respond, on the heap; it holds the client's state, not the client. The parameters of the first
 * create are kept, without their input, when a handler may need them again for the next turn. */
class response_follower : public detail::follower<response_follower, response> {
    friend class detail::follower<response_follower, response>;

public:
    response_follower(std::shared_ptr<detail::client_impl> impl, response_create_params params,
                      respond_options options)
        : follower(follow_config_of(options), options.deadline), impl_(std::move(impl)), options_(options),
          responses_(impl_), params_(std::make_unique<response_create_params>(std::move(params))) {}

private:
    void prepare() {
        params_->background = options_.background;
        if (!options_.background && params_->store.value_or(true) == false)
            stored_ = false;
        validate(*params_);
        if (options_.completion && options_.completion_poll.count() <= 0)
            throw_error(errc::invalid_argument, "completion_poll: must be positive");
        if (options_.on_function_call) {
            next_turn_ = std::make_unique<response_create_params>(*params_);
            next_turn_->input.clear();
            next_turn_->input_text.reset();
            next_turn_->metadata.erase(std::string{detail::request_tag_key}); // each turn is tagged anew
        }
    }

    request_options const& requests() const noexcept { return options_.request; }
    void drop_current() noexcept { current_.reset(); }

    /// With a completion receiver, a background response is retrieved when its webhook says it ended
    /// (or after completion_poll, should the webhook be late or lost), not on the poll timer; once the
    /// event came, on the timer again (completion_watch.hpp).
    bool waits_for_completion() const noexcept { return watch_.awaits(id_); }
    asio::awaitable<void> wait_for_completion() { return watch_.wait(id_); }
    /// A background response exists on the server and can be cancelled there.
    bool named() const noexcept { return !id_.empty() && options_.background; }
    /// The response can be retrieved (polled) by its id.
    bool retrievable() const noexcept { return !id_.empty() && stored_; }

    asio::awaitable<void> run_step() {
        switch (next_.step) {
        case sansio::follow_step::create:
        case sansio::follow_step::submit_outputs:
            return create_polled();
        case sansio::follow_step::create_streamed:
        case sansio::follow_step::submit_outputs_streamed:
            return create_streamed_and_read();
        case sansio::follow_step::resume_stream:
            return resume_and_read();
        case sansio::follow_step::run_tools:
            return run_functions();
        default:
            break;
        }
        throw std::logic_error("client.respond: step " + std::to_string(static_cast<int>(next_.step)) +
                               " is not one of a response's steps");
    }

    asio::awaitable<void> fetch_reply() {
        throw std::logic_error("client.respond: a response carries its output; there is no reply to fetch");
        co_return;
    }

    asio::awaitable<void> cancel_on_server() {
        return detail::send_shielded([this] { return responses_.cancel(id_); });
    }

    [[noreturn]] void throw_failure(std::exception_ptr const& cancelled) const {
        switch (next_.failure) {
        case sansio::follow_failure::deadline:
            throw_error(errc::run_deadline, "response " + (id_.empty() ? std::string{"(not created)"} : id_) +
                                                " did not end within " +
                                                std::to_string(deadline_ ? deadline_->count() : 0) + " ms");
        case sansio::follow_failure::unknown_statuses: // the response table knows every status
            throw_error(errc::unexpected_json,
                        "response " + id_ + " answered statuses this SDK does not know");
        case sansio::follow_failure::tool_rounds:
            throw_error(errc::tool_failed, "response " + id_ + " asked for function calls more than " +
                                               std::to_string(options_.max_function_rounds) + " times");
        case sansio::follow_failure::cancelled:
            if (cancelled)
                std::rethrow_exception(cancelled);
            break;
        case sansio::follow_failure::tool_failed:
        case sansio::follow_failure::stream_lost:
            if (failure_)
                std::rethrow_exception(failure_);
            break;
        case sansio::follow_failure::none:
            break;
        }
        throw std::logic_error("client.respond: a failure without its error");
    }

    response take_result() { return std::move(*current_); }

    void set_current(response r) {
        id_ = r.id;
        if (current_)
            *current_ = std::move(r);
        else
            current_ = std::make_unique<response>(std::move(r));
    }

    /// Takes the conversation's lock before the first turn, so that this client never has two turns on
    /// one conversation at once (the server would refuse the second with conversation_locked).
    asio::awaitable<void> lock_conversation() {
        if (!params_->conversation || permit_)
            co_return;
        auto lock = impl_->conversation_lock(*params_->conversation);
        permit_ = co_await lock->acquire();
    }

    /// The parameters of the turn to create: the first, or the next one carrying the function outputs.
    response_create_params take_turn() {
        auto p = std::move(*params_);
        params_.reset();
        return p;
    }

    asio::awaitable<void> create_polled() {
        co_await lock_conversation();
        auto answer = responses_.create(take_turn(), options_.request);
        set_current(co_await std::move(answer));
        next_ = next_.step == sansio::follow_step::create
                    ? machine_.on_created(state_of(*current_))
                    : machine_.on_outputs_submitted(state_of(*current_));
    }

    asio::awaitable<detail::api_response> begin_retrieve(request_options const& opts) {
        validate_id("response_id", id_);
        return impl_->execute(detail::plain_request(detail::verb::get, detail::make_path("responses", id_),
                                                    "responses.retrieve", detail::not_assistants_beta),
                              opts);
    }

    void take_retrieved(detail::api_response const& resp) {
        set_current(parse_json<response>(resp.body));
        detail::observe_response(*impl_, *current_);
        next_ = machine_.on_retrieved(state_of(*current_), resp.headers);
    }

    /// Answers the function calls of the response; their outputs become the next turn's input.
    asio::awaitable<void> run_functions() {
        auto calls = function_calls(*current_);
        std::vector<std::string> outputs;
        bool failed = false;
        try {
            outputs = co_await detail::answer_calls(
                calls, options_.on_function_call,
                [](function_call_item const& c) { return c.call_id + " (" + c.name + ")"; });
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
        params_ = std::make_unique<response_create_params>(*next_turn_);
        for (std::size_t i = 0; i < calls.size(); ++i)
            params_->input.emplace_back(
                function_call_output_item{.call_id = calls[i]->call_id, .output = std::move(outputs[i])});
        if (!params_->conversation)
            params_->previous_response_id = id_; // on a conversation the outputs join its items instead
        next_ = machine_.on_tool_outputs_ready();
    }

    /// Creates the response streamed and reads the stream to its end.
    asio::awaitable<void> create_streamed_and_read() {
        co_await lock_conversation();
        // A creation whose answer was lost cannot be looked for (responses cannot be listed, nor searched by
        // their tag): its error is the caller's, never a second creation.
        auto opening = responses_.stream(take_turn(), options_.request);
        stream_ = std::make_unique<response_stream>(co_await std::move(opening));
        resumed_at_.reset();
        co_await read_stream();
    }

    /// Re-opens a broken background stream after its last event and reads on.
    asio::awaitable<void> resume_and_read() {
        resumed_at_ = stream_->last_sequence_number();
        bool reopened = false;
        try {
            co_await stream_->resume();
            reopened = true;
        } catch (paced::error const& e) {
            if (!response_may_outlive_stream(e.code()) && e.code() != errc::bad_request &&
                e.code() != errc::not_found && e.code() != errc::server_error)
                throw;
            failure_ = std::current_exception();
        }
        if (!reopened) {
            // The stream cannot be re-opened: the response is polled to its end instead.
            next_ = machine_.on_stream_broke(retrievable(), false, false);
            co_return;
        }
        co_await read_stream();
    }

    /// Reads the stream to its end, learning the response as it comes. A break after which the response
    /// may live on is the machine's to decide (the error is kept, in case nothing is left to follow).
    asio::awaitable<void> read_stream() {
        bool broke = false;
        try {
            for (;;) {
                auto ev = co_await stream_->next();
                if (!ev)
                    break;
                if (!stream_->response_id().empty())
                    id_ = stream_->response_id();
            }
        } catch (paced::error const& e) {
            if (!response_may_outlive_stream(e.code()))
                throw;
            failure_ = std::current_exception();
            broke = true;
        }
        if (!stream_->response_id().empty())
            id_ = stream_->response_id();
        if (!broke && !stream_->last_response()) {
            failure_ =
                std::make_exception_ptr(error(make_error_code(errc::stream_truncated),
                                              "the response's stream ended before it showed the response"));
            broke = true;
        }
        if (broke) {
            // Resumed only when the stream delivered events since it was last re-opened: never in a loop.
            bool const progressed = stream_->last_sequence_number() != resumed_at_;
            next_ = machine_.on_stream_broke(retrievable(), false, stream_->resumable() && progressed);
            co_return;
        }
        set_current(*stream_->last_response());
        stream_.reset();
        next_ = machine_.on_stream_ended(state_of(*current_));
    }

    std::shared_ptr<detail::client_impl> impl_;
    respond_follow_options options_; // the machine was configured (in the base) before it took the handler
    responses_resource responses_;
    detail::completion_watch watch_{options_.completion, options_.completion_poll};
    std::string id_;                                    // the current turn's response, once named
    bool stored_ = true;                                // false: a foreground response with store off
    std::unique_ptr<response_create_params> params_;    // the turn to create, until it is created
    std::unique_ptr<response_create_params> next_turn_; // what every later turn repeats (with a handler)
    std::unique_ptr<response> current_;                 // the response's last state seen
    std::unique_ptr<response_stream> stream_;           // stream mode: the turn's stream while it is read
    std::optional<std::int64_t> resumed_at_;            // the cursor when the stream was last re-opened
    async_semaphore::permit permit_;                    // this follow's turn on its conversation
    std::exception_ptr failure_; // a handler's failure, or a broken stream's error, for the machine's end
};

} // namespace

// Not a coroutine: the arguments move into the follower, so no frame holds them.
asio::awaitable<response> client::respond(response_create_params params, respond_options options) {
    return response_follower::follow_owned(
        std::make_unique<response_follower>(impl_, std::move(params), std::move(options)));
}

} // namespace paced
