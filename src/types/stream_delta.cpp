// Delta objects of streamed runs. Every member is optional: a delta carries only what changed.

#include "types/descriptions.hpp"

namespace paced {

PACED_DEFINE_JSON_CONVERSIONS(file_reference_delta, "file_reference")
PACED_DEFINE_JSON_CONVERSIONS(annotation_delta, "annotation")
PACED_DEFINE_JSON_CONVERSIONS(text_delta, "text")
PACED_DEFINE_JSON_CONVERSIONS(image_delta, "image")
PACED_DEFINE_JSON_CONVERSIONS(message_content_delta, "content")
PACED_DEFINE_JSON_CONVERSIONS(message_delta, "delta")
PACED_DEFINE_JSON_CONVERSIONS(message_delta_object, "message_delta")
PACED_DEFINE_JSON_CONVERSIONS(code_output_delta, "output")
PACED_DEFINE_JSON_CONVERSIONS(code_interpreter_delta, "code_interpreter")
PACED_DEFINE_JSON_CONVERSIONS(function_delta, "function")
PACED_DEFINE_JSON_CONVERSIONS(tool_call_delta, "tool_call")
PACED_DEFINE_JSON_CONVERSIONS(step_details_delta, "step_details")
PACED_DEFINE_JSON_CONVERSIONS(run_step_delta, "delta")
PACED_DEFINE_JSON_CONVERSIONS(run_step_delta_object, "run_step_delta")

} // namespace paced
