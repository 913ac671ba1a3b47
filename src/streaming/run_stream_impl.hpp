#pragma once
// The machinery behind run_stream: an SSE parser over a body_stream, and the typed decoding.

#include <paced/streaming/run_stream.hpp>

#include "core/client_impl.hpp"
#include "sansio/sse_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

namespace paced::detail {

/// Decodes one SSE event of an Assistants stream into its typed form (sans-io).
/// `error` events throw errc::stream_error; `done` is not passed here.
stream_event decode_stream_event(sansio::sse_event ev);

/// Merges text deltas into accumulated texts (by message id and content index).
/// The text of each message of a stream, built from its deltas and replaced by its completed form.
/// Bounded: the text kept across the stream's messages may not exceed `limit` bytes (the client's
/// max_response_bytes), since a stream is not bounded as a whole; beyond it, errc::body_too_large.
class text_accumulator {
public:
    explicit text_accumulator(std::size_t limit = SIZE_MAX) : limit_(limit) {}

    void apply(message_delta_object const& d);
    void apply_completed(message const& m);
    std::map<std::string, std::string> const& texts() const noexcept { return texts_; }

private:
    struct message_text {
        std::map<std::int64_t, std::string> parts; // by content index
        std::size_t bytes = 0;                     // the parts' total size
    };
    std::size_t limit_;
    std::size_t kept_ = 0; // bytes of every message's parts
    std::map<std::string, message_text> messages_;
    std::map<std::string, std::string> texts_;
    void keep(message_text& m, std::size_t more); // counts `more` bytes of m, or throws past the limit
    void rebuild(std::string const& id, message_text const& m);
};

class run_stream_impl {
public:
    run_stream_impl(std::shared_ptr<client_impl> client, api_stream stream);

    boost::asio::awaitable<std::optional<stream_event>> next();

    std::optional<run> last_run;
    text_accumulator texts;
    bool done = false;
    /// The token estimate charged for the run this stream created, noted once its id is known.
    std::optional<std::pair<budget_scope, std::uint64_t>> estimate;

private:
    std::shared_ptr<client_impl> client_;
    api_stream stream_;
    sansio::sse_parser parser_;
    std::deque<sansio::sse_event> pending_;
    std::vector<sansio::sse_event> scratch_;
};

} // namespace paced::detail
