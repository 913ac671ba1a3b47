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

// The messages of ../shared/docs/protocol.md section 4 ("The 429 error body").
TEST_CASE("rate limit refusal: the RPM message names its budget and limit", "[sansio][rate_limit]") {
    using paced::sansio::parse_rate_limit_refusal;
    using dimension = paced::rate_limit_refusal::dimension;
    auto const r = parse_rate_limit_refusal("Rate limit reached for gpt-4o-mini in organization org-XXXX on "
                                            "requests per min (RPM): Limit 3, Used 3, "
                                            "Requested 1. Please try again in 20s. Visit "
                                            "https://platform.openai.com/account/rate-limits to learn more.",
                                            "requests");
    CHECK(r.budget_name == "gpt-4o-mini");
    CHECK(r.what == dimension::requests);
    CHECK(r.limit == 3u);
}

TEST_CASE("rate limit refusal: the TPM message, with a project, and the request-too-large variant",
          "[sansio][rate_limit]") {
    using paced::sansio::parse_rate_limit_refusal;
    using dimension = paced::rate_limit_refusal::dimension;
    auto const tpm = parse_rate_limit_refusal(
        "Rate limit reached for gpt-4o in project proj_abc organization org-XXXX on tokens per min (TPM): "
        "Limit 50000, Used 47949, Requested 3006. Please try again in 1.146s.",
        "tokens");
    CHECK(tpm.budget_name == "gpt-4o");
    CHECK(tpm.what == dimension::tokens);
    CHECK(tpm.limit == 50000u);
    // Not "Rate limit reached": only the type is read (retrying does not help, and it is no lesson).
    auto const too_large = parse_rate_limit_refusal("Request too large for gpt-4o in organization org on "
                                                    "tokens per min (TPM): Limit 30000, Requested 34307.",
                                                    "tokens");
    CHECK(too_large.budget_name.empty());
    CHECK(too_large.what == dimension::tokens);
    CHECK_FALSE(too_large.limit);
}

TEST_CASE("rate limit refusal: a day limit is no per-minute limit, other forms give what the type tells",
          "[sansio][rate_limit]") {
    using paced::sansio::parse_rate_limit_refusal;
    using dimension = paced::rate_limit_refusal::dimension;
    auto const day = parse_rate_limit_refusal(
        "Rate limit reached for 'gpt-4o' in organization org on requests per day (RPD): Limit 200, Used 200, "
        "Requested 1.",
        "requests");
    CHECK(day.budget_name == "gpt-4o");
    CHECK(day.what == dimension::requests);
    CHECK_FALSE(day.limit);
    auto const commas = parse_rate_limit_refusal("Rate limit reached for m in organization o on tokens per "
                                                 "min (TPM): Limit 2,000,000, Used 1, Requested 2.",
                                                 "");
    CHECK(commas.limit == 2000000u);
    CHECK(commas.what == dimension::tokens);
    auto const other = parse_rate_limit_refusal("Too many requests", "requests");
    CHECK(other.what == dimension::requests);
    CHECK(other.budget_name.empty());
    CHECK_FALSE(other.limit);
    CHECK(parse_rate_limit_refusal("", "").what == dimension::unknown);
    // A limit too large for 64 bits is dropped, not wrapped.
    CHECK_FALSE(parse_rate_limit_refusal("Rate limit reached for m in o on requests per min (RPM): Limit "
                                         "99999999999999999999999, Used 1",
                                         "")
                    .limit);
}
