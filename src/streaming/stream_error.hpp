#pragma once
// The `error` event of an OpenAI stream (Assistants and Responses), as a thrown paced::error.

#include <string_view>

namespace paced::detail {

/// Throws errc::stream_error with the event's message, type, code and param. Accepts the flat form
/// {message, type, code, param} and the nested one {"error": {...}} (what OpenAI sends on Responses
/// streams); a payload that is not JSON becomes the message.
[[noreturn]] void throw_stream_error(std::string_view data);

} // namespace paced::detail
