#pragma once
// The member descriptions of every model and request body, with their JSON rules: all the generic codec
// (types/codec.hpp) needs to read and write them. A new model is its struct and one line here; a rules
// line only when it needs one, and a read_member / write_member pair only for a member no rule covers.
//
// The descriptions describe the public structs from outside, after their definitions (what
// BOOST_DESCRIBE_STRUCT is for), rather than sitting next to them in include/paced/types/: the public
// headers stay plain structs and their documentation, with no Boost.Describe in every user's translation
// unit, and the JSON mapping (which member is nullable, which is renamed) stays an implementation detail.
// A description lists every member, in declaration order: codec.hpp checks that none is missing against
// the struct's size, and writes the members in that order.

#include "types/codec.hpp"

#include <boost/describe/class.hpp>

namespace paced {

// ---- common.hpp ----------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(usage, (), (prompt_tokens, completion_tokens, total_tokens, extra))
BOOST_DESCRIBE_STRUCT(last_error, (), (code, message, extra))
BOOST_DESCRIBE_STRUCT(incomplete_details, (), (reason, extra))
PACED_JSON_RULES(incomplete_details, .optional = "reason", .omit_empty = "reason")
BOOST_DESCRIBE_STRUCT(deleted_object, (), (id, object, deleted, extra))
PACED_JSON_RULES(deleted_object, .optional = "object")
BOOST_DESCRIBE_STRUCT(error_body, (), (message, type, code, param, extra))
PACED_JSON_RULES(error_body, .optional = "type", .nullable = "code param")
BOOST_DESCRIBE_STRUCT(list_params, (), (limit, order, after, before))
// list_page<T> is described for each listable model in list.cpp.
template <class T>
constexpr detail::json_rules paced_json_rules(list_page<T> const*) noexcept {
    return {.object = "list", .optional = "has_more", .required = "data", .nullable = "first_id last_id"};
}

// ---- vector_store.hpp ----------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(file_counts, (), (in_progress, completed, failed, cancelled, total, extra))
BOOST_DESCRIBE_STRUCT(vector_store_expires_after, (), (anchor, days, extra))
BOOST_DESCRIBE_STRUCT(static_chunking_config, (), (max_chunk_size_tokens, chunk_overlap_tokens, extra))
BOOST_DESCRIBE_STRUCT(chunking_strategy, (), (type, static_config, extra))
PACED_JSON_RULES(chunking_strategy, .renamed = "static_config:static")
BOOST_DESCRIBE_STRUCT(vector_store, (),
                      (id, created_at, name, usage_bytes, file_counts, status, expires_after, expires_at,
                       last_active_at, metadata, extra))
PACED_JSON_RULES(vector_store, .object = "vector_store", .optional = "usage_bytes",
                 .nullable = "name last_active_at")
BOOST_DESCRIBE_STRUCT(vector_store_file, (),
                      (id, usage_bytes, created_at, vector_store_id, status, last_error, chunking_strategy,
                       attributes, extra))
PACED_JSON_RULES(vector_store_file, .object = "vector_store.file", .optional = "usage_bytes",
                 .nullable = "last_error")
BOOST_DESCRIBE_STRUCT(vector_store_file_batch, (),
                      (id, created_at, vector_store_id, status, file_counts, extra))
PACED_JSON_RULES(vector_store_file_batch, .object = "vector_store.files_batch")

BOOST_DESCRIBE_STRUCT(vector_store_create_params, (),
                      (file_ids, name, description, expires_after, chunking_strategy, metadata, extra_body))
BOOST_DESCRIBE_STRUCT(vector_store_update_params, (), (name, expires_after, metadata, extra_body))
BOOST_DESCRIBE_STRUCT(vector_store_file_create_params, (),
                      (file_id, chunking_strategy, attributes, extra_body))
BOOST_DESCRIBE_STRUCT(vector_store_file_update_params, (), (attributes, extra_body))
PACED_JSON_RULES(vector_store_file_update_params, .always = "attributes") // an empty object clears them
BOOST_DESCRIBE_STRUCT(file_batch_create_params, (),
                      (file_ids, files, chunking_strategy, attributes, extra_body))
BOOST_DESCRIBE_STRUCT(vector_store_file_list_params, (), (limit, order, after, before, filter))

// ---- assistant.hpp -------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(function_definition, (), (name, description, parameters, strict, extra))
BOOST_DESCRIBE_STRUCT(code_interpreter_tool, (), (extra))
PACED_JSON_RULES(code_interpreter_tool, .type = "code_interpreter")
BOOST_DESCRIBE_STRUCT(file_search_ranking_options, (), (ranker, score_threshold, extra))
BOOST_DESCRIBE_STRUCT(file_search_settings, (), (max_num_results, ranking_options, extra))
BOOST_DESCRIBE_STRUCT(file_search_tool, (), (file_search, extra))
PACED_JSON_RULES(file_search_tool, .type = "file_search")
BOOST_DESCRIBE_STRUCT(function_tool, (), (function, extra))
PACED_JSON_RULES(function_tool, .type = "function")
BOOST_DESCRIBE_STRUCT(code_interpreter_resources, (), (file_ids, extra))
BOOST_DESCRIBE_STRUCT(vector_store_seed, (), (file_ids, chunking_strategy, metadata, extra))
PACED_JSON_RULES(vector_store_seed, .omit_empty = "metadata")
BOOST_DESCRIBE_STRUCT(file_search_resources, (), (vector_store_ids, vector_stores, extra))
PACED_JSON_RULES(file_search_resources, .omit_empty = "vector_stores")
BOOST_DESCRIBE_STRUCT(tool_resources, (), (code_interpreter, file_search, extra))
BOOST_DESCRIBE_STRUCT(json_schema_format, (), (name, description, schema, strict, extra))
BOOST_DESCRIBE_STRUCT(response_format, (), (type, json_schema, extra)) // or the bare "auto" (assistant.cpp)
BOOST_DESCRIBE_STRUCT(assistant, (),
                      (id, created_at, name, description, model, instructions, tools, tool_resources,
                       metadata, temperature, top_p, response_format, extra))
PACED_JSON_RULES(assistant, .object = "assistant", .nullable = "name description instructions")

BOOST_DESCRIBE_STRUCT(assistant_create_params, (),
                      (model, name, description, instructions, reasoning_effort, tools, tool_resources,
                       metadata, temperature, top_p, response_format, extra_body))
BOOST_DESCRIBE_STRUCT(assistant_update_params, (),
                      (model, name, description, instructions, reasoning_effort, tools, tool_resources,
                       metadata, temperature, top_p, response_format, extra_body))

// ---- file.hpp ------------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(file, (),
                      (id, bytes, created_at, expires_at, filename, purpose, status, status_details, extra))
