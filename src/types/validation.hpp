#pragma once
// Checks of request parameters: each throws errc::invalid_argument "<field>: <reason>", naming the member
// as the API would (e.g. "tools[2].function.name", "metadata[key]").

#include <paced/types/assistant.hpp>
#include <paced/types/common.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paced::detail {

/// Throws errc::invalid_argument "<field>: <reason>".
[[noreturn]] void invalid(std::string_view field, std::string_view reason);
/// "prefix.name", or "name" when prefix is empty.
std::string field_name(std::string_view prefix, std::string_view name);
/// "prefix[i]".
std::string field_index(std::string_view prefix, std::size_t i);

void check_range(std::string_view field, double v, double lo, double hi);
void check_range(std::string_view field, std::int64_t v, std::int64_t lo, std::int64_t hi);
void check_limit(std::string_view field, std::optional<std::int64_t> const& limit, std::int64_t max);
void check_not_empty(std::string_view field, std::string_view s);
/// Each string of `items` must not be empty ("<field>[i]: must not be empty").
void check_each_not_empty(std::string_view field, std::vector<std::string> const& items);
void check_max_length(std::string_view field, std::string_view s, std::size_t max);
void check_cursor(std::string_view field, std::optional<std::string> const& cursor);
/// Attributes of vector store files: at most 16, keys <= 64, values string (<= 512) / number / boolean.
void check_attributes(std::string_view field, boost::json::object const& attributes);

/// A function or schema name: 1..64 characters of a-z, A-Z, 0-9, '_' and '-'.
void check_function_name(std::string const& field, std::string_view name);

/// At most `max` tools ("at most 128 tools<per>, got 130"), each valid (tools[i]).
void check_tools(std::vector<tool> const& tools, std::size_t max, std::string_view per);

/// The pagination members of a list request: `limit` in 1..max_limit, non-empty cursors.
template <class P>
void check_page(P const& p, std::int64_t max_limit) {
    check_limit("limit", p.limit, max_limit);
    check_cursor("after", p.after);
    if constexpr (requires { p.before; })
        check_cursor("before", p.before);
}

/// The sampling members of assistants and runs: temperature in 0..2, top_p in 0..1.
template <class P>
void check_sampling(P const& p) {
    if (p.temperature)
        check_range("temperature", *p.temperature, 0.0, 2.0);
    if (p.top_p)
        check_range("top_p", *p.top_p, 0.0, 1.0);
}

} // namespace paced::detail
