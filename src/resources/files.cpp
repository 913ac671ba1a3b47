#include <paced/resources/files.hpp>

#include "resources/call.hpp"

#include <cerrno>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace paced {

using detail::verb;

namespace {

/// The size of the regular file at `path`, checked to be readable now, so that a bad path fails before
/// the request is paced and sent. One open and one fstat: O_NONBLOCK keeps a FIFO from blocking the open.
std::uint64_t readable_file_size(std::filesystem::path const& path) {
    int const fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int const err = errno;
        throw_error(errc::invalid_argument,
                    "path: cannot be opened: " + path.string() + ": " + std::generic_category().message(err));
    }
    struct stat st {};
    bool const regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    ::close(fd);
    if (!regular)
        throw_error(errc::invalid_argument, "path: not a readable regular file: " + path.string());
    return static_cast<std::uint64_t>(st.st_size);
}

/// The content of a file that reports no size, read whole; over 1 MiB is refused (such files are small
/// views of system state, not documents).
std::string read_small_file(std::filesystem::path const& path) {
    constexpr std::size_t limit = 1024 * 1024;
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open())
        throw_error(errc::invalid_argument, "path: cannot be opened: " + path.string());
    std::string out;
    char chunk[16 * 1024];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
        out.append(chunk, static_cast<std::size_t>(in.gcount()));
        if (out.size() > limit)
            throw_error(errc::invalid_argument,
                        "path: reports no size and holds over 1 MiB: " + path.string());
    }
    if (in.bad())
        throw_error(errc::invalid_argument, "path: cannot be read: " + path.string());
    return out;
}

// Each operation returns the awaitable of a coroutine that owns copies of its arguments and of the client's
// state (see request_op), so that neither the caller's strings nor this handle need outlive the call.

boost::asio::awaitable<file> upload_file(std::shared_ptr<detail::client_impl> impl, file_upload upload,
                                         request_options opts) {
    file_create_params params{.purpose = upload.purpose, .expires_after = upload.expires_after};
    validate(params);
    transport::multipart_file part{.field_name = "file", .content_type = upload.content_type};
    std::uint64_t size = 0;
    if (!upload.path.empty()) {
        size = readable_file_size(upload.path);
        part.filename = upload.filename.empty() ? upload.path.filename().string() : upload.filename;
        if (size == 0) {
            // Empty, or a file whose size the system does not know (procfs reports 0 for files that have
            // content): read it, so that what is sent is what the file holds.
            part.bytes = read_small_file(upload.path);
            size = part.bytes.size();
        } else {
            part.path = upload.path; // streamed from disk when sent
        }
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
    auto result = co_await detail::call_json<file>(*impl, std::move(req), opts);
    impl->add_context_bytes("file:" + result.id, size);
    co_return result;
}

/// "/files/{file_id}" (+ `rest`), once the id is checked.
std::string file_path(std::string const& file_id, std::string_view rest = {}) {
    validate_id("file_id", file_id);
    return detail::make_path("files", file_id) + std::string{rest};
}

boost::asio::awaitable<std::string> file_content(std::shared_ptr<detail::client_impl> impl,
                                                 std::string file_id, request_options opts) {
    auto resp = co_await impl->execute(detail::plain_request(verb::get, file_path(file_id, "/content"),
                                                             "files.content", detail::not_assistants_beta),
                                       opts);
    co_return std::move(resp.body);
}

boost::asio::awaitable<std::uint64_t> download_file(std::shared_ptr<detail::client_impl> impl,
                                                    std::string file_id, std::filesystem::path destination,
                                                    request_options opts) {
    auto path = file_path(file_id, "/content");
    if (destination.empty())
        throw_error(errc::invalid_argument, "destination: must not be empty");
    auto partial = destination;
    partial += ".part";
    auto stream = co_await impl->open(
        detail::plain_request(verb::get, std::move(path), "files.content", detail::not_assistants_beta),
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

} // namespace

boost::asio::awaitable<file> files_resource::create(file_upload upload, request_options opts) {
    return upload_file(impl_, std::move(upload), std::move(opts));
}

boost::asio::awaitable<file> files_resource::retrieve(std::string_view file_id, request_options opts) {
    return detail::request_op<file>(impl_, std::move(opts), [id = std::string{file_id}] {
        return detail::plain_request(verb::get, file_path(id), "files.retrieve", detail::not_assistants_beta);
    });
}

boost::asio::awaitable<page<file>> files_resource::list(file_list_params params, request_options opts) {
    return detail::list_call<file>(impl_, "/files", "files.list", detail::not_assistants_beta,
                                   std::move(params), std::move(opts));
}

boost::asio::awaitable<deleted_object> files_resource::del(std::string_view file_id, request_options opts) {
    std::string id{file_id};
    auto forget = [key = "file:" + id](detail::client_impl& impl, deleted_object const&) {
        impl.forget_context(key);
    };
    return detail::request_op<deleted_object>(
        impl_, std::move(opts),
        [id = std::move(id)] {
            return detail::plain_request(verb::delete_, file_path(id), "files.delete",
                                         detail::not_assistants_beta);
        },
        std::move(forget));
}

boost::asio::awaitable<std::string> files_resource::content(std::string_view file_id, request_options opts) {
    return file_content(impl_, std::string{file_id}, std::move(opts));
}

boost::asio::awaitable<std::uint64_t>
files_resource::download(std::string_view file_id, std::filesystem::path destination, request_options opts) {
    return download_file(impl_, std::string{file_id}, std::move(destination), std::move(opts));
}

} // namespace paced
