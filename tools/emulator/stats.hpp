#pragma once
// Counters behind GET /v1/emulator/stats.

#include "util.hpp"

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace paced::emulator {

/** @brief Counts events in a sliding window of `window_ms` at 1 ms resolution and keeps the maximum. */
class sliding_max {
public:
    explicit sliding_max(std::int64_t window_ms) : ring_(static_cast<std::size_t>(window_ms), 0) {}
    void add(std::int64_t now_ms);
    std::uint64_t max() const { return max_; }
    void reset();

private:
    std::vector<std::uint32_t> ring_;
    std::int64_t last_ms_ = -1;
    std::uint64_t sum_ = 0;
    std::uint64_t max_ = 0;
};

/** @brief Every counter the stats endpoint reports. Thread safety: single-threaded. */
struct stats {
    explicit stats(std::size_t route_count) : per_route(route_count, 0) {}

    std::uint64_t requests_total = 0;
    std::vector<std::uint64_t> per_route;
    std::uint64_t rate_limited = 0;
    std::uint64_t quota_refusals = 0;
    sliding_max window_60s{60000};
    sliding_max window_1s{1000};
    std::uint64_t runs_created = 0;
    std::uint64_t runs_completed = 0;
    std::uint64_t runs_failed = 0;
    std::uint64_t runs_cancelled = 0;
    std::uint64_t runs_expired = 0;
    std::uint64_t active_run_conflicts = 0;
    std::uint64_t connections_accepted = 0;
    std::uint64_t runs_per_thread_max = 0;
    // By run input (the reply function's input: what the run was asked), so that a client's exactly-once
    // claims can be checked from what the server saw, whatever the client's threads and tags.
    std::uint64_t run_inputs = 0;                      ///< distinct inputs runs were created for
    std::uint64_t inputs_completed_more_than_once = 0; ///< inputs with two or more completed runs
    std::uint64_t live_runs_per_input_max = 0;         ///< most runs of one input live at one moment
    std::uint64_t faults_5xx = 0;
    std::uint64_t faults_reset = 0;
    std::uint64_t faults_slow = 0;
    std::uint64_t faults_truncate = 0;
    std::uint64_t streams = 0;
    // Responses and Conversations (responses.cpp).
    std::uint64_t responses_created = 0;
    std::uint64_t responses_completed = 0;
    std::uint64_t responses_failed = 0;
    std::uint64_t responses_cancelled = 0;
    std::uint64_t responses_incomplete = 0;
    std::uint64_t conversation_locked =
        0; ///< creations refused: a response was in progress on the conversation
    /// responses whose metadata tag `paced_request_id` an earlier response already carried: work a client
    /// had the server do twice (for example a create re-sent after its answer was lost)
    std::uint64_t responses_duplicated = 0;
    // The Batch API (batch_jobs.cpp).
    std::uint64_t batches_created = 0;
    std::uint64_t batch_lines = 0; ///< request lines of every batch created
    std::uint64_t batches_completed = 0;
    std::uint64_t batches_not_completed = 0; ///< failed, expired or cancelled
    // Webhook deliveries (webhook_delivery.cpp).
    std::uint64_t webhook_events = 0;        ///< events due (one per background response that ended)
    std::uint64_t webhook_attempts = 0;      ///< POSTs sent, retries and duplicates included
    std::uint64_t webhook_delivered = 0;     ///< POSTs answered 2xx
    std::uint64_t webhook_refused = 0;       ///< POSTs answered otherwise, or whose connection failed
    std::uint64_t webhook_dropped = 0;       ///< events never sent (--webhook-fault-drop)
    std::uint64_t webhook_duplicated = 0;    ///< events sent twice
    std::uint64_t webhook_late = 0;          ///< events sent late
    std::uint64_t webhook_bad_signature = 0; ///< first attempts signed wrongly
    std::uint64_t webhook_stale = 0;         ///< first attempts with a stale timestamp
    std::uint64_t webhook_early = 0;         ///< events sent before their response's end shows

    void count_request(std::size_t route, std::int64_t steady_ms);
    /** @brief Clears everything except connections_accepted (connections outlive a reset). */
    void reset();
};

/**
 * @brief `--request-log`: one line per API request, `<ms since start> <status> <METHOD /v1/route>`, plus the
 * run's id when the answer is a run object (so a benchmark can pair a run's creation with its last poll).
 *
 * Lines are kept in memory and written in large blocks and when the log is destroyed, so logging adds no
 * system call per request. Thread safety: single-threaded.
 * @par Errors
 * The constructor throws std::runtime_error when the file cannot be created.
 */
class request_log {
public:
    explicit request_log(const std::string& path);
    ~request_log();
    request_log(const request_log&) = delete;
    request_log& operator=(const request_log&) = delete;

    void add(unsigned status, std::string_view route, std::string_view run_id);

private:
    void write_out();

    std::ofstream out_;
    std::string buffer_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

} // namespace paced::emulator
