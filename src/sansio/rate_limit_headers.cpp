#include "sansio/rate_limit_headers.hpp"

#include "sansio/go_duration.hpp"
#include "sansio/retry_hints.hpp"

#include <charconv>

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

} // namespace paced::sansio
