// Vector stores, vector store files and file batches.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {

PACED_DEFINE_JSON_CONVERSIONS(file_counts, "file_counts")
PACED_DEFINE_JSON_CONVERSIONS(vector_store_expires_after, "expires_after")
PACED_DEFINE_JSON_CONVERSIONS(static_chunking_config, "static")
PACED_DEFINE_JSON_CONVERSIONS(chunking_strategy, "chunking_strategy")
PACED_DEFINE_JSON_CONVERSIONS(vector_store, "vector_store")
PACED_DEFINE_JSON_CONVERSIONS(vector_store_file, "vector_store_file")
PACED_DEFINE_JSON_CONVERSIONS(vector_store_file_batch, "vector_store_file_batch")

// ---- requests ------------------------------------------------------------------------------------------

PACED_DEFINE_ENCODE(vector_store_create_params)
PACED_DEFINE_ENCODE(vector_store_update_params)
PACED_DEFINE_ENCODE(vector_store_file_create_params)
PACED_DEFINE_ENCODE(vector_store_file_update_params)
PACED_DEFINE_ENCODE(file_batch_create_params)

PACED_DEFINE_TO_QUERY(vector_store_file_list_params)

// ---- validation ----------------------------------------------------------------------------------------

namespace {

void check_chunking(std::string_view field, chunking_strategy const& c) {
    if (c.type == "auto") {
        if (c.static_config)
            detail::invalid(detail::field_name(field, "static"), "only allowed with type \"static\"");
    } else if (c.type == "static") {
        if (!c.static_config)
            detail::invalid(detail::field_name(field, "static"), "required with type \"static\"");
        auto const& s = *c.static_config;
        detail::check_range(detail::field_name(field, "static.max_chunk_size_tokens"),
                            s.max_chunk_size_tokens, 100, 4096);
        detail::check_range(detail::field_name(field, "static.chunk_overlap_tokens"), s.chunk_overlap_tokens,
                            0, s.max_chunk_size_tokens / 2);
    } else {
        detail::invalid(detail::field_name(field, "type"), "must be \"auto\" or \"static\"");
    }
}

void check_expires_after(std::string_view field, vector_store_expires_after const& e) {
    if (e.anchor != "last_active_at")
        detail::invalid(detail::field_name(field, "anchor"), "must be \"last_active_at\"");
    detail::check_range(detail::field_name(field, "days"), e.days, 1, 365);
}

void check_file_create(std::string_view prefix, vector_store_file_create_params const& p) {
    validate_id(detail::field_name(prefix, "file_id"), p.file_id);
    if (p.chunking_strategy)
        check_chunking(detail::field_name(prefix, "chunking_strategy"), *p.chunking_strategy);
    detail::check_attributes(detail::field_name(prefix, "attributes"), p.attributes);
}

} // namespace

void validate(chunking_strategy const& c) {
    check_chunking("chunking_strategy", c);
}
void validate(vector_store_expires_after const& e) {
    check_expires_after("expires_after", e);
}

void validate(vector_store_create_params const& p) {
    if (p.file_ids.size() > 500)
        detail::invalid("file_ids", "at most 500 files, got " + std::to_string(p.file_ids.size()));
    detail::check_each_not_empty("file_ids", p.file_ids);
    if (p.expires_after)
        check_expires_after("expires_after", *p.expires_after);
    if (p.chunking_strategy) {
        if (p.file_ids.empty())
            detail::invalid("chunking_strategy", "only applies when file_ids is not empty");
        check_chunking("chunking_strategy", *p.chunking_strategy);
    }
    validate_metadata("metadata", p.metadata);
}

void validate(vector_store_update_params const& p) {
    if (p.expires_after)
        check_expires_after("expires_after", *p.expires_after);
    validate_metadata("metadata", p.metadata);
}

void validate(vector_store_file_create_params const& p) {
    check_file_create("", p);
}

void validate(vector_store_file_update_params const& p) {
    detail::check_attributes("attributes", p.attributes);
}

void validate(file_batch_create_params const& p) {
    if (!p.file_ids.empty() && !p.files.empty())
        detail::invalid("file_ids", "set either file_ids or files, not both");
    auto const n = p.file_ids.empty() ? p.files.size() : p.file_ids.size();
    char const* const field = p.file_ids.empty() && !p.files.empty() ? "files" : "file_ids";
    if (n < 1 || n > 2000)
        detail::invalid(field, "must hold 1 to 2000 files, got " + std::to_string(n));
    detail::check_each_not_empty("file_ids", p.file_ids);
    for (std::size_t i = 0; i < p.files.size(); ++i)
        check_file_create(detail::field_index("files", i), p.files[i]);
    if (p.chunking_strategy)
        check_chunking("chunking_strategy", *p.chunking_strategy);
    detail::check_attributes("attributes", p.attributes);
}

void validate(vector_store_file_list_params const& p) {
    detail::check_page(p, 100);
    if (p.filter && *p.filter == vector_store_file_status::unknown)
        detail::invalid("filter", "must be a known status");
}

} // namespace paced
