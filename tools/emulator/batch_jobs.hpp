#pragma once
// State of the Batch API (`/v1/batches`): a batch's timeline, fixed when it is created (validating,
// in_progress, finalizing, then its end), the results of its lines, decided at creation and written as
// output and error files when it ends, and the enqueued-token limit. Derived from
// ../shared/docs/responses.md section 8 and the OpenAPI schemas (Batch, CreateBatchRequest).

#include "config.hpp"
#include "stats.hpp"
#include "store.hpp"
#include "util.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace paced::emulator {

enum class batch_job_status {
    validating,
    failed,
    in_progress,
    finalizing,
    completed,
    expired,
    cancelling,
    cancelled
};
const char* to_string(batch_job_status s);

/** @brief One batch: its settings, timeline and the results of its lines. */
struct batch_job {
    std::string id;
    std::string endpoint;
    std::string input_file_id;
    std::string model;
    json::value metadata = json::object();
    ms_t created = 0, validated = 0, finalizing = 0, end = 0;
    ms_t cancelling = never; ///< set by a cancel
    bool fails = false;      ///< validation failed: `failed` once validated
    bool expires = false;    ///< some lines are not done when the window closes: `expired`
    json::array errors;      ///< `errors.data` of a failed batch
    struct line {
        std::string custom_id;
        json::object result; ///< the result line, `id` and `custom_id` included
        bool ok = false;     ///< a 2xx answer: the output file; else the error file
        bool done = true;    ///< false: not done when the batch expired or was cancelled
    };
    std::vector<line> lines;
    std::int64_t tokens = 0; ///< the enqueued input-token estimate of its lines
    std::string output_file_id, error_file_id;
    bool settled = false;

    batch_job_status status_at(ms_t t) const;
};

/** @brief A webhook event due for a batch that ended (`batch.completed`, `.failed`, `.expired`,
 * `.cancelled`). */
struct pending_batch_webhook {
    std::string type;
    std::string batch_id;
    ms_t ended = 0;
};

/** @brief Every batch. Thread safety: single-threaded (the server's io_context). */
class batch_jobs {
public:
    batch_jobs(const config& cfg, stats& st, store& files);

    /**
     * @brief Creates a batch of the JSONL `input` of file `input_file_id`: checks every line (a line that
     * is not an object with a unique `custom_id`, method POST, the batch's `url` and an object `body`, or a
     * model other than the first line's, fails the batch with `errors.data[]` naming the line; so does the
     * enqueued-token limit), and decides each line's result.
     */
    batch_job& create(const std::string& endpoint, const file_rec& input, json::value metadata, ms_t now);
    batch_job* find(const std::string& id);
    /** @brief Batches newest first. */
    std::vector<batch_job*> newest_first();
    /** @brief Starts cancelling a batch that has not ended. */
    void cancel(batch_job& b, ms_t now);
    /** @brief Writes the output and error files of batches that ended, once; counts them. */
    void settle_all(ms_t now);
    json::object render(const batch_job& b, ms_t t) const;
    std::vector<pending_batch_webhook> take_webhooks() { return std::exchange(webhooks_, {}); }
    void clear();

private:
    void settle(batch_job& b, ms_t now);
    std::int64_t enqueued_tokens(const std::string& model, ms_t now) const;

    const config& cfg_;
    stats& stats_;
    store& files_;
    std::uint64_t draws_ = 0;
    std::unordered_map<std::string, std::unique_ptr<batch_job>> jobs_;
    std::vector<batch_job*> order_;
    std::vector<pending_batch_webhook> webhooks_;
};

} // namespace paced::emulator
