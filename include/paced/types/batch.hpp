#pragma once
/// @file The Batch API: a batch, its request and result lines, and the parameters of its operations.
///
/// A batch runs up to 50,000 requests of one endpoint (`/v1/responses`, `/v1/chat/completions`...) from
/// an uploaded JSONL file (purpose `batch`) within 24 hours, at half the price and on a budget apart from
/// the interactive one; its results come back as JSONL files, matched to the requests by `custom_id`
/// (not by order).

#include <paced/types/common.hpp>

namespace paced {

/// Status of a batch: validating, in_progress, finalizing and cancelling are on their way; the rest
/// are ends.
enum class batch_status {
    validating,
    failed,
    in_progress,
    finalizing,
    completed,
    expired,
    cancelling,
    cancelled,
    unknown
};
std::string_view to_string(batch_status v) noexcept;

/// True for the statuses a batch ends in (an unknown one counts as not ended: it is polled on).
constexpr bool is_terminal(batch_status s) noexcept {
    return s == batch_status::failed || s == batch_status::completed || s == batch_status::expired ||
           s == batch_status::cancelled;
}

/** @brief How many of a batch's requests are done. */
struct batch_request_counts {
    std::int64_t total = 0;
    std::int64_t completed = 0;
    std::int64_t failed = 0;
    boost::json::object extra{};
};

/** @brief One validation error of a batch (`errors.data[]`), e.g. `token_limit_exceeded` for a batch
 * over the enqueued-token limit, with the input `line` when it is about one. */
struct batch_error {
    std::optional<std::string> code{};
    std::optional<std::string> message{};
    std::optional<std::string> param{};
    std::optional<std::int64_t> line{};
    boost::json::object extra{};
};

/** @brief The `errors` of a batch: `{object: "list", data}`. */
struct batch_errors {
    std::vector<batch_error> data{};
    boost::json::object extra{};
};

/** @brief A batch (`object: "batch"`). */
struct batch {
    std::string id{};
    std::string endpoint{};
    heap_optional<batch_errors> errors{};
    std::string input_file_id{};
    std::string completion_window{};
    open_enum<batch_status> status{};
    std::optional<std::string> output_file_id{};
    std::optional<std::string> error_file_id{};
    std::int64_t created_at = 0;
    std::optional<std::int64_t> in_progress_at{};
    std::optional<std::int64_t> expires_at{};
    std::optional<std::int64_t> finalizing_at{};
    std::optional<std::int64_t> completed_at{};
    std::optional<std::int64_t> failed_at{};
    std::optional<std::int64_t> expired_at{};
    std::optional<std::int64_t> cancelling_at{};
    std::optional<std::int64_t> cancelled_at{};
    std::optional<batch_request_counts> request_counts{};
    metadata_map metadata{};
    boost::json::object extra{}; ///< e.g. `usage`, `model`.
};

/** @brief Parameters of `POST /batches`. */
struct batch_create_params {
    std::string input_file_id{};
    std::string endpoint = "/v1/responses";
    std::string completion_window = "24h"; ///< The only value the API takes.
    metadata_map metadata{};
    std::optional<boost::json::object> output_expires_after{}; ///< `{anchor: "created_at", seconds}`.
    boost::json::object extra_body{};
};

/** @brief Query of `GET /batches` (newest first; the API has no `order`). */
struct batch_list_params {
    std::optional<std::int64_t> limit{}; ///< 1..100 (server default 20).
    std::optional<std::string> after{};
};

/** @brief One line of a batch's input file: `{custom_id, method, url, body}`. */
struct batch_request_line {
    std::string custom_id{}; ///< Unique in the batch: how its result is found.
    std::string method = "POST";
    std::string url = "/v1/responses";
    boost::json::object body{}; ///< The request's body, as for the endpoint itself.
    boost::json::object extra{};
};

/** @brief The `response` of a result line: the HTTP status, request id and body the request got. */
struct batch_result_response {
    std::int64_t status_code = 0;
    std::optional<std::string> request_id{};
    boost::json::value body{};
    boost::json::object extra{};
};

/** @brief One line of a batch's output or error file. `error` is set for a request that was not done
 * (`batch_expired`, `batch_cancelled`...); `response` for one that got an answer (a 4xx answer too). */
struct batch_result_line {
    std::optional<std::string> id{};
    std::string custom_id{};
    std::optional<batch_result_response> response{};
    std::optional<error_body> error{};
    boost::json::object extra{};
};

/// @name JSON conversions
/// @{
PACED_JSON_CONVERSIONS(batch_request_counts);
PACED_JSON_CONVERSIONS(batch_error);
PACED_JSON_CONVERSIONS(batch_errors);
PACED_JSON_CONVERSIONS(batch);
PACED_JSON_CONVERSIONS(batch_request_line);
PACED_JSON_CONVERSIONS(batch_result_response);
PACED_JSON_CONVERSIONS(batch_result_line);
/// @}

/// @name Request encoding and validation
/// @{
boost::json::object encode(batch_create_params const& p);
query_params to_query(batch_list_params const& p);
/// @par Errors `errc::invalid_argument`: an empty file id or endpoint, a window other than "24h", metadata.
void validate(batch_create_params const& p);
void validate(batch_list_params const& p);
/// @}

/** @brief The JSONL text of request lines (one compact JSON object per line, each ending in '\n').
 * @par Errors `errc::invalid_argument` for an empty or repeated `custom_id`. */
std::string to_jsonl(std::vector<batch_request_line> const& lines);

/** @brief The result lines of an output or error file's JSONL text (blank lines skipped).
 * @par Errors `errc::unexpected_json` naming the line (`line 12: ...`) for a line that is not a result. */
std::vector<batch_result_line> parse_result_lines(std::string_view jsonl);

} // namespace paced
