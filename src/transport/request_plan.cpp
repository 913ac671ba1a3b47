#include "transport/request_plan.hpp"

#include "sansio/multipart.hpp"

#include <paced/error.hpp>

#include <boost/beast/http/verb.hpp>

#include <system_error>

namespace paced::transport::detail {

namespace http = boost::beast::http;

namespace {

bool is_token_char(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

void check_field(std::string_view name, std::string_view value) {
    if (name.empty())
        throw_error(errc::invalid_argument, "request header with an empty name");
    for (char c : name)
        if (!is_token_char(c))
            throw_error(errc::invalid_argument,
                        "request header name is not a valid token: " + std::string{name});
    for (char c : value)
        if (c == '\r' || c == '\n' || c == '\0')
            // The value may be a credential: name the field only.
            throw_error(errc::invalid_argument,
                        "request header " + std::string{name} + " contains CR, LF or NUL");
}

void check_target(std::string_view target) {
    if (target.empty() || (target.front() != '/' && target != "*"))
        throw_error(errc::invalid_argument, "request target must start with '/': " + std::string{target});
    for (char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
            throw_error(errc::invalid_argument, "request target contains a space or control character");
}

bool has_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        auto const comma = list.find(',');
        auto item = list.substr(0, comma);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
        if (iequals(item, token))
            return true;
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return false;
}

std::uint64_t piece_size(body_piece const& p) {
    if (auto const* s = std::get_if<std::string>(&p))
        return s->size();
    if (auto const* v = std::get_if<std::string_view>(&p))
        return v->size();
    return std::get<file_piece>(p).size;
}

} // namespace

std::string host_field(origin const& o) {
    // Appended piece by piece: g++ 12 at -O3 reports a false -Wstringop-overflow / -Warray-bounds on
    // `"[" + host + "]"` and `":" + std::to_string(port)`.
    bool const bracketed = o.host.find(':') != std::string::npos && !o.host.starts_with('[');
    std::string out;
    if (bracketed)
        out += '[';
    out += o.host;
    if (bracketed)
        out += ']';
    if (o.port != (o.tls ? 443 : 80)) {
        out += ':';
        out += std::to_string(o.port);
    }
    return out;
}

request_plan make_request_plan(origin const& o, request const& req, std::uint64_t boundary_random) {
    check_target(req.target);
    request_plan plan;
    plan.head_request = req.method == http::verb::head;
    std::string content_type;

    if (auto const* b = std::get_if<buffer_body>(&req.body)) {
        content_type = b->content_type;
        plan.pieces.emplace_back(std::string_view{b->data});
    } else if (auto const* form = std::get_if<multipart_form>(&req.body)) {
        auto const boundary = sansio::make_multipart_boundary(boundary_random);
        content_type = sansio::multipart_content_type(boundary);
        for (auto const& [name, value] : form->fields) {
            plan.pieces.emplace_back(sansio::multipart_part_header(boundary, name, "", ""));
            plan.pieces.emplace_back(std::string_view{value});
            plan.pieces.emplace_back(std::string{sansio::multipart_part_end});
        }
        for (auto const& f : form->files) {
            // A part without a filename would be a plain field to the server.
            auto const filename = !f.filename.empty() ? f.filename
                                  : !f.path.empty()   ? f.path.filename().string()
                                                      : std::string{"file"};
            plan.pieces.emplace_back(
                sansio::multipart_part_header(boundary, f.field_name, filename, f.content_type));
            if (f.path.empty()) {
                plan.pieces.emplace_back(std::string_view{f.bytes});
            } else {
                std::error_code ec;
                auto const size = std::filesystem::file_size(f.path, ec);
                if (ec)
                    throw_error(errc::invalid_argument,
                                "cannot read upload file " + f.path.string() + ": " + ec.message());
                plan.pieces.emplace_back(file_piece{f.path, size});
            }
            plan.pieces.emplace_back(std::string{sansio::multipart_part_end});
        }
        plan.pieces.emplace_back(sansio::multipart_closing(boundary));
    }
    for (auto const& p : plan.pieces)
        plan.content_length += piece_size(p);

    auto& head = plan.head;
    head.reserve(256 + req.target.size());
    head.append(http::to_string(req.method)).append(" ").append(req.target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host_field(o)).append("\r\n");
    bool user_content_type = false;
    for (auto const& [name, value] : req.headers) {
        if (iequals(name, "Host") || iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding"))
            continue;
        check_field(name, value);
        if (iequals(name, "Content-Type")) {
            // A multipart body's type carries our boundary: the request's own value would break it.
            if (std::holds_alternative<multipart_form>(req.body))
                continue;
            user_content_type = true;
        }
        if (iequals(name, "Connection") && has_token(value, "close"))
            plan.client_close = true;
        head.append(name).append(": ").append(value).append("\r\n");
    }
    bool const has_body = !std::holds_alternative<std::monostate>(req.body);
    if (has_body && !user_content_type && !content_type.empty()) {
        check_field("Content-Type", content_type);
        head.append("Content-Type: ").append(content_type).append("\r\n");
    }
    if (has_body || req.method == http::verb::post || req.method == http::verb::put ||
        req.method == http::verb::patch)
        head.append("Content-Length: ").append(std::to_string(plan.content_length)).append("\r\n");
    head.append("\r\n");
    return plan;
}

} // namespace paced::transport::detail
