#pragma once
/// @file Options of `client.respond(params)`: following a Responses response to its end.

#include <paced/polling.hpp>
#include <paced/request_options.hpp>
#include <paced/types/response.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace paced {

namespace webhooks {
class receiver;
} // namespace webhooks

/// How `client.respond` follows a response: created in the background and polled (`GET /responses/{id}`),
/// or streamed.
enum class respond_mode { background_poll, stream };

/** @brief Answers one function call of a response with its output text.
 *
 * Called on the client's executor; all calls of one response run concurrently, and their outputs go
 * back together in the next response (`previous_response_id`, or the same conversation). Throwing fails
 * the follow: `errc::tool_failed` reaches the caller of `client.respond` (a background response that
 * asked for the calls has already ended: nothing is cancelled).
 */
using function_call_handler = std::function<boost::asio::awaitable<std::string>(function_call_item const&)>;

/** @brief Options of `client.respond`. */
struct respond_options {
    respond_mode mode = respond_mode::background_poll;
    /// Stream mode: create the response in the background (it is then stored), so that a broken stream
    /// is resumed after its last event (`starting_after`) rather than followed by polling. Off: a
    /// foreground stream, which a break leaves to polling when the response is stored, else fails.
    bool background_stream = true;
    /// Waits between retrievals (background_poll, and a stream's fallback).
    poll_options poll;
    /** background_poll: wait for the response's completion webhook (`response.completed`, `.failed`,
     * `.cancelled`, `.incomplete`) on this receiver instead of polling, then retrieve it once: a response
     * costs its create and one retrieval, whatever its length. A webhook that is late or lost is made up
     * for by a retrieval every `completion_poll`; after an event that came before a retrieval shows the
     * end, the response is retrieved on the `poll` schedule. Must outlive the call. */
    webhooks::receiver* completion = nullptr;
    /// With `completion`: the longest wait for the webhook before a retrieval looks anyway.
    std::chrono::milliseconds completion_poll{30'000};
    /// Answers function calls; when empty, a response that asks for them is returned to the caller.
    function_call_handler on_function_call;
    /// Responses with function calls answered before the follow fails with `errc::tool_failed`.
    std::uint16_t max_function_rounds = 16;
    /// Cancel a background response on the server when the caller cancels or the deadline passes.
    bool cancel_on_abort = true;
    /// The whole follow (every round of function calls included) must end within this time
    /// (`errc::run_deadline`).
    std::optional<std::chrono::milliseconds> deadline;
    /// Options of every request the follow makes (creates, polls, resumptions, cancels).
    request_options request;
};

} // namespace paced
