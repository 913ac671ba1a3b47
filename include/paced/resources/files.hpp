#pragma once
/// @file `client.files()`: upload, retrieve, list, delete and download files.

#include <paced/pagination.hpp>
#include <paced/resources/resource_base.hpp>
#include <paced/types/file.hpp>

#include <boost/asio/awaitable.hpp>

#include <filesystem>

namespace paced {

/** @brief A file to upload: from `path` (streamed from disk, never loaded whole) or from `bytes`. */
struct file_upload {
    std::filesystem::path path; ///< When set, the file is streamed from disk.
    std::string bytes;          ///< Used when `path` is empty.
    std::string filename;       ///< Defaults to path's file name; required with `bytes`.
    std::string content_type = "application/octet-stream";
    file_purpose purpose = file_purpose::assistants;
    std::optional<file_expires_after> expires_after;
};

/** @brief Files: `/files`. See resource_base.hpp for errors, cancellation and thread safety. */
class files_resource : public resource_base {
public:
    using resource_base::resource_base;

    /// POST /files (multipart). `errc::invalid_argument` when the path cannot be read or is not a regular
    /// file (checked before the request is paced). A file is streamed from disk, except one that reports
    /// a size of 0 (empty, or procfs): it is read whole first, and refused past 1 MiB.
    boost::asio::awaitable<file> create(file_upload upload, request_options opts = request_options());
    /// GET /files/{file_id}
    boost::asio::awaitable<file> retrieve(std::string_view file_id, request_options opts = request_options());
    /// GET /files
    boost::asio::awaitable<page<file>> list(file_list_params params = file_list_params(),
                                            request_options opts = request_options());
    /// DELETE /files/{file_id}
    boost::asio::awaitable<deleted_object> del(std::string_view file_id,
                                               request_options opts = request_options());
    /// GET /files/{file_id}/content, into memory (bounded by client_options::max_response_bytes).
    boost::asio::awaitable<std::string> content(std::string_view file_id,
                                                request_options opts = request_options());
    /** GET /files/{file_id}/content, streamed to `destination` (any size). Returns the bytes written.
     * The file is written to `destination` + ".part" and renamed when complete, so a failure never
     * leaves a truncated file under the final name. */
    boost::asio::awaitable<std::uint64_t> download(std::string_view file_id,
                                                   std::filesystem::path destination,
                                                   request_options opts = request_options());
};

} // namespace paced
