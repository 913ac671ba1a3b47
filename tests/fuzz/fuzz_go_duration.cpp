// libFuzzer target: Go durations and the x-ratelimit-* headers. A parsed duration must format back to
// a string that parses to the same value; header parsing never throws, whatever the values.
#include "sansio/go_duration.hpp"
#include "sansio/rate_limit_headers.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const input{reinterpret_cast<char const*>(data), size};

    if (auto const d = paced::sansio::parse_go_duration(input)) {
        if (d->count() < 0)
            std::abort();
        auto const text = paced::sansio::format_go_duration(*d);
        auto const back = paced::sansio::parse_go_duration(text);
        if (!back || *back != *d)
            std::abort();
    }
    // Every signed value formats and parses back when non-negative.
    if (size >= 8) {
        std::int64_t n = 0;
        for (int i = 0; i < 8; ++i)
            n = static_cast<std::int64_t>(static_cast<std::uint64_t>(n) << 8 | data[i]);
        auto const text = paced::sansio::format_go_duration(std::chrono::nanoseconds{n});
        auto const back = paced::sansio::parse_go_duration(text);
        if (n >= 0 && (!back || back->count() != n))
            std::abort();
        if (n < 0 && back)
            std::abort();
    }

    // The same bytes, split at newlines, as the six header values.
    static constexpr std::string_view names[] = {
        "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
        "x-ratelimit-limit-tokens",   "x-ratelimit-remaining-tokens",   "x-ratelimit-reset-tokens"};
    paced::header_list headers;
    std::string_view rest = input;
    for (auto name : names) {
        auto const nl = rest.find('\n');
        headers.add(std::string{name}, std::string{rest.substr(0, nl)});
        if (nl == std::string_view::npos)
            break;
        rest.remove_prefix(nl + 1);
    }
    auto const s = paced::sansio::parse_rate_limit_headers(headers);
    if ((s.reset_requests && s.reset_requests->count() < 0) ||
        (s.reset_tokens && s.reset_tokens->count() < 0))
        std::abort();
    return 0;
}
