#pragma once
/// @file The framing of multipart/form-data bodies (RFC 7578), for file uploads streamed from disk.
///
/// A body is, for each part: `multipart_part_header(...)`, the part's bytes, `multipart_part_end`; then
/// `multipart_closing(boundary)` once. Every piece's size is known in advance, so the transport can send
/// a Content-Length and stream a large file without loading it.

#include <cstdint>
#include <string>
#include <string_view>

namespace paced::sansio {

/** @brief A boundary made of a fixed prefix and the 16 hex digits of `random`, e.g.
 * `----paced-boundary-00000000deadbeef` (35 characters). Pass 64 bits from a good random source: the
 * boundary must not occur in the content, which 64 random bits make vanishingly unlikely. */
std::string make_multipart_boundary(std::uint64_t random);

/// Whether `boundary` is valid for RFC 2046: 1 to 70 of `0-9A-Za-z'()+_,-./:=?` and space, not ending
/// in a space.
bool is_valid_multipart_boundary(std::string_view boundary) noexcept;

/** @brief The `Content-Type` value of the body: `multipart/form-data; boundary=<boundary>` (quoted when
 * the boundary has characters a token may not hold).
 * @par Errors
 * `paced::error` with `errc::invalid_argument` when the boundary is invalid.
 */
std::string multipart_content_type(std::string_view boundary);

/** @brief The delimiter and headers that open one part:
 * `--<boundary>\r\nContent-Disposition: form-data; name="<field_name>"; filename="<filename>"\r\n`
 * `Content-Type: <content_type>\r\n\r\n`.
 *
 * An empty `filename` omits the filename parameter (a plain field); an empty `content_type` omits the
 * Content-Type line. In the name and the filename, `"`, `\`, CR, LF and the other control characters are
 * percent-encoded (`%22`, `%5C`, `%0D`, `%0A`, ...) like browsers do for the first three, so a file name
 * can neither end the quoted string nor inject a header. Other bytes (UTF-8 names) are kept as they are.
 *
 * @par Errors
 * `paced::error` with `errc::invalid_argument` when the boundary is invalid or `content_type` contains a
 * control character (it is a header value and must not inject another).
 */
std::string multipart_part_header(std::string_view boundary, std::string_view field_name,
                                  std::string_view filename, std::string_view content_type);

/// Written after each part's content, before the next part header or the closing delimiter.
inline constexpr std::string_view multipart_part_end = "\r\n";

/** @brief The closing delimiter `--<boundary>--\r\n` that ends the body.
 * @par Errors
 * `paced::error` with `errc::invalid_argument` when the boundary is invalid.
 */
std::string multipart_closing(std::string_view boundary);

/// `"`, `\` and control characters percent-encoded, as in `multipart_part_header`.
std::string escape_multipart_name(std::string_view name);

} // namespace paced::sansio
