#pragma once
/// @file `client.vector_stores()`, `.files()` and `.file_batches()`.

#include <paced/pagination.hpp>
#include <paced/polling.hpp>
#include <paced/resources/files.hpp>
#include <paced/resources/resource_base.hpp>
#include <paced/types/vector_store.hpp>

#include <boost/json/value.hpp>

namespace paced {

/** @brief Files of a vector store: `/vector_stores/{id}/files`. See resource_base.hpp.
 * Attachments are also paced in the "vector_stores.files" endpoint scope (300/min per vector store
 * when configured in budget_options::per_endpoint). */
class vector_store_files_resource : public resource_base {
public:
    using resource_base::resource_base;

    boost::asio::awaitable<vector_store_file> create(std::string_view vector_store_id,
                                                     vector_store_file_create_params params,
                                                     request_options opts = request_options());
    boost::asio::awaitable<vector_store_file> retrieve(std::string_view vector_store_id,
                                                       std::string_view file_id,
                                                       request_options opts = request_options());
    boost::asio::awaitable<vector_store_file> update(std::string_view vector_store_id,
                                                     std::string_view file_id,
                                                     vector_store_file_update_params params,
                                                     request_options opts = request_options());
    boost::asio::awaitable<page<vector_store_file>>
    list(std::string_view vector_store_id,
         vector_store_file_list_params params = vector_store_file_list_params(),
         request_options opts = request_options());
    boost::asio::awaitable<deleted_object> del(std::string_view vector_store_id, std::string_view file_id,
                                               request_options opts = request_options());
    /// GET .../files/{file_id}/content: the parsed chunks, as the server sent them.
    boost::asio::awaitable<boost::json::value> content(std::string_view vector_store_id,
                                                       std::string_view file_id,
                                                       request_options opts = request_options());

    /// Retrieves until the file is no longer in_progress.
    boost::asio::awaitable<vector_store_file> poll(std::string_view vector_store_id, std::string_view file_id,
                                                   poll_options poll = poll_options(),
                                                   request_options opts = request_options());
    /// create() then poll().
    boost::asio::awaitable<vector_store_file> create_and_poll(std::string_view vector_store_id,
                                                              vector_store_file_create_params params,
                                                              poll_options poll = poll_options(),
                                                              request_options opts = request_options());
    /// files().create() (upload), then create_and_poll().
    boost::asio::awaitable<vector_store_file> upload_and_poll(std::string_view vector_store_id,
                                                              file_upload upload,
                                                              poll_options poll = poll_options(),
                                                              request_options opts = request_options());
};

/** @brief File batches of a vector store: `/vector_stores/{id}/file_batches`. See resource_base.hpp. */
class file_batches_resource : public resource_base {
public:
    using resource_base::resource_base;

    boost::asio::awaitable<vector_store_file_batch> create(std::string_view vector_store_id,
                                                           file_batch_create_params params,
                                                           request_options opts = request_options());
    boost::asio::awaitable<vector_store_file_batch> retrieve(std::string_view vector_store_id,
                                                             std::string_view batch_id,
                                                             request_options opts = request_options());
    boost::asio::awaitable<vector_store_file_batch> cancel(std::string_view vector_store_id,
                                                           std::string_view batch_id,
                                                           request_options opts = request_options());
    boost::asio::awaitable<page<vector_store_file>>
    list_files(std::string_view vector_store_id, std::string_view batch_id,
               vector_store_file_list_params params = vector_store_file_list_params(),
               request_options opts = request_options());
    /// Retrieves until no file of the batch is in progress.
    boost::asio::awaitable<vector_store_file_batch> poll(std::string_view vector_store_id,
                                                         std::string_view batch_id,
                                                         poll_options poll = poll_options(),
                                                         request_options opts = request_options());
    boost::asio::awaitable<vector_store_file_batch> create_and_poll(std::string_view vector_store_id,
                                                                    file_batch_create_params params,
                                                                    poll_options poll = poll_options(),
                                                                    request_options opts = request_options());
    /** Uploads the files (at most `max_concurrency` at once), then creates the batch with their ids
     * plus `params.file_ids`, and polls it. */
    boost::asio::awaitable<vector_store_file_batch>
    upload_and_poll(std::string_view vector_store_id, std::vector<file_upload> uploads,
                    file_batch_create_params params = file_batch_create_params(),
                    std::size_t max_concurrency = 5, poll_options poll = poll_options(),
                    request_options opts = request_options());
};

/** @brief Vector stores: `/vector_stores`. See resource_base.hpp. */
class vector_stores_resource : public resource_base {
public:
    using resource_base::resource_base;

    boost::asio::awaitable<vector_store>
    create(vector_store_create_params params = vector_store_create_params(),
           request_options opts = request_options());
    boost::asio::awaitable<vector_store> retrieve(std::string_view vector_store_id,
                                                  request_options opts = request_options());
    boost::asio::awaitable<vector_store> update(std::string_view vector_store_id,
                                                vector_store_update_params params,
                                                request_options opts = request_options());
    boost::asio::awaitable<page<vector_store>> list(list_params params = list_params(),
                                                    request_options opts = request_options());
    boost::asio::awaitable<deleted_object> del(std::string_view vector_store_id,
                                               request_options opts = request_options());
    /// POST /vector_stores/{id}/search with the given body (`query` required); the results as sent.
    boost::asio::awaitable<boost::json::value> search(std::string_view vector_store_id,
                                                      boost::json::object body,
                                                      request_options opts = request_options());

    vector_store_files_resource files() const { return vector_store_files_resource{impl_}; }
    file_batches_resource file_batches() const { return file_batches_resource{impl_}; }
};

} // namespace paced
