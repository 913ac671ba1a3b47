#include "sansio/multipart.hpp"

#include <paced/error.hpp>

namespace paced::sansio {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

bool is_bchar_nospace(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return std::string_view{"'()+_,-./:=?"}.find(c) != std::string_view::npos;
}

/// RFC 7230 token characters: such a boundary needs no quotes in the Content-Type header.
bool is_token_char(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

void require_valid(std::string_view boundary) {
    if (!is_valid_multipart_boundary(boundary))
        throw_error(errc::invalid_argument, "invalid multipart boundary");
}

} // namespace

std::string make_multipart_boundary(std::uint64_t random) {
    std::string out = "----paced-boundary-";
    for (int shift = 60; shift >= 0; shift -= 4)
        out += "0123456789abcdef"[(random >> shift) & 0xF];
    return out;
}

bool is_valid_multipart_boundary(std::string_view boundary) noexcept {
    if (boundary.empty() || boundary.size() > 70 || boundary.back() == ' ')
        return false;
    for (char c : boundary)
        if (c != ' ' && !is_bchar_nospace(c))
            return false;
    return true;
}

std::string multipart_content_type(std::string_view boundary) {
    require_valid(boundary);
    std::string out = "multipart/form-data; boundary=";
    bool token = true;
    for (char c : boundary)
        token = token && is_token_char(c);
    if (token)
        return out.append(boundary);
    // A valid boundary holds no '"' or '\', so quoting needs no escapes.
    return out.append("\"").append(boundary).append("\"");
}

std::string escape_multipart_name(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        auto const u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F || c == '"' || c == '\\') {
            out += '%';
            out += hex_digits[u >> 4];
            out += hex_digits[u & 0xF];
        } else {
            out += c;
        }
    }
    return out;
}

std::string multipart_part_header(std::string_view boundary, std::string_view field_name,
                                  std::string_view filename, std::string_view content_type) {
    require_valid(boundary);
    for (char c : content_type) {
        auto const u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F)
            throw_error(errc::invalid_argument, "multipart content type contains a control character");
    }
    std::string out;
    out.reserve(boundary.size() + field_name.size() + filename.size() + content_type.size() + 96);
    out.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"");
    out.append(escape_multipart_name(field_name)).append("\"");
    if (!filename.empty())
        out.append("; filename=\"").append(escape_multipart_name(filename)).append("\"");
    out.append("\r\n");
    if (!content_type.empty())
        out.append("Content-Type: ").append(content_type).append("\r\n");
    out.append("\r\n");
    return out;
}

std::string multipart_closing(std::string_view boundary) {
    require_valid(boundary);
    return std::string{"--"}.append(boundary).append("--\r\n");
}

} // namespace paced::sansio
