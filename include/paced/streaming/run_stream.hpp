#pragma once
/// @file Streaming runs: typed server-sent events of the Assistants API, and helpers over them.

#include <paced/error.hpp>
#include <paced/types/message.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>
#include <paced/types/stream_delta.hpp>
#include <paced/types/thread.hpp>

#include <boost/asio/awaitable.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace paced {

namespace detail {
class client_impl;
class run_stream_impl;
} // namespace detail

/// An event the SDK does not know (a newer server): kept raw, ignored by the helpers.
struct unknown_event {
    std::string event;
    std::string data;
};

/// The payload of a stream event, by type. Which alternative goes with which event name:
/// `thread.created` → thread; `thread.run.*` → run; `thread.run.step.delta` → run_step_delta_object;
/// other `thread.run.step.*` → run_step; `thread.message.delta` → message_delta_object; other
/// `thread.message.*` → message; anything else → unknown_event.
using stream_payload =
    std::variant<thread, run, run_step, run_step_delta_object, message, message_delta_object, unknown_event>;

/** @brief One event of a run stream: its name (`thread.run.completed`...) and typed payload. */
struct stream_event {
    std::string event;
    stream_payload data;

    /// The payload as T, or nullptr.
    template <class T>
    T const* get() const noexcept {
        return std::get_if<T>(&data);
    }
};

/** @brief A run streamed over one HTTP response (`stream: true`).
 *
 * Read it with `while (auto ev = co_await stream.next()) { ... }`. The stream ends (nullopt) after
 * `data: [DONE]`. Helpers accumulate the text of every message (deltas merged by content `index`) and
 * remember the last run object seen.
 *
 * @par Object lifetimes
 * The stream holds a share of its client's state: the client may be destroyed while the stream is read.
 * The stream itself must outlive `next()` and `until_done()` (they read its state), but it may be moved
 * while they run.
 * @par Errors
 * `next()` throws `paced::error`: `errc::stream_error` for an `error` event (bare or wrapped; `api()`
 * holds its message, type and code); `errc::stream_truncated` when the response ends before `[DONE]`
 * (a run id seen so far is in `last_run()`, so the caller can poll the same run instead);
 * `connection_lost`, `timeout`; `unexpected_json` for a payload that does not match its event;
 * `body_too_large` when the text kept for `texts()` would exceed `client_options::max_response_bytes`
 * (the stream as a whole is not bounded; its events are, by the SSE parser's 8 MiB).
 * @par Per-operation cancellation
 * terminal: the read in progress is abandoned and the connection closed.
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class run_stream {
public:
    run_stream();
    explicit run_stream(std::unique_ptr<detail::run_stream_impl> impl);
    run_stream(run_stream&&) noexcept;
    run_stream& operator=(run_stream&&) noexcept;
    ~run_stream();

    /// The next event, or nullopt once the stream has ended with `[DONE]`.
    boost::asio::awaitable<std::optional<stream_event>> next();

    /// Reads to the end; returns the last run object seen (its final status).
    /// @par Errors as next(); `errc::stream_truncated` also when no run object was seen.
    boost::asio::awaitable<run> until_done();

    /// The last run object the stream carried (`thread.run.*` events), if any.
    std::optional<run> const& last_run() const noexcept;
    /// The text of every message so far, by message id, deltas merged in content order.
    std::map<std::string, std::string> const& texts() const noexcept;
    /// The text of one message so far ("" when unknown).
    std::string text(std::string_view message_id) const;
    /// True once `[DONE]` was read.
    bool done() const noexcept;

private:
    std::unique_ptr<detail::run_stream_impl> impl_;
};

} // namespace paced
