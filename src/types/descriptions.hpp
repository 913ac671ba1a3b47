#pragma once
// The member descriptions of every model and request body, with their JSON rules: all the generic codec
// (types/codec.hpp) needs to read and write them. A new model is its struct and one line here; a rules
// line only when it needs one, and a read_member / write_member pair only for a member no rule covers.
//
// The descriptions describe the public structs from outside, after their definitions (what
// BOOST_DESCRIBE_STRUCT is for), rather than sitting next to them in include/paced/types/: the public
// headers stay plain structs and their documentation, with no Boost.Describe in every user's translation
// unit, and the JSON mapping (which member is nullable, which is renamed) stays an implementation detail.
// A description lists every member in declaration order; codec.hpp checks the first by the struct's
// size, and writes members in that order.

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

} // namespace paced
