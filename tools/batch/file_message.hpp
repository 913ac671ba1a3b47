#pragma once
// How a file reaches its run: as the text of the run's user message (inline), or uploaded and attached
// to that message. Inline saves the upload request, which on a rate-limited key is throughput; an upload
// is what file_search needs, and what a large or binary file needs.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace paced::batch_tool {

/// `--attach`: how files travel.
enum class attach_mode {
    inline_text, ///< every file as message text (a file that is not text fails)
    upload,      ///< every file uploaded and attached for file_search
    automatic,   ///< inline when the file is text of at most the inline limit, else uploaded
};

/// "inline", "upload" or "auto"; nullopt for anything else.
std::optional<attach_mode> parse_attach_mode(std::string_view name) noexcept;

/// The largest file `--attach auto` sends inline by default: 32 KiB, about 8,000 tokens of English,
/// well inside any model's context next to the prompt, and small enough that a file of this size is
/// more likely a note than a document someone would search.
inline constexpr std::size_t default_inline_max_bytes = 32 * 1024;

/** @brief Whether `bytes` can be sent as a message's text: well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence) and no NUL byte. A JSON string can carry
 * any such text; anything else is binary to the API.
 * @par Errors
 * None. Thread safety: a pure function.
 */
bool is_message_text(std::string_view bytes) noexcept;

/** @brief The file's text when it travels inline under `mode`, nullopt when it is to be uploaded.
 *
 * - `upload`: always nullopt (the file is not read).
 * - `automatic`: the text when the file holds at most `inline_max_bytes` bytes and is_message_text,
 *   else nullopt.
 * - `inline_text`: the text, whatever its size.
 *
 * @par Errors
 * Throws paced::error with errc::invalid_argument when the file cannot be read, or under `inline_text`
 * when it is not message text (the file's outcome, not the batch's).
 */
std::optional<std::string> inline_text_of(std::string const& path, attach_mode mode,
                                          std::size_t inline_max_bytes);

} // namespace paced::batch_tool
