// The file model and upload/list parameters.

#include "types/descriptions.hpp"

namespace paced {
namespace detail {

void read(json::value const& v, file& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("object");
    r.req("bytes", out.bytes);
    r.req("created_at", out.created_at);
    r.opt("expires_at", out.expires_at);
    r.req("filename", out.filename);
    r.req("purpose", out.purpose);
    r.opt("status", out.status); // deprecated: tolerate its absence
    r.opt("status_details", out.status_details);
    r.rest(out.extra);
}

json::value to_value(file const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "file";
    put(o, "bytes", x.bytes);
    put(o, "created_at", x.created_at);
    put_opt(o, "expires_at", x.expires_at);
    put(o, "filename", x.filename);
    put(o, "purpose", x.purpose);
    if (!x.status.empty())
        put(o, "status", x.status);
    put_opt(o, "status_details", x.status_details);
    merge_extra(o, x.extra);
    return o;
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(file, "file")

query_params form_fields(file_create_params const& p) {
    query_params q;
    q.emplace_back("purpose", std::string(to_string(p.purpose)));
    if (p.expires_after) {
        q.emplace_back("expires_after[anchor]", p.expires_after->anchor);
        q.emplace_back("expires_after[seconds]", std::to_string(p.expires_after->seconds));
    }
    return q;
}

query_params to_query(file_list_params const& p) {
    query_params q;
    if (p.purpose)
        q.emplace_back("purpose", std::string(to_string(*p.purpose)));
    detail::append_list_query(q, p.limit, p.order, p.after, std::nullopt);
    return q;
}

void validate(file_create_params const& p) {
    if (p.purpose == file_purpose::unknown)
        detail::invalid("purpose", "must be a known purpose");
    if (p.expires_after) {
        detail::check_not_empty("expires_after.anchor", p.expires_after->anchor);
        detail::check_range("expires_after.seconds", p.expires_after->seconds, 3600, 2592000);
    }
}

void validate(file_list_params const& p) {
    if (p.purpose && *p.purpose == file_purpose::unknown)
        detail::invalid("purpose", "must be a known purpose");
    detail::check_limit("limit", p.limit, 10000);
    detail::check_cursor("after", p.after);
}

} // namespace paced
