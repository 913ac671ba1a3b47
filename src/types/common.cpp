// The common models (usage, errors, deleted objects) and the validation of ids, metadata and lists.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {

PACED_DEFINE_JSON_CONVERSIONS(unknown_part, "object")
PACED_DEFINE_JSON_CONVERSIONS(usage, "usage")
PACED_DEFINE_JSON_CONVERSIONS(last_error, "last_error")
PACED_DEFINE_JSON_CONVERSIONS(incomplete_details, "incomplete_details")
PACED_DEFINE_JSON_CONVERSIONS(deleted_object, "deleted")
PACED_DEFINE_JSON_CONVERSIONS(error_body, "error")

std::string_view to_string(sort_order o) noexcept {
    return o == sort_order::asc ? "asc" : "desc";
}

PACED_DEFINE_TO_QUERY(list_params)

void validate(list_params const& p) {
    detail::check_page(p, 100);
}

void validate_id(std::string_view field, std::string_view id) {
    if (id.empty())
        detail::invalid(field, "must not be empty");
    if (id == "." || id == "..")
        detail::invalid(field, "'" + std::string(id) + "' is not a valid id");
    for (unsigned char c : id) {
        if (c == '/' || c == '?' || c == '#' || c == '%')
            detail::invalid(field, std::string("must not contain '") + static_cast<char>(c) + "'");
        if (c <= 0x20 || c == 0x7f)
            detail::invalid(field, "must not contain whitespace or control characters");
    }
}

void validate_metadata(std::string_view field, metadata_map const& m) {
    if (m.size() > 16)
        detail::invalid(field, "at most 16 pairs, got " + std::to_string(m.size()));
    for (auto const& [k, v] : m) {
        std::string const f = std::string(field) + "[" + k + "]";
        if (k.size() > 64)
            detail::invalid(f, "key longer than 64 characters");
        if (v.size() > 512)
            detail::invalid(f, "value longer than 512 characters");
    }
}

} // namespace paced
