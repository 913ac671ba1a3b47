#include "sansio/go_duration.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

using namespace std::chrono_literals;
using paced::sansio::format_go_duration;
using paced::sansio::parse_go_duration;
using std::chrono::nanoseconds;

TEST_CASE("go duration: the reset values OpenAI sends parse to exact nanoseconds", "[sansio][go_duration]") {
    struct row {
        char const* text;
        nanoseconds expected;
    };
    auto const [text, expected] = GENERATE(values<row>({
        {"1s", 1s},
        {"6m0s", 6min},
        {"12ms", 12ms},
        {"9ms", 9ms},
        {"1m0s", 1min},
        {"33.023s", 33023ms},
        {"2m52.8s", 2min + 52800ms},
        {"547ms", 547ms},
        {"1h2m", 1h + 2min},
        {"1.5us", 1500ns},
        {"1\xC2\xB5s", 1us}, // U+00B5 micro sign
        {"1\xCE\xBCs", 1us}, // U+03BC Greek mu
        {"0", 0ns},
        {"300ns", 300ns},
        {"1m30.5s", 90500ms},
        {".5s", 500ms},
        {"1.s", 1s},
        {"+5s", 5s},
        {"0s", 0ns},
        {"0.000000001s", 1ns},
        {"1.0000000019s", 1000000001ns}, // digits below a nanosecond are truncated
        {"1h1h", 2h},                    // Go allows repeated units
        {"2562047h47m16.854775807s", nanoseconds{std::numeric_limits<std::int64_t>::max()}},
    }));
    CAPTURE(text);
    auto const parsed = parse_go_duration(text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == expected);
}

TEST_CASE("go duration: garbage, negatives and overflow are rejected", "[sansio][go_duration]") {
    auto const text =
        GENERATE(as<std::string>{}, "", "s", "1", "12", ".", ".s", "1x", "1 s", " 1s", "1s ", "-1s", "-0",
                 "1s-1s", "1.2.3s", "1sm", "abc", "1S", "1e3s", "1,5s", "+", "++1s", "1\xC2s",
                 "9223372036854775808ns", "2562047h47m16.854775808s", "3000000h", "99999999999999999999h");
    CAPTURE(text);
    CHECK_FALSE(parse_go_duration(text).has_value());
}

TEST_CASE("go duration: a string with an embedded NUL is rejected", "[sansio][go_duration]") {
    CHECK_FALSE(parse_go_duration(std::string_view{"1s\0", 3}).has_value());
}

TEST_CASE("go duration: formatting matches Go's Duration.String()", "[sansio][go_duration]") {
    struct row {
        nanoseconds d;
        char const* expected;
    };
    auto const [d, expected] = GENERATE(values<row>({
        {0ns, "0s"},
        {1ns, "1ns"},
        {300ns, "300ns"},
        {999ns, "999ns"},
        {1us, "1\xC2\xB5s"},
        {1500ns, "1.5\xC2\xB5s"},
        {1ms, "1ms"},
        {20ms, "20ms"},
        {1500us, "1.5ms"},
        {1001ns * 1000, "1.001ms"},
        {1s, "1s"},
        {1s + 1ns, "1.000000001s"},
        {33023ms, "33.023s"},
        {1min, "1m0s"},
        {6min, "6m0s"},
        {2min + 52800ms, "2m52.8s"},
        {1h, "1h0m0s"},
        {1h + 2min, "1h2m0s"},
        {1h + 1s, "1h0m1s"},
        {-20ms, "-20ms"},
        {-90s, "-1m30s"},
        {nanoseconds{std::numeric_limits<std::int64_t>::max()}, "2562047h47m16.854775807s"},
        {nanoseconds{std::numeric_limits<std::int64_t>::min()}, "-2562047h47m16.854775808s"},
    }));
    CHECK(format_go_duration(d) == expected);
}

TEST_CASE("go duration: format then parse gives back the same duration", "[sansio][go_duration]") {
    // A spread of magnitudes and digit patterns, from 1 ns to the int64 maximum.
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int const bits = i % 63;
        auto const n = static_cast<std::int64_t>(x >> (63 - bits) >> 1);
        nanoseconds const d{n};
        auto const text = format_go_duration(d);
        auto const back = parse_go_duration(text);
        CAPTURE(n, text);
        REQUIRE(back.has_value());
        REQUIRE(*back == d);
    }
}
