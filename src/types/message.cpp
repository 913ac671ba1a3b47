// Messages, content parts, annotations and message requests.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {
namespace detail {

void read_member(json::value const* v, attachment& out, member<&attachment::tools>, json_path& p) {
    if (!v || v->is_null())
        return;
    path_scope s(p, std::string_view("tools"));
    auto const* a = v->if_array();
    if (!a)
        type_error(p, "array", *v);
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
void write_member(json::object& o, attachment const& x, member<&attachment::tools>, json_mode) {
    json::array tools;
    for (auto const& t : x.tools)
        tools.push_back(json::object{{"type", t}});
    o.emplace("tools", std::move(tools));
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

PACED_DEFINE_ENCODE(message_create_params)
PACED_DEFINE_ENCODE(message_update_params)
PACED_DEFINE_TO_QUERY(message_list_params)

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
        detail::check_each_not_empty(f + ".tools", p.attachments[i].tools);
    }
    validate_metadata(field_name(field, "metadata"), p.metadata);
}

void validate(message_update_params const& p) {
    validate_metadata("metadata", p.metadata);
}

void validate(message_list_params const& p) {
    detail::check_page(p, 100);
    if (p.run_id)
        detail::check_not_empty("run_id", *p.run_id);
}

} // namespace paced