PACED_JSON_RULES(file, .object = "file", .optional = "status", .omit_empty = "status") // status is deprecated
BOOST_DESCRIBE_STRUCT(file_list_params, (), (purpose, limit, order, after))

// ---- message.hpp ---------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(image_file, (), (file_id, detail, extra))
BOOST_DESCRIBE_STRUCT(image_url, (), (url, detail, extra))
BOOST_DESCRIBE_STRUCT(file_reference, (), (file_id, extra))
BOOST_DESCRIBE_STRUCT(file_citation_annotation, (), (text, file_citation, start_index, end_index, extra))
PACED_JSON_RULES(file_citation_annotation, .type = "file_citation")
BOOST_DESCRIBE_STRUCT(file_path_annotation, (), (text, file_path, start_index, end_index, extra))
PACED_JSON_RULES(file_path_annotation, .type = "file_path")
BOOST_DESCRIBE_STRUCT(message_text, (), (value, annotations, extra))
BOOST_DESCRIBE_STRUCT(image_file_content, (), (image_file, extra))
PACED_JSON_RULES(image_file_content, .type = "image_file")
BOOST_DESCRIBE_STRUCT(image_url_content, (), (image_url, extra))
PACED_JSON_RULES(image_url_content, .type = "image_url")
BOOST_DESCRIBE_STRUCT(text_content, (), (text, extra))
PACED_JSON_RULES(text_content, .type = "text")
BOOST_DESCRIBE_STRUCT(refusal_content, (), (refusal, extra))
PACED_JSON_RULES(refusal_content, .type = "refusal")
BOOST_DESCRIBE_STRUCT(attachment, (), (file_id, tools, extra))
BOOST_DESCRIBE_STRUCT(message, (),
                      (id, created_at, thread_id, status, incomplete_details, completed_at, incomplete_at,
                       role, content, assistant_id, run_id, attachments, metadata, extra))
