#pragma once
// paced-batch --via batch-api: the files as lines of Batch API batches of /v1/responses (half the price,
// a budget apart, a handful of requests for the whole batch) instead of one response each.

#include "batch_io.hpp"

#include <paced/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace paced::batch_tool {

/// What a --via batch-api run came to, for the totals.
struct via_batch_outcome {
    std::size_t completed = 0;
    std::size_t failed = 0;
    std::size_t batches = 0; ///< batches created by this run (follow-ups included)
};

/** @brief Runs `files` (small text files: sent inline) through batches of at most `cfg.batch_lines` lines.
 *
 * Each file is one line `{custom_id, method: POST, url: /v1/responses, body}` whose `custom_id` is a hash
 * of its path; an input file (purpose `batch`) is uploaded per batch, the batch created (tagged: a create
 * whose answer was lost is found by listing), its id appended to `state_path` before anything else
 * happens, and the batch waited for until it ends: by its `batch.*` webhook on `hooks` when given (then
 * retrieved once; at most `cfg.batch_poll_ms` between retrievals should the event be late or lost), else
 * by a retrieval every `cfg.batch_poll_ms`. Its output and error files are
 * then downloaded and every line mapped back to its file by `custom_id`, one line in `out` per file.
 * Lines that expired or were cancelled go into a follow-up batch (up to `cfg.run_retries` times); a batch
 * refused for the enqueued-token limit is created again after a poll interval. With `cfg.resume`, the
 * batches listed in `state_path` that have not been read are followed first (their input files tell which
 * files they hold), so an interrupted run creates no batch twice. `outcome` counts the lines written as
 * they are, so that it holds what was done also when the run ends early.
 * @par Errors
 * paced::error for requests that fail (a batch's own failures are lines in `out`); the cancellation's
 * system_error when cancelled (the batches go on on the server; `--resume` picks them up).
 * @par Per-operation cancellation
 * terminal: an upload and create in progress finish first (and the batch is recorded in `state_path`,
 * else the batch would be unknown to `--resume` and made again), then the run ends.
 */
boost::asio::awaitable<void> run_via_batch_api(paced::client& client, settings const& cfg,
                                               std::vector<std::string> files, result_writer& out,
                                               std::string state_path, paced::webhooks::receiver* hooks,
                                               via_batch_outcome& outcome);

} // namespace paced::batch_tool
