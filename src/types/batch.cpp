// Batch API models: their conversions, the JSONL of request and result lines, and the checks of requests.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

#include <set>

namespace paced {

PACED_DEFINE_JSON_CONVERSIONS(batch_request_counts, "request_counts")
PACED_DEFINE_JSON_CONVERSIONS(batch_error, "error")
PACED_DEFINE_JSON_CONVERSIONS(batch_errors, "errors")
PACED_DEFINE_JSON_CONVERSIONS(batch, "batch")
PACED_DEFINE_JSON_CONVERSIONS(batch_request_line, "request_line")
PACED_DEFINE_JSON_CONVERSIONS(batch_result_response, "response")
PACED_DEFINE_JSON_CONVERSIONS(batch_result_line, "result_line")

PACED_DEFINE_ENCODE(batch_create_params)
PACED_DEFINE_TO_QUERY(batch_list_params)

void validate(batch_create_params const& p) {
    validate_id("input_file_id", p.input_file_id);
    detail::check_not_empty("endpoint", p.endpoint);
    if (p.completion_window != "24h")
        detail::invalid("completion_window", "must be \"24h\", got \"" + p.completion_window + "\"");
    validate_metadata("metadata", p.metadata);
}

void validate(batch_list_params const& p) {
    detail::check_page(p, 100);
}

std::string to_jsonl(std::vector<batch_request_line> const& lines) {
    std::set<std::string_view> seen;
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto const& l = lines[i];
        auto const field = detail::field_index("lines", i) + ".custom_id";
        detail::check_not_empty(field, l.custom_id);
        if (!seen.insert(l.custom_id).second)
            detail::invalid(field, "\"" + l.custom_id + "\" appears twice: results are matched by it");
        out += detail::serialize_json(to_json(l));
        out += '\n';
    }
    return out;
}

std::vector<batch_result_line> parse_result_lines(std::string_view jsonl) {
    std::vector<batch_result_line> out;
    std::size_t number = 0;
    while (!jsonl.empty()) {
        auto const end = jsonl.find('\n');
        auto line = jsonl.substr(0, end);
        jsonl = end == std::string_view::npos ? std::string_view{} : jsonl.substr(end + 1);
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos)
            continue;
        try {
            out.push_back(parse_json<batch_result_line>(line));
        } catch (paced::error const& e) {
            throw_error(errc::unexpected_json, "line " + std::to_string(number) + ": " + e.what());
        }
    }
    return out;
}

} // namespace paced
