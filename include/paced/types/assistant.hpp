#pragma once
/// @file Assistants, the tools they (and runs) use, tool resources and response formats.

#include <paced/types/common.hpp>
#include <paced/types/vector_store.hpp>

#include <variant>

namespace paced {

/** @brief A function the model may call. */
struct function_definition {
    std::string name{}; ///< a-z, A-Z, 0-9, '_' and '-', at most 64 characters.
    std::optional<std::string> description{};
    std::optional<boost::json::object> parameters{}; ///< A JSON Schema object.
    std::optional<bool> strict{};                    ///< Strict schema adherence.
    boost::json::object extra{};
};

/** @brief The `code_interpreter` tool. */
struct code_interpreter_tool {
    boost::json::object extra{};
};

/** @brief Ranking of file search results. */
struct file_search_ranking_options {
    std::optional<std::string> ranker{}; ///< `auto` or `default_2024_08_21`.
    double score_threshold = 0;          ///< 0..1.
    boost::json::object extra{};
};

/** @brief Settings of the `file_search` tool. */
struct file_search_settings {
    std::optional<std::int64_t> max_num_results{}; ///< 1..50.
    std::optional<file_search_ranking_options> ranking_options{};
    boost::json::object extra{};
};

/** @brief The `file_search` tool. */
struct file_search_tool {
    std::optional<file_search_settings> file_search{};
    boost::json::object extra{};
};

/** @brief The `function` tool. */
struct function_tool {
    function_definition function{};
    boost::json::object extra{};
};

/** @brief A tool of an assistant or run: `{"type": "code_interpreter" | "file_search" | "function"}`. */
using tool = std::variant<code_interpreter_tool, file_search_tool, function_tool, unknown_tool>;

/** @brief Files available to the code interpreter (at most 20). */
struct code_interpreter_resources {
    std::vector<std::string> file_ids{};
    boost::json::object extra{};
};

/** @brief A vector store created on the fly with an assistant or thread (requests only). */
struct vector_store_seed {
    std::vector<std::string> file_ids{};
    std::optional<paced::chunking_strategy> chunking_strategy{};
    metadata_map metadata{};
    boost::json::object extra{};
};

/** @brief Vector stores available to file search (at most 1). */
struct file_search_resources {
    std::vector<std::string> vector_store_ids{};
    std::vector<vector_store_seed>
        vector_stores; ///< Requests only: create one instead (written if not empty).
    boost::json::object extra{};
};

/** @brief Resources for the tools of an assistant, thread or run. */
struct tool_resources {
    std::optional<code_interpreter_resources> code_interpreter{};
    std::optional<file_search_resources> file_search{};
    boost::json::object extra{};
};

/** @brief A `json_schema` response format. */
struct json_schema_format {
    std::string name{};
    std::optional<std::string> description{};
    std::optional<boost::json::object> schema{};
    std::optional<bool> strict{};
    boost::json::object extra{};
};

/** @brief The response format: `"auto"` (encoded as the bare string), `text`, `json_object` or
 * `json_schema` (with `json_schema` set). */
struct response_format {
    std::string type = "auto";
    std::optional<json_schema_format> json_schema{};
    boost::json::object extra{};
};

/** @brief An assistant (`AssistantObject`). */
struct assistant {
    std::string id{};
    std::int64_t created_at = 0;
    std::optional<std::string> name{};
    std::optional<std::string> description{};
    std::string model{};
    std::optional<std::string> instructions{};
    std::vector<tool> tools{};
    std::optional<paced::tool_resources> tool_resources{};
    metadata_map metadata{};
    std::optional<double> temperature{};
    std::optional<double> top_p{};
    std::optional<paced::response_format> response_format{};
    boost::json::object extra{}; ///< e.g. `reasoning_effort`.
};

PACED_JSON_CONVERSIONS(function_definition);
PACED_JSON_CONVERSIONS(code_interpreter_tool);
PACED_JSON_CONVERSIONS(file_search_ranking_options);
PACED_JSON_CONVERSIONS(file_search_settings);
PACED_JSON_CONVERSIONS(file_search_tool);
PACED_JSON_CONVERSIONS(function_tool);
PACED_JSON_CONVERSIONS(code_interpreter_resources);
PACED_JSON_CONVERSIONS(vector_store_seed);
PACED_JSON_CONVERSIONS(file_search_resources);
PACED_JSON_CONVERSIONS(tool_resources);
PACED_JSON_CONVERSIONS(json_schema_format);
PACED_JSON_CONVERSIONS(response_format);
PACED_JSON_CONVERSIONS(assistant);

/// A tool: `type` selects the alternative; other types decode to unknown_tool.
PACED_JSON_CONVERSIONS(tool);

/** @brief Body of POST /assistants.
 *
 * @par Example
 * @code
 * co_await client.assistants().create({.model = "gpt-4o", .name = "Math Tutor",
 *                                      .tools = {paced::code_interpreter_tool{}}});
 * @endcode
 */
struct assistant_create_params {
    std::string model{};                           ///< Required.
    std::optional<std::string> name{};             ///< At most 256 characters.
    std::optional<std::string> description{};      ///< At most 512 characters.
    std::optional<std::string> instructions{};     ///< At most 256,000 characters.
    std::optional<std::string> reasoning_effort{}; ///< `none`, `minimal`, `low`, `medium`, `high`...
    std::vector<tool> tools{};                     ///< At most 128.
    std::optional<paced::tool_resources> tool_resources{};
    metadata_map metadata{};
    std::optional<double> temperature{}; ///< 0..2.
    std::optional<double> top_p{};       ///< 0..1.
    std::optional<paced::response_format> response_format{};
    boost::json::object extra_body{};
};

/** @brief Body of POST /assistants/{id}: only the set fields change. */
struct assistant_update_params {
    std::optional<std::string> model{};
    std::optional<std::string> name{};
    std::optional<std::string> description{};
    std::optional<std::string> instructions{};
    std::optional<std::string> reasoning_effort{};
    std::optional<std::vector<tool>> tools; ///< Set (even empty) to replace the tools.
    std::optional<paced::tool_resources> tool_resources{};
    metadata_map metadata{}; ///< Written when not empty.
    std::optional<double> temperature{};
    std::optional<double> top_p{};
    std::optional<paced::response_format> response_format{};
    boost::json::object extra_body{};
};

boost::json::object encode(assistant_create_params const& p);
boost::json::object encode(assistant_update_params const& p);

/// @name Validation (errc::invalid_argument, "<field>: <reason>")
/// @{
void validate(tool const& t, std::string_view field = "tools");
void validate(tool_resources const& r, std::string_view field = "tool_resources");
void validate(response_format const& f, std::string_view field = "response_format");
void validate(assistant_create_params const& p);
void validate(assistant_update_params const& p);
/// @}

} // namespace paced
