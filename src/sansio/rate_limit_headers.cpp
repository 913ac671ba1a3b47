#include "sansio/rate_limit_headers.hpp"

#include "sansio/go_duration.hpp"
#include "sansio/retry_hints.hpp"

#include <charconv>
#include <cstdint>

namespace paced::sansio {

std::string_view trim_ows(std::string_view v) noexcept {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    return v;
}

std::optional<std::uint64_t> parse_header_uint(std::string_view value) noexcept {
    value = trim_ows(value);
    if (value.empty() || value.front() < '0' || value.front() > '9')
        return std::nullopt; // from_chars would accept nothing else anyway, but be explicit about '-'
    std::uint64_t out = 0;
    auto const [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc{} || end != value.data() + value.size())
        return std::nullopt;
    return out;
}

namespace {

std::optional<std::chrono::nanoseconds> parse_reset(std::string_view value) noexcept {
    value = trim_ows(value);
    if (auto d = parse_go_duration(value))
        return d;
    // A bare number of seconds.
    if (auto seconds = parse_decimal(value); seconds && *seconds <= 9.2e9)
        return std::chrono::nanoseconds{static_cast<std::int64_t>(*seconds * 1e9)};
    return std::nullopt;
}

template <class T, class Parse>
void read(header_list const& headers, std::string_view name, std::optional<T>& field, Parse parse) noexcept {
    if (auto value = headers.find(name))
        field = parse(*value);
}

} // namespace

rate_limit_snapshot parse_rate_limit_headers(header_list const& headers) noexcept {
    rate_limit_snapshot s;
    read(headers, "x-ratelimit-limit-requests", s.limit_requests, parse_header_uint);
    read(headers, "x-ratelimit-remaining-requests", s.remaining_requests, parse_header_uint);
    read(headers, "x-ratelimit-reset-requests", s.reset_requests, parse_reset);
    read(headers, "x-ratelimit-limit-tokens", s.limit_tokens, parse_header_uint);
    read(headers, "x-ratelimit-remaining-tokens", s.remaining_tokens, parse_header_uint);
    read(headers, "x-ratelimit-reset-tokens", s.reset_tokens, parse_reset);
    return s;
}

namespace {

/// The decimal integer at the start of `text` ("30000", "30,000"); nullopt when there is none.
std::optional<std::uint64_t> leading_count(std::string_view text) noexcept {
    std::uint64_t v = 0;
    bool any = false;
    for (char c : text) {
        if (c == ',' && any)
            continue;
        if (c < '0' || c > '9')
            break;
        if (v > (UINT64_MAX - 9) / 10)
            return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
        any = true;
    }
    return any ? std::optional(v) : std::nullopt;
}

} // namespace

rate_limit_refusal parse_rate_limit_refusal(std::string_view message, std::string_view type) {
    rate_limit_refusal r;
    using dimension = rate_limit_refusal::dimension;
    if (type == "requests")
        r.what = dimension::requests;
    else if (type == "tokens")
        r.what = dimension::tokens;

    constexpr std::string_view intro = "Rate limit reached for ";
    auto at = message.find(intro);
    if (at == std::string_view::npos)
        return r;
    auto rest = message.substr(at + intro.size());
    if (auto end = rest.find(" in "); end != std::string_view::npos) {
        auto name = rest.substr(0, end);
        if (name.size() >= 2 && (name.front() == '\'' || name.front() == '"') && name.back() == name.front())
            name = name.substr(1, name.size() - 2);
        r.budget_name = std::string{name};
    }
    auto on = rest.find(" on ");
    if (on == std::string_view::npos)
        return r;
    auto what = rest.substr(on + 4);
    bool per_minute = false;
    if (what.starts_with("requests per ")) {
        r.what = dimension::requests;
        per_minute = what.substr(13).starts_with("min");
    } else if (what.starts_with("tokens per ")) {
        r.what = dimension::tokens;
        per_minute = what.substr(11).starts_with("min");
    } else {
        return r; // another kind of limit (images, audio): neither dimension of the budget
    }
    constexpr std::string_view limit_word = "Limit ";
    if (auto l = what.find(limit_word); per_minute && l != std::string_view::npos)
        r.limit = leading_count(what.substr(l + limit_word.size()));
    return r;
}

} // namespace paced::sansio
