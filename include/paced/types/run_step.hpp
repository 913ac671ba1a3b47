#pragma once
/// @file Run steps: message creation and tool call details.

#include <paced/types/assistant.hpp>
#include <paced/types/common.hpp>

#include <variant>

namespace paced {

/// Status of a run step.
enum class run_step_status { in_progress, cancelled, failed, completed, expired, unknown };
/// Kind of run step.
enum class run_step_type { message_creation, tool_calls, unknown };

std::string_view to_string(run_step_status v) noexcept;
std::string_view to_string(run_step_type v) noexcept;

/** @brief The message a `message_creation` step created. */
struct message_creation {
    std::string message_id{};
    boost::json::object extra{};
};

/** @brief Step details `{"type":"message_creation", "message_creation":{message_id}}`. */
struct message_creation_step_details {
    paced::message_creation message_creation{};
    boost::json::object extra{};
};

/** @brief Code interpreter output `{"type":"logs","logs":"..."}`. */
struct code_logs_output {
    std::string logs{};
    boost::json::object extra{};
};

/** @brief The image file of a code interpreter image output. */
struct code_output_image {
    std::string file_id{};
    boost::json::object extra{};
};

/** @brief Code interpreter output `{"type":"image","image":{file_id}}`. */
struct code_image_output {
    code_output_image image{};
    boost::json::object extra{};
};

/// An output of the code interpreter.
using code_interpreter_output = std::variant<code_logs_output, code_image_output, unknown_part>;

/** @brief What the code interpreter ran and produced. */
struct code_interpreter_call {
    std::string input{};
    std::vector<code_interpreter_output> outputs{};
    boost::json::object extra{};
};

/** @brief A `code_interpreter` tool call of a step. */
struct code_interpreter_tool_call {
    std::string id{};
    code_interpreter_call code_interpreter{};
    boost::json::object extra{};
};

/** @brief A text chunk of a file search result (present when requested with `include`). */
struct file_search_result_content {
    std::string type = "text";
    std::string text{};
    boost::json::object extra{};
};

/** @brief One file search result. */
struct file_search_result {
    std::string file_id{};
    std::string file_name{};
    double score = 0;
    std::vector<file_search_result_content> content{};
    boost::json::object extra{};
};

/** @brief What file search ranked and found. */
struct file_search_call {
    std::optional<file_search_ranking_options> ranking_options{};
    std::vector<file_search_result> results{};
    boost::json::object extra{};
};

/** @brief A `file_search` tool call of a step. */
struct file_search_tool_call {
    std::string id{};
    file_search_call file_search{};
    boost::json::object extra{};
};

/** @brief A function call of a step, with the output once submitted. */
struct function_call_details {
    std::string name{};
    std::string arguments{};
    std::optional<std::string> output{};
    boost::json::object extra{};
};

/** @brief A `function` tool call of a step. */
struct function_tool_call {
    std::string id{};
    function_call_details function{};
    boost::json::object extra{};
};

/// A tool call of a `tool_calls` step.
using step_tool_call =
    std::variant<code_interpreter_tool_call, file_search_tool_call, function_tool_call, unknown_part>;

/** @brief Step details `{"type":"tool_calls", "tool_calls":[...]}`. */
struct tool_calls_step_details {
    std::vector<step_tool_call> tool_calls{};
    boost::json::object extra{};
};

/// The details of a run step.
using step_details = std::variant<message_creation_step_details, tool_calls_step_details, unknown_part>;

/** @brief A step of a run (`RunStepObject`). */
struct run_step {
    std::string id{};
    std::int64_t created_at = 0;
    std::string assistant_id{};
    std::string thread_id{};
    std::string run_id{};
    open_enum<run_step_type> type{};
    open_enum<run_step_status> status{};
    paced::step_details step_details{};
    std::optional<paced::last_error> last_error{};
    std::optional<std::int64_t> expired_at{};
    std::optional<std::int64_t> cancelled_at{};
    std::optional<std::int64_t> failed_at{};
    std::optional<std::int64_t> completed_at{};
    metadata_map metadata{};
    std::optional<paced::usage> usage{}; ///< Null while the step is in progress.
    boost::json::object extra{};
};

PACED_JSON_CONVERSIONS(message_creation);
PACED_JSON_CONVERSIONS(message_creation_step_details);
PACED_JSON_CONVERSIONS(code_logs_output);
PACED_JSON_CONVERSIONS(code_output_image);
PACED_JSON_CONVERSIONS(code_image_output);
PACED_JSON_CONVERSIONS(code_interpreter_output);
PACED_JSON_CONVERSIONS(code_interpreter_call);
PACED_JSON_CONVERSIONS(code_interpreter_tool_call);
PACED_JSON_CONVERSIONS(file_search_result_content);
PACED_JSON_CONVERSIONS(file_search_result);
PACED_JSON_CONVERSIONS(file_search_call);
PACED_JSON_CONVERSIONS(file_search_tool_call);
PACED_JSON_CONVERSIONS(function_call_details);
PACED_JSON_CONVERSIONS(function_tool_call);
PACED_JSON_CONVERSIONS(step_tool_call);
PACED_JSON_CONVERSIONS(tool_calls_step_details);
PACED_JSON_CONVERSIONS(step_details);
PACED_JSON_CONVERSIONS(run_step);

/** @brief Query of GET .../runs/{run_id}/steps. */
struct run_step_list_params {
    std::optional<std::int64_t> limit{}; ///< 1..100.
    std::optional<sort_order> order{};
    std::optional<std::string> after{};
    std::optional<std::string> before{};
    /// Extra fields to include, e.g. `step_details.tool_calls[*].file_search.results[*].content`.
    std::vector<std::string> include{};
};

/// Query parameters; each `include` entry becomes an `include[]` pair.
query_params to_query(run_step_list_params const& p);
void validate(run_step_list_params const& p);

} // namespace paced
