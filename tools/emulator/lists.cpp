// Query strings and list parameters shared by every list endpoint.

#include "lists.hpp"
#include "validate.hpp"

#include <charconv>
#include <optional>

namespace paced::emulator {

namespace {

std::string percent_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::string r;
    r.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            r += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            r += s[i] == '+' ? ' ' : s[i];
        }
    }
    return r;
}

// The raw value of the first `name=value` pair of the query ("" for a bare `name`), none when absent.
std::optional<std::string_view> raw_query_param(std::string_view query, std::string_view name) {
    std::size_t i = 0;
    while (i <= query.size()) {
        std::size_t e = query.find('&', i);
        if (e == std::string_view::npos)
            e = query.size();
        std::string_view kv = query.substr(i, e - i);
        std::size_t eq = kv.find('=');
        if (kv.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
        i = e + 1;
    }
    return std::nullopt;
}

} // namespace

std::string query_param(std::string_view query, std::string_view name) {
    const auto raw = raw_query_param(query, name);
    return raw ? percent_decode(*raw) : std::string();
}

bool has_query_param(std::string_view query, std::string_view name) {
    return raw_query_param(query, name).has_value();
}

list_params parse_list(std::string_view query, std::int64_t max_limit, std::int64_t default_limit,
                       bool allow_before) {
    list_params p;
    p.limit = default_limit;
    if (has_query_param(query, "limit")) {
        const std::string v = query_param(query, "limit");
        std::int64_t n = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || ptr != v.data() + v.size())
            bad_request("Invalid 'limit': expected an integer, but got '" + v + "' instead.", "limit",
                        "invalid_type");
        if (n < 1)
            bad_request("Invalid 'limit': integer below minimum value. Expected a value >= 1, but got " +
                            std::to_string(n) + " instead.",
                        "limit", "integer_below_min_value");
        if (n > max_limit)
            bad_request("Invalid 'limit': integer above maximum value. Expected a value <= " +
                            std::to_string(max_limit) + ", but got " + std::to_string(n) + " instead.",
                        "limit", "integer_above_max_value");
        p.limit = n;
    }
    if (has_query_param(query, "order")) {
        const std::string v = query_param(query, "order");
        if (v != "asc" && v != "desc")
            bad_request("Invalid value for 'order': expected one of 'asc' or 'desc', but got '" + v + "'.",
                        "order", "invalid_value");
        p.desc = v == "desc";
    }
    p.after = query_param(query, "after");
    if (allow_before)
        p.before = query_param(query, "before");
    return p;
}

} // namespace paced::emulator
