#include "file_message.hpp"

#include <paced/error.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>

namespace paced::batch_tool {

std::optional<attach_mode> parse_attach_mode(std::string_view name) noexcept {
    if (name == "inline")
        return attach_mode::inline_text;
    if (name == "upload")
        return attach_mode::upload;
    if (name == "auto")
        return attach_mode::automatic;
    return std::nullopt;
}

bool is_message_text(std::string_view bytes) noexcept {
    auto const* p = reinterpret_cast<unsigned char const*>(bytes.data());
    auto const* const end = p + bytes.size();
    while (p < end) {
        unsigned const c = *p;
        if (c == 0)
            return false;
        if (c < 0x80) {
            ++p;
            continue;
        }
        // The lead byte gives the length and the smallest code point that length may encode (shorter
        // forms are overlong); continuation bytes are 10xxxxxx.
        struct form {
            std::size_t len;
            unsigned lead_bits;
            char32_t min;
        };
        form f{};
        if ((c & 0xe0) == 0xc0)
            f = {2, c & 0x1fu, 0x80};
        else if ((c & 0xf0) == 0xe0)
            f = {3, c & 0x0fu, 0x800};
        else if ((c & 0xf8) == 0xf0)
            f = {4, c & 0x07u, 0x10000};
        else
            return false; // a continuation byte without a lead, or 0xf8..0xff
        std::size_t const len = f.len;
        char32_t cp = f.lead_bits;
        char32_t const min = f.min;
        if (static_cast<std::size_t>(end - p) < len)
            return false;
        for (std::size_t i = 1; i < len; ++i) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += len;
    }
    return true;
}

namespace {

/// Up to `limit + 1` bytes of the file, so that a caller can tell "more than limit" without reading a
/// large file whole (files whose size the system does not report, such as procfs's, are read too).
std::string read_prefix(std::string const& path, std::size_t limit) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw_error(errc::invalid_argument, "cannot read " + path);
    std::string out;
    char chunk[16 * 1024];
    while (out.size() <= limit && (in.read(chunk, sizeof chunk) || in.gcount() > 0))
        out.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (in.bad())
        throw_error(errc::invalid_argument, "cannot read " + path);
    return out;
}

} // namespace

std::optional<std::string> inline_text_of(std::string const& path, attach_mode mode,
                                          std::size_t inline_max_bytes) {
    if (mode == attach_mode::upload)
        return std::nullopt;
    if (mode == attach_mode::automatic) {
        std::error_code ec;
        auto const size = std::filesystem::file_size(path, ec);
        if (!ec && size > inline_max_bytes)
            return std::nullopt; // too large for inline: not worth reading here
        auto text = read_prefix(path, inline_max_bytes);
        if (text.size() > inline_max_bytes || !is_message_text(text))
            return std::nullopt;
        return text;
    }
    auto text = read_prefix(path, SIZE_MAX - 1);
    if (!is_message_text(text))
        throw_error(errc::invalid_argument, "--attach inline: " + path +
                                                " is not UTF-8 text without NUL bytes; send it with "
                                                "--attach upload or auto");
    return text;
}

} // namespace paced::batch_tool
