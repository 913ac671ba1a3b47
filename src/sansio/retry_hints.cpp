#include "sansio/retry_hints.hpp"

#include "sansio/ascii.hpp"
#include "sansio/go_duration.hpp"
#include "sansio/rate_limit_headers.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <initializer_list>

namespace paced::sansio {
namespace {

using std::chrono::milliseconds;

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Rounds a count of milliseconds up, clamped to [0, max_retry_hint].
milliseconds ms_from_double(double ms) noexcept {
    if (!(ms > 0))
        return milliseconds{0};
    if (ms >= static_cast<double>(max_retry_hint.count()))
        return max_retry_hint;
    return milliseconds{static_cast<milliseconds::rep>(std::ceil(ms))};
}

milliseconds ms_from_ns(std::chrono::nanoseconds ns) noexcept {
    if (ns >= max_retry_hint)
        return max_retry_hint;
    return std::chrono::ceil<milliseconds>(ns);
}

bool starts_with_icase(std::string_view text, std::string_view prefix) noexcept {
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(text[i]) != lower(prefix[i]))
            return false;
    return true;
}

/// "<decimal> <unit word>", the spelled-out form some servers use.
std::optional<milliseconds> parse_spelled_duration(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size() && (is_ascii_digit(s[i]) || s[i] == '.'))
        ++i;
    auto const number = parse_decimal(s.substr(0, i));
    if (!number)
        return std::nullopt;
    while (i < s.size() && s[i] == ' ')
        ++i;
    std::size_t const word_start = i;
    while (i < s.size() && is_ascii_alpha(s[i]))
        ++i;
    std::string_view const word = s.substr(word_start, i - word_start);
    auto is = [&](std::initializer_list<std::string_view> names) {
        for (auto name : names)
            if (iequals(word, name))
                return true;
        return false;
    };
    double per_unit_ms = 0;
    if (is({"ms", "millisecond", "milliseconds"}))
        per_unit_ms = 1;
    else if (is({"s", "sec", "secs", "second", "seconds"}))
        per_unit_ms = 1'000;
    else if (is({"m", "min", "mins", "minute", "minutes"}))
        per_unit_ms = 60'000;
    else if (is({"h", "hour", "hours"}))
        per_unit_ms = 3'600'000;
    else
        return std::nullopt;
    return ms_from_double(*number * per_unit_ms);
}

