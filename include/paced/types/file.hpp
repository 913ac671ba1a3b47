#pragma once
/// @file Uploaded files (`OpenAIFile`) and the non-content parameters of uploads and listings.

#include <paced/types/common.hpp>

namespace paced {

/// Why a file was uploaded. The strings are `assistants`, `assistants_output`, `batch`, `batch_output`,
/// `fine-tune`, `fine-tune-results`, `vision`, `user_data` and `evals`.
enum class file_purpose {
    assistants,
    assistants_output,
    batch,
    batch_output,
    fine_tune,
    fine_tune_results,
    vision,
    user_data,
    evals,
    unknown
};
/// Deprecated processing status of a file.
enum class file_status { uploaded, processed, error, unknown };

std::string_view to_string(file_purpose v) noexcept;
std::string_view to_string(file_status v) noexcept;

/** @brief An uploaded file (`OpenAIFile`). */
struct file {
    std::string id{};
    std::int64_t bytes = 0;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> expires_at{};
    std::string filename{};
    open_enum<file_purpose> purpose{};
    open_enum<file_status> status; ///< Deprecated; empty() when the server leaves it out.
    std::optional<std::string> status_details{};
    boost::json::object extra{};
};

PACED_JSON_CONVERSIONS(file);

/** @brief When an uploaded file expires: `seconds` (3600..2592000) after `anchor`. */
struct file_expires_after {
    std::string anchor = "created_at"; ///< The only anchor the API supports.
    std::int64_t seconds = 3600;       ///< 3600 (1 hour) .. 2592000 (30 days).
};

/** @brief The form fields of POST /files besides the file itself (which the files resource streams). */
struct file_create_params {
    file_purpose purpose = file_purpose::assistants;
    std::optional<file_expires_after> expires_after{};
};

/** @brief Query of GET /files (no `before`; `limit` 1..10,000, server default 10,000). */
struct file_list_params {
    std::optional<file_purpose> purpose{};
    std::optional<std::int64_t> limit{};
    std::optional<sort_order> order{};
    std::optional<std::string> after{};
};

/// Multipart form fields of an upload: `purpose`, and `expires_after[anchor]`/`expires_after[seconds]`.
query_params form_fields(file_create_params const& p);
query_params to_query(file_list_params const& p);

/// @name Validation (errc::invalid_argument, "<field>: <reason>")
/// @{
void validate(file_create_params const& p);
void validate(file_list_params const& p);
/// @}

} // namespace paced
