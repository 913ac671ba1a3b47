#pragma once
// The checks every area's handlers share: OpenAI's error answers, and the validation and normalisation of
// request-body fields (strings, numbers, metadata, tools, messages) with the service's exact messages.

#include "store.hpp"
#include "util.hpp"

#include <initializer_list>
#include <string>
#include <string_view>

namespace paced::emulator {

/** @brief An error answer, thrown by a handler and turned into `{"error":{...}}` by api::handle. */
struct api_failure {
    api_failure(unsigned s, std::string m, std::string t = "invalid_request_error", std::string p = {},
                std::string c = {})
        : status(s), message(std::move(m)), type(std::move(t)), param(std::move(p)), code(std::move(c)) {}
    unsigned status;
    std::string message;
    std::string type;
    std::string param;
    std::string code;
};

/** @brief Throws a 400 `invalid_request_error`. */
[[noreturn]] void bad_request(std::string message, std::string param = {}, std::string code = {});
/** @brief Throws the 404 "No WHAT found with id 'ID'." */
[[noreturn]] void not_found(std::string_view what, std::string_view id);
/** @brief Throws the 400 `invalid_type` for `field`, naming the JSON type it got. */
[[noreturn]] void invalid_type(std::string_view field, std::string_view expected, const json::value& got);

/** @brief The request body as a JSON object (empty for an empty body); 400 for anything else. */
json::object parse_body(const std::string& body);
/** @brief 400 "Unrecognized request argument supplied" for the first member not in `allowed`. */
void check_known(const json::object& o, std::initializer_list<std::string_view> allowed);
/** @brief A required string member. */
std::string require_string(const json::object& o, std::string_view field);
/** @brief An optional string-or-null member as given; `fallback` when absent. */
json::value opt_string(const json::object& o, std::string_view field, json::value fallback = nullptr);
/** @brief An optional number in [lo, hi]; `fallback` when absent or null. */
json::value opt_number(const json::object& o, std::string_view field, double lo, double hi,
                       json::value fallback = nullptr);
/** @brief An optional token limit (an integer >= 256, or null). */
json::value opt_tokens(const json::object& o, std::string_view field);
/** @brief An optional object-or-null member; `fallback` when absent or null. */
json::value object_or_null(const json::object& o, std::string_view field, json::value fallback);
/** @brief `metadata` (at most 16 string values, 64-char keys, 512-char values); null gives {}. */
json::value metadata_of(const json::object& o, json::value fallback = json::object());
/** @brief A tools array of at most `max` entries, function tools completed with their defaults. */
json::array tools_of(const json::value& v, std::string_view field, std::size_t max);

/** @brief A message in CreateMessageRequest form, validated and normalised. */
struct message_input {
    std::string role;
    json::array content;
    json::value attachments = nullptr;
    json::value metadata = json::object();
    std::size_t user_bytes = 0; ///< text + attached file bytes when role is user (for the token estimate)
};

/** @brief Validates a message at `where` ("" for the body itself); its attached files must exist. */
message_input message_of(const json::value& v, std::string_view where, store& st);

} // namespace paced::emulator
