// Threads and thread requests.

#include "types/descriptions.hpp"

namespace paced {
namespace detail {

void read(json::value const& v, thread& out, json_path& p) {
    object_reader r(v, p);
    r.req("id", out.id);
    r.skip("object");
    r.req("created_at", out.created_at);
    r.opt("tool_resources", out.tool_resources);
    r.opt("metadata", out.metadata);
    r.rest(out.extra);
}
json::value to_value(thread const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "thread";
    put(o, "created_at", x.created_at);
    put(o, "tool_resources", x.tool_resources);
    put(o, "metadata", x.metadata);
    merge_extra(o, x.extra);
    return o;
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(thread, "thread")

boost::json::object encode(thread_create_params const& p) {
    boost::json::object o;
    if (!p.messages.empty()) {
        boost::json::array a;
        for (auto const& m : p.messages)
            a.push_back(encode(m));
        o["messages"] = std::move(a);
    }
    detail::put_opt(o, "tool_resources", p.tool_resources);
    detail::put_nonempty(o, "metadata", p.metadata);
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(thread_update_params const& p) {
    boost::json::object o;
    detail::put_opt(o, "tool_resources", p.tool_resources);
    detail::put_nonempty(o, "metadata", p.metadata);
    detail::merge_extra(o, p.extra_body);
    return o;
}

void validate(thread_create_params const& p, std::string_view field) {
    for (std::size_t i = 0; i < p.messages.size(); ++i)
        validate(p.messages[i], detail::field_index(detail::field_name(field, "messages"), i));
    if (p.tool_resources)
        validate(*p.tool_resources, detail::field_name(field, "tool_resources"));
    validate_metadata(detail::field_name(field, "metadata"), p.metadata);
}

void validate(thread_update_params const& p) {
    if (p.tool_resources)
        validate(*p.tool_resources);
    validate_metadata("metadata", p.metadata);
}

} // namespace paced
