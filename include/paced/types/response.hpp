#pragma once
/// @file The Responses API: a response, its output items, its usage, its input items and the parameters
/// of its creation (`POST /responses`).
///
/// Output items and content parts are variants read by their `type`; a type the SDK does not know is kept
/// whole in `unknown_part`, never an error. Members of a response the SDK does not model (the echoed
/// `tools`, `text`, `reasoning`, `tool_choice`, `temperature`...) are kept in `extra`.

#include <paced/types/common.hpp>

#include <variant>

namespace paced {

/// Status of a response: `queued` and `in_progress` are active, the rest terminal.
enum class response_status { queued, in_progress, completed, failed, cancelled, incomplete, unknown };
std::string_view to_string(response_status v) noexcept;

/// True for the statuses a response ends in. An unknown status counts as terminal, as the API's
/// background guide defines it ("anything not queued or in_progress").
constexpr bool is_terminal(response_status s) noexcept {
    return s != response_status::queued && s != response_status::in_progress;
}

/** @brief Output part `{"type":"output_text", text, annotations}`. */
struct output_text_part {
    std::string text{};
    std::vector<boost::json::object> annotations{}; ///< url_citation, file_citation... as sent.
    boost::json::object extra{};                    ///< e.g. `logprobs`.
};

/** @brief Output part `{"type":"refusal", refusal}`. */
struct refusal_part {
    std::string refusal{};
    boost::json::object extra{};
};

/// A content part of an output message.
using output_content = std::variant<output_text_part, refusal_part, unknown_part>;

/** @brief Output item `{"type":"message", role:"assistant", content}`. */
struct output_message {
    std::string id{};
    std::string role{}; ///< `assistant`.
    std::optional<std::string> status{};
    std::vector<output_content> content{};
    boost::json::object extra{};
};

/** @brief Output item `{"type":"function_call"}`: a call the client answers with a
 * `function_call_output` of the same `call_id`. Also an input item (stateless replays of a history). */
struct function_call_item {
    std::optional<std::string> id{};
    std::string call_id{};
    std::string name{};
    std::string arguments{}; ///< JSON text, as the model wrote it.
    std::optional<std::string> status{};
    boost::json::object extra{};
};

/** @brief Output item `{"type":"reasoning"}`. */
struct reasoning_item {
    std::string id{};
    std::vector<boost::json::object> summary{};
    std::optional<std::string> encrypted_content{};
    std::optional<std::string> status{};
    boost::json::object extra{};
};

/** @brief Output item `{"type":"file_search_call"}`. */
struct file_search_call_item {
    std::string id{};
    std::string status{}; ///< in_progress, searching, completed, incomplete, failed.
    std::vector<std::string> queries{};
    boost::json::object extra{}; ///< e.g. `results` when included.
};

/** @brief Output item `{"type":"web_search_call"}`. */
struct web_search_call_item {
    std::string id{};
    std::string status{};
    boost::json::object extra{}; ///< e.g. `action`.
};

/// An item of a response's output.
using output_item = std::variant<output_message, function_call_item, reasoning_item, file_search_call_item,
                                 web_search_call_item, unknown_part>;

/** @brief `usage.input_tokens_details`. */
struct input_tokens_details {
    std::int64_t cached_tokens = 0;
    boost::json::object extra{}; ///< e.g. `cache_write_tokens`.
};

/** @brief `usage.output_tokens_details`. */
struct output_tokens_details {
    std::int64_t reasoning_tokens = 0;
    boost::json::object extra{};
};

/** @brief Token usage of a response (`ResponseUsage`); null until the response is terminal. Older
 * servers leave the details out: they are optional here. */
struct response_usage {
    std::int64_t input_tokens = 0;
    std::optional<paced::input_tokens_details> input_tokens_details{};
    std::int64_t output_tokens = 0;
    std::optional<paced::output_tokens_details> output_tokens_details{};
    std::int64_t total_tokens = 0;
    boost::json::object extra{};
};

/** @brief The conversation a response belongs to. */
struct response_conversation {
    std::string id{};
    boost::json::object extra{};
};

/** @brief A response (`Response`, `object: "response"`).
 *
 * `error` is `{code, message}` (`server_error`, `rate_limit_exceeded`, `invalid_prompt`...): a background
 * response can end `failed` with `rate_limit_exceeded` inside a 200 answer, which the client's budget
 * treats like a 429.
 */
struct response {
    std::string id{};
    std::int64_t created_at = 0;
    open_enum<response_status> status{};
    std::optional<std::int64_t> completed_at{};
    heap_optional<last_error> error{};
    heap_optional<paced::incomplete_details> incomplete_details{};
    std::string model{};
    std::vector<output_item> output{};
    std::optional<bool> background{};
    std::optional<std::string> previous_response_id{};
    std::optional<response_conversation> conversation{};
    std::optional<response_usage> usage{};
    metadata_map metadata{};
    boost::json::object extra{}; ///< instructions, tools, text, reasoning, temperature...
};

/** @brief The text of a response, as the official SDKs' `output_text` defines it: the `text` of every
 * `output_text` part of every `message` item, in order, with no separator; refusals are left out; "" when
 * there is none. */
std::string output_text(response const& r);

/// The function calls of a response's output, in order (pointers into `r.output`).
std::vector<function_call_item const*> function_calls(response const& r);

// ---- input ---------------------------------------------------------------------------------------------

/** @brief Input item `{"type":"message", role, content}` (`EasyInputMessage`). `content` is a string
 * or an array of input parts (`{"type":"input_text","text":...}`, `input_image`, `input_file`), as JSON. */
struct input_message {
    std::string role = "user"; ///< user, assistant, system or developer.
    boost::json::value content{};
    boost::json::object extra{};
};

/** @brief Input item `{"type":"function_call_output", call_id, output}`: the answer to a function call. */
struct function_call_output_item {
    std::string call_id{};
    std::string output{}; ///< Text (JSON or plain), at most 10,485,760 characters.
    std::optional<std::string> id{};
    boost::json::object extra{};
};

/** @brief An item of a response's input (and of a conversation). `unknown_part` carries any other item
 * as JSON (an `item_reference`, a reasoning item, a hosted tool's call...). */
using input_item = std::variant<input_message, function_call_output_item, function_call_item, unknown_part>;

/// The id of an input item ("" when it has none): the cursor of a page of them.
std::string item_id(input_item const& item);

/** @brief A function the model may call (Responses shape: `{type:"function", name, parameters, strict}`). */
struct response_function_tool {
    std::string name{};
    std::optional<std::string> description{};
    boost::json::object parameters{}; ///< A JSON Schema object (written even when empty).
    bool strict = false;              ///< Strict schema adherence (the schema must then close every object).
    boost::json::object extra{};
};

/// A tool of a response: a function, or any other tool as JSON in `unknown_part` (`file_search`,
/// `web_search`, `mcp`...: `{.type = "web_search", .raw = {{"type", "web_search"}}}`).
using response_tool = std::variant<response_function_tool, unknown_part>;

/** @brief Parameters of `POST /responses`.
 *
 * The input is `input_text` (one user message) or `input` (items); not both. `previous_response_id` and
 * `conversation` chain a turn to earlier ones; not both. `background` needs `store` (the default).
 * `stream` is set by the operation (`responses().stream(...)`, `client.respond`), not here.
 */
struct response_create_params {
    std::optional<std::string> model{};
    std::optional<std::string> input_text{}; ///< Written as `input`: a string.
    std::vector<input_item> input{};
    std::optional<std::string> instructions{}; ///< Not carried over by previous_response_id: send it again.
    std::optional<std::string> previous_response_id{};
    std::optional<std::string> conversation{}; ///< A conversation id (`conv_...`).
    std::optional<bool> background{};
    std::optional<bool> store{};
    std::vector<response_tool> tools{};
    std::optional<boost::json::value> tool_choice{}; ///< "none", "auto", "required" or an object.
    std::optional<bool> parallel_tool_calls{};
    std::optional<std::int64_t> max_output_tokens{}; ///< >= 16, reasoning tokens included.
    std::optional<std::int64_t> max_tool_calls{};
    std::optional<boost::json::object> text{};      ///< e.g. `{"format": {"type": "json_schema", ...}}`.
    std::optional<boost::json::object> reasoning{}; ///< e.g. `{"effort": "low"}`.
    std::optional<std::string> truncation{};        ///< `auto` or `disabled`.
    std::vector<std::string> include{};
    std::optional<double> temperature{};
    std::optional<double> top_p{};
    std::optional<std::string> service_tier{};
    std::optional<std::string> prompt_cache_key{};
    std::optional<std::string> safety_identifier{};
    metadata_map metadata{};
    boost::json::object extra_body{};
};

/** @brief Parameters of `POST /responses/input_tokens`: the input a create would send. */
struct input_tokens_params {
    std::optional<std::string> model{};
    std::optional<std::string> input_text{}; ///< Written as `input`.
    std::vector<input_item> input{};
    std::optional<std::string> instructions{};
    std::optional<std::string> previous_response_id{};
    std::optional<std::string> conversation{};
    std::vector<response_tool> tools{};
    boost::json::object extra_body{};
};

/** @brief The answer of `POST /responses/input_tokens`. */
struct input_tokens_count {
    std::int64_t input_tokens = 0;
    boost::json::object extra{};
};

/** @brief Query of `GET /responses/{id}/input_items` and `GET /conversations/{id}/items`. */
struct item_list_params {
    std::optional<std::int64_t> limit{}; ///< 1..100 (server default 20).
    std::optional<sort_order> order{};   ///< Server default `desc`.
    std::optional<std::string> after{};  ///< An item id: items after it.
    std::vector<std::string> include{};
};

/// @name JSON conversions
/// @{
PACED_JSON_CONVERSIONS(output_text_part);
PACED_JSON_CONVERSIONS(refusal_part);
PACED_JSON_CONVERSIONS(output_content);
PACED_JSON_CONVERSIONS(output_message);
PACED_JSON_CONVERSIONS(function_call_item);
PACED_JSON_CONVERSIONS(reasoning_item);
PACED_JSON_CONVERSIONS(file_search_call_item);
PACED_JSON_CONVERSIONS(web_search_call_item);
PACED_JSON_CONVERSIONS(output_item);
PACED_JSON_CONVERSIONS(input_tokens_details);
PACED_JSON_CONVERSIONS(output_tokens_details);
PACED_JSON_CONVERSIONS(response_usage);
PACED_JSON_CONVERSIONS(response_conversation);
PACED_JSON_CONVERSIONS(response);
PACED_JSON_CONVERSIONS(input_message);
PACED_JSON_CONVERSIONS(function_call_output_item);
PACED_JSON_CONVERSIONS(input_item);
PACED_JSON_CONVERSIONS(response_function_tool);
PACED_JSON_CONVERSIONS(response_tool);
PACED_JSON_CONVERSIONS(input_tokens_count);
/// @}

/// @name Request encoding and validation
/// @{
boost::json::object encode(response_create_params const& p);
boost::json::object encode(input_tokens_params const& p);
query_params to_query(item_list_params const& p);
/** @brief Checks the rules the API states: one form of input; not both `previous_response_id` and
 * `conversation`; `background` with `store` not false; `max_output_tokens` >= 16; function tools named
 * (a-z, A-Z, 0-9, '_', '-', at most 64); metadata limits; `function_call_output` items with a `call_id`
 * of 1..64 characters.
 * @par Errors `errc::invalid_argument` naming the field. */
void validate(response_create_params const& p);
void validate(input_tokens_params const& p);
void validate(item_list_params const& p);
/// @}

} // namespace paced
