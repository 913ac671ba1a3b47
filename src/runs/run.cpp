// client.run: create a run, follow it to its end (poll), answer tool calls, honour deadlines and
// cancellation.

#include <paced/client.hpp>

#include "core/client_impl.hpp"
#include "core/join.hpp"

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
            throw_error(errc::tool_failed, "tool call " + calls[i].id + " (" + calls[i].function.name +
                                               ") failed: " + what);
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
        // The run may have ended meanwhile (400 "cannot cancel"); the original failure matters more.
    }
}

} // namespace

asio::awaitable<paced::run> client::run(thread const& t, assistant const& a, run_options options) {
    co_return co_await run(t.id, a.id, std::move(options));
}

asio::awaitable<paced::run> client::run(std::string_view thread_id_view, std::string_view assistant_id,
                                 run_options options) {
    using namespace asio::experimental::awaitable_operators;
    validate_id("thread_id", thread_id_view);
    validate_id("assistant_id", assistant_id);
    co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
    std::string const thread_id{thread_id_view};
    options.params.assistant_id = std::string{assistant_id};
    auto runs = threads().runs();
    std::string run_id; // known once the create answered: what to cancel on abort

    auto follow = [&]() -> asio::awaitable<paced::run> {
        auto r = co_await runs.create(thread_id, options.params);
        run_id = r.id;
        for (;;) {
            if (!is_poll_stop(r.status.value))
                r = co_await runs.poll(thread_id, r.id, options.poll);
            if (r.status == run_status::requires_action && options.on_tool_call && r.required_action) {
                std::vector<tool_output> outputs;
                std::exception_ptr tool_failure;
                try {
                    outputs = co_await answer_tool_calls(r.required_action->submit_tool_outputs.tool_calls,
                                                         options.on_tool_call);
                } catch (paced::error const& e) {
                    if (e.code() != errc::tool_failed)
                        throw;
                    tool_failure = std::current_exception();
                }
                if (tool_failure) {
                    co_await cancel_on_server(runs, thread_id, r.id);
                    std::rethrow_exception(tool_failure);
                }
                r = co_await runs.submit_tool_outputs(thread_id, r.id, {.tool_outputs = std::move(outputs)});
                continue;
            }
            co_return r;
        }
    };

    std::exception_ptr failure;
    bool deadline_passed = false;
    std::optional<paced::run> result;
    try {
        if (options.deadline) {
            asio::steady_timer deadline(co_await asio::this_coro::executor, *options.deadline);
            auto outcome = co_await (follow() || deadline.async_wait(asio::use_awaitable));
            if (outcome.index() == 0)
                result = std::move(std::get<0>(outcome));
            else
                deadline_passed = true;
        } else {
            result = co_await follow();
        }
    } catch (boost::system::system_error const& e) {
        if (e.code() != asio::error::operation_aborted)
            throw;
        failure = std::current_exception(); // the caller cancelled us
    }
    if (result)
        co_return std::move(*result);
    if (options.cancel_on_abort && !run_id.empty())
        co_await cancel_on_server(runs, thread_id, run_id);
    if (failure)
        std::rethrow_exception(failure);
    (void)deadline_passed;
    throw_error(errc::run_deadline, "run " + (run_id.empty() ? std::string{"(not created)"} : run_id) +
                                        " did not end within " + std::to_string(options.deadline->count()) + " ms");
}

} // namespace paced
