// Checks of request parameters shared by the models' validate functions.

#include "types/validation.hpp"

#include <paced/error.hpp>

#include <cstdio>

namespace paced::detail {

void invalid(std::string_view field, std::string_view reason) {
    std::string msg(field);
    msg += ": ";
    msg += reason;
    throw_error(errc::invalid_argument, std::move(msg));
}

std::string field_name(std::string_view prefix, std::string_view name) {
    if (prefix.empty())
        return std::string(name);
    std::string out(prefix);
    out += '.';
    out += name;
    return out;
}

std::string field_index(std::string_view prefix, std::size_t i) {
    std::string out(prefix);
    out += '[';
    out += std::to_string(i);
    out += ']';
    return out;
}

namespace {
std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
} // namespace

void check_range(std::string_view field, double v, double lo, double hi) {
    if (!(v >= lo && v <= hi)) // also rejects NaN
        invalid(field,
                "must be between " + number_text(lo) + " and " + number_text(hi) + ", got " + number_text(v));
}

void check_range(std::string_view field, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi)
        invalid(field, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                           std::to_string(v));
}

void check_limit(std::string_view field, std::optional<std::int64_t> const& limit, std::int64_t max) {
    if (limit)
        check_range(field, *limit, 1, max);
}

void check_not_empty(std::string_view field, std::string_view s) {
    if (s.empty())
        invalid(field, "must not be empty");
}

void check_each_not_empty(std::string_view field, std::vector<std::string> const& items) {
    for (std::size_t i = 0; i < items.size(); ++i)
        check_not_empty(field_index(field, i), items[i]);
}

void check_max_length(std::string_view field, std::string_view s, std::size_t max) {
    if (s.size() > max)
        invalid(field,
                "longer than " + std::to_string(max) + " characters (" + std::to_string(s.size()) + ")");
}

void check_cursor(std::string_view field, std::optional<std::string> const& cursor) {
    if (cursor && cursor->empty())
        invalid(field, "must not be empty when set");
}

void check_attributes(std::string_view field, boost::json::object const& attributes) {
    if (attributes.size() > 16)
        invalid(field, "at most 16 attributes, got " + std::to_string(attributes.size()));
    for (auto const& kv : attributes) {
        std::string_view const key = kv.key();
        std::string const f = std::string(field) + "[" + std::string(key) + "]";
        if (key.size() > 64)
            invalid(f, "key longer than 64 characters");
        auto const& v = kv.value();
        if (auto const* s = v.if_string()) {
            if (s->size() > 512)
                invalid(f, "value longer than 512 characters");
        } else if (!v.is_number() && !v.is_bool()) {
            invalid(f, "value must be a string, number or boolean");
        }
    }
}

namespace {
bool valid_function_name(std::string_view n) {
    for (char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-'))
            return false;
    return true;
}
} // namespace

void check_function_name(std::string const& field, std::string_view name) {
    check_not_empty(field, name);
    check_max_length(field, name, 64);
    if (!valid_function_name(name))
        invalid(field, "may only contain a-z, A-Z, 0-9, '_' and '-'");
}

void check_tools(std::vector<tool> const& tools, std::size_t max, std::string_view per) {
    if (tools.size() > max)
        invalid("tools", "at most " + std::to_string(max) + " tools" + std::string(per) + ", got " +
                             std::to_string(tools.size()));
    for (std::size_t i = 0; i < tools.size(); ++i)
        validate(tools[i], field_index("tools", i));
}

} // namespace paced::detail
