#pragma once
/// @file Vector stores, vector store files and file batches, with their request parameters.

#include <paced/types/common.hpp>

namespace paced {

/// Status of a vector store.
enum class vector_store_status { expired, in_progress, completed, unknown };
/// Status of a vector store file or file batch.
enum class vector_store_file_status { in_progress, completed, cancelled, failed, unknown };

std::string_view to_string(vector_store_status v) noexcept;
std::string_view to_string(vector_store_file_status v) noexcept;

/** @brief Counts of files by processing state, in a vector store or a file batch. */
struct file_counts {
    std::int64_t in_progress = 0;
    std::int64_t completed = 0;
    std::int64_t failed = 0;
    std::int64_t cancelled = 0;
    std::int64_t total = 0;
    boost::json::object extra{};
};

/** @brief Expiration policy of a vector store: `days` (1..365) after `anchor`. */
struct vector_store_expires_after {
    std::string anchor = "last_active_at"; ///< The only anchor the API supports.
    std::int64_t days = 1;                 ///< 1..365.
    boost::json::object extra{};
};

/** @brief Parameters of the `static` chunking strategy. */
struct static_chunking_config {
    std::int64_t max_chunk_size_tokens = 800; ///< 100..4096 (API default 800).
    std::int64_t chunk_overlap_tokens = 400;  ///< At most half of max_chunk_size_tokens (API default 400).
    boost::json::object extra{};
};

/** @brief How files are split into chunks: `auto` (requests only), `static`, or `other` (responses for
 * files chunked before strategies existed).
 *
 * @par Example
 * @code
 * paced::chunking_strategy{.type = "static", .static_config = {{.max_chunk_size_tokens = 400,
 *                                                               .chunk_overlap_tokens = 100}}}
 * @endcode
 */
struct chunking_strategy {
    std::string type = "auto";
    std::optional<static_chunking_config> static_config{}; ///< The `static` member, for type "static".
    boost::json::object extra{};
};

/** @brief A vector store (`VectorStoreObject`). */
struct vector_store {
    std::string id{};
    std::int64_t created_at = 0;
    std::optional<std::string> name{};
    std::int64_t usage_bytes = 0;
    paced::file_counts file_counts{};
    open_enum<vector_store_status> status{};
    std::optional<vector_store_expires_after> expires_after{};
    std::optional<std::int64_t> expires_at{};
    std::optional<std::int64_t> last_active_at{};
    metadata_map metadata{};
    boost::json::object extra{};
};

/** @brief A file attached to a vector store (`VectorStoreFileObject`). */
struct vector_store_file {
    std::string id{};
    std::int64_t usage_bytes = 0;
    std::int64_t created_at = 0;
    std::string vector_store_id{};
    open_enum<vector_store_file_status> status{};
    std::optional<paced::last_error> last_error{};
    std::optional<paced::chunking_strategy> chunking_strategy{};
    /// Up to 16 attributes: string, number or boolean values (used by search filters).
    std::optional<boost::json::object> attributes{};
    boost::json::object extra{};
};

/** @brief A batch of files attached to a vector store (`VectorStoreFileBatchObject`). */
struct vector_store_file_batch {
    std::string id{};
    std::int64_t created_at = 0;
    std::string vector_store_id{};
    open_enum<vector_store_file_status> status{};
    paced::file_counts file_counts{};
    boost::json::object extra{};
};

PACED_JSON_CONVERSIONS(file_counts);
PACED_JSON_CONVERSIONS(vector_store_expires_after);
PACED_JSON_CONVERSIONS(static_chunking_config);
PACED_JSON_CONVERSIONS(chunking_strategy);
PACED_JSON_CONVERSIONS(vector_store);
PACED_JSON_CONVERSIONS(vector_store_file);
PACED_JSON_CONVERSIONS(vector_store_file_batch);

/** @brief Body of POST /vector_stores. */
struct vector_store_create_params {
    std::vector<std::string> file_ids{}; ///< At most 500.
    std::optional<std::string> name{};
    std::optional<std::string> description{};
    std::optional<vector_store_expires_after> expires_after{};
    std::optional<paced::chunking_strategy> chunking_strategy{}; ///< Only with file_ids.
    metadata_map metadata{};
    boost::json::object extra_body{}; ///< Extra request fields, written last.
};

/** @brief Body of POST /vector_stores/{id}. */
struct vector_store_update_params {
    std::optional<std::string> name{};
    std::optional<vector_store_expires_after> expires_after{};
    metadata_map metadata; ///< Written when not empty (to clear it, put `"metadata": {}` in extra_body).
    boost::json::object extra_body{};
};

/** @brief Body of POST /vector_stores/{id}/files. */
struct vector_store_file_create_params {
    std::string file_id{};
    std::optional<paced::chunking_strategy> chunking_strategy{};
    boost::json::object attributes{}; ///< Written when not empty; string, number or boolean values.
    boost::json::object extra_body{};
};

/** @brief Body of POST /vector_stores/{id}/files/{file_id} (update attributes). */
struct vector_store_file_update_params {
    boost::json::object attributes; ///< Always written (an empty object clears them).
    boost::json::object extra_body{};
};

/** @brief Body of POST /vector_stores/{id}/file_batches: exactly one of `file_ids` or `files`. */
struct file_batch_create_params {
    std::vector<std::string> file_ids{};                  ///< 1..2000 ids, or
    std::vector<vector_store_file_create_params> files{}; ///< 1..2000 files with their own settings.
    std::optional<paced::chunking_strategy> chunking_strategy{};
    boost::json::object attributes{};
    boost::json::object extra_body{};
};

/** @brief Query of GET /vector_stores/{id}/files and .../file_batches/{id}/files. */
struct vector_store_file_list_params {
    std::optional<std::int64_t> limit{}; ///< 1..100.
    std::optional<sort_order> order{};
    std::optional<std::string> after{};
    std::optional<std::string> before{};
    std::optional<vector_store_file_status> filter{}; ///< Only files in this state.
};

boost::json::object encode(vector_store_create_params const& p);
boost::json::object encode(vector_store_update_params const& p);
boost::json::object encode(vector_store_file_create_params const& p);
boost::json::object encode(vector_store_file_update_params const& p);
boost::json::object encode(file_batch_create_params const& p);
query_params to_query(vector_store_file_list_params const& p);

/// @name Validation (errc::invalid_argument, "<field>: <reason>")
/// @{
void validate(chunking_strategy const& c);
void validate(vector_store_expires_after const& e);
void validate(vector_store_create_params const& p);
void validate(vector_store_update_params const& p);
void validate(vector_store_file_create_params const& p);
void validate(vector_store_file_update_params const& p);
void validate(file_batch_create_params const& p);
void validate(vector_store_file_list_params const& p);
/// @}

} // namespace paced
