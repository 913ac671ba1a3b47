#pragma once
/// @file `paced::client`: the entry point. Owns the connection pool and shares a budget.

#include <paced/client_options.hpp>
#include <paced/pacing/budget.hpp>
#include <paced/resources/assistants.hpp>
#include <paced/resources/batches.hpp>
#include <paced/resources/conversations.hpp>
#include <paced/resources/files.hpp>
#include <paced/resources/responses.hpp>
#include <paced/resources/threads.hpp>
#include <paced/resources/vector_stores.hpp>
#include <paced/respond_options.hpp>
#include <paced/run_options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace paced {

/// Counters of one client since it was built, readable at any time from any thread.
struct client_metrics {
    std::uint64_t requests = 0;     ///< HTTP attempts sent, retries included.
    std::uint64_t responses = 0;    ///< Answers received (any status).
    std::uint64_t rate_limited = 0; ///< 429 rate_limit_exceeded answers received.
    std::uint64_t retries = 0;      ///< Attempts that were retries.
    std::uint64_t failures = 0;     ///< Logical requests that ended in an error.
    /// Total time requests waited for the budget, the waits still under way included.
    std::chrono::nanoseconds budget_wait{0};
    std::uint64_t connections_opened = 0;
    std::uint64_t connections_reused = 0;
    std::uint64_t waiting_for_budget = 0; ///< Requests waiting for the budget right now.
    /// When the budget admits its next waiter, when it knows (`budget::next_admission`).
    std::optional<std::chrono::steady_clock::time_point> next_admission;
};

/** @brief The OpenAI client: resources mirror the official SDKs, every operation is an awaitable, and every
 * HTTP attempt is paced by one shared budget.
 *
 * @par Example
 * @code
 * boost::asio::io_context ioc;
 * paced::client client{ioc.get_executor(), paced::client_options::from_env()};
 * boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
 *     auto thread = co_await client.threads().create();
 *     paced::message_create_params hello{.role = "user", .content = "Hello"}; // named: see README (g++ 12)
 *     co_await client.threads().messages().create(thread.id, hello);
 *     auto run = co_await client.run(thread.id, "asst_...");
 * }, boost::asio::detached);
 * ioc.run();
 * @endcode
 *
 * @par Errors
 * The constructor throws `paced::error`: `errc::missing_api_key` when `options.api_key` is empty,
 * `errc::invalid_argument` for a malformed `base_url`.
 * @par Object lifetimes
 * A copy of a client is another handle on the same state. Resource handles, operations (`run` and
 * `run_batch` included) and run streams hold a share of the client's state,
 * which lives until the last of them is gone: the client may be destroyed while operations run. Every
 * operation copies its arguments before it returns its awaitable, so neither the strings passed in nor
 * the handle it was called on need outlive it (resource_base.hpp). What an argument only points to
 * (`request_options::metadata`, `run_options::reply`) must outlive the operation.
 * @par Thread safety
 * Distinct objects: safe. Shared objects: safe when the executor is a strand or its io_context is run
 * by one thread. The budget may be shared by clients on different threads when it is thread-safe
 * (`budget_options::thread_safe`).
 */
class client {
public:
    client(boost::asio::any_io_executor executor, client_options options);

    files_resource files() const { return files_resource{impl_}; }
    assistants_resource assistants() const { return assistants_resource{impl_}; }
    threads_resource threads() const { return threads_resource{impl_}; }
    vector_stores_resource vector_stores() const { return vector_stores_resource{impl_}; }
    responses_resource responses() const { return responses_resource{impl_}; }
    conversations_resource conversations() const { return conversations_resource{impl_}; }
    batches_resource batches() const { return batches_resource{impl_}; }

