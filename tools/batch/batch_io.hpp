#pragma once
// paced-batch's plumbing: settings, input discovery, the JSONL result file, progress and totals.

#include "file_message.hpp"

#include <paced/batch.hpp>
#include <paced/client_options.hpp>
#include <paced/pacing/local_budget.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace paced::batch_tool {

struct settings {
    std::vector<std::string> inputs;
    std::string base_url;
    std::string api_key;
    std::string assistant_id;
    std::string model;
    std::string instructions;
    std::string prompt = "Classify the attached file: answer with a label (yes or no) and a one-line reason.";
    double rpm = 0;
    double tpm = 0;
    std::string rate_layout = "global";
    long latency_allowance_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(budget_options{}.latency_allowance).count();
    std::size_t concurrency = 64;
    unsigned run_retries = 2;        ///< new runs of a file whose run failed transiently
    int max_retries = 6;             ///< client_options::max_retries: a batch outlives many faults
    std::string shard;               ///< "K/N", empty: every file
    std::size_t max_connections = 0; ///< 0: the larger of 64 (the client's default) and `concurrency`
    std::string mode = "stream";
    std::string api = "assistants";  ///< --api: assistants (runs) | responses
    std::string via;                 ///< --via: empty (one request per file) | batch-api
    std::size_t batch_lines = 50000; ///< --batch-lines: lines per batch (the API's limit)
    std::uint64_t batch_max_bytes =
        200'000'000;                  ///< --batch-max-bytes: an input file's size (the API's 200 MB)
    long batch_poll_ms = 60000;       ///< --batch-poll-ms: between retrievals of a batch
    std::string webhook_listen;       ///< --webhook-listen HOST:PORT: completion webhooks received there
    std::string webhook_secret;       ///< OPENAI_WEBHOOK_SECRET (never a flag: argv is visible to all)
    long webhook_fallback_ms = 30000; ///< --webhook-fallback-ms: the longest wait for an event
    std::string threads = "pool";     ///< --threads: pool | per-file | with-run
    std::size_t pool_size = 0;        ///< 0: --concurrency
    std::string attach = "auto";      ///< --attach: inline | upload | auto
    std::size_t inline_max_bytes = default_inline_max_bytes; ///< the largest file auto sends inline
    long poll_interval_ms = 1000;
    std::string redis_url;
    std::string out_path;
    bool resume = false;
    std::string stats_path;
    bool quiet = false;
};

/// Fills defaults from the environment and checks what CLI11 cannot. False with `problem` set on error.
bool resolve_settings(settings& cfg, std::string& problem);

/// Every regular file named or found (recursively) under the inputs, sorted, without duplicates.
/// Sets `problem` for a missing or unreadable input, or when no file is found.
std::vector<std::string> collect_files(std::vector<std::string> const& inputs, std::string& problem);

/// The files recorded as completed in an existing JSONL result file (missing file: none).
std::set<std::string> completed_in(std::string const& path);

/// The client options of a batch: URL, key, and a budget from --rpm/--tpm or --redis.
client_options client_options_for(settings const& cfg, boost::asio::any_io_executor ex);

/// One line of the result file.
struct line_record {
    std::string file;
    std::string status;
    std::string answer;
    std::string run_id;
    std::string thread_id;
    std::uint64_t requests = 0;
    std::uint32_t runs = 0; ///< runs created for the file (more than one after transient run failures)
    std::string attach;     ///< how the file travelled: "inline" or "upload" (empty: not decided)
    bool has_error = false;
    std::string error_code; ///< paced's error name, e.g. "run_failed"
    std::string error_message;
    std::string request_id;
};

line_record failure_record(std::string const& file, boost::system::system_error const& e, std::string run_id,
                           std::string thread_id, std::uint64_t requests, std::uint32_t runs,
                           std::string attach);

/// Whether a run that ended `failed` with this `last_error.code` may succeed as a new run of the same
/// input: a fault of the server's (`server_error`) or of its rate (`rate_limit_exceeded`), not of the input.
bool transient_run_failure(std::string_view code) noexcept;

/// The shard `--shard K/N` keeps: the files whose name hashes to K-1 modulo N (FNV-1a 64 of the path as
/// given), so that N workers split one folder without talking to each other, and a file keeps its shard
/// when others are added. `shard` is "K/N" with 1 <= K <= N; false with `problem` set otherwise.
bool keep_shard(std::vector<std::string>& files, std::string const& shard, std::string& problem);

/// Appends one JSON line per finished file and flushes it, so an interruption loses nothing written.
class result_writer {
public:
    bool open(std::string const& path, bool append, std::string& problem);
    void write(line_record const& r);

private:
    std::ofstream out_;
};

struct totals {
    std::size_t files = 0;
    std::size_t previously_completed = 0;
    std::size_t completed = 0;
    std::size_t failed = 0;
    std::size_t skipped = 0;
    std::uint64_t requests = 0;
    std::uint64_t rate_limited = 0;
    std::uint64_t retries = 0;
    double budget_wait_seconds = 0;
    double wall_seconds = 0;
};

bool write_stats(std::string const& path, totals const& t, std::string& problem);

/// A live bar on a terminal, periodic plain lines otherwise, nothing with --quiet.
class progress_display {
public:
    progress_display(bool quiet, bool terminal, std::size_t total, std::size_t previously_done);
    /// Starts drawing; `metrics` is read at every tick, so that waits show while nothing finishes.
    void start(boost::asio::io_context& ioc, std::function<client_metrics()> metrics);
    void update(batch_progress const& p);
    void note(std::string const& message);
    void stop();
    void summary(totals const& t);

private:
    void tick();
    void render(bool final_line);

    bool quiet_;
    bool terminal_;
    std::size_t total_;
    std::size_t previously_done_;
    batch_progress last_{};
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_plain_line_ = started_;
    std::unique_ptr<boost::asio::steady_timer> timer_;
    std::function<client_metrics()> metrics_;
    bool stopped_ = false;
    bool drawn_ = false;
};

} // namespace paced::batch_tool
