#pragma once
/// @file `client.threads().runs()` and `.steps()`: runs of a thread, their steps, and polling.

#include <paced/pagination.hpp>
#include <paced/polling.hpp>
#include <paced/resources/resource_base.hpp>
#include <paced/streaming/run_stream.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>

namespace paced {

/// True for the statuses a poll stops at: requires_action and the terminal ones.
bool is_poll_stop(run_status s) noexcept;
/// True for completed, cancelled, failed, incomplete and expired.
bool is_terminal(run_status s) noexcept;

/** @brief Run steps: `/threads/{thread_id}/runs/{run_id}/steps`. See resource_base.hpp. */
class steps_resource : public resource_base {
public:
    using resource_base::resource_base;

    boost::asio::awaitable<run_step> retrieve(std::string_view thread_id, std::string_view run_id,
                                              std::string_view step_id,
                                              std::vector<std::string> include = std::vector<std::string>(),
                                              request_options opts = request_options());
    boost::asio::awaitable<page<run_step>> list(std::string_view thread_id, std::string_view run_id,
                                                run_step_list_params params = run_step_list_params(),
                                                request_options opts = request_options());
};

/** @brief Runs: `/threads/{thread_id}/runs`. See resource_base.hpp.
 *
 * @par Pacing of run creation
 * A create is charged one request plus an estimate of its tokens: (bytes of the messages this client
 * added to the thread, of files it uploaded and attached, and of the instructions) / 4, plus
 * `max_completion_tokens` (256 when unset). When the run's `usage` arrives, the estimate is corrected.
 * It is paced in the budget of the run's model (the `model` parameter, else the assistant's model when
 * this client has seen the assistant), else in the default budget.
 *
 * @par Ambiguous failures of create
 * As for messages: the create is tagged with `metadata["paced_request_id"]` and the thread's runs are
 * listed before re-sending, so one call never starts two runs.
 */
class runs_resource : public resource_base {
public:
    using resource_base::resource_base;

    boost::asio::awaitable<run> create(std::string_view thread_id, run_create_params params,
                                       request_options opts = request_options());
    boost::asio::awaitable<run> retrieve(std::string_view thread_id, std::string_view run_id,
                                         request_options opts = request_options());
    boost::asio::awaitable<run> update(std::string_view thread_id, std::string_view run_id,
                                       run_update_params params, request_options opts = request_options());
    boost::asio::awaitable<page<run>> list(std::string_view thread_id, list_params params = list_params(),
                                           request_options opts = request_options());
    boost::asio::awaitable<run> cancel(std::string_view thread_id, std::string_view run_id,
                                       request_options opts = request_options());
    boost::asio::awaitable<run> submit_tool_outputs(std::string_view thread_id, std::string_view run_id,
                                                    submit_tool_outputs_params params,
                                                    request_options opts = request_options());

    /** @brief Retrieves the run until it stops (requires_action or terminal), waiting on a timer between
     * retrievals: the server's `openai-poll-after-ms` when sent, else `poll.interval` (default 1 s).
     * Every retrieval is paced like any request. Returns the run in its stop status (a failed run is
     * returned, not thrown).
     * @par Per-operation cancellation terminal (partial/total if enabled by the caller); nothing is left.
     */
    boost::asio::awaitable<run> poll(std::string_view thread_id, std::string_view run_id,
                                     poll_options poll = poll_options(),
                                     request_options opts = request_options());
    /// create() then poll().
    boost::asio::awaitable<run> create_and_poll(std::string_view thread_id, run_create_params params,
                                                poll_options poll = poll_options(),
                                                request_options opts = request_options());
    /// submit_tool_outputs() then poll().
    boost::asio::awaitable<run> submit_tool_outputs_and_poll(std::string_view thread_id,
                                                             std::string_view run_id,
                                                             submit_tool_outputs_params params,
                                                             poll_options poll = poll_options(),
                                                             request_options opts = request_options());

    /** @brief Creates a run with `stream: true`: one request for the whole run.
     * Returns once the response head arrived; read the events with `next()`. Ambiguous failures before
     * the head are handled as for create() (tag, look, never two runs). */
    boost::asio::awaitable<run_stream> stream(std::string_view thread_id, run_create_params params,
                                              request_options opts = request_options());
    /// submit_tool_outputs() with `stream: true`: the run's events continue on the returned stream.
    boost::asio::awaitable<run_stream> submit_tool_outputs_stream(std::string_view thread_id,
                                                                  std::string_view run_id,
                                                                  submit_tool_outputs_params params,
                                                                  request_options opts = request_options());

    steps_resource steps() const { return steps_resource{impl_}; }
};

} // namespace paced
