#pragma once
// What goes on the wire for one request: the head, then body pieces (memory or file ranges) whose total
// length is known before the first byte is sent. Pure: no I/O besides asking the file system for sizes.

#include "transport/http_message.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace paced::transport::detail {

/// A file streamed from disk: exactly `size` bytes are sent (the size seen when the plan was made).
struct file_piece {
    std::filesystem::path path{};
    std::uint64_t size = 0;
};

/// Owned bytes (multipart framing), borrowed bytes (from the request, which outlives the plan's use),
/// or a file.
using body_piece = std::variant<std::string, std::string_view, file_piece>;

struct request_plan {
    std::string head{};               ///< Request line, fields and the blank line.
    std::vector<body_piece> pieces{}; ///< The body, in order.
    std::uint64_t content_length = 0;
    bool client_close = false; ///< The request itself carries `Connection: close`.
    bool head_request = false; ///< HEAD: the response has no body whatever its fields say.
};

/** @brief Builds the wire form of `req` for origin `o`.
 *
 * Adds Host, Content-Length and (unless the request sets it) Content-Type; ignores Host,
 * Content-Length and Transfer-Encoding given in `req.headers`. Multipart bodies get the boundary made
 * from `boundary_random` and file sizes from the file system.
 *
 * @par Errors
 * paced::error(errc::invalid_argument): a target or header that would break the request framing (CR,
 * LF, NUL, a bad field name), an upload file that cannot be read.
 */
request_plan make_request_plan(origin const& o, request const& req, std::uint64_t boundary_random);

/// The Host field value: host, with brackets around IPv6 literals, and the port when not the default.
std::string host_field(origin const& o);

} // namespace paced::transport::detail
