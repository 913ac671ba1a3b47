#include <paced/resources/vector_stores.hpp>

#include "resources/call.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <paced/pacing/async_semaphore.hpp>

namespace paced {

using detail::verb;

namespace {
/// The documented per-vector-store attachment limit is paced in this endpoint scope.
constexpr std::string_view attach_scope = "vector_stores.files";

std::string vs_path(std::string_view vector_store_id) {
    return detail::make_path("vector_stores", vector_store_id);
}
} // namespace

// --- vector stores -------------------------------------------------------------------------------

boost::asio::awaitable<vector_store> vector_stores_resource::create(vector_store_create_params params,
                                                                    request_options opts) {
    validate(params);
    co_return co_await detail::call_json<vector_store>(
        *impl_,
        detail::json_request(verb::post, "/vector_stores", "vector_stores.create", detail::assistants_beta,
                             encode(params)),
        opts);
}

boost::asio::awaitable<vector_store> vector_stores_resource::retrieve(std::string_view vector_store_id,
                                                                      request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    co_return co_await detail::call_json<vector_store>(
        *impl_,
        detail::plain_request(verb::get, vs_path(vector_store_id), "vector_stores.retrieve",
                              detail::assistants_beta),
        opts);
}

boost::asio::awaitable<vector_store> vector_stores_resource::update(std::string_view vector_store_id,
                                                                    vector_store_update_params params,
                                                                    request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate(params);
    co_return co_await detail::call_json<vector_store>(
        *impl_,
        detail::json_request(verb::post, vs_path(vector_store_id), "vector_stores.update",
                             detail::assistants_beta, encode(params)),
        opts);
}

boost::asio::awaitable<page<vector_store>> vector_stores_resource::list(list_params params,
                                                                        request_options opts) {
    co_return co_await detail::list_call<vector_store>(impl_, "/vector_stores", "vector_stores.list",
                                                       detail::assistants_beta, std::move(params), opts);
}

boost::asio::awaitable<deleted_object> vector_stores_resource::del(std::string_view vector_store_id,
                                                                   request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    co_return co_await detail::call_json<deleted_object>(
        *impl_,
        detail::plain_request(verb::delete_, vs_path(vector_store_id), "vector_stores.delete",
                              detail::assistants_beta),
        opts);
}

boost::asio::awaitable<boost::json::value> vector_stores_resource::search(std::string_view vector_store_id,
                                                                          boost::json::object body,
                                                                          request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    if (!body.contains("query"))
        throw_error(errc::invalid_argument, "query: required");
    auto req = detail::json_request(verb::post, vs_path(vector_store_id) + "/search", "vector_stores.search",
                                    detail::assistants_beta, body);
    req.idempotent = true; // a search changes nothing
    auto resp = co_await impl_->execute(std::move(req), opts);
    co_return detail::parse_body(resp.body, "vector_stores.search");
}

// --- vector store files --------------------------------------------------------------------------

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::create(std::string_view vector_store_id, vector_store_file_create_params params,
                                    request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate(params);
    auto req = detail::json_request(verb::post, vs_path(vector_store_id) + "/files",
                                    "vector_stores.files.create", detail::assistants_beta, encode(params));
    req.scope.endpoint = attach_scope;
    // Attaching the same file twice yields the same vector store file: safe to re-send.
    req.idempotent = true;
    co_return co_await detail::call_json<vector_store_file>(*impl_, std::move(req), opts);
}

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::retrieve(std::string_view vector_store_id, std::string_view file_id,
                                      request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate_id("file_id", file_id);
    co_return co_await detail::call_json<vector_store_file>(
        *impl_,
        detail::plain_request(verb::get, vs_path(vector_store_id) + detail::make_path("files", file_id),
                              "vector_stores.files.retrieve", detail::assistants_beta),
        opts);
}

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::update(std::string_view vector_store_id, std::string_view file_id,
                                    vector_store_file_update_params params, request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate_id("file_id", file_id);
    validate(params);
    co_return co_await detail::call_json<vector_store_file>(
        *impl_,
        detail::json_request(verb::post, vs_path(vector_store_id) + detail::make_path("files", file_id),
                             "vector_stores.files.update", detail::assistants_beta, encode(params)),
        opts);
}

boost::asio::awaitable<page<vector_store_file>>
vector_store_files_resource::list(std::string_view vector_store_id, vector_store_file_list_params params,
                                  request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    co_return co_await detail::list_call<vector_store_file>(impl_, vs_path(vector_store_id) + "/files",
                                                            "vector_stores.files.list",
                                                            detail::assistants_beta, std::move(params), opts);
}

boost::asio::awaitable<deleted_object> vector_store_files_resource::del(std::string_view vector_store_id,
                                                                        std::string_view file_id,
                                                                        request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate_id("file_id", file_id);
    co_return co_await detail::call_json<deleted_object>(
        *impl_,
        detail::plain_request(verb::delete_, vs_path(vector_store_id) + detail::make_path("files", file_id),
                              "vector_stores.files.delete", detail::assistants_beta),
        opts);
}

boost::asio::awaitable<boost::json::value>
vector_store_files_resource::content(std::string_view vector_store_id, std::string_view file_id,
                                     request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate_id("file_id", file_id);
    auto resp = co_await impl_->execute(
        detail::plain_request(verb::get,
                              vs_path(vector_store_id) + detail::make_path("files", file_id, "content"),
                              "vector_stores.files.content", detail::assistants_beta),
        opts);
    co_return detail::parse_body(resp.body, "vector_stores.files.content");
}

boost::asio::awaitable<vector_store_file> vector_store_files_resource::poll(std::string_view vector_store_id,
                                                                            std::string_view file_id,
                                                                            poll_options poll,
                                                                            request_options opts) {
    auto self = *this;
    std::string vs{vector_store_id}, fid{file_id};
    co_return co_await poll_until<vector_store_file>(
        [&](response_metadata* meta) -> boost::asio::awaitable<vector_store_file> {
            // A coroutine: the retrieval keeps a reference to `o`, which must outlive it.
            auto o = opts;
            o.metadata = meta;
            co_return co_await self.retrieve(vs, fid, o);
        },
        [](vector_store_file const& f) { return f.status != vector_store_file_status::in_progress; }, poll);
}

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::create_and_poll(std::string_view vector_store_id,
                                             vector_store_file_create_params params, poll_options poll,
                                             request_options opts) {
    auto f = co_await create(vector_store_id, std::move(params), opts);
    if (f.status != vector_store_file_status::in_progress)
        co_return f;
    co_return co_await this->poll(vector_store_id, f.id, poll, opts);
}

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::upload_and_poll(std::string_view vector_store_id, file_upload upload,
                                             poll_options poll, request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    auto uploaded = co_await files_resource{impl_}.create(std::move(upload), opts);
    vector_store_file_create_params attach{.file_id = uploaded.id};
    co_return co_await create_and_poll(vector_store_id, attach, poll, opts);
}

// --- file batches --------------------------------------------------------------------------------

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::create(std::string_view vector_store_id, file_batch_create_params params,
                              request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate(params);
    auto req =
        detail::json_request(verb::post, vs_path(vector_store_id) + "/file_batches",
                             "vector_stores.file_batches.create", detail::assistants_beta, encode(params));
    req.scope.endpoint = attach_scope;
    co_return co_await detail::call_json<vector_store_file_batch>(*impl_, std::move(req), opts);
}

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::retrieve(std::string_view vector_store_id, std::string_view batch_id,
                                request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate_id("batch_id", batch_id);
    co_return co_await detail::call_json<vector_store_file_batch>(
        *impl_,
        detail::plain_request(verb::get,
                              vs_path(vector_store_id) + detail::make_path("file_batches", batch_id),
                              "vector_stores.file_batches.retrieve", detail::assistants_beta),
        opts);
}

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::cancel(std::string_view vector_store_id, std::string_view batch_id,
                              request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate_id("batch_id", batch_id);
    auto req = detail::plain_request(
        verb::post, vs_path(vector_store_id) + detail::make_path("file_batches", batch_id, "cancel"),
        "vector_stores.file_batches.cancel", detail::assistants_beta);
    req.idempotent = true;
    co_return co_await detail::call_json<vector_store_file_batch>(*impl_, std::move(req), opts);
}

boost::asio::awaitable<page<vector_store_file>>
file_batches_resource::list_files(std::string_view vector_store_id, std::string_view batch_id,
                                  vector_store_file_list_params params, request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    validate_id("batch_id", batch_id);
    co_return co_await detail::list_call<vector_store_file>(
        impl_, vs_path(vector_store_id) + detail::make_path("file_batches", batch_id, "files"),
        "vector_stores.file_batches.files", detail::assistants_beta, std::move(params), opts);
}

boost::asio::awaitable<vector_store_file_batch> file_batches_resource::poll(std::string_view vector_store_id,
                                                                            std::string_view batch_id,
                                                                            poll_options poll,
                                                                            request_options opts) {
    auto self = *this;
    std::string vs{vector_store_id}, bid{batch_id};
    co_return co_await poll_until<vector_store_file_batch>(
        [&](response_metadata* meta) -> boost::asio::awaitable<vector_store_file_batch> {
            // A coroutine: the retrieval keeps a reference to `o`, which must outlive it.
            auto o = opts;
            o.metadata = meta;
            co_return co_await self.retrieve(vs, bid, o);
        },
        [](vector_store_file_batch const& b) {
            return b.status != vector_store_file_status::in_progress && b.file_counts.in_progress == 0;
        },
        poll);
}

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::create_and_poll(std::string_view vector_store_id, file_batch_create_params params,
                                       poll_options poll, request_options opts) {
    auto b = co_await create(vector_store_id, std::move(params), opts);
    co_return co_await this->poll(vector_store_id, b.id, poll, opts);
}

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::upload_and_poll(std::string_view vector_store_id, std::vector<file_upload> uploads,
                                       file_batch_create_params params, std::size_t max_concurrency,
                                       poll_options poll, request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    if (max_concurrency == 0)
        throw_error(errc::invalid_argument, "max_concurrency: must be at least 1");
    if (uploads.empty() && params.file_ids.empty())
        throw_error(errc::invalid_argument, "uploads: no files to add");
    // Upload with bounded concurrency; the first failure is rethrown after every upload has ended.
    auto ex = co_await boost::asio::this_coro::executor;
    async_semaphore slots(max_concurrency);
    std::vector<std::string> ids(uploads.size());
    std::exception_ptr first_failure;
    std::size_t pending = uploads.size();
    boost::asio::steady_timer all_done(ex, boost::asio::steady_timer::time_point::max());
    files_resource files{impl_};
    for (std::size_t i = 0; i < uploads.size(); ++i) {
        auto permit = co_await slots.acquire();
        boost::asio::co_spawn(
            ex,
            [&, i, permit = std::move(permit)]() mutable -> boost::asio::awaitable<void> {
                auto held = std::move(permit);
                auto f = co_await files.create(std::move(uploads[i]), opts);
                ids[i] = std::move(f.id);
            },
            [&](std::exception_ptr e) {
                if (e && !first_failure)
                    first_failure = e;
                if (--pending == 0)
                    all_done.cancel();
            });
    }
    if (pending > 0) {
        boost::system::error_code ec;
        co_await all_done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    if (first_failure)
        std::rethrow_exception(first_failure);
    params.file_ids.insert(params.file_ids.end(), ids.begin(), ids.end());
    co_return co_await create_and_poll(vector_store_id, std::move(params), poll, opts);
}

} // namespace paced
