#include "sansio/go_duration.hpp"

#include "sansio/ascii.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

namespace paced::sansio {
namespace {

using u128 = unsigned __int128;
constexpr u128 max_ns = static_cast<u128>(std::numeric_limits<std::int64_t>::max());

/// Nanoseconds per unit, or 0 for an unknown unit.
std::uint64_t unit_ns(std::string_view unit) noexcept {
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> units{{
        {"ns", 1},
        {"us", 1'000},
        {"\xC2\xB5s", 1'000}, // U+00B5 MICRO SIGN, what Go prints
        {"\xCE\xBCs", 1'000}, // U+03BC GREEK SMALL LETTER MU, also accepted by Go
        {"ms", 1'000'000},
        {"s", 1'000'000'000},
        {"m", 60'000'000'000},
        {"h", 3'600'000'000'000},
    }};
    for (auto const& [name, ns] : units)
        if (name == unit)
            return ns;
    return 0;
}

} // namespace

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view s) noexcept {
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    if (s == "0")
        return std::chrono::nanoseconds{0};
    if (s.empty())
        return std::nullopt;

    u128 total = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        // Integer part. Anything above the int64 range overflows whatever the unit.
        u128 whole = 0;
        std::size_t const int_start = i;
        while (i < s.size() && is_ascii_digit(s[i])) {
            whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
            if (whole > max_ns)
                return std::nullopt;
            ++i;
        }
        bool const has_int = i > int_start;

        // Fraction: keep at most 19 digits (fits 64 bits); the rest are below a nanosecond even for hours.
        std::uint64_t frac = 0;
        std::uint64_t scale = 1;
        bool has_frac = false;
        if (i < s.size() && s[i] == '.') {
            ++i;
            std::size_t const frac_start = i;
            int kept = 0;
            while (i < s.size() && is_ascii_digit(s[i])) {
                if (kept < 19) {
                    frac = frac * 10 + static_cast<unsigned>(s[i] - '0');
                    scale *= 10;
                    ++kept;
                }
                ++i;
            }
            has_frac = i > frac_start;
        }
        if (!has_int && !has_frac)
            return std::nullopt; // "", ".", "s", or a sign in the middle

        // Unit: everything up to the next number.
        std::size_t const unit_start = i;
        while (i < s.size() && s[i] != '.' && !is_ascii_digit(s[i]))
            ++i;
        std::uint64_t const per_unit = unit_ns(s.substr(unit_start, i - unit_start));
        if (per_unit == 0)
            return std::nullopt; // missing or unknown unit

        total += whole * per_unit + static_cast<u128>(frac) * per_unit / scale;
        if (total > max_ns)
            return std::nullopt;
    }
    return std::chrono::nanoseconds{static_cast<std::int64_t>(total)};
}

namespace {

/// Appends `v / 10^prec` with the fraction's trailing zeros (and a bare '.') removed.
void append_fixed(std::string& out, std::uint64_t v, int prec) {
    std::uint64_t pow10 = 1;
    for (int k = 0; k < prec; ++k)
        pow10 *= 10;
    out += std::to_string(v / pow10);
    std::uint64_t frac = v % pow10;
    if (frac == 0)
        return;
    int digits = prec;
    while (frac % 10 == 0) {
        frac /= 10;
        --digits;
    }
    std::string f = std::to_string(frac);
    out += '.';
    out.append(static_cast<std::size_t>(digits) - f.size(), '0');
    out += f;
}

} // namespace

std::string format_go_duration(std::chrono::nanoseconds d) {
    std::int64_t const n = d.count();
    // Negate in unsigned arithmetic so that the minimum value does not overflow.
    std::uint64_t u = n < 0 ? ~static_cast<std::uint64_t>(n) + 1 : static_cast<std::uint64_t>(n);
    std::string out = n < 0 ? "-" : "";
    if (u == 0)
        return "0s";
    if (u < 1'000) {
        append_fixed(out, u, 0);
        return out + "ns";
    }
    if (u < 1'000'000) {
        append_fixed(out, u, 3);
        return out + "\xC2\xB5s";
    }
    if (u < 1'000'000'000) {
        append_fixed(out, u, 6);
        return out + "ms";
    }
    // Go prints h, m and s from the first non-zero one down: 1h0m0s, 6m0s, 2m52.8s.
    std::uint64_t const sec_ns = u % 60'000'000'000;
    std::uint64_t const minutes_total = u / 60'000'000'000;
    std::uint64_t const hours = minutes_total / 60;
    std::uint64_t const minutes = minutes_total % 60;
    if (hours > 0)
        out += std::to_string(hours) + "h";
    if (minutes_total > 0)
        out += std::to_string(minutes) + "m";
    append_fixed(out, sec_ns, 9);
    return out + "s";
}

} // namespace paced::sansio
