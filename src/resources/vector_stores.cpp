#include <paced/resources/vector_stores.hpp>

#include "resources/call.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include <paced/pacing/async_semaphore.hpp>

namespace paced {

using detail::verb;

// Each operation returns the awaitable of a coroutine that owns copies of its arguments and of the client's
// state (see request_op), so that neither the caller's strings nor this handle need outlive the call.

namespace {
/// The documented per-vector-store attachment limit is paced in this endpoint scope.
constexpr std::string_view attach_scope = "vector_stores.files";

/// "/vector_stores/{id}" (+ the `more` segments), once the id is checked. The ids among `more` are checked
/// by the caller, before.
template <class... More>
std::string vs_path(std::string const& vector_store_id, More const&... more) {
    validate_id("vector_store_id", vector_store_id);
    return detail::make_path("vector_stores", vector_store_id, more...);
}

/// "/vector_stores/{id}/files/{file_id}" (+ `more`), once both ids are checked.
template <class... More>
std::string vs_file_path(std::string const& vector_store_id, std::string const& file_id,
                         More const&... more) {
    auto path = vs_path(vector_store_id);
    validate_id("file_id", file_id);
    return path + detail::make_path("files", file_id, more...);
}

/// "/vector_stores/{id}/file_batches/{batch_id}" (+ `more`), once both ids are checked.
template <class... More>
std::string vs_batch_path(std::string const& vector_store_id, std::string const& batch_id,
                          More const&... more) {
    auto path = vs_path(vector_store_id);
    validate_id("batch_id", batch_id);
    return path + detail::make_path("file_batches", batch_id, more...);
}

/// request_op for an answer returned as the server sent it (parsed JSON of any shape).
template <class Prepare>
boost::asio::awaitable<boost::json::value> raw_json_call(std::shared_ptr<detail::client_impl> impl,
                                                         Prepare prepare, request_options opts) {
    auto req = prepare();
    auto const route = req.route;
    auto resp = co_await impl->execute(std::move(req), opts);
    co_return detail::parse_body(resp.body, route);
}

boost::asio::awaitable<vector_store_file> poll_vs_file(std::shared_ptr<detail::client_impl> impl,
                                                       std::string vector_store_id, std::string file_id,
                                                       poll_options poll, request_options opts) {
    vector_store_files_resource files{impl};
    co_return co_await poll_until<vector_store_file>(
        [&](response_metadata* meta) {
            // The retrieval owns its copy of the options, this poll's metadata in it.
            auto o = opts;
            o.metadata = meta;
            return files.retrieve(vector_store_id, file_id, std::move(o));
        },
        [](vector_store_file const& f) { return f.status != vector_store_file_status::in_progress; }, poll);
}

boost::asio::awaitable<vector_store_file> attach_and_poll(std::shared_ptr<detail::client_impl> impl,
                                                          std::string vector_store_id,
                                                          vector_store_file_create_params params,
                                                          poll_options poll, request_options opts) {
    auto f = co_await vector_store_files_resource{impl}.create(vector_store_id, std::move(params), opts);
    if (f.status != vector_store_file_status::in_progress)
        co_return f;
    co_return co_await poll_vs_file(std::move(impl), std::move(vector_store_id), std::move(f.id), poll,
                                    std::move(opts));
}

boost::asio::awaitable<vector_store_file> upload_attach_and_poll(std::shared_ptr<detail::client_impl> impl,
                                                                 std::string vector_store_id,
                                                                 file_upload upload, poll_options poll,
                                                                 request_options opts) {
    validate_id("vector_store_id", vector_store_id);
    auto uploaded = co_await files_resource{impl}.create(std::move(upload), opts);
    vector_store_file_create_params attach{.file_id = uploaded.id};
    co_return co_await attach_and_poll(std::move(impl), std::move(vector_store_id), std::move(attach), poll,
                                       std::move(opts));
}

boost::asio::awaitable<vector_store_file_batch> poll_batch(std::shared_ptr<detail::client_impl> impl,
                                                           std::string vector_store_id, std::string batch_id,
                                                           poll_options poll, request_options opts) {
    file_batches_resource batches{impl};
    co_return co_await poll_until<vector_store_file_batch>(
        [&](response_metadata* meta) {
            // The retrieval owns its copy of the options, this poll's metadata in it.
            auto o = opts;
            o.metadata = meta;
            return batches.retrieve(vector_store_id, batch_id, std::move(o));
        },
        [](vector_store_file_batch const& b) {
            return b.status != vector_store_file_status::in_progress && b.file_counts.in_progress == 0;
        },
        poll);
}

boost::asio::awaitable<vector_store_file_batch>
create_and_poll_batch(std::shared_ptr<detail::client_impl> impl, std::string vector_store_id,
                      file_batch_create_params params, poll_options poll, request_options opts) {
    auto b = co_await file_batches_resource{impl}.create(vector_store_id, std::move(params), opts);
    co_return co_await poll_batch(std::move(impl), std::move(vector_store_id), std::move(b.id), poll,
                                  std::move(opts));
}

boost::asio::awaitable<vector_store_file_batch>
upload_and_poll_batch(std::shared_ptr<detail::client_impl> impl, std::string vector_store_id,
                      std::vector<file_upload> uploads, file_batch_create_params params,
                      std::size_t max_concurrency, poll_options poll, request_options opts) {
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
    files_resource files{impl};
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
    co_return co_await create_and_poll_batch(std::move(impl), std::move(vector_store_id), std::move(params),
                                             poll, std::move(opts));
}

} // namespace

// --- vector stores -------------------------------------------------------------------------------

boost::asio::awaitable<vector_store> vector_stores_resource::create(vector_store_create_params params,
                                                                    request_options opts) {
    return detail::request_op<vector_store>(impl_, std::move(opts), [params = std::move(params)] {
        validate(params);
        return detail::json_request(verb::post, "/vector_stores", "vector_stores.create",
                                    detail::assistants_beta, encode(params));
    });
}

boost::asio::awaitable<vector_store> vector_stores_resource::retrieve(std::string_view vector_store_id,
                                                                      request_options opts) {
    return detail::request_op<vector_store>(impl_, std::move(opts), [vs = std::string{vector_store_id}] {
        return detail::plain_request(verb::get, vs_path(vs), "vector_stores.retrieve",
                                     detail::assistants_beta);
    });
}

boost::asio::awaitable<vector_store> vector_stores_resource::update(std::string_view vector_store_id,
                                                                    vector_store_update_params params,
                                                                    request_options opts) {
    return detail::request_op<vector_store>(
        impl_, std::move(opts), [vs = std::string{vector_store_id}, params = std::move(params)] {
            auto path = vs_path(vs);
            validate(params);
            return detail::json_request(verb::post, std::move(path), "vector_stores.update",
                                        detail::assistants_beta, encode(params));
        });
}

boost::asio::awaitable<page<vector_store>> vector_stores_resource::list(list_params params,
                                                                        request_options opts) {
    return detail::list_call<vector_store>(impl_, "/vector_stores", "vector_stores.list",
                                           detail::assistants_beta, std::move(params), std::move(opts));
}

boost::asio::awaitable<deleted_object> vector_stores_resource::del(std::string_view vector_store_id,
                                                                   request_options opts) {
    return detail::request_op<deleted_object>(impl_, std::move(opts), [vs = std::string{vector_store_id}] {
        return detail::plain_request(verb::delete_, vs_path(vs), "vector_stores.delete",
                                     detail::assistants_beta);
    });
}

boost::asio::awaitable<boost::json::value> vector_stores_resource::search(std::string_view vector_store_id,
                                                                          boost::json::object body,
                                                                          request_options opts) {
    return raw_json_call(
        impl_,
        [vs = std::string{vector_store_id}, body = std::move(body)] {
            auto path = vs_path(vs, "search");
            if (!body.contains("query"))
                throw_error(errc::invalid_argument, "query: required");
            auto req = detail::json_request(verb::post, std::move(path), "vector_stores.search",
                                            detail::assistants_beta, body);
            req.idempotent = true; // a search changes nothing
            return req;
        },
        std::move(opts));
}

// --- vector store files --------------------------------------------------------------------------

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::create(std::string_view vector_store_id, vector_store_file_create_params params,
                                    request_options opts) {
    return detail::request_op<vector_store_file>(
        impl_, std::move(opts), [vs = std::string{vector_store_id}, params = std::move(params)] {
            auto path = vs_path(vs, "files");
            validate(params);
            auto req = detail::json_request(verb::post, std::move(path), "vector_stores.files.create",
                                            detail::assistants_beta, encode(params));
            req.scope.endpoint = attach_scope;
            // Attaching the same file twice yields the same vector store file: safe to re-send.
            req.idempotent = true;
            return req;
        });
}

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::retrieve(std::string_view vector_store_id, std::string_view file_id,
                                      request_options opts) {
    return detail::request_op<vector_store_file>(
        impl_, std::move(opts), [vs = std::string{vector_store_id}, id = std::string{file_id}] {
            return detail::plain_request(verb::get, vs_file_path(vs, id), "vector_stores.files.retrieve",
                                         detail::assistants_beta);
        });
}

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::update(std::string_view vector_store_id, std::string_view file_id,
                                    vector_store_file_update_params params, request_options opts) {
    return detail::request_op<vector_store_file>(
        impl_, std::move(opts),
        [vs = std::string{vector_store_id}, id = std::string{file_id}, params = std::move(params)] {
            auto path = vs_file_path(vs, id);
            validate(params);
            return detail::json_request(verb::post, std::move(path), "vector_stores.files.update",
                                        detail::assistants_beta, encode(params));
        });
}

boost::asio::awaitable<page<vector_store_file>>
vector_store_files_resource::list(std::string_view vector_store_id, vector_store_file_list_params params,
                                  request_options opts) {
    return detail::list_call<vector_store_file>(
        impl_, [vs = std::string{vector_store_id}] { return vs_path(vs, "files"); },
        "vector_stores.files.list", detail::assistants_beta, std::move(params), std::move(opts));
}

boost::asio::awaitable<deleted_object> vector_store_files_resource::del(std::string_view vector_store_id,
                                                                        std::string_view file_id,
                                                                        request_options opts) {
    return detail::request_op<deleted_object>(
        impl_, std::move(opts), [vs = std::string{vector_store_id}, id = std::string{file_id}] {
            return detail::plain_request(verb::delete_, vs_file_path(vs, id), "vector_stores.files.delete",
                                         detail::assistants_beta);
        });
}

boost::asio::awaitable<boost::json::value>
vector_store_files_resource::content(std::string_view vector_store_id, std::string_view file_id,
                                     request_options opts) {
    return raw_json_call(
        impl_,
        [vs = std::string{vector_store_id}, id = std::string{file_id}] {
            return detail::plain_request(verb::get, vs_file_path(vs, id, "content"),
                                         "vector_stores.files.content", detail::assistants_beta);
        },
        std::move(opts));
}

boost::asio::awaitable<vector_store_file> vector_store_files_resource::poll(std::string_view vector_store_id,
                                                                            std::string_view file_id,
                                                                            poll_options poll,
                                                                            request_options opts) {
    return poll_vs_file(impl_, std::string{vector_store_id}, std::string{file_id}, poll, std::move(opts));
}

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::create_and_poll(std::string_view vector_store_id,
                                             vector_store_file_create_params params, poll_options poll,
                                             request_options opts) {
    return attach_and_poll(impl_, std::string{vector_store_id}, std::move(params), poll, std::move(opts));
}

boost::asio::awaitable<vector_store_file>
vector_store_files_resource::upload_and_poll(std::string_view vector_store_id, file_upload upload,
                                             poll_options poll, request_options opts) {
    return upload_attach_and_poll(impl_, std::string{vector_store_id}, std::move(upload), poll,
                                  std::move(opts));
}

// --- file batches --------------------------------------------------------------------------------

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::create(std::string_view vector_store_id, file_batch_create_params params,
                              request_options opts) {
    return detail::request_op<vector_store_file_batch>(
        impl_, std::move(opts), [vs = std::string{vector_store_id}, params = std::move(params)] {
            auto path = vs_path(vs, "file_batches");
            validate(params);
            auto req = detail::json_request(verb::post, std::move(path), "vector_stores.file_batches.create",
                                            detail::assistants_beta, encode(params));
            req.scope.endpoint = attach_scope;
            return req;
        });
}

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::retrieve(std::string_view vector_store_id, std::string_view batch_id,
                                request_options opts) {
    return detail::request_op<vector_store_file_batch>(
        impl_, std::move(opts), [vs = std::string{vector_store_id}, id = std::string{batch_id}] {
            return detail::plain_request(verb::get, vs_batch_path(vs, id),
                                         "vector_stores.file_batches.retrieve", detail::assistants_beta);
        });
}

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::cancel(std::string_view vector_store_id, std::string_view batch_id,
                              request_options opts) {
    return detail::request_op<vector_store_file_batch>(
        impl_, std::move(opts), [vs = std::string{vector_store_id}, id = std::string{batch_id}] {
            auto req = detail::plain_request(verb::post, vs_batch_path(vs, id, "cancel"),
                                             "vector_stores.file_batches.cancel", detail::assistants_beta);
            req.idempotent = true;
            return req;
        });
}

boost::asio::awaitable<page<vector_store_file>>
file_batches_resource::list_files(std::string_view vector_store_id, std::string_view batch_id,
                                  vector_store_file_list_params params, request_options opts) {
    return detail::list_call<vector_store_file>(
        impl_,
        [vs = std::string{vector_store_id}, id = std::string{batch_id}] {
            return vs_batch_path(vs, id, "files");
        },
        "vector_stores.file_batches.files", detail::assistants_beta, std::move(params), std::move(opts));
}

boost::asio::awaitable<vector_store_file_batch> file_batches_resource::poll(std::string_view vector_store_id,
                                                                            std::string_view batch_id,
                                                                            poll_options poll,
                                                                            request_options opts) {
    return poll_batch(impl_, std::string{vector_store_id}, std::string{batch_id}, poll, std::move(opts));
}

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::create_and_poll(std::string_view vector_store_id, file_batch_create_params params,
                                       poll_options poll, request_options opts) {
    return create_and_poll_batch(impl_, std::string{vector_store_id}, std::move(params), poll,
                                 std::move(opts));
}

boost::asio::awaitable<vector_store_file_batch>
file_batches_resource::upload_and_poll(std::string_view vector_store_id, std::vector<file_upload> uploads,
                                       file_batch_create_params params, std::size_t max_concurrency,
                                       poll_options poll, request_options opts) {
    return upload_and_poll_batch(impl_, std::string{vector_store_id}, std::move(uploads), std::move(params),
                                 max_concurrency, poll, std::move(opts));
}

} // namespace paced