// status is absent from some of OpenAI's own examples.
PACED_JSON_RULES(message, .object = "thread.message", .optional = "status", .required = "content",
                 .nullable = "incomplete_details completed_at incomplete_at assistant_id run_id",
                 .omit_empty = "status")

BOOST_DESCRIBE_STRUCT(text_part, (), (text))
PACED_JSON_RULES(text_part, .type = "text")
BOOST_DESCRIBE_STRUCT(message_create_params, (), (role, content, attachments, metadata, extra_body))
BOOST_DESCRIBE_STRUCT(message_update_params, (), (metadata, extra_body))
BOOST_DESCRIBE_STRUCT(message_list_params, (), (limit, order, after, before, run_id))

// ---- thread.hpp ----------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(thread, (), (id, created_at, tool_resources, metadata, extra))
PACED_JSON_RULES(thread, .object = "thread", .nullable = "tool_resources")
BOOST_DESCRIBE_STRUCT(thread_create_params, (), (messages, tool_resources, metadata, extra_body))
BOOST_DESCRIBE_STRUCT(thread_update_params, (), (tool_resources, metadata, extra_body))

// ---- run.hpp -------------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(function_call, (), (name, arguments, extra))
BOOST_DESCRIBE_STRUCT(run_tool_call, (), (id, type, function, extra))
BOOST_DESCRIBE_STRUCT(submit_tool_outputs_action, (), (tool_calls, extra))
PACED_JSON_RULES(submit_tool_outputs_action, .required = "tool_calls")
BOOST_DESCRIBE_STRUCT(required_action, (), (type, submit_tool_outputs, extra))
PACED_JSON_RULES(required_action, .optional = "submit_tool_outputs") // a future action type may not have it
BOOST_DESCRIBE_STRUCT(truncation_strategy, (), (type, last_messages, extra))
PACED_JSON_RULES(truncation_strategy, .nullable = "last_messages")
BOOST_DESCRIBE_STRUCT(tool_choice, (), (type, function_name, extra)) // or a bare string (run.cpp)
PACED_JSON_RULES(tool_choice, .renamed = "function_name:function.name", .required = "function_name")
BOOST_DESCRIBE_STRUCT(run, (),
                      (id, created_at, thread_id, assistant_id, status, required_action, last_error,
                       expires_at, started_at, cancelled_at, failed_at, completed_at, incomplete_details,
                       model, instructions, tools, metadata, usage, temperature, top_p, max_prompt_tokens,
                       max_completion_tokens, truncation_strategy, tool_choice, parallel_tool_calls,
                       response_format, extra))
PACED_JSON_RULES(run, .object = "thread.run", .optional = "parallel_tool_calls",
                 .nullable =
                     "required_action last_error expires_at started_at cancelled_at failed_at completed_at "
                     "incomplete_details instructions usage max_prompt_tokens max_completion_tokens "
                     "truncation_strategy tool_choice response_format")

BOOST_DESCRIBE_STRUCT(run_create_params, (),
                      (assistant_id, model, instructions, additional_instructions, additional_messages, tools,
                       metadata, temperature, top_p, max_prompt_tokens, max_completion_tokens,
                       truncation_strategy, tool_choice, parallel_tool_calls, response_format,
                       reasoning_effort, extra_body))
BOOST_DESCRIBE_STRUCT(thread_and_run_create_params, (),
                      (assistant_id, thread, model, instructions, tools, tool_resources, metadata,
                       temperature, top_p, max_prompt_tokens, max_completion_tokens, truncation_strategy,
                       tool_choice, parallel_tool_calls, response_format, extra_body))
BOOST_DESCRIBE_STRUCT(run_update_params, (), (metadata, extra_body))
BOOST_DESCRIBE_STRUCT(tool_output, (), (tool_call_id, output))
BOOST_DESCRIBE_STRUCT(submit_tool_outputs_params, (), (tool_outputs, extra_body))
PACED_JSON_RULES(submit_tool_outputs_params, .always = "tool_outputs")

