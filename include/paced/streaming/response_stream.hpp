#pragma once
/// @file Streaming responses: the typed events of one streamed response, with resumption after a break.

#include <paced/error.hpp>
#include <paced/types/response_event.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace paced {

namespace detail {
class response_stream_impl;
} // namespace detail

/** @brief A response streamed over HTTP (`stream: true`), resumable when it runs in the background.
 *
 * Read it with `while (auto ev = co_await stream.next()) { ... }`. The stream ends (nullopt) after a
 * terminal event (`response.completed`, `.failed`, `.incomplete`), after `data: [DONE]` (which some
 * servers send and OpenAI does not), or when the body ends after a terminal event. `keepalive` events
 * are consumed (they advance the cursor) and not returned; events at or below the cursor (a server
 * that replays a resumed stream from its start) are dropped, so no event is returned twice.
 *
 * A background response (`background: true`) created streamed can be resumed after a break: when
 * `next()` throws `stream_truncated`, `connection_lost` or `timeout` and `resumable()` holds, `resume()`
 * opens `GET /responses/{id}?stream=true&starting_after=N` (one paced request) and `next()` goes on
 * from the event after N. `client.respond` does this by itself.
 *
 * @par Object lifetimes
 * The stream holds a share of its client's state: the client may be destroyed while it is read. The
 * stream must outlive `next()`, `until_done()` and `resume()`; it may be moved while they run.
 * @par Errors
 * `next()` throws `paced::error`: `errc::stream_error` for an `error` event (nested
 * `{"error": {...}}` or flat; `api()` holds its message, type and code); `errc::stream_truncated`
 * when the body ends before a terminal event; `connection_lost`, `timeout`; `unexpected_json` for an
 * event that does not match its type; `body_too_large` when the text kept for `output_text()` would
 * exceed `client_options::max_response_bytes`. `resume()`: `errc::invalid_argument` when the stream is
 * not resumable, and the errors of any request.
 * @par Per-operation cancellation
 * terminal: the read in progress is abandoned and the connection closed.
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class response_stream {
public:
    response_stream();
    explicit response_stream(std::unique_ptr<detail::response_stream_impl> impl);
    response_stream(response_stream&&) noexcept;
    response_stream& operator=(response_stream&&) noexcept;
    ~response_stream();

    /// The next event, or nullopt once the stream has ended.
    boost::asio::awaitable<std::optional<response_event>> next();

    /// Reads to the end; returns the last response snapshot (its final status).
    /// @par Errors as next(); `errc::stream_truncated` also when no response snapshot was seen.
    boost::asio::awaitable<response> until_done();

    /// Re-opens the stream after the last event delivered (see the class description).
    boost::asio::awaitable<void> resume();

    /// The last response snapshot the stream carried (lifecycle events), if any.
    std::optional<response> const& last_response() const noexcept;
    /// The response's id, once an event named it ("" before).
    std::string const& response_id() const noexcept;
    /// The text of the response so far: every `output_text` part in order, from deltas and done events.
    std::string output_text() const;
    /// The sequence number of the last event delivered (keepalives included).
    std::optional<std::int64_t> last_sequence_number() const noexcept;
    /// True when a break can be resumed: a background response, named, every event numbered.
    bool resumable() const noexcept;
    /// True once the stream has ended.
    bool done() const noexcept;

private:
    std::unique_ptr<detail::response_stream_impl> impl_;
};

} // namespace paced