    /** @brief Runs an assistant on a thread to its end: creates the run, then polls it (or streams it,
     * with `run_mode::stream`), answering `requires_action` with `options.on_tool_call`.
     *
     * Returns the run in its final status; a `failed`, `cancelled`, `expired` or `incomplete` run is
     * returned, not thrown (see `check_run`). A run that stops at `requires_action` with no
     * `on_tool_call` is returned as is.
     *
     * @par Object lifetimes
     * The arguments are copied (ids) or moved (options, parameters) into the run's own state before
     * this returns; the client may be destroyed while the run is followed. `options.reply`, and what
     * `options.on_tool_call` refers to, must outlive the call.
     *
     * @par Errors
     * Request errors as for every operation; `errc::run_deadline` when `options.deadline` passes (the
     * run is cancelled on the server first when `cancel_on_abort`); `errc::tool_failed` when a tool
     * handler throws (the run is cancelled on the server). In stream mode a broken stream is not an
     * error once the run is known: the same run is polled to its end. A stream that breaks before it
     * names its run is followed too: the run is found among the thread's runs by the request tag the
     * call put in its metadata (no run found, or no room for a tag among 16 metadata keys: the stream's
     * `errc::stream_truncated`, `connection_lost` or `timeout`). A run on a new thread
     * (`run(thread_and_run_create_params)`) can be looked for once the stream has named the thread
     * (`thread.created`, its first event); a break before that is thrown.
     * @par Per-operation cancellation
     * terminal, partial and total: polling stops; with `cancel_on_abort` a cancel request is sent for
     * the run before the cancellation completes.
     */
    boost::asio::awaitable<paced::run> run(std::string_view thread_id, std::string_view assistant_id,
                                           run_options options = run_options());
    /// @copydoc run
    boost::asio::awaitable<paced::run> run(thread const& t, assistant const& a,
                                           run_options options = run_options());
    /** @brief Creates a thread and runs it (POST /threads/runs), then follows the run as `run()` does:
     * a file can be processed with an upload plus one request. `options.params` is not used: the
     * run's parameters are in `params`. */
    boost::asio::awaitable<paced::run> run(thread_and_run_create_params params,
                                           run_options options = run_options());

    /** @brief Creates a response and follows it to its end: in the background and polled
     * (`respond_mode::background_poll`, the default), or streamed; function calls are answered with
     * `options.on_function_call` and their outputs sent back in the next response, until a response
     * asks for none (at most `max_function_rounds` rounds).
     *
     * Returns the last response in its final status: `completed`, or `failed`, `cancelled`,
     * `incomplete`, returned rather than thrown (see `check_response`). A response that asks for
     * function calls with no handler set is returned as it is.
     *
     * Polling waits on a timer between retrievals (the server's `openai-poll-after-ms` when it sends
     * one, else `options.poll`, growing); the first retrieval waits too. A stream that breaks is resumed
     * after its last event when the response runs in the background (`background_stream`), else
     * followed by polling the same response; a second response is never created for one turn. A
     * background response that fails with `rate_limit_exceeded` pauses its model's budget like a 429.
     * Turns on one conversation are sent one at a time by this client (the server refuses a concurrent
     * one with `conversation_locked`, which is retried after a few seconds when another client causes
     * it).
     *
     * @par Errors
     * Request errors as for every operation; `errc::invalid_argument` for bad parameters (background
     * polling with `store: false`...); `errc::run_deadline` when `options.deadline` passes (a background
     * response is cancelled on the server first when `cancel_on_abort`); `errc::tool_failed` when a
     * handler throws or the rounds run out; a stream's error when it broke before naming its response.
     * @par Per-operation cancellation
     * terminal, partial and total: polling stops; with `cancel_on_abort` a background response is
     * cancelled on the server before the cancellation completes.
     * @par Object lifetimes
     * The arguments are moved into the follow's own state; what `on_function_call` refers to must
     * outlive the call.
     */
    boost::asio::awaitable<paced::response> respond(response_create_params params,
                                                    respond_options options = respond_options());

    /** @brief Counters since the client was built, and the requests waiting for the budget now.
     * @par Thread safety
     * The counters may be read from any thread; `next_admission` asks the budget, so call it where the
     * budget may be called (any thread for a `thread_safe` or Redis budget). */
    client_metrics metrics() const;
    /// The budget every attempt draws from (the one given in the options, or the client's own).
    budget& pacing() const;
    std::shared_ptr<budget> pacing_ptr() const;

    boost::asio::any_io_executor get_executor() const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

/// Throws the typed error of an unsuccessful run: `run_failed` (with `last_error`), `run_cancelled`,
/// `run_expired`, `run_incomplete`. Does nothing for a completed run.
void check_run(paced::run const& r);

/// Throws the typed error of an unsuccessful response: `run_failed` (with its `error`), `run_cancelled`,
/// `run_incomplete` (with `incomplete_details.reason`). Does nothing for a completed response.
void check_response(paced::response const& r);

} // namespace paced
