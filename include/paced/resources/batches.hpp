#pragma once
/// @file `client.batches()`: create, retrieve, cancel and list batches (the Batch API).

#include <paced/pagination.hpp>
#include <paced/polling.hpp>
#include <paced/resources/resource_base.hpp>
#include <paced/types/batch.hpp>

namespace paced {

/** @brief Batches: `/batches`. See resource_base.hpp for errors, cancellation and thread safety.
 *
 * The input file is uploaded with `client.files().create({.path = ..., .purpose = file_purpose::batch})`
 * (`to_jsonl` writes its lines); the results are downloaded with `files().content` or `files().download`
 * from `output_file_id` and `error_file_id`, and read with `parse_result_lines`.
 */
class batches_resource : public resource_base {
public:
    using resource_base::resource_base;

    /** POST /batches. Tagged with a client-generated `metadata["paced_request_id"]` (unless the metadata
     * is full or the caller set one): after a failure that leaves it unknown whether the server created
     * the batch, the newest 20 batches are listed and a tagged one is returned; only when none is there
     * is the create sent again, so one call never creates two batches. */
    boost::asio::awaitable<batch> create(batch_create_params params,
                                         request_options opts = request_options());
    boost::asio::awaitable<batch> retrieve(std::string_view batch_id,
                                           request_options opts = request_options());
    /// POST /batches/{id}/cancel: `cancelling`, then `cancelled` with partial results.
    boost::asio::awaitable<batch> cancel(std::string_view batch_id, request_options opts = request_options());
    boost::asio::awaitable<page<batch>> list(batch_list_params params = batch_list_params(),
                                             request_options opts = request_options());
    /** Retrieves the batch every `poll.interval` (the server's `openai-poll-after-ms` when it sends one,
     * growing by `poll.growth`) until it ends: completed, failed, expired or cancelled. Batches take
     * minutes to hours: give an interval of minutes. The first retrieval is at once. Same as
     * `wait(batch_id, {.poll = poll, .request = opts})`. */
    boost::asio::awaitable<batch> poll(std::string_view batch_id, poll_options poll,
                                       request_options opts = request_options());
    /** Waits until the batch ends (completed, failed, expired or cancelled), and returns it.
     *
     * With `wait.completion`, by its `batch.*` webhook: the batch is retrieved once when the event comes
     * (or every `wait.completion_poll` should it be late or lost), so a wait of hours costs one request;
     * the first retrieval waits for the event. Without, by polling on `wait.poll` from at once.
     * @par Errors
     * Those of `retrieve`; `errc::invalid_argument` for a bad id or a `completion_poll` that is not
     * positive; `receiver::wait`'s `operation_aborted` when the receiver is destroyed meanwhile.
     * @par Per-operation cancellation
     * terminal: the wait or the retrieval in progress is abandoned; the batch goes on on the server.
     */
    boost::asio::awaitable<batch> wait(std::string_view batch_id, wait_options wait = wait_options());
};

} // namespace paced
