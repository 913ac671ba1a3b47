#pragma once
// One file's work in paced-batch: its message (inline text or an uploaded attachment), the thread its
// runs go to (--threads), and the runs themselves, a new one after a run failed for a fault of the
// server's.

#include "batch_io.hpp"
#include "file_message.hpp"
#include "pooled_threads.hpp"

#include <paced/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paced::batch_tool {

/// `--threads`: where a file's runs go (docs/batch.md compares them).
enum class thread_mode {
    pool,     ///< a thread of the batch's pool, lent to this file alone until its runs end
    per_file, ///< a thread created for the file, then its run: one request more
    with_run, ///< created with the run in one request (POST /threads/runs): a lost answer fails the file
};

/// "pool", "per-file" or "with-run"; nullopt for anything else.
std::optional<thread_mode> parse_thread_mode(std::string_view name) noexcept;

/// What a file's processing produced, for its line in --out; filled as it goes, so that a failure's
/// line says how far the file got.
struct file_outcome {
    std::string run_id;
    std::string thread_id;
    std::string status;
    std::string answer;
    std::uint64_t requests = 0; ///< HTTP attempts made for the file (its pool thread's creation included)
    std::uint32_t runs = 0;
    std::string attach; ///< "inline" or "upload"
};

/// Thrown for files not started because the user interrupted the batch (not written to --out).
struct skipped_by_interrupt {};

/// What every file's work shares. All referred-to objects outlive the batch.
struct file_job {
    paced::client& client;
    settings const& cfg;
    bool responses; ///< --api responses: one response per file, no assistant, no threads
    std::string const& assistant_id;
    attach_mode attach;
    thread_mode threads;
    pooled_threads* pool;              ///< set for thread_mode::pool
    paced::webhooks::receiver* hooks;  ///< --webhook-listen: background responses complete by webhook
    std::atomic<bool> const& stopping; ///< the user asked to stop starting files
};

/** @brief Processes one file: builds its message, runs it on a thread of the chosen mode, and follows
 * the run to its end (a new run of the same input after a transient run failure, up to
 * `cfg.run_retries`), filling `o`.
 *
 * In the pool and per-file modes each run is one `runs.create` (streamed in stream mode) carrying the
 * file's message in `additional_messages` with `truncation_strategy {last_messages: 1}`, so that the run
 * sees that message alone, whatever the thread held before; the SDK tags it and resolves a create whose
 * answer was lost with `runs.list` on that thread, never by sending it again blindly.
 * @par Errors
 * skipped_by_interrupt when the batch is stopping and the file sent nothing yet; paced::error for the
 * file's failure (errc::run_failed and the like for a run that ended otherwise than completed); the
 * cancellation's system_error when cancelled.
 */
boost::asio::awaitable<void> process_file(file_job const& job, std::string path, file_outcome& o);

/** @brief Processes one file with `--api responses` (file_responses.cpp): its input (inline text, or an
 * upload as an `input_file` part) in one response followed by `client.respond` (stream mode: streamed in
 * the background and resumed after a break; poll mode: in the background and polled), a new response
 * of the same input after a transient failure (up to `cfg.run_retries`). `o.run_id` is the response's id.
 * @par Errors
 * As process_file; a create whose answer was lost is the file's failure (responses cannot be listed, so
 * it is not looked for nor sent again: docs/responses.md).
 */
boost::asio::awaitable<void> process_response_file(file_job const& job, std::string path, file_outcome& o);

} // namespace paced::batch_tool
