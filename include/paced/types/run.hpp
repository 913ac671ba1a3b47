#pragma once
/// @file Runs: the run object, required actions and tool calls, run options and request parameters.

#include <paced/types/assistant.hpp>
#include <paced/types/common.hpp>
#include <paced/types/message.hpp>
#include <paced/types/thread.hpp>

namespace paced {

/// Status of a run. `queued`, `in_progress` and `cancelling` are active; `requires_action` waits for
/// tool outputs; the others are terminal.
enum class run_status {
    queued,
    in_progress,
    requires_action,
    cancelling,
    cancelled,
    failed,
    completed,
    incomplete,
    expired,
    unknown
};

std::string_view to_string(run_status v) noexcept;

/** @brief The function a tool call asks for; `arguments` is a JSON text, as the model wrote it. */
struct function_call {
    std::string name{};
    std::string arguments{};
    boost::json::object extra{};
};

/** @brief A tool call the run waits for (`RunToolCallObject`). */
struct run_tool_call {
    std::string id{}; ///< Quote it in `tool_output::tool_call_id`.
    std::string type = "function";
    function_call function{};
    boost::json::object extra{};
};

/** @brief The `submit_tool_outputs` member of a required action. */
struct submit_tool_outputs_action {
    std::vector<run_tool_call> tool_calls{};
    boost::json::object extra{};
};

/** @brief What a `requires_action` run waits for. */
struct required_action {
    std::string type = "submit_tool_outputs";
    submit_tool_outputs_action submit_tool_outputs{};
    boost::json::object extra{};
};

/** @brief How the thread is truncated before a run: `auto`, or `last_messages` with a count >= 1. */
struct truncation_strategy {
    std::string type = "auto";
    std::optional<std::int64_t> last_messages{};
    boost::json::object extra{};
};

/** @brief Which tool the model must use.
 *
 * `none`, `auto` and `required` encode as bare strings; `function` (with `function_name`),
 * `file_search` and `code_interpreter` as `{"type": ...}` objects.
 */
struct tool_choice {
    std::string type = "auto";
    std::optional<std::string> function_name{}; ///< For type "function".
    boost::json::object extra{};
};

/** @brief A run of an assistant on a thread (`RunObject`).
 *
 * The large members that are usually absent (required action, last error, incomplete details,
 * truncation strategy, tool choice, response format) are `heap_optional`: used like `std::optional`,
 * they keep a waiting run at about 570 bytes instead of 1.2 KB, which matters with thousands in flight.
 */
struct run {
    std::string id{};
    std::int64_t created_at = 0;
    std::string thread_id{};
    std::string assistant_id{};
    open_enum<run_status> status{};
    heap_optional<paced::required_action> required_action{};
    heap_optional<paced::last_error> last_error{};
    std::optional<std::int64_t> expires_at{};
    std::optional<std::int64_t> started_at{};
    std::optional<std::int64_t> cancelled_at{};
    std::optional<std::int64_t> failed_at{};
    std::optional<std::int64_t> completed_at{};
    heap_optional<paced::incomplete_details> incomplete_details{};
    std::string model{};
    std::optional<std::string> instructions{}; ///< OpenAI's own examples show null.
    std::vector<tool> tools{};
    metadata_map metadata{};
    std::optional<paced::usage> usage{}; ///< Null until the run is terminal.
    std::optional<double> temperature{};
    std::optional<double> top_p{};
    std::optional<std::int64_t> max_prompt_tokens{};
    std::optional<std::int64_t> max_completion_tokens{};
    heap_optional<paced::truncation_strategy> truncation_strategy{};
    heap_optional<paced::tool_choice> tool_choice{};
    bool parallel_tool_calls = true;
    heap_optional<paced::response_format> response_format{};
    boost::json::object extra{};
};

PACED_JSON_CONVERSIONS(function_call);
PACED_JSON_CONVERSIONS(run_tool_call);
PACED_JSON_CONVERSIONS(submit_tool_outputs_action);
PACED_JSON_CONVERSIONS(required_action);
PACED_JSON_CONVERSIONS(truncation_strategy);
PACED_JSON_CONVERSIONS(tool_choice);
PACED_JSON_CONVERSIONS(run);

/** @brief Body of POST /threads/{id}/runs.
 *
 * `stream` is not a member: the runs resource sets it for its streaming calls.
 */
struct run_create_params {
    std::string assistant_id{}; ///< Required.
    std::optional<std::string> model{};
    std::optional<std::string> instructions{}; ///< Replaces the assistant's instructions.
    std::optional<std::string> additional_instructions{};
    std::vector<message_create_params> additional_messages{};
    std::optional<std::vector<tool>> tools{}; ///< At most 20; replaces the assistant's tools.
    metadata_map metadata{};
    std::optional<double> temperature{};               ///< 0..2.
    std::optional<double> top_p{};                     ///< 0..1.
    std::optional<std::int64_t> max_prompt_tokens;     ///< >= 256.
    std::optional<std::int64_t> max_completion_tokens; ///< >= 256.
    std::optional<paced::truncation_strategy> truncation_strategy{};
    std::optional<paced::tool_choice> tool_choice{};
    std::optional<bool> parallel_tool_calls{};
    std::optional<paced::response_format> response_format{};
    std::optional<std::string> reasoning_effort{};
    boost::json::object extra_body{};
};

/** @brief Body of POST /threads/runs: create a thread and run it in one request. */
struct thread_and_run_create_params {
    std::string assistant_id{}; ///< Required.
    std::optional<thread_create_params> thread{};
    std::optional<std::string> model{};
    std::optional<std::string> instructions{};
    std::optional<std::vector<tool>> tools{}; ///< At most 20.
    std::optional<paced::tool_resources> tool_resources{};
    metadata_map metadata{};
    std::optional<double> temperature{};
    std::optional<double> top_p{};
    std::optional<std::int64_t> max_prompt_tokens{};
    std::optional<std::int64_t> max_completion_tokens{};
    std::optional<paced::truncation_strategy> truncation_strategy{};
    std::optional<paced::tool_choice> tool_choice{};
    std::optional<bool> parallel_tool_calls{};
    std::optional<paced::response_format> response_format{};
    boost::json::object extra_body{};
};

/** @brief Body of POST /threads/{id}/runs/{run_id}. */
struct run_update_params {
    metadata_map metadata{}; ///< Written when not empty.
    boost::json::object extra_body{};
};

/** @brief One tool result: the `output` text for the call `tool_call_id`. */
struct tool_output {
    std::string tool_call_id{};
    std::string output{};
};

/** @brief Body of POST .../runs/{run_id}/submit_tool_outputs: every output in one request. */
struct submit_tool_outputs_params {
    std::vector<tool_output> tool_outputs{};
    boost::json::object extra_body{};
};

boost::json::object encode(run_create_params const& p);
boost::json::object encode(thread_and_run_create_params const& p);
boost::json::object encode(run_update_params const& p);
boost::json::object encode(submit_tool_outputs_params const& p);

/// @name Validation (errc::invalid_argument, "<field>: <reason>")
/// @{
void validate(truncation_strategy const& t, std::string_view field = "truncation_strategy");
void validate(tool_choice const& t, std::string_view field = "tool_choice");
void validate(run_create_params const& p);
void validate(thread_and_run_create_params const& p);
void validate(run_update_params const& p);
void validate(submit_tool_outputs_params const& p);
/// @}

} // namespace paced
