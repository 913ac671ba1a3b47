// Run steps and their details.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {

PACED_DEFINE_JSON_CONVERSIONS(message_creation, "message_creation")
PACED_DEFINE_JSON_CONVERSIONS(message_creation_step_details, "step_details")
PACED_DEFINE_JSON_CONVERSIONS(code_logs_output, "output")
PACED_DEFINE_JSON_CONVERSIONS(code_output_image, "image")
PACED_DEFINE_JSON_CONVERSIONS(code_image_output, "output")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_output, "output")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_call, "code_interpreter")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(file_search_result_content, "content")
PACED_DEFINE_JSON_CONVERSIONS(file_search_result, "result")
PACED_DEFINE_JSON_CONVERSIONS(file_search_call, "file_search")
PACED_DEFINE_JSON_CONVERSIONS(file_search_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(function_call_details, "function")
PACED_DEFINE_JSON_CONVERSIONS(function_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(step_tool_call, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(tool_calls_step_details, "step_details")
PACED_DEFINE_JSON_CONVERSIONS(step_details, "step_details")
PACED_DEFINE_JSON_CONVERSIONS(run_step, "run_step")

PACED_DEFINE_TO_QUERY(run_step_list_params)

void validate(run_step_list_params const& p) {
    detail::check_page(p, 100);
    detail::check_each_not_empty("include", p.include);
}

} // namespace paced