// ---- run_step.hpp --------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(message_creation, (), (message_id, extra))
BOOST_DESCRIBE_STRUCT(message_creation_step_details, (), (message_creation, extra))
PACED_JSON_RULES(message_creation_step_details, .type = "message_creation")
BOOST_DESCRIBE_STRUCT(code_logs_output, (), (logs, extra))
PACED_JSON_RULES(code_logs_output, .type = "logs")
BOOST_DESCRIBE_STRUCT(code_output_image, (), (file_id, extra))
BOOST_DESCRIBE_STRUCT(code_image_output, (), (image, extra))
PACED_JSON_RULES(code_image_output, .type = "image")
BOOST_DESCRIBE_STRUCT(code_interpreter_call, (), (input, outputs, extra))
BOOST_DESCRIBE_STRUCT(code_interpreter_tool_call, (), (id, code_interpreter, extra))
PACED_JSON_RULES(code_interpreter_tool_call, .type = "code_interpreter")
BOOST_DESCRIBE_STRUCT(file_search_result_content, (), (type, text, extra))
PACED_JSON_RULES(file_search_result_content, .optional = "type text")
BOOST_DESCRIBE_STRUCT(file_search_result, (), (file_id, file_name, score, content, extra))
PACED_JSON_RULES(file_search_result, .omit_empty = "content")
BOOST_DESCRIBE_STRUCT(file_search_call, (), (ranking_options, results, extra))
PACED_JSON_RULES(file_search_call, .omit_empty = "results")
BOOST_DESCRIBE_STRUCT(file_search_tool_call, (), (id, file_search, extra))
PACED_JSON_RULES(file_search_tool_call, .type = "file_search")
BOOST_DESCRIBE_STRUCT(function_call_details, (), (name, arguments, output, extra))
PACED_JSON_RULES(function_call_details, .nullable = "output")
BOOST_DESCRIBE_STRUCT(function_tool_call, (), (id, function, extra))
PACED_JSON_RULES(function_tool_call, .type = "function")
BOOST_DESCRIBE_STRUCT(tool_calls_step_details, (), (tool_calls, extra))
PACED_JSON_RULES(tool_calls_step_details, .type = "tool_calls")
BOOST_DESCRIBE_STRUCT(run_step, (),
                      (id, created_at, assistant_id, thread_id, run_id, type, status, step_details,
                       last_error, expired_at, cancelled_at, failed_at, completed_at, metadata, usage, extra))
PACED_JSON_RULES(run_step, .object = "thread.run.step",
                 .nullable = "last_error expired_at cancelled_at failed_at completed_at usage")
BOOST_DESCRIBE_STRUCT(run_step_list_params, (), (limit, order, after, before, include))
PACED_JSON_RULES(run_step_list_params, .renamed = "include:include[]")

// ---- stream_delta.hpp: every member optional, containers written when not empty --------------------------
BOOST_DESCRIBE_STRUCT(file_reference_delta, (), (file_id, quote, extra))
BOOST_DESCRIBE_STRUCT(annotation_delta, (),
                      (index, type, text, file_citation, file_path, start_index, end_index, extra))
BOOST_DESCRIBE_STRUCT(text_delta, (), (value, annotations, extra))
PACED_JSON_RULES(text_delta, .omit_empty = "annotations")
BOOST_DESCRIBE_STRUCT(image_delta, (), (file_id, url, detail, extra))
BOOST_DESCRIBE_STRUCT(message_content_delta, (), (index, type, text, image_file, image_url, refusal, extra))
BOOST_DESCRIBE_STRUCT(message_delta, (), (role, content, extra))
PACED_JSON_RULES(message_delta, .omit_empty = "content")
BOOST_DESCRIBE_STRUCT(message_delta_object, (), (id, delta, extra))
PACED_JSON_RULES(message_delta_object, .object = "thread.message.delta")
BOOST_DESCRIBE_STRUCT(code_output_delta, (), (index, type, logs, image_file_id, extra))
PACED_JSON_RULES(code_output_delta, .renamed = "image_file_id:image.file_id")
BOOST_DESCRIBE_STRUCT(code_interpreter_delta, (), (input, outputs, extra))
PACED_JSON_RULES(code_interpreter_delta, .omit_empty = "outputs")
BOOST_DESCRIBE_STRUCT(function_delta, (), (name, arguments, output, extra))
BOOST_DESCRIBE_STRUCT(tool_call_delta, (), (index, id, type, code_interpreter, file_search, function, extra))
BOOST_DESCRIBE_STRUCT(step_details_delta, (), (type, message_id, tool_calls, extra))
PACED_JSON_RULES(step_details_delta, .renamed = "message_id:message_creation.message_id",
                 .omit_empty = "tool_calls")
