#pragma once
/// @file `client.responses()`: create, stream, retrieve, cancel and delete responses; their input items
/// and input token counts.

#include <paced/pagination.hpp>
#include <paced/polling.hpp>
#include <paced/resources/resource_base.hpp>
#include <paced/streaming/response_stream.hpp>
#include <paced/types/response.hpp>

#include <optional>

namespace paced {

/** @brief Responses: `/responses`. See resource_base.hpp for errors, cancellation and thread safety.
 *
 * Every create is paced in its model's scope with a token estimate of its input (plus what its chain
 * bills again: the earlier turns of `previous_response_id`, the conversation's items), corrected from
 * `usage` once the response ends. A background response that ends `failed` with `rate_limit_exceeded`
 * pauses that scope as a 429 would.
 *
 * @par Creates whose answer was lost
 * The API cannot list responses, nor search them by metadata, so a create whose answer was lost
 * (`connection_lost`, `timeout` after the request may have arrived) cannot be looked for, and is not
 * sent again blindly: the error reaches the caller. Each create carries a client-generated
 * `metadata["paced_request_id"]` (unless the metadata is full or the caller set one), so what it made
 * can be recognised later (a webhook's response, a conversation's items). A streamed create narrows
 * the window to the moment before its first event (`response.created`, which names the response).
 */
class responses_resource : public resource_base {
public:
    using resource_base::resource_base;

    /// POST /responses (not streamed). A background response comes back `queued` or `in_progress`.
    boost::asio::awaitable<response> create(response_create_params params,
                                            request_options opts = request_options());
    /// POST /responses with `stream: true`: the events as they come (resumable with `background`).
    boost::asio::awaitable<response_stream> stream(response_create_params params,
                                                   request_options opts = request_options());
    boost::asio::awaitable<response> retrieve(std::string_view response_id,
                                              request_options opts = request_options());
    /** GET /responses/{id}?stream=true: the events of a background response created streamed, after
     * `starting_after` when given (the server's replay; events at or below it are dropped anyway). */
    boost::asio::awaitable<response_stream> retrieve_stream(std::string_view response_id,
                                                            std::optional<std::int64_t> starting_after = {},
                                                            request_options opts = request_options());
    /** Waits until a background response ends (completed, failed, cancelled or incomplete), and returns
     * it. `client.respond` creates and follows a response in one call (function calls included); this is
     * for a response created with `create({.background = true})`, perhaps by another process.
     *
     * With `wait.completion`, by its `response.*` webhook: the response is retrieved once when the event
     * comes (or every `wait.completion_poll` should it be late or lost), so a response costs its create
     * and one retrieval, whatever its length; the first retrieval waits for the event. Without, by
     * polling on `wait.poll` from at once.
     * @par Errors
     * Those of `retrieve`; `errc::invalid_argument` for a bad id or a `completion_poll` that is not
     * positive; `receiver::wait`'s `operation_aborted` when the receiver is destroyed meanwhile.
     * @par Per-operation cancellation
     * terminal: the wait or the retrieval in progress is abandoned; the response goes on on the server
     * (`cancel` it to stop it).
     */
    boost::asio::awaitable<response> wait(std::string_view response_id, wait_options wait = wait_options());
    /// POST /responses/{id}/cancel: a background response only; cancelling a cancelled one answers it
    /// again, a completed one is `errc::bad_request`.
    boost::asio::awaitable<response> cancel(std::string_view response_id,
                                            request_options opts = request_options());
    boost::asio::awaitable<deleted_object> del(std::string_view response_id,
                                               request_options opts = request_options());
    /// GET /responses/{id}/input_items (newest first unless `order` says otherwise).
    boost::asio::awaitable<page<input_item>> input_items(std::string_view response_id,
                                                         item_list_params params = item_list_params(),
                                                         request_options opts = request_options());
    /// POST /responses/input_tokens: the server's count of a create's input tokens.
    boost::asio::awaitable<input_tokens_count> input_tokens(input_tokens_params params,
                                                            request_options opts = request_options());
};

} // namespace paced
