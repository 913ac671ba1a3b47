#pragma once
// The machinery behind response_stream: the sans-io decoding of its events and the text they carry,
// an SSE parser over a body_stream, and the cursor that makes a resumption exact.

#include <paced/streaming/response_stream.hpp>

#include "core/client_impl.hpp"
#include "sansio/sequence_cursor.hpp"
#include "sansio/sse_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace paced::detail {

/// Decodes one SSE event of a Responses stream (sans-io). The type is the JSON's `type` (the SSE event
/// name when the JSON has none); `error` events throw errc::stream_error; `[DONE]` is not passed here.
response_event decode_response_event(sansio::sse_event const& ev);

/// The text of a response's `output_text` parts, built from deltas and replaced by each part's done
/// event (or its item's). Bounded by `limit` bytes in all (errc::body_too_large beyond it).
class response_text {
public:
    explicit response_text(std::size_t limit = SIZE_MAX) : limit_(limit) {}

    /// Applies what an event says of the text; other events change nothing.
    void apply(response_event const& ev);
    /// Every part's text, in output and content order.
    std::string text() const;

private:
    using part_key = std::pair<std::int64_t, std::int64_t>; // output index, content index
    void set(part_key key, std::string const& text);
    void append(part_key key, std::string const& piece);
    std::size_t limit_;
    std::size_t kept_ = 0;
    std::map<part_key, std::string> parts_;
};

class response_stream_impl {
public:
    /// `request` is what resume() re-opens the stream with (options without the caller's metadata).
    response_stream_impl(std::shared_ptr<client_impl> client, api_stream stream, request_options request);

    boost::asio::awaitable<std::optional<response_event>> next();
    boost::asio::awaitable<void> resume();

    std::optional<response> last_response;
    std::string response_id;
    response_text text;
    sansio::sequence_cursor cursor;
    bool background = false; // the response runs in the background: a break can be resumed
    bool done = false;
    /// The token estimate charged for the response this stream created, noted once its id is known.
    std::optional<std::pair<budget_scope, std::uint64_t>> estimate;

private:
    /// Takes the next parsed event: nullopt when none is pending (read more), or a decided event.
    std::optional<response_event> take_pending();
    void learn(response_event const& ev);

    std::shared_ptr<client_impl> client_;
    api_stream stream_;
    request_options request_;
    sansio::sse_parser parser_;
    std::deque<sansio::sse_event> pending_;
    std::vector<sansio::sse_event> scratch_;
    bool terminal_seen_ = false;
    bool ended_ = false; // the body ended (the stream waits for resume() or is done)
};

} // namespace paced::detail
