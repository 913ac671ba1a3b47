#pragma once
// The machinery behind run_stream: an SSE parser over a body_stream, and the typed decoding.

#include <paced/streaming/run_stream.hpp>

#include "core/client_impl.hpp"
#include "sansio/sse_parser.hpp"

#include <deque>

namespace paced::detail {

/// Decodes one SSE event of an Assistants stream into its typed form (sans-io).
/// `error` events throw errc::stream_error; `done` is not passed here.
stream_event decode_stream_event(sansio::sse_event ev);

/// Merges text deltas into accumulated texts (by message id and content index).
class text_accumulator {
public:
    void apply(message_delta_object const& d);
    void apply_completed(message const& m);
    std::map<std::string, std::string> const& texts() const noexcept { return texts_; }

private:
    std::map<std::string, std::map<std::int64_t, std::string>> parts_;
    std::map<std::string, std::string> texts_;
    void rebuild(std::string const& id);
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