BOOST_DESCRIBE_STRUCT(run_step_delta, (), (step_details, extra))
BOOST_DESCRIBE_STRUCT(run_step_delta_object, (), (id, delta, extra))
PACED_JSON_RULES(run_step_delta_object, .object = "thread.run.step.delta")

// ---- response.hpp --------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(output_text_part, (), (text, annotations, extra))
PACED_JSON_RULES(output_text_part, .type = "output_text")
BOOST_DESCRIBE_STRUCT(refusal_part, (), (refusal, extra))
PACED_JSON_RULES(refusal_part, .type = "refusal")
BOOST_DESCRIBE_STRUCT(output_message, (), (id, role, status, content, extra))
PACED_JSON_RULES(output_message, .type = "message")
BOOST_DESCRIBE_STRUCT(function_call_item, (), (id, call_id, name, arguments, status, extra))
PACED_JSON_RULES(function_call_item, .type = "function_call")
BOOST_DESCRIBE_STRUCT(reasoning_item, (), (id, summary, encrypted_content, status, extra))
PACED_JSON_RULES(reasoning_item, .type = "reasoning")
BOOST_DESCRIBE_STRUCT(file_search_call_item, (), (id, status, queries, extra))
PACED_JSON_RULES(file_search_call_item, .type = "file_search_call")
BOOST_DESCRIBE_STRUCT(web_search_call_item, (), (id, status, extra))
PACED_JSON_RULES(web_search_call_item, .type = "web_search_call", .optional = "status")
BOOST_DESCRIBE_STRUCT(input_tokens_details, (), (cached_tokens, extra))
PACED_JSON_RULES(input_tokens_details, .optional = "cached_tokens")
BOOST_DESCRIBE_STRUCT(output_tokens_details, (), (reasoning_tokens, extra))
PACED_JSON_RULES(output_tokens_details, .optional = "reasoning_tokens")
BOOST_DESCRIBE_STRUCT(response_usage, (),
                      (input_tokens, input_tokens_details, output_tokens, output_tokens_details, total_tokens,
                       extra))
BOOST_DESCRIBE_STRUCT(response_conversation, (), (id, extra))
BOOST_DESCRIBE_STRUCT(response, (),
                      (id, created_at, status, completed_at, error, incomplete_details, model, output,
                       background, previous_response_id, conversation, usage, metadata, extra))
// status is not among the schema's required members; error and incomplete_details are, as null.
PACED_JSON_RULES(response, .object = "response", .optional = "status",
                 .nullable = "error incomplete_details previous_response_id", .omit_empty = "status")
BOOST_DESCRIBE_STRUCT(input_message, (), (role, content, extra))
PACED_JSON_RULES(input_message, .type = "message")
BOOST_DESCRIBE_STRUCT(function_call_output_item, (), (call_id, output, id, extra))
PACED_JSON_RULES(function_call_output_item, .type = "function_call_output")
BOOST_DESCRIBE_STRUCT(response_function_tool, (), (name, description, parameters, strict, extra))
PACED_JSON_RULES(response_function_tool, .type = "function", .optional = "strict")
BOOST_DESCRIBE_STRUCT(input_tokens_count, (), (input_tokens, extra))
PACED_JSON_RULES(input_tokens_count, .object = "response.input_tokens")
BOOST_DESCRIBE_STRUCT(response_create_params, (),
                      (model, input_text, input, instructions, previous_response_id, conversation, background,
                       store, tools, tool_choice, parallel_tool_calls, max_output_tokens, max_tool_calls,
                       text, reasoning, truncation, include, temperature, top_p, service_tier,
                       prompt_cache_key, safety_identifier, metadata, extra_body))