std::optional<int> small_number(std::string_view s, std::size_t min_digits, std::size_t max_digits) noexcept {
    if (s.size() < min_digits || s.size() > max_digits)
        return std::nullopt;
    int v = 0;
    for (char c : s) {
        if (!is_ascii_digit(c))
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

std::optional<unsigned> month_number(std::string_view s) noexcept {
    static constexpr std::array<std::string_view, 12> names{"jan", "feb", "mar", "apr", "may", "jun",
                                                            "jul", "aug", "sep", "oct", "nov", "dec"};
    if (s.size() != 3)
        return std::nullopt;
    for (unsigned m = 0; m < 12; ++m)
        if (starts_with_icase(s, names[m]))
            return m + 1;
    return std::nullopt;
}

bool is_weekday(std::string_view s) noexcept {
    static constexpr std::array<std::string_view, 7> names{"monday", "tuesday",  "wednesday", "thursday",
                                                           "friday", "saturday", "sunday"};
    for (auto name : names)
        if ((s.size() == 3 || s.size() == name.size()) && starts_with_icase(name, s))
            return true;
    return false;
}

} // namespace

std::optional<double> parse_decimal(std::string_view text) noexcept {
    text = trim_ows(text);
    std::size_t i = 0;
    std::size_t digits = 0;
    while (i < text.size() && is_ascii_digit(text[i]))
        ++i, ++digits;
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && is_ascii_digit(text[i]))
            ++i, ++digits;
    }
    if (digits == 0 || i != text.size())
        return std::nullopt;
    double out = 0;
    // from_chars rejects a trailing '.', which we accept ("1."): parse without it.
    std::string_view number = text.back() == '.' ? text.substr(0, text.size() - 1) : text;
    auto const [end, ec] = std::from_chars(number.data(), number.data() + number.size(), out);
    if (ec != std::errc{} || end != number.data() + number.size() || !std::isfinite(out))
        return std::nullopt;
    return out;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) noexcept {
    // Split on spaces, commas and the dashes of the RFC 850 form.
    std::array<std::string_view, 8> tokens{};
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        char const c = text[i];
        if (c == ' ' || c == ',' || c == '-' || c == '\t') {
            ++i;
            continue;
        }
        std::size_t const start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != ',' && text[i] != '-' && text[i] != '\t')
            ++i;
        if (count == tokens.size())
            return std::nullopt;
        tokens[count++] = text.substr(start, i - start);
    }
    if (count < 5 || !is_weekday(tokens[0]))
        return std::nullopt;

    std::optional<int> day, year, hh, mm, ss;
    std::optional<unsigned> month;
    std::string_view time;
    std::size_t year_digits = 0;
    if (count == 6 && (tokens[5] == "GMT" || tokens[5] == "UTC")) {
        // IMF-fixdate and RFC 850: weekday day month year time GMT.
        day = small_number(tokens[1], 1, 2);
        month = month_number(tokens[2]);
        year = small_number(tokens[3], 2, 4);
        year_digits = tokens[3].size();
        time = tokens[4];
    } else if (count == 5) {
        // asctime: weekday month day time year.
        month = month_number(tokens[1]);
        day = small_number(tokens[2], 1, 2);
        time = tokens[3];
        year = small_number(tokens[4], 4, 4);
        year_digits = 4;
    } else {
        return std::nullopt;
    }
    if (!day || !month || !year || (year_digits != 2 && year_digits != 4))
        return std::nullopt;
    if (year_digits == 2)
        *year += *year < 70 ? 2000 : 1900;
    if (*year < 1900 || *year > 2199)
        return std::nullopt; // keeps the nanosecond time_point arithmetic far from overflow
    if (time.size() != 8 || time[2] != ':' || time[5] != ':')
        return std::nullopt;
    hh = small_number(time.substr(0, 2), 2, 2);
    mm = small_number(time.substr(3, 2), 2, 2);
    ss = small_number(time.substr(6, 2), 2, 2);
    if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60)
        return std::nullopt;

    std::chrono::year_month_day const ymd{std::chrono::year{*year}, std::chrono::month{*month},
                                          std::chrono::day{static_cast<unsigned>(*day)}};
    if (!ymd.ok())
        return std::nullopt;
    return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
        std::chrono::sys_days{ymd} + std::chrono::hours{*hh} + std::chrono::minutes{*mm} +
        std::chrono::seconds{*ss});
}

std::optional<milliseconds> parse_try_again_in(std::string_view message) noexcept {
    constexpr std::string_view phrase = "try again in";
    for (std::size_t pos = 0; pos + phrase.size() <= message.size(); ++pos) {
        if (!starts_with_icase(message.substr(pos), phrase))
            continue;
        std::string_view rest = message.substr(pos + phrase.size());
        while (!rest.empty() && rest.front() == ' ')
            rest.remove_prefix(1);
        // The duration token: digits, dots, letters and the two UTF-8 micro signs.
        std::size_t i = 0;
        while (i < rest.size()) {
            auto const c = static_cast<unsigned char>(rest[i]);
            if (is_ascii_digit(rest[i]) || rest[i] == '.' || is_ascii_alpha(rest[i]) || c == 0xC2 ||
                c == 0xB5 || c == 0xCE || c == 0xBC)
                ++i;
            else
                break;
        }
        std::string_view token = rest.substr(0, i);
        while (!token.empty() && token.back() == '.')
            token.remove_suffix(1); // the end of the sentence
        if (auto d = parse_go_duration(token))
            return ms_from_ns(*d);
        if (auto d = parse_spelled_duration(rest))
            return d;
    }
    return std::nullopt;
}

std::optional<milliseconds> parse_retry_after(header_list const& headers, std::string_view error_message,
                                              std::chrono::system_clock::time_point now) noexcept {
    if (auto v = headers.find("retry-after-ms"))
        if (auto ms = parse_decimal(*v))
            return ms_from_double(*ms);
    if (auto v = headers.find("retry-after")) {
        if (auto s = parse_decimal(*v))
            return ms_from_double(*s * 1000.0);
        if (auto when = parse_http_date(trim_ows(*v)); when && *when > now)
            return ms_from_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(*when - now));
    }
    return parse_try_again_in(error_message);
}

} // namespace paced::sansio
