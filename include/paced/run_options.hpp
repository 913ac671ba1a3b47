#pragma once
/// @file Options of `client.run(thread, assistant)`.

#include <paced/polling.hpp>
#include <paced/request_options.hpp>
#include <paced/types/run.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace paced {

/// How `client.run` follows a run: by polling `runs.retrieve`, or by streaming (one request per run).
enum class run_mode { poll, stream };

/** @brief Answers one tool call of a `requires_action` run with its output text.
 *
 * Called on the client's executor; all calls of one step run concurrently, and their outputs are
 * submitted together. Throwing fails the run: it is cancelled on the server and `errc::tool_failed`
 * reaches the caller of `client.run`.
 */
using tool_handler = std::function<boost::asio::awaitable<std::string>(run_tool_call const&)>;

/** @brief Options of `client.run`. */
struct run_options {
    run_mode mode = run_mode::poll;
    /// Create parameters (`assistant_id` is taken from the call's argument).
    run_create_params params;
    /// Waits between retrievals in poll mode (and in the stream mode's fallback).
    poll_options poll;
    /// Answers requires_action; when empty, a requires_action run is returned to the caller.
    tool_handler on_tool_call;
    /// Cancel the run on the server when the caller's coroutine is cancelled or the deadline passes.
    bool cancel_on_abort = true;
    /// The whole run must end within this time (`errc::run_deadline`).
    std::optional<std::chrono::milliseconds> deadline;
    /** When set, receives the text of the run's reply (its messages' text parts, in order): gathered
     * from the stream in stream mode at no cost, fetched with one request (the run's messages) in
     * poll mode once the run completed. Must outlive the call. */
    std::string* reply = nullptr;
    /// Options of every request the run makes (create, polls, tool outputs, the reply's fetch); e.g.
    /// `.attempts` counts what the run cost.
    request_options request;
};

} // namespace paced
