#include <paced/resources/files.hpp>

#include "resources/call.hpp"

#include <cstdio>
#include <fstream>
#include <system_error>

namespace paced {

using detail::verb;

boost::asio::awaitable<file> files_resource::create(file_upload upload, request_options opts) {
    file_create_params params{.purpose = upload.purpose, .expires_after = upload.expires_after};
    validate(params);
    transport::multipart_file part{.field_name = "file", .content_type = upload.content_type};
    std::uint64_t size = 0;
    if (!upload.path.empty()) {
        std::error_code ec;
        auto status = std::filesystem::status(upload.path, ec);
        if (ec || !std::filesystem::is_regular_file(status))
            throw_error(errc::invalid_argument, "path: not a readable regular file: " + upload.path.string());
        std::ifstream probe(upload.path, std::ios::binary);
        if (!probe)
            throw_error(errc::invalid_argument, "path: cannot be opened: " + upload.path.string());
        size = std::filesystem::file_size(upload.path, ec);
        part.path = upload.path;
        part.filename = upload.filename.empty() ? upload.path.filename().string() : upload.filename;
    } else {
        if (upload.filename.empty())
            throw_error(errc::invalid_argument, "filename: required when uploading bytes");
        size = upload.bytes.size();
        part.bytes = std::move(upload.bytes);
        part.filename = upload.filename;
    }
    if (part.filename.empty())
        throw_error(errc::invalid_argument, "filename: must not be empty");
    constexpr std::uint64_t max_file_bytes = 512ull * 1024 * 1024;
    if (size > max_file_bytes)
        throw_error(errc::invalid_argument, "file: larger than the API's 512 MB limit");

    detail::api_request req;
    req.method = verb::post;
    req.path = "/files";
    req.route = "files.create";
    req.scope.endpoint = "files.create";
    req.body = transport::multipart_form{.fields = form_fields(params), .files = {std::move(part)}};
    auto result = co_await detail::call_json<file>(*impl_, std::move(req), opts);
    impl_->add_context_bytes("file:" + result.id, size);
    co_return result;
}

boost::asio::awaitable<file> files_resource::retrieve(std::string_view file_id, request_options opts) {
    validate_id("file_id", file_id);
    co_return co_await detail::call_json<file>(
        *impl_,
        detail::plain_request(verb::get, detail::make_path("files", file_id), "files.retrieve",
                              detail::not_assistants_beta),
        opts);
}

boost::asio::awaitable<page<file>> files_resource::list(file_list_params params, request_options opts) {
    co_return co_await detail::list_call<file>(impl_, "/files", "files.list", detail::not_assistants_beta,
                                               std::move(params), opts);
}

boost::asio::awaitable<deleted_object> files_resource::del(std::string_view file_id, request_options opts) {
    validate_id("file_id", file_id);
    auto result = co_await detail::call_json<deleted_object>(
        *impl_,
        detail::plain_request(verb::delete_, detail::make_path("files", file_id), "files.delete",
                              detail::not_assistants_beta),
        opts);
    impl_->forget_context("file:" + std::string{file_id});
    co_return result;
}

boost::asio::awaitable<std::string> files_resource::content(std::string_view file_id, request_options opts) {
    validate_id("file_id", file_id);
    auto resp = co_await impl_->execute(detail::plain_request(verb::get,
                                                              detail::make_path("files", file_id, "content"),
                                                              "files.content", detail::not_assistants_beta),
                                        opts);
    co_return std::move(resp.body);
}

boost::asio::awaitable<std::uint64_t>
files_resource::download(std::string_view file_id, std::filesystem::path destination, request_options opts) {
    validate_id("file_id", file_id);
    if (destination.empty())
        throw_error(errc::invalid_argument, "destination: must not be empty");
    auto partial = destination;
    partial += ".part";
    auto stream =
        co_await impl_->open(detail::plain_request(verb::get, detail::make_path("files", file_id, "content"),
                                                   "files.content", detail::not_assistants_beta),
                             opts);
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out)
        throw_error(errc::invalid_argument, "destination: cannot write " + partial.string());
    std::uint64_t written = 0;
    bool complete = false;
    try {
        for (;;) {
            auto piece = co_await stream.body->read_some();
            if (piece.empty())
                break;
            out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
            if (!out)
                throw_error(errc::invalid_argument, "destination: write failed: " + partial.string());
            written += piece.size();
        }
        out.close();
        std::filesystem::rename(partial, destination);
        complete = true;
    } catch (...) {
        if (!complete) {
            out.close();
            std::error_code ignored;
            std::filesystem::remove(partial, ignored);
        }
        throw;
    }
    co_return written;
}

} // namespace paced
