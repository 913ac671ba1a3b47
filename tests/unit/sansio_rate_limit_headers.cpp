#include "sansio/rate_limit_headers.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using paced::header_list;
using paced::sansio::parse_header_uint;
using paced::sansio::parse_rate_limit_headers;

TEST_CASE("rate limit headers: a full set of OpenAI headers fills every field", "[sansio][rate_limit]") {
    header_list const h{
        {"x-ratelimit-limit-requests", "60"},     {"x-ratelimit-limit-tokens", "150000"},
        {"x-ratelimit-remaining-requests", "59"}, {"x-ratelimit-remaining-tokens", "149984"},
        {"x-ratelimit-reset-requests", "1s"},     {"x-ratelimit-reset-tokens", "6m0s"},
    };
    auto const s = parse_rate_limit_headers(h);
    CHECK(s.limit_requests == 60u);
    CHECK(s.remaining_requests == 59u);
    CHECK(s.reset_requests == std::chrono::nanoseconds{1s});
    CHECK(s.limit_tokens == 150000u);
    CHECK(s.remaining_tokens == 149984u);
    CHECK(s.reset_tokens == std::chrono::nanoseconds{6min});
    CHECK_FALSE(s.empty());
}

TEST_CASE("rate limit headers: names are matched case-insensitively", "[sansio][rate_limit]") {
    header_list const h{{"X-RateLimit-Remaining-Tokens", "7"}, {"X-RATELIMIT-RESET-TOKENS", "2m52.8s"}};
    auto const s = parse_rate_limit_headers(h);
    CHECK(s.remaining_tokens == 7u);
    CHECK(s.reset_tokens == std::chrono::nanoseconds{2min + 52800ms});
}

TEST_CASE("rate limit headers: no headers give an empty snapshot", "[sansio][rate_limit]") {
    CHECK(parse_rate_limit_headers(header_list{}).empty());
    CHECK(parse_rate_limit_headers(header_list{{"content-type", "application/json"}}).empty());
}

TEST_CASE("rate limit headers: a bad value is ignored without losing the other fields",
          "[sansio][rate_limit]") {
    auto const bad = GENERATE(as<std::string>{}, "", "abc", "-1", "1.5", "12x", "18446744073709551616",
                              "0x10", "+5", "1 2");
    CAPTURE(bad);
    header_list const h{
        {"x-ratelimit-limit-requests", bad},   {"x-ratelimit-remaining-requests", "59"},
        {"x-ratelimit-reset-requests", bad},   {"x-ratelimit-limit-tokens", bad},
        {"x-ratelimit-remaining-tokens", bad}, {"x-ratelimit-reset-tokens", "12ms"},
    };
    auto const s = parse_rate_limit_headers(h);
    CHECK_FALSE(s.limit_requests);
    CHECK(s.remaining_requests == 59u);
    CHECK_FALSE(s.limit_tokens);
    CHECK_FALSE(s.remaining_tokens);
    CHECK(s.reset_tokens == std::chrono::nanoseconds{12ms});
    if (bad != "1.5") // a bare number is read as seconds
        CHECK_FALSE(s.reset_requests);
}

TEST_CASE("rate limit headers: a reset sent as bare seconds is read as seconds", "[sansio][rate_limit]") {
    header_list const h{{"x-ratelimit-reset-requests", "20"}, {"x-ratelimit-reset-tokens", "0.5"}};
    auto const s = parse_rate_limit_headers(h);
    CHECK(s.reset_requests == std::chrono::nanoseconds{20s});
    CHECK(s.reset_tokens == std::chrono::nanoseconds{500ms});
}

TEST_CASE("rate limit headers: surrounding whitespace is ignored", "[sansio][rate_limit]") {
    header_list const h{{"x-ratelimit-limit-requests", " 60\t"}, {"x-ratelimit-reset-requests", "  1s "}};
    auto const s = parse_rate_limit_headers(h);
    CHECK(s.limit_requests == 60u);
    CHECK(s.reset_requests == std::chrono::nanoseconds{1s});
}

TEST_CASE("rate limit headers: the first of duplicate fields wins", "[sansio][rate_limit]") {
    header_list const h{{"x-ratelimit-remaining-requests", "5"}, {"x-ratelimit-remaining-requests", "9"}};
    CHECK(parse_rate_limit_headers(h).remaining_requests == 5u);
}

TEST_CASE("rate limit headers: counts accept the whole 64-bit range", "[sansio][rate_limit]") {
    CHECK(parse_header_uint("0") == 0u);
    CHECK(parse_header_uint("18446744073709551615") == 18446744073709551615u);
    CHECK_FALSE(parse_header_uint("18446744073709551616"));
    CHECK_FALSE(parse_header_uint("   "));
}
