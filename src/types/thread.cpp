// Threads and thread requests.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {

PACED_DEFINE_JSON_CONVERSIONS(thread, "thread")

PACED_DEFINE_ENCODE(thread_create_params)
PACED_DEFINE_ENCODE(thread_update_params)

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
