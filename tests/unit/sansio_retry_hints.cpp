#include "sansio/retry_hints.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using paced::header_list;
using paced::sansio::parse_decimal;
using paced::sansio::parse_http_date;
using paced::sansio::parse_retry_after;
using paced::sansio::parse_try_again_in;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::system_clock;

namespace {
// Sun, 06 Nov 1994 08:49:37 GMT
system_clock::time_point const rfc_example =
    sys_days{std::chrono::year{1994} / std::chrono::November / 6} + 8h + 49min + 37s;
} // namespace

TEST_CASE("retry hints: retry-after-ms is read as float milliseconds, rounded up", "[sansio][retry_hints]") {
    CHECK(parse_retry_after(header_list{{"retry-after-ms", "250"}}, "", {}) == milliseconds{250});
    CHECK(parse_retry_after(header_list{{"retry-after-ms", "1.2"}}, "", {}) == milliseconds{2});
    CHECK(parse_retry_after(header_list{{"Retry-After-Ms", "0"}}, "", {}) == milliseconds{0});
}

TEST_CASE("retry hints: retry-after-ms wins over retry-after and the message", "[sansio][retry_hints]") {
    header_list const h{{"retry-after", "20"}, {"retry-after-ms", "150"}};
    CHECK(parse_retry_after(h, "Please try again in 7s.", {}) == milliseconds{150});
}

