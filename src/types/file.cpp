// The file model and upload/list parameters.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {

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

PACED_DEFINE_TO_QUERY(file_list_params)

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
    detail::check_page(p, 10000);
}

} // namespace paced