BOOST_DESCRIBE_STRUCT(input_tokens_params, (),
                      (model, input_text, input, instructions, previous_response_id, conversation, tools,
                       extra_body))
BOOST_DESCRIBE_STRUCT(item_list_params, (), (limit, order, after, include))

// ---- response_event.hpp -------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(response_lifecycle_event, (), (response, extra))
BOOST_DESCRIBE_STRUCT(response_output_item_event, (), (output_index, item, extra))
BOOST_DESCRIBE_STRUCT(response_text_delta_event, (), (item_id, output_index, content_index, delta, extra))
BOOST_DESCRIBE_STRUCT(response_text_done_event, (), (item_id, output_index, content_index, text, extra))
BOOST_DESCRIBE_STRUCT(response_function_arguments_event, (),
                      (item_id, output_index, delta, arguments, name, extra))

// ---- conversation.hpp ----------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(conversation, (), (id, created_at, metadata, extra))
PACED_JSON_RULES(conversation, .object = "conversation")
BOOST_DESCRIBE_STRUCT(conversation_create_params, (), (items, metadata, extra_body))
BOOST_DESCRIBE_STRUCT(conversation_update_params, (), (metadata, extra_body))
PACED_JSON_RULES(conversation_update_params, .always = "metadata") // the API requires it
BOOST_DESCRIBE_STRUCT(conversation_items_create_params, (), (items, extra_body))
PACED_JSON_RULES(conversation_items_create_params, .always = "items")

// ---- batch.hpp -----------------------------------------------------------------------------------------
BOOST_DESCRIBE_STRUCT(batch_request_counts, (), (total, completed, failed, extra))
BOOST_DESCRIBE_STRUCT(batch_error, (), (code, message, param, line, extra))
BOOST_DESCRIBE_STRUCT(batch_errors, (), (data, extra))
PACED_JSON_RULES(batch_errors, .object = "list")
BOOST_DESCRIBE_STRUCT(batch, (),
                      (id, endpoint, errors, input_file_id, completion_window, status, output_file_id,
                       error_file_id, created_at, in_progress_at, expires_at, finalizing_at, completed_at,
                       failed_at, expired_at, cancelling_at, cancelled_at, request_counts, metadata, extra))
PACED_JSON_RULES(batch, .object = "batch", .nullable = "errors output_file_id error_file_id")
BOOST_DESCRIBE_STRUCT(batch_create_params, (),
                      (input_file_id, endpoint, completion_window, metadata, output_expires_after,
                       extra_body))
BOOST_DESCRIBE_STRUCT(batch_list_params, (), (limit, after))
BOOST_DESCRIBE_STRUCT(batch_request_line, (), (custom_id, method, url, body, extra))
BOOST_DESCRIBE_STRUCT(batch_result_response, (), (status_code, request_id, body, extra))
BOOST_DESCRIBE_STRUCT(batch_result_line, (), (id, custom_id, response, error, extra))
PACED_JSON_RULES(batch_result_line, .nullable = "response error")

namespace detail {
// Members no rule covers, read and written by hand (defined next to their model).

/// attachment::tools, a list of tool types, is `[{"type": "file_search"}, ...]` in JSON.
void read_member(json::value const* v, attachment& out, member<&attachment::tools>, json_path& p);
void write_member(json::object& o, attachment const& x, member<&attachment::tools>, json_mode);
/// Written for a submit_tool_outputs action, or when it holds tool calls.
void write_member(json::object& o, required_action const& x, member<&required_action::submit_tool_outputs>,
                  json_mode mode);
/// Left out when only vector_stores is set: the API takes one or the other.
void write_member(json::object& o, file_search_resources const& x,
                  member<&file_search_resources::vector_store_ids>, json_mode mode);
/// `input_text` is the string form of `input` (one user message): written as `input`.
void write_member(json::object& o, response_create_params const& x,
                  member<&response_create_params::input_text>, json_mode);
void write_member(json::object& o, input_tokens_params const& x, member<&input_tokens_params::input_text>,
                  json_mode);
} // namespace detail

} // namespace paced
