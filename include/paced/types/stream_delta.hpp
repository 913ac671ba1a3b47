#pragma once
/** @file The delta objects of streamed runs: `thread.message.delta` and `thread.run.step.delta`.
 *
 * Every field of a delta is optional: a delta carries only what changed. `index` identifies the content
 * part, annotation, tool call or output that the fragment belongs to; text fragments (`value`,
 * `arguments`, `input`, `logs`) are to be appended to what came before at the same index.
 */

#include <paced/types/common.hpp>
#include <paced/types/message.hpp>

namespace paced {

/** @brief A partial file reference inside an annotation delta. */
struct file_reference_delta {
    std::optional<std::string> file_id{};
    std::optional<std::string> quote{};
    boost::json::object extra{};
};

/** @brief A fragment of an annotation (`file_citation` or `file_path`). */
struct annotation_delta {
    std::int64_t index = 0;
    std::string type{};
    std::optional<std::string> text{};
    std::optional<file_reference_delta> file_citation{};
    std::optional<file_reference_delta> file_path{};
    std::optional<std::int64_t> start_index{};
    std::optional<std::int64_t> end_index{};
    boost::json::object extra{};
};

/** @brief A fragment of a text part: the new characters in `value`. */
struct text_delta {
    std::optional<std::string> value{};
    std::vector<annotation_delta> annotations{}; ///< Written when not empty.
    boost::json::object extra{};
};

/** @brief A fragment of an image file or image URL part. */
struct image_delta {
    std::optional<std::string> file_id{}; ///< image_file parts.
    std::optional<std::string> url{};     ///< image_url parts.
    std::optional<std::string> detail{};
    boost::json::object extra{};
};

/** @brief A fragment of one content part; `type` says which member is set. */
struct message_content_delta {
    std::int64_t index = 0;
    std::string type; ///< `text`, `image_file`, `image_url`, `refusal`, or a newer type (see extra).
    std::optional<text_delta> text{};
    std::optional<image_delta> image_file{};
    std::optional<image_delta> image_url{};
    std::optional<std::string> refusal{};
    boost::json::object extra{};
};

/** @brief The changed fields of a message. */
struct message_delta {
    std::optional<open_enum<message_role>> role{};
    std::vector<message_content_delta> content{};
    boost::json::object extra{};
};

/** @brief The payload of `thread.message.delta` (`MessageDeltaObject`). */
struct message_delta_object {
    std::string id{};
    message_delta delta{};
    boost::json::object extra{};
};

/** @brief A fragment of a code interpreter output. */
struct code_output_delta {
    std::int64_t index = 0;
    std::string type{}; ///< `logs` or `image`.
    std::optional<std::string> logs{};
    std::optional<std::string> image_file_id{}; ///< `image.file_id`.
    boost::json::object extra{};
};

/** @brief A fragment of a code interpreter call. */
struct code_interpreter_delta {
    std::optional<std::string> input{};
    std::vector<code_output_delta> outputs{}; ///< Written when not empty.
    boost::json::object extra{};
};

/** @brief A fragment of a function call. */
struct function_delta {
    std::optional<std::string> name{};
    std::optional<std::string> arguments{};
    std::optional<std::string> output{};
    boost::json::object extra{};
};

/** @brief A fragment of one tool call; `type` says which member is set. */
struct tool_call_delta {
    std::int64_t index = 0;
    std::optional<std::string> id{};
    std::string type{}; ///< `code_interpreter`, `file_search` or `function`.
    std::optional<code_interpreter_delta> code_interpreter{};
    std::optional<boost::json::object> file_search{}; ///< Always an empty object in deltas so far.
    std::optional<function_delta> function{};
    boost::json::object extra{};
};

/** @brief A fragment of step details. */
struct step_details_delta {
    std::string type{};                        ///< `message_creation` or `tool_calls`.
    std::optional<std::string> message_id{};   ///< `message_creation.message_id`.
    std::vector<tool_call_delta> tool_calls{}; ///< Written when not empty.
    boost::json::object extra{};
};

/** @brief The changed fields of a run step. */
struct run_step_delta {
    std::optional<step_details_delta> step_details{};
    boost::json::object extra{};
};

/** @brief The payload of `thread.run.step.delta` (`RunStepDeltaObject`). */
struct run_step_delta_object {
    std::string id{};
    run_step_delta delta{};
    boost::json::object extra{};
};

PACED_JSON_CONVERSIONS(file_reference_delta);
PACED_JSON_CONVERSIONS(annotation_delta);
PACED_JSON_CONVERSIONS(text_delta);
PACED_JSON_CONVERSIONS(image_delta);
PACED_JSON_CONVERSIONS(message_content_delta);
PACED_JSON_CONVERSIONS(message_delta);
PACED_JSON_CONVERSIONS(message_delta_object);
PACED_JSON_CONVERSIONS(code_output_delta);
PACED_JSON_CONVERSIONS(code_interpreter_delta);
PACED_JSON_CONVERSIONS(function_delta);
PACED_JSON_CONVERSIONS(tool_call_delta);
PACED_JSON_CONVERSIONS(step_details_delta);
PACED_JSON_CONVERSIONS(run_step_delta);
PACED_JSON_CONVERSIONS(run_step_delta_object);

} // namespace paced
