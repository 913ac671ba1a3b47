// Vector stores, vector store files and file batches.

#include "types/codec.hpp"

namespace paced {
namespace detail {

void read(json::value const& v, file_counts& out, json_path& p) {
    object_reader r(v, p);
    r.req("in_progress", out.in_progress);
    r.req("completed", out.completed);
    r.req("failed", out.failed);
    r.req("cancelled", out.cancelled);
    r.req("total", out.total);
    r.rest(out.extra);
}
json::value to_value(file_counts const& x) {
    json::object o;
    put(o, "in_progress", x.in_progress);
    put(o, "completed", x.completed);
    put(o, "failed", x.failed);
    put(o, "cancelled", x.cancelled);
    put(o, "total", x.total);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, vector_store_expires_after& out, json_path& p) {
    object_reader r(v, p);
    r.req("anchor", out.anchor);
    r.req("days", out.days);
    r.rest(out.extra);
}
json::value to_value(vector_store_expires_after const& x) {
    json::object o;
    put(o, "anchor", x.anchor);
    put(o, "days", x.days);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, static_chunking_config& out, json_path& p) {
    object_reader r(v, p);
    r.req("max_chunk_size_tokens", out.max_chunk_size_tokens);
    r.req("chunk_overlap_tokens", out.chunk_overlap_tokens);
    r.rest(out.extra);
}
json::value to_value(static_chunking_config const& x) {
    json::object o;
    put(o, "max_chunk_size_tokens", x.max_chunk_size_tokens);
    put(o, "chunk_overlap_tokens", x.chunk_overlap_tokens);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, chunking_strategy& out, json_path& p) {
    object_reader r(v, p);
    r.req("type", out.type);
    r.opt("static", out.static_config);
    r.rest(out.extra);
}
json::value to_value(chunking_strategy const& x) {
    json::object o;
    put(o, "type", x.type);
    put_opt(o, "static", x.static_config);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, vector_store& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("object");
    r.req("created_at", out.created_at);
    r.opt("name", out.name);
    r.opt("usage_bytes", out.usage_bytes);
    r.req("file_counts", out.file_counts);
    r.req("status", out.status);
    r.opt("expires_after", out.expires_after);
    r.opt("expires_at", out.expires_at);
    r.opt("last_active_at", out.last_active_at);
    r.opt("metadata", out.metadata);
    r.rest(out.extra);
}
json::value to_value(vector_store const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "vector_store";
    put(o, "created_at", x.created_at);
    put(o, "name", x.name);
    put(o, "usage_bytes", x.usage_bytes);
    put(o, "file_counts", x.file_counts);
    put(o, "status", x.status);
    put_opt(o, "expires_after", x.expires_after);
    put_opt(o, "expires_at", x.expires_at);
    put(o, "last_active_at", x.last_active_at);
    put(o, "metadata", x.metadata);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, vector_store_file& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("object");
    r.opt("usage_bytes", out.usage_bytes);
    r.req("created_at", out.created_at);
    r.req("vector_store_id", out.vector_store_id);
    r.req("status", out.status);
    r.opt("last_error", out.last_error);
    r.opt("chunking_strategy", out.chunking_strategy);
    r.opt("attributes", out.attributes);
    r.rest(out.extra);
}
json::value to_value(vector_store_file const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "vector_store.file";
    put(o, "usage_bytes", x.usage_bytes);
    put(o, "created_at", x.created_at);
    put(o, "vector_store_id", x.vector_store_id);
    put(o, "status", x.status);
    put(o, "last_error", x.last_error);
    put_opt(o, "chunking_strategy", x.chunking_strategy);
    put_opt(o, "attributes", x.attributes);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, vector_store_file_batch& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("object");
    r.req("created_at", out.created_at);
    r.req("vector_store_id", out.vector_store_id);
    r.req("status", out.status);
    r.req("file_counts", out.file_counts);
    r.rest(out.extra);
}
json::value to_value(vector_store_file_batch const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "vector_store.files_batch";
    put(o, "created_at", x.created_at);
    put(o, "vector_store_id", x.vector_store_id);
    put(o, "status", x.status);
    put(o, "file_counts", x.file_counts);
    merge_extra(o, x.extra);
    return o;
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(file_counts, "file_counts")
PACED_DEFINE_JSON_CONVERSIONS(vector_store_expires_after, "expires_after")
PACED_DEFINE_JSON_CONVERSIONS(static_chunking_config, "static")
PACED_DEFINE_JSON_CONVERSIONS(chunking_strategy, "chunking_strategy")
PACED_DEFINE_JSON_CONVERSIONS(vector_store, "vector_store")
PACED_DEFINE_JSON_CONVERSIONS(vector_store_file, "vector_store_file")
PACED_DEFINE_JSON_CONVERSIONS(vector_store_file_batch, "vector_store_file_batch")

// ---- requests ------------------------------------------------------------------------------------------

using detail::put;
using detail::put_nonempty;
using detail::put_opt;

boost::json::object encode(vector_store_create_params const& p) {
    boost::json::object o;
    put_nonempty(o, "file_ids", p.file_ids);
    put_opt(o, "name", p.name);
    put_opt(o, "description", p.description);
    put_opt(o, "expires_after", p.expires_after);
    put_opt(o, "chunking_strategy", p.chunking_strategy);
    put_nonempty(o, "metadata", p.metadata);
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(vector_store_update_params const& p) {
    boost::json::object o;
    put_opt(o, "name", p.name);
    put_opt(o, "expires_after", p.expires_after);
    put_nonempty(o, "metadata", p.metadata);
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(vector_store_file_create_params const& p) {
    boost::json::object o;
    put(o, "file_id", p.file_id);
    put_opt(o, "chunking_strategy", p.chunking_strategy);
    if (!p.attributes.empty())
        o["attributes"] = p.attributes;
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(vector_store_file_update_params const& p) {
    boost::json::object o;
    o["attributes"] = p.attributes;
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(file_batch_create_params const& p) {
    boost::json::object o;
    put_nonempty(o, "file_ids", p.file_ids);
    if (!p.files.empty()) {
        boost::json::array a;
        for (auto const& f : p.files)
            a.push_back(encode(f));
        o["files"] = std::move(a);
    }
    put_opt(o, "chunking_strategy", p.chunking_strategy);
    if (!p.attributes.empty())
        o["attributes"] = p.attributes;
    detail::merge_extra(o, p.extra_body);
    return o;
}

query_params to_query(vector_store_file_list_params const& p) {
    query_params q;
    detail::append_list_query(q, p.limit, p.order, p.after, p.before);
    if (p.filter)
        q.emplace_back("filter", std::string(to_string(*p.filter)));
    return q;
}

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
    for (std::size_t i = 0; i < p.file_ids.size(); ++i)
        detail::check_not_empty(detail::field_index("file_ids", i), p.file_ids[i]);
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
    for (std::size_t i = 0; i < p.file_ids.size(); ++i)
        detail::check_not_empty(detail::field_index("file_ids", i), p.file_ids[i]);
    for (std::size_t i = 0; i < p.files.size(); ++i)
        check_file_create(detail::field_index("files", i), p.files[i]);
    if (p.chunking_strategy)
        check_chunking("chunking_strategy", *p.chunking_strategy);
    detail::check_attributes("attributes", p.attributes);
}

void validate(vector_store_file_list_params const& p) {
    detail::check_limit("limit", p.limit, 100);
    detail::check_cursor("after", p.after);
    detail::check_cursor("before", p.before);
    if (p.filter && *p.filter == vector_store_file_status::unknown)
        detail::invalid("filter", "must be a known status");
}

} // namespace paced
