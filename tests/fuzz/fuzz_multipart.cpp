// libFuzzer target: multipart framing. Whatever the field name and file name, the part header has exactly
// its own line breaks and quotes; an invalid boundary or content type is a typed error, never a crash.
#include "sansio/multipart.hpp"

#include <paced/error.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

std::size_t count(std::string_view s, std::string_view needle) {
    std::size_t n = 0;
    for (auto pos = s.find(needle); pos != std::string_view::npos; pos = s.find(needle, pos + 1))
        ++n;
    return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view input{reinterpret_cast<char const*>(data), size};
    // Split at NULs: boundary, field name, file name, content type.
    std::string_view parts[4];
    for (auto& part : parts) {
        auto const z = input.find('\0');
        part = input.substr(0, z);
        input = z == std::string_view::npos ? std::string_view{} : input.substr(z + 1);
    }
    auto const [boundary, name, filename, content_type] = parts;

    std::uint64_t random = 0;
    for (std::size_t i = 0; i < size && i < 8; ++i)
        random = random << 8 | data[i];
    if (!paced::sansio::is_valid_multipart_boundary(paced::sansio::make_multipart_boundary(random)))
        std::abort();

    try {
        auto const header = paced::sansio::multipart_part_header(boundary, name, filename, content_type);
        if (!paced::sansio::is_valid_multipart_boundary(boundary))
            std::abort();
        // Delimiter, disposition, optional content type, blank line: nothing else may break a line.
        std::size_t const lines = 3 + (content_type.empty() ? 0 : 1);
        if (count(header, "\r\n") != lines || count(header, "\n") != lines || count(header, "\r") != lines)
            std::abort();
        // name="..." and filename="..." are the only quotes of the disposition line.
        auto const first = header.find("\r\n");
        auto const second = header.find("\r\n", first + 2);
        std::string_view const disposition = std::string_view{header}.substr(first + 2, second - first - 2);
        if (count(disposition, "\"") != (filename.empty() ? 2u : 4u))
            std::abort();
        auto const closing = paced::sansio::multipart_closing(boundary);
        auto const type = paced::sansio::multipart_content_type(boundary);
        if (closing.size() != boundary.size() + 6 || type.find('\n') != std::string::npos)
            std::abort();
    } catch (paced::error const& e) {
        if (e.code() != paced::errc::invalid_argument)
            std::abort();
    }
    return 0;
}
