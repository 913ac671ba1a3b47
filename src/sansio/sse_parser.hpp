#pragma once
/// @file A sans-io parser of server-sent events (WHATWG HTML, "Parsing an event stream").

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paced::sansio {

/** @brief One dispatched event. */
struct sse_event {
    /// The `event:` field; empty when the event had none (WHATWG's default type "message").
    std::string event;
    /// The `data:` lines joined with "\n".
    std::string data;
    /// The last event ID seen so far in the stream (it persists across events, as WHATWG says).
    std::string id;
    /// The `retry:` field of this event, when it had a valid one (ASCII digits only).
    std::optional<std::uint64_t> retry;

    /// `data: [DONE]`, the end-of-stream marker of OpenAI streams.
    bool is_done() const noexcept { return data == "[DONE]"; }

    bool operator==(sse_event const&) const = default;
};

/// Memory bounds of the parser, so that an endless line or event cannot grow memory without bound.
struct sse_limits {
    std::size_t max_line = 1u << 20;  ///< Longest line in bytes, terminator excluded (default 1 MiB).
    std::size_t max_event = 8u << 20; ///< Largest event: event type + data + id bytes (default 8 MiB).
};

/** @brief Turns the bytes of a `text/event-stream` body into events, however they are split.
 *
 * Follows the WHATWG rules: LF, CRLF and CR end lines (a CR ending one chunk and an LF starting the next
 * are one line end); a leading UTF-8 BOM is skipped; lines starting with `:` are comments; a line is split
 * at its first `:` into field and value and one leading space of the value is removed (a line without a
 * colon is a field with an empty value); `event`, `data`, `id` (ignored when it contains NUL) and `retry`
 * (ignored unless all ASCII digits) are understood, other fields ignored; several `data` lines are joined
 * with "\n"; a blank line dispatches the event unless it has no data line at all. Bytes are passed
 * through unchanged: UTF-8 is validated later, by the JSON decoder.
 *
 * @par Errors
 * `feed` throws `paced::error` with `errc::invalid_response` when a line exceeds `sse_limits::max_line`
 * or an event exceeds `sse_limits::max_event`; the parser then stays failed and every later `feed`
 * throws the same. Events appended to `out` before the throw are complete and valid.
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class sse_parser {
public:
    explicit sse_parser(sse_limits limits = {});

    /// Parses `bytes` and appends every event completed by them to `out`.
    void feed(std::string_view bytes, std::vector<sse_event>& out);

    /** @brief Ends the stream. Returns true when it ended mid-event: an unterminated line, or fields
     * without the blank line that dispatches them (both are dropped, as WHATWG says). Complete comment
     * lines after the last event do not count.
     *
     * Resets the parser (including the last event ID and the BOM check) for a new stream.
     */
    bool finish();

    /// The last event ID seen, for a `Last-Event-ID` reconnection header.
    std::string const& last_event_id() const noexcept { return last_id_; }

private:
    void process(std::string_view bytes, std::vector<sse_event>& out);
    void process_line(std::string_view line, std::vector<sse_event>& out);
    void check_event_size(std::size_t total);
    [[noreturn]] void fail(char const* what);

    sse_limits limits_;
    std::string line_;      // the unterminated line so far (a partial line is never empty)
    bool after_cr_ = false; // the previous byte was a CR: an LF now is part of the same line end
    int bom_matched_ = 0;   // bytes of the BOM seen at the start of the stream
    bool bom_checked_ = false;
    bool failed_ = false;

    // The event being built.
    std::string event_;
    std::string data_;
    bool has_data_ = false;
    bool has_fields_ = false; // any non-comment line since the last dispatch
    std::optional<std::uint64_t> retry_;
    std::string last_id_;
};

} // namespace paced::sansio
