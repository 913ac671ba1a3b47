// Messages, content parts, annotations and message requests.

#include "types/descriptions.hpp"

namespace paced {
namespace detail {

void read(json::value const& v, image_file& out, json_path& p) {
    object_reader r(v, p);
    r.req("file_id", out.file_id);
    r.opt("detail", out.detail);
    r.rest(out.extra);
}
json::value to_value(image_file const& x) {
    json::object o;
    put(o, "file_id", x.file_id);
    put_opt(o, "detail", x.detail);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, image_url& out, json_path& p) {
    object_reader r(v, p);
    r.req("url", out.url);
    r.opt("detail", out.detail);
    r.rest(out.extra);
}
json::value to_value(image_url const& x) {
    json::object o;
    put(o, "url", x.url);
    put_opt(o, "detail", x.detail);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, file_reference& out, json_path& p) {
    object_reader r(v, p);
    r.req("file_id", out.file_id);
    r.rest(out.extra);
}
json::value to_value(file_reference const& x) {
    json::object o;
    put(o, "file_id", x.file_id);
    merge_extra(o, x.extra);
    return o;
}

namespace {
template <class A>
void read_annotation(json::value const& v, A& out, std::string_view ref_key, file_reference& ref,
                     json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("text", out.text);
    r.req(ref_key, ref);
    r.req("start_index", out.start_index);
    r.req("end_index", out.end_index);
    r.rest(out.extra);
}
template <class A>
json::value write_annotation(A const& x, std::string_view type, std::string_view ref_key,
                             file_reference const& ref) {
    json::object o;
    o["type"] = type;
    put(o, "text", x.text);
    put(o, ref_key, ref);
    put(o, "start_index", x.start_index);
    put(o, "end_index", x.end_index);
    merge_extra(o, x.extra);
    return o;
}
} // namespace

void read(json::value const& v, file_citation_annotation& out, json_path& p) {
    read_annotation(v, out, "file_citation", out.file_citation, p);
}
json::value to_value(file_citation_annotation const& x) {
    return write_annotation(x, "file_citation", "file_citation", x.file_citation);
}
void read(json::value const& v, file_path_annotation& out, json_path& p) {
    read_annotation(v, out, "file_path", out.file_path, p);
}
json::value to_value(file_path_annotation const& x) {
    return write_annotation(x, "file_path", "file_path", x.file_path);
}

void read(json::value const& v, text_annotation& out, json_path& p) {
    auto const type = type_of(v, p);
    if (type == "file_citation")
        read(v, out.emplace<file_citation_annotation>(), p);
    else if (type == "file_path")
        read(v, out.emplace<file_path_annotation>(), p);
    else
        read(v, out.emplace<unknown_part>(), p);
}
json::value to_value(text_annotation const& x) {
    return std::visit([](auto const& a) { return to_value(a); }, x);
}

void read(json::value const& v, message_text& out, json_path& p) {
    object_reader r(v, p);
    r.req("value", out.value);
    r.opt("annotations", out.annotations);
    r.rest(out.extra);
}
json::value to_value(message_text const& x) {
    json::object o;
    put(o, "value", x.value);
    put(o, "annotations", x.annotations);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, image_file_content& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("image_file", out.image_file);
    r.rest(out.extra);
}
json::value to_value(image_file_content const& x) {
    json::object o;
    o["type"] = "image_file";
    put(o, "image_file", x.image_file);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, image_url_content& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("image_url", out.image_url);
    r.rest(out.extra);
}
json::value to_value(image_url_content const& x) {
    json::object o;
    o["type"] = "image_url";
    put(o, "image_url", x.image_url);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, text_content& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("text", out.text);
    r.rest(out.extra);
}
json::value to_value(text_content const& x) {
    json::object o;
    o["type"] = "text";
    put(o, "text", x.text);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, refusal_content& out, json_path& p) {
    object_reader r(v, p);
    r.skip("type");
    r.req("refusal", out.refusal);
    r.rest(out.extra);
}
json::value to_value(refusal_content const& x) {
    json::object o;
    o["type"] = "refusal";
    put(o, "refusal", x.refusal);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, message_content& out, json_path& p) {
    auto const type = type_of(v, p);
    if (type == "text")
        read(v, out.emplace<text_content>(), p);
    else if (type == "image_file")
        read(v, out.emplace<image_file_content>(), p);
    else if (type == "image_url")
        read(v, out.emplace<image_url_content>(), p);
    else if (type == "refusal")
        read(v, out.emplace<refusal_content>(), p);
    else
        read(v, out.emplace<unknown_content>(), p);
}
json::value to_value(message_content const& x) {
    return std::visit([](auto const& c) { return to_value(c); }, x);
}

void read(json::value const& v, attachment& out, json_path& p) {
    object_reader r(v, p);
    r.req("file_id", out.file_id);
    out.tools.clear();
    if (auto const* tools = r.find("tools"); tools && !tools->is_null()) {
        path_scope s(p, std::string_view("tools"));
        auto const* a = tools->if_array();
        if (!a)
            type_error(p, "array", *tools);
        for (std::size_t i = 0; i < a->size(); ++i) {
            path_scope si(p, i);
            auto const type = type_of((*a)[i], p);
            if (type.empty()) {
                path_scope st(p, std::string_view("type"));
                p.fail("missing required field");
            }
            out.tools.emplace_back(type);
        }
    }
    r.rest(out.extra);
}
json::value to_value(attachment const& x) {
    json::object o;
    put(o, "file_id", x.file_id);
    json::array tools;
    for (auto const& t : x.tools)
        tools.push_back(json::object{{"type", t}});
    o["tools"] = std::move(tools);
    merge_extra(o, x.extra);
    return o;
}

void read(json::value const& v, message& out, json_path& p) {
    object_reader r(v, p);
    // In the order the API writes a message's members: object_reader::find tries the next member first.
    r.req("id", out.id);
    r.skip("object");
    r.req("created_at", out.created_at);
    r.opt("assistant_id", out.assistant_id);
    r.req("thread_id", out.thread_id);
    r.opt("run_id", out.run_id);
    r.req("role", out.role);
    r.req("content", out.content);
    r.opt("status", out.status); // absent from some of OpenAI's own examples
    r.opt("completed_at", out.completed_at);
    r.opt("incomplete_at", out.incomplete_at);
    r.opt("incomplete_details", out.incomplete_details);
    r.opt("attachments", out.attachments);
    r.opt("metadata", out.metadata);
    r.rest(out.extra);
}
json::value to_value(message const& x) {
    json::object o;
    put(o, "id", x.id);
    o["object"] = "thread.message";
    put(o, "created_at", x.created_at);
    put(o, "thread_id", x.thread_id);
    if (!x.status.empty())
        put(o, "status", x.status);
    put(o, "incomplete_details", x.incomplete_details);
    put(o, "completed_at", x.completed_at);
    put(o, "incomplete_at", x.incomplete_at);
    put(o, "role", x.role);
    put(o, "content", x.content);
    put(o, "assistant_id", x.assistant_id);
    put(o, "run_id", x.run_id);
    put(o, "attachments", x.attachments);
    put(o, "metadata", x.metadata);
    merge_extra(o, x.extra);
    return o;
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(image_file, "image_file")
PACED_DEFINE_JSON_CONVERSIONS(image_url, "image_url")
PACED_DEFINE_JSON_CONVERSIONS(file_reference, "file_reference")
PACED_DEFINE_JSON_CONVERSIONS(file_citation_annotation, "annotation")
PACED_DEFINE_JSON_CONVERSIONS(file_path_annotation, "annotation")
PACED_DEFINE_JSON_CONVERSIONS(text_annotation, "annotation")
PACED_DEFINE_JSON_CONVERSIONS(message_text, "text")
PACED_DEFINE_JSON_CONVERSIONS(image_file_content, "content")
PACED_DEFINE_JSON_CONVERSIONS(image_url_content, "content")
PACED_DEFINE_JSON_CONVERSIONS(text_content, "content")
PACED_DEFINE_JSON_CONVERSIONS(refusal_content, "content")
PACED_DEFINE_JSON_CONVERSIONS(message_content, "content")
PACED_DEFINE_JSON_CONVERSIONS(attachment, "attachment")
PACED_DEFINE_JSON_CONVERSIONS(message, "message")

std::string text_of(message const& m) {
    std::string out;
    for (auto const& c : m.content)
        if (auto const* t = std::get_if<text_content>(&c))
            out += t->text.value;
    return out;
}

// ---- requests ------------------------------------------------------------------------------------------

boost::json::object encode(message_create_params const& p) {
    boost::json::object o;
    detail::put(o, "role", p.role);
    if (auto const* s = std::get_if<std::string>(&p.content)) {
        detail::put(o, "content", *s);
    } else {
        boost::json::array parts;
        for (auto const& part : std::get<1>(p.content)) {
            if (auto const* t = std::get_if<text_part>(&part))
                parts.push_back(boost::json::object{{"type", "text"}, {"text", t->text}});
            else if (auto const* f = std::get_if<image_file_content>(&part))
                parts.push_back(detail::to_value(*f));
            else
                parts.push_back(detail::to_value(std::get<image_url_content>(part)));
        }
        o["content"] = std::move(parts);
    }
    detail::put_nonempty(o, "attachments", p.attachments);
    detail::put_nonempty(o, "metadata", p.metadata);
    detail::merge_extra(o, p.extra_body);
    return o;
}

boost::json::object encode(message_update_params const& p) {
    boost::json::object o;
    detail::put_nonempty(o, "metadata", p.metadata);
    detail::merge_extra(o, p.extra_body);
    return o;
}

query_params to_query(message_list_params const& p) {
    query_params q;
    detail::append_list_query(q, p.limit, p.order, p.after, p.before);
    if (p.run_id)
        q.emplace_back("run_id", *p.run_id);
    return q;
}

void validate(message_create_params const& p, std::string_view field) {
    using detail::field_name;
    if (p.role != "user" && p.role != "assistant")
        detail::invalid(field_name(field, "role"),
                        "must be \"user\" or \"assistant\", got \"" + p.role + "\"");
    auto const content = field_name(field, "content");
    if (auto const* s = std::get_if<std::string>(&p.content)) {
        detail::check_not_empty(content, *s);
    } else {
        auto const& parts = std::get<1>(p.content);
        if (parts.empty())
            detail::invalid(content, "must not be empty");
        for (std::size_t i = 0; i < parts.size(); ++i) {
            auto const f = detail::field_index(content, i);
            if (auto const* t = std::get_if<text_part>(&parts[i]))
                detail::check_not_empty(f + ".text", t->text);
            else if (auto const* img = std::get_if<image_file_content>(&parts[i]))
                detail::check_not_empty(f + ".image_file.file_id", img->image_file.file_id);
            else
                detail::check_not_empty(f + ".image_url.url",
                                        std::get<image_url_content>(parts[i]).image_url.url);
        }
    }
    for (std::size_t i = 0; i < p.attachments.size(); ++i) {
        auto const f = detail::field_index(field_name(field, "attachments"), i);
        detail::check_not_empty(f + ".file_id", p.attachments[i].file_id);
        for (std::size_t j = 0; j < p.attachments[i].tools.size(); ++j)
            detail::check_not_empty(detail::field_index(f + ".tools", j), p.attachments[i].tools[j]);
    }
    validate_metadata(field_name(field, "metadata"), p.metadata);
}

void validate(message_update_params const& p) {
    validate_metadata("metadata", p.metadata);
}

void validate(message_list_params const& p) {
    detail::check_limit("limit", p.limit, 100);
    detail::check_cursor("after", p.after);
    detail::check_cursor("before", p.before);
    if (p.run_id)
        detail::check_not_empty("run_id", *p.run_id);
}

} // namespace paced