TEST_CASE("retry hints: retry-after is read as float seconds", "[sansio][retry_hints]") {
    CHECK(parse_retry_after(header_list{{"retry-after", "20"}}, "", {}) == milliseconds{20'000});
    CHECK(parse_retry_after(header_list{{"retry-after", "1.5"}}, "", {}) == milliseconds{1'500});
    CHECK(parse_retry_after(header_list{{"retry-after", " 2 "}}, "", {}) == milliseconds{2'000});
}

TEST_CASE("retry hints: retry-after as an HTTP-date is the time left until then", "[sansio][retry_hints]") {
    header_list const h{{"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}};
    CHECK(parse_retry_after(h, "", rfc_example - 30s) == milliseconds{30'000});
    CHECK(parse_retry_after(h, "", rfc_example - 1500ms) == milliseconds{1'500});
}

TEST_CASE("retry hints: an HTTP-date in the past falls through to the message", "[sansio][retry_hints]") {
    header_list const h{{"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}};
    CHECK_FALSE(parse_retry_after(h, "", rfc_example + 1s));
    CHECK_FALSE(parse_retry_after(h, "", rfc_example));
    CHECK(parse_retry_after(h, "try again in 3s", rfc_example + 1s) == milliseconds{3'000});
}

TEST_CASE("retry hints: malformed headers fall through to the next source", "[sansio][retry_hints]") {
    auto const bad = GENERATE(as<std::string>{}, "", "-5", "soon", "1e3", "inf", "nan", "0x10", "1,5", "+1");
    CAPTURE(bad);
    CHECK(parse_retry_after(header_list{{"retry-after-ms", bad}, {"retry-after", "4"}}, "", {}) ==
          milliseconds{4'000});
    CHECK(parse_retry_after(header_list{{"retry-after", bad}}, "Please try again in 84ms.", {}) ==
          milliseconds{84});
    CHECK_FALSE(parse_retry_after(header_list{{"retry-after-ms", bad}, {"retry-after", bad}}, "", {}));
}

TEST_CASE("retry hints: absurdly large hints are clamped, never overflow", "[sansio][retry_hints]") {
    auto const huge = "99999999999999999999999999999999999999999999";
    CHECK(parse_retry_after(header_list{{"retry-after-ms", huge}}, "", {}) == paced::sansio::max_retry_hint);
    CHECK(parse_retry_after(header_list{{"retry-after", huge}}, "", {}) == paced::sansio::max_retry_hint);
    CHECK(parse_try_again_in("try again in 2562047h") == paced::sansio::max_retry_hint);
}

TEST_CASE("retry hints: no headers and no phrase means no hint", "[sansio][retry_hints]") {
    CHECK_FALSE(parse_retry_after(header_list{}, "", {}));
    CHECK_FALSE(parse_retry_after(header_list{{"x-request-id", "req_1"}}, "Internal server error", {}));
}

TEST_CASE("retry hints: the try-again text of OpenAI's 429 messages is read", "[sansio][retry_hints]") {
    struct row {
        char const* message;
        milliseconds expected;
    };
    auto const [message, expected] = GENERATE(values<row>({
        {"Rate limit reached for gpt-4o-mini in organization org-XXXX on requests per min (RPM): Limit 3, "
         "Used 3, Requested 1. Please try again in 20s. Visit "
         "https://platform.openai.com/account/rate-limits "
         "to learn more.",
         milliseconds{20'000}},
        {"Rate limit reached for gpt-4 in organization org-x on tokens per min (TPM): Limit 50000, Used "
         "47949, "
         "Requested 3006. Please try again in 1.146s. Visit https://platform.openai.com/account/rate-limits.",
         milliseconds{1'146}},
        {"Please try again in 84ms.", milliseconds{84}},
        {"Please try again in 955ms", milliseconds{955}},
        {"please TRY AGAIN IN 6m0s.", milliseconds{360'000}},
        {"Please try again in 1m30.5s.", milliseconds{90'500}},
        {"try again in 1.5us", milliseconds{1}},
        {"try again in 20 seconds.", milliseconds{20'000}},
        {"try again in 1 second", milliseconds{1'000}},
        {"try again in 250 ms", milliseconds{250}},
        {"try again in 2 minutes", milliseconds{120'000}},
        {"try again in soon, or try again in 3s", milliseconds{3'000}},
    }));
    CAPTURE(message);
    CHECK(parse_try_again_in(message) == expected);
    CHECK(parse_retry_after(header_list{}, message, {}) == expected);
}

TEST_CASE("retry hints: messages without a readable duration give no hint", "[sansio][retry_hints]") {
    auto const message = GENERATE(as<std::string>{}, "", "You exceeded your current quota", "try again",
                                  "try again in", "try again in a moment", "try again in 5",
                                  "try again in -5s", "try again in 5 fortnights", "try again later");
    CAPTURE(message);
    CHECK_FALSE(parse_try_again_in(message));
}

TEST_CASE("retry hints: the three HTTP-date forms of RFC 9110 parse to the same instant",
          "[sansio][retry_hints]") {
    auto const text =
        GENERATE(as<std::string>{}, "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                 "Sun Nov  6 08:49:37 1994", "sun, 06 nov 1994 08:49:37 GMT");
    CAPTURE(text);
    CHECK(parse_http_date(text) == rfc_example);
}

TEST_CASE("retry hints: impossible or malformed HTTP-dates are rejected", "[sansio][retry_hints]") {
    auto const text = GENERATE(
        as<std::string>{}, "", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 06 Nov 1994 08:60:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37 PST", "06 Nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 99999 08:49:37 GMT", "Sun, 06 Nov 9999 08:49:37 GMT", "Sun, 006 Nov 1994 08:49:37 GMT",
        "20", "Sun, 06 Nov 1994 08:49:37 GMT extra tokens here");
    CAPTURE(text);
    CHECK_FALSE(parse_http_date(text));
}

TEST_CASE("retry hints: two-digit years below 70 are in the 21st century", "[sansio][retry_hints]") {
    auto const t = parse_http_date("Tuesday, 01-Jan-30 00:00:00 GMT");
    REQUIRE(t);
    CHECK(*t == system_clock::time_point{sys_days{std::chrono::year{2030} / 1 / 1}});
}

TEST_CASE("retry hints: decimals are strict", "[sansio][retry_hints]") {
    CHECK(parse_decimal("12") == 12.0);
    CHECK(parse_decimal("1.5") == 1.5);
    CHECK(parse_decimal(".5") == 0.5);
    CHECK(parse_decimal("1.") == 1.0);
    CHECK_FALSE(parse_decimal("."));
    CHECK_FALSE(parse_decimal("-1"));
    CHECK_FALSE(parse_decimal("1e3"));
    CHECK_FALSE(parse_decimal("inf"));
}
