#include "sansio/attempt_verdict.hpp"

#include <paced/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using paced::errc;
using paced::header_list;
using paced::make_error_code;
using paced::rate_limit_refusal;
using paced::rate_limit_snapshot;
using paced::sansio::attempt_answer;
using paced::sansio::attempt_counts;
using paced::sansio::attempt_limits;
using paced::sansio::attempt_transport_failure;
using paced::sansio::attempt_verdict;
using paced::sansio::cool_down_after_429;
using paced::sansio::judge_attempt;
using std::chrono::milliseconds;
using std::chrono::system_clock;
using action = attempt_verdict::action;
using dimension = rate_limit_refusal::dimension;

namespace {

system_clock::time_point const now =
    system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 12h;

/// An answer that owns what attempt_answer views.
struct answer {
    unsigned status;
    header_list headers{};
    std::string code{};
    std::string type{};
    std::string message{};
};

attempt_verdict judge(answer const& a, attempt_counts counts = {}, bool idempotent = true,
                      attempt_limits const& limits = {}, double uniform01 = 0.0) {
    return judge_attempt(attempt_answer{a.status, &a.headers, a.code, a.type, a.message}, counts, idempotent,
                         limits, now, uniform01);
}

attempt_verdict judge_failure(errc e, attempt_counts counts = {}, bool idempotent = true,
                              attempt_limits const& limits = {}, double uniform01 = 0.0) {
    return judge_attempt(attempt_transport_failure{make_error_code(e)}, counts, idempotent, limits, now,
                         uniform01);
}

constexpr char const* rpm_message =
    "Rate limit reached for gpt-4o-mini in organization org-XXXX on requests per min (RPM): Limit 3, Used 3, "
    "Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn "
    "more.";
constexpr char const* tpm_message_without_hint =
    "Rate limit reached for gpt-4o in organization org-XXXX on tokens per min (TPM): Limit 30000, "
    "Used 29500, Requested 1200.";
constexpr char const* rpm_message_without_hint =
    "Rate limit reached for gpt-4o in organization org-XXXX on requests per min (RPM): Limit 500, Used 500, "
    "Requested 1.";

/// A 429 rate_limit_exceeded with the given headers, type and message.
answer rate_limited(header_list headers, std::string type = "requests",
                    std::string message = rpm_message_without_hint) {
    return answer{429, std::move(headers), "rate_limit_exceeded", std::move(type), std::move(message)};
}

header_list const resets{{"x-ratelimit-reset-requests", "7s"}, {"x-ratelimit-reset-tokens", "30s"}};

} // namespace

TEST_CASE("attempt verdict: every 2xx answer is returned, whatever the counts, hints and method",
          "[sansio][verdict]") {
    auto const status = GENERATE(range(200u, 300u));
    bool const idempotent = GENERATE(true, false);
    CAPTURE(status, idempotent);
    // Hints and x-should-retry mean nothing on a success; attempts past every limit do not matter either.
    answer const a{
        status,
        {{"x-should-retry", "true"}, {"retry-after", "5"}, {"x-ratelimit-remaining-requests", "41"}},
        "rate_limit_exceeded",
        "requests",
        rpm_message};
    auto const v = judge(a, {.attempts_before = 50, .rate_limit_retries = 40}, idempotent,
                         {.max_retries = 0, .max_rate_limit_retries = 0, .max_retry_delay = 1ms});
    CHECK(v.what == action::return_answer);
    CHECK_FALSE(v.error);
    CHECK_FALSE(v.refusal);
    CHECK_FALSE(v.close_idle_connections);
    CHECK_FALSE(v.rethrow_transport_failure);
    CHECK(v.delay == 0ms);
    CHECK(v.observed.remaining_requests == 41u); // the budget observes successes too
    CHECK_FALSE(v.reason.empty());
}

TEST_CASE("attempt verdict: every 3xx answer is refused, never retried nor followed", "[sansio][verdict]") {
    auto const status = GENERATE(range(300u, 400u));
    CAPTURE(status);
    answer const a{status,
                   {{"location", "https://elsewhere.example/v1"},
                    {"x-should-retry", "true"},
                    {"retry-after", "1"},
                    {"x-ratelimit-remaining-tokens", "900"}}};
    auto const v = judge(a);
    CHECK(v.what == action::refuse_redirect);
    CHECK(v.error == errc::redirect_refused);
    CHECK_FALSE(v.refusal);
    CHECK_FALSE(v.rethrow_transport_failure);
    CHECK(v.observed.remaining_tokens == 900u);
}

TEST_CASE("attempt verdict: a 429 rate_limit_exceeded with retry-after-ms pauses the scope for the hint",
          "[sansio][verdict][rate_limit]") {
    header_list h = resets;
    h.add("retry-after-ms", "250");
    h.add("retry-after", "9"); // retry-after-ms wins
    auto const v = judge(rate_limited(h), {}, GENERATE(true, false));
    CHECK(v.what == action::retry);
    CHECK(v.rate_limit_retry);
    CHECK(v.error == errc::rate_limited);
    CHECK(v.delay == 250ms);
    REQUIRE(v.refusal);
    CHECK(v.refusal->cool_down == 250ms);
    CHECK(v.refusal->what == dimension::requests);
    CHECK(v.refusal->limit == 500u);
    CHECK(v.refusal->budget_name == "gpt-4o");
    CHECK(v.refusal->headers.reset_requests == 7s);
    CHECK(v.refusal->headers.reset_tokens == 30s);
    CHECK(v.observed.reset_requests == 7s);
}

TEST_CASE("attempt verdict: a 429 rate_limit_exceeded with retry-after, in seconds or as a date",
          "[sansio][verdict][rate_limit]") {
    SECTION("seconds") {
        header_list h = resets;
        h.add("retry-after", "3");
        auto const v = judge(rate_limited(h));
        CHECK(v.what == action::retry);
        CHECK(v.delay == 3s);
        REQUIRE(v.refusal);
        CHECK(v.refusal->cool_down == 3s);
    }
    SECTION("an HTTP-date, against the given now") {
        header_list h = resets;
        h.add("retry-after", "Sun, 01 Mar 2026 12:00:10 GMT");
        auto const v = judge(rate_limited(h));
        CHECK(v.what == action::retry);
        CHECK(v.delay == 10s);
        REQUIRE(v.refusal);
        CHECK(v.refusal->cool_down == 10s);
    }
}

TEST_CASE("attempt verdict: a 429 rate_limit_exceeded whose only hint is in the message",
          "[sansio][verdict][rate_limit]") {
    auto const v =
        judge(rate_limited(resets, "requests",
                           "Rate limit reached for gpt-4o-mini in organization org-XXXX on requests "
                           "per min (RPM): Limit 3, Used 3, Requested 1. Please try again in "
                           "1.146s. Visit https://platform.openai.com/account/rate-limits."));
    CHECK(v.what == action::retry);
    CHECK(v.rate_limit_retry);
    CHECK(v.delay == 1146ms);
    REQUIRE(v.refusal);
    CHECK(v.refusal->cool_down == 1146ms); // the hint, not the 7 s reset
    CHECK(v.refusal->what == dimension::requests);
    CHECK(v.refusal->limit == 3u);
    CHECK(v.refusal->budget_name == "gpt-4o-mini");
}

TEST_CASE("attempt verdict: a 429 rate_limit_exceeded without a hint cools down for the reset of the "
          "dimension that ran out",
          "[sansio][verdict][rate_limit]") {
    SECTION("requests: x-ratelimit-reset-requests") {
        auto const v = judge(rate_limited(resets, "requests", rpm_message_without_hint));
        CHECK(v.what == action::retry);
        CHECK(v.delay == 500ms); // no hint: the retry backs off; the scope's pause is the budget's
        REQUIRE(v.refusal);
        CHECK(v.refusal->cool_down == 7s);
        CHECK(v.refusal->what == dimension::requests);
    }
    SECTION("tokens: x-ratelimit-reset-tokens") {
        auto const v = judge(rate_limited(resets, "tokens", tpm_message_without_hint));
        CHECK(v.what == action::retry);
        CHECK(v.delay == 500ms);
        REQUIRE(v.refusal);
        CHECK(v.refusal->cool_down == 30s);
        CHECK(v.refusal->what == dimension::tokens);
        CHECK(v.refusal->limit == 30000u);
    }
    SECTION("no reset header, or a zero reset: 1 s") {
        header_list const zero{{"x-ratelimit-reset-requests", "0s"}, {"x-ratelimit-reset-tokens", "30s"}};
        for (auto const& h : {header_list{}, zero}) {
            auto const v = judge(rate_limited(h, "requests", "Too many requests"));
            CHECK(v.what == action::retry);
            REQUIRE(v.refusal);
            CHECK(v.refusal->cool_down == 1s);
            CHECK(v.refusal->what == dimension::requests);
            CHECK_FALSE(v.refusal->limit);
        }
    }
}

TEST_CASE(
    "attempt verdict: cool_down_after_429 takes the hint, else the reset of the named dimension, else 1 s",
    "[sansio][verdict][rate_limit]") {
    rate_limit_snapshot snap;
    snap.reset_requests = 7s;
    snap.reset_tokens = 30s;
    CHECK(cool_down_after_429(250ms, "tokens", snap) == 250ms);
    CHECK(cool_down_after_429(0ms, "tokens", snap) == 0ms); // "now" is a hint too
    CHECK(cool_down_after_429(std::nullopt, "tokens", snap) == 30s);
    CHECK(cool_down_after_429(std::nullopt, "requests", snap) == 7s);
    CHECK(cool_down_after_429(std::nullopt, "", snap) == 7s); // an unknown type reads the requests reset
    CHECK(cool_down_after_429(std::nullopt, "tokens", rate_limit_snapshot{}) == 1s);
    snap.reset_tokens = 0s;
    CHECK(cool_down_after_429(std::nullopt, "tokens", snap) == 1s);
}

TEST_CASE("attempt verdict: a 429 that waiting cannot fix fails at once and pauses nothing",
          "[sansio][verdict][rate_limit]") {
    struct row {
        char const* code;
        char const* message;
        errc expected;
    };
    auto const [code, message, expected] = GENERATE(values<row>({
        {"insufficient_quota", "You exceeded your current quota, please check your plan and billing details.",
         errc::insufficient_quota},
        {"credit_balance_exhausted", "Your credit balance is exhausted.", errc::insufficient_quota},
        {"", "You exceeded your current quota, please check your plan and billing details.",
         errc::insufficient_quota},
        {"rate_limit_exceeded",
         "Request too large for gpt-4o in organization org-XXXX on tokens per min (TPM): Limit 30000, "
         "Requested 45000.",
         errc::request_too_large},
    }));
    CAPTURE(code, message);
    // Neither x-should-retry: true nor a hint makes it retryable.
    answer const a{429, {{"x-should-retry", "true"}, {"retry-after", "1"}}, code, "tokens", message};
    auto const v = judge(a);
    CHECK(v.what == action::fail);
    CHECK(v.error == expected);
    CHECK_FALSE(v.refusal);
    CHECK_FALSE(v.rate_limit_retry);
    CHECK_FALSE(v.ambiguous);
    CHECK_FALSE(v.rethrow_transport_failure);
}

TEST_CASE("attempt verdict: 5xx, 408 and 409 answers are retried after the backoff, POST included",
          "[sansio][verdict]") {
    struct row {
        unsigned status;
        errc expected;
    };
    auto const [status, expected] = GENERATE(values<row>({
        {500, errc::server_error},
        {502, errc::server_error},
        {503, errc::server_error},
        {504, errc::server_error},
        {599, errc::server_error},
        {408, errc::http_status},
        {409, errc::conflict},
    }));
    bool const idempotent = GENERATE(true, false); // an answer proves what the server did
    CAPTURE(status, idempotent);
    auto const first = judge(answer{status}, {}, idempotent);
    CHECK(first.what == action::retry);
    CHECK_FALSE(first.rate_limit_retry);
    CHECK_FALSE(first.refusal);
    CHECK(first.error == expected);
    CHECK(first.delay == 500ms);
    // The backoff doubles with the retries made and is jittered down by at most a quarter.
    CHECK(judge(answer{status}, {.attempts_before = 1}, idempotent).delay == 1000ms);
    CHECK(judge(answer{status}, {.attempts_before = 1}, idempotent, {}, 1.0).delay == 750ms);
}

TEST_CASE("attempt verdict: other 4xx answers fail at once", "[sansio][verdict]") {
    struct row {
        unsigned status;
        errc expected;
    };
    auto const [status, expected] = GENERATE(values<row>({
        {400, errc::bad_request},
        {401, errc::authentication_failed},
        {403, errc::permission_denied},
        {404, errc::not_found},
        {422, errc::unprocessable_entity},
        {410, errc::http_status},
    }));
    CAPTURE(status);
    answer const a{status, {{"retry-after", "1"}}, "invalid_api_key", "invalid_request_error", "nope"};
    auto const v = judge(a);
    CHECK(v.what == action::fail);
    CHECK(v.error == expected);
    CHECK_FALSE(v.ambiguous);
    CHECK_FALSE(v.rethrow_transport_failure);
    CHECK_FALSE(v.refusal);
}

TEST_CASE("attempt verdict: x-should-retry is obeyed, except by a 429 that waiting cannot fix",
          "[sansio][verdict]") {
    SECTION("true retries a 400") {
        auto const v = judge(answer{400, {{"x-should-retry", "true"}}});
        CHECK(v.what == action::retry);
        CHECK(v.error == errc::bad_request);
    }
    SECTION("false fails a 503") {
        auto const v = judge(answer{503, {{"x-should-retry", "false"}}});
        CHECK(v.what == action::fail);
        CHECK(v.error == errc::server_error);
    }
    SECTION("false fails a 429 rate_limit_exceeded, which still pauses the scope") {
        header_list h = resets;
        h.add("x-should-retry", "false");
        auto const v = judge(rate_limited(h));
        CHECK(v.what == action::fail);
        CHECK(v.error == errc::rate_limited);
        REQUIRE(v.refusal);
        CHECK(v.refusal->cool_down == 7s);
    }
    SECTION("true does not retry insufficient_quota") {
        auto const v = judge(answer{429, {{"x-should-retry", "true"}}, "insufficient_quota", "", "no money"});
        CHECK(v.what == action::fail);
        CHECK(v.error == errc::insufficient_quota);
    }
}

TEST_CASE("attempt verdict: a lost connection or a timeout fails a non-idempotent request as ambiguous",
          "[sansio][verdict][transport]") {
    auto const e = GENERATE(errc::connection_lost, errc::timeout);
    CAPTURE(static_cast<int>(e));
    auto const post = judge_failure(e, {}, false);
    CHECK(post.what == action::fail);
    CHECK(post.ambiguous);
    CHECK(post.rethrow_transport_failure);
    CHECK(post.error == e);
    CHECK(post.close_idle_connections);
    CHECK_FALSE(post.refusal);
    CHECK(post.observed.empty());

    auto const get = judge_failure(e, {}, true);
    CHECK(get.what == action::retry);
    CHECK_FALSE(get.ambiguous);
    CHECK(get.close_idle_connections); // the peer may have gone away, retried or not
    CHECK(get.delay == 500ms);
    CHECK_FALSE(get.rate_limit_retry);
}

TEST_CASE("attempt verdict: an unreadable answer counts as a lost connection but keeps idle connections",
          "[sansio][verdict][transport]") {
    auto const post = judge_failure(errc::invalid_response, {}, false);
    CHECK(post.what == action::fail);
    CHECK(post.ambiguous);
    CHECK(post.rethrow_transport_failure);
    CHECK_FALSE(post.close_idle_connections);
    auto const get = judge_failure(errc::invalid_response, {}, true);
    CHECK(get.what == action::retry);
    CHECK_FALSE(get.close_idle_connections);
}

TEST_CASE("attempt verdict: a failed connect is retried even for a POST: nothing was sent",
          "[sansio][verdict][transport]") {
    auto const e = GENERATE(errc::connect_failed, errc::proxy_failed);
    CAPTURE(static_cast<int>(e));
    auto const v = judge_failure(e, {}, false);
    CHECK(v.what == action::retry);
    CHECK_FALSE(v.ambiguous);
    CHECK_FALSE(v.close_idle_connections);
    CHECK(v.delay == 500ms);
    CHECK(v.error == e);
    // Until max_retries, and then the transport's own exception is reported.
    auto const last = judge_failure(e, {.attempts_before = 2}, false);
    CHECK(last.what == action::fail);
    CHECK(last.rethrow_transport_failure);
    CHECK_FALSE(last.ambiguous);
}

TEST_CASE("attempt verdict: a certificate that does not verify fails at once",
          "[sansio][verdict][transport]") {
    bool const idempotent = GENERATE(true, false);
    auto const v = judge_failure(errc::tls_verification_failed, {}, idempotent);
    CHECK(v.what == action::fail);
    CHECK(v.error == errc::tls_verification_failed);
    CHECK(v.rethrow_transport_failure);
    CHECK_FALSE(v.ambiguous);
    CHECK_FALSE(v.close_idle_connections);
}

TEST_CASE("attempt verdict: other transport failures fail at once", "[sansio][verdict][transport]") {
    auto const e = GENERATE(errc::body_too_large, errc::headers_too_large);
    bool const idempotent = GENERATE(true, false);
    CAPTURE(static_cast<int>(e), idempotent);
    auto const v = judge_failure(e, {}, idempotent);
    CHECK(v.what == action::fail);
    CHECK(v.rethrow_transport_failure);
    CHECK(v.error == e);
    CHECK(v.ambiguous == !idempotent);
    CHECK_FALSE(v.close_idle_connections);
}

TEST_CASE("attempt verdict: a hint over max_retry_delay fails at once", "[sansio][verdict]") {
    attempt_limits const limits{.max_retries = 2, .max_rate_limit_retries = 8, .max_retry_delay = 120s};
    SECTION("a 503 with retry-after 600") {
        auto const v = judge(answer{503, {{"retry-after", "600"}}}, {}, true, limits);
        CHECK(v.what == action::fail);
        CHECK(v.error == errc::server_error);
        CHECK(v.delay == 600s); // the refused hint
    }
    SECTION("a 429 rate_limit_exceeded with retry-after-ms over the cap still pauses the scope") {
        auto const v = judge(rate_limited({{"retry-after-ms", "120001"}}), {}, true, limits);
        CHECK(v.what == action::fail);
        CHECK(v.error == errc::rate_limited);
        CHECK_FALSE(v.rate_limit_retry);
        REQUIRE(v.refusal);
        CHECK(v.refusal->cool_down == 120001ms);
    }
    SECTION("a hint at the cap is waited for") {
        auto const v = judge(rate_limited({{"retry-after", "120"}}), {}, true, limits);
        CHECK(v.what == action::retry);
        CHECK(v.delay == 120s);
    }
}

TEST_CASE("attempt verdict: max_retries stops the retries of everything but rate limits",
          "[sansio][verdict]") {
    attempt_limits const limits{.max_retries = 2, .max_rate_limit_retries = 8, .max_retry_delay = 120s};
    CHECK(judge(answer{503}, {.attempts_before = 1}, true, limits).what == action::retry);
    auto const exhausted = judge(answer{503}, {.attempts_before = 2}, true, limits);
    CHECK(exhausted.what == action::fail);
    CHECK(exhausted.error == errc::server_error);
    CHECK(judge_failure(errc::timeout, {.attempts_before = 2}, true, limits).what == action::fail);
    // 0: the first failure is final.
    attempt_limits const none{.max_retries = 0, .max_rate_limit_retries = 8, .max_retry_delay = 120s};
    CHECK(judge(answer{503}, {}, true, none).what == action::fail);
}

TEST_CASE("attempt verdict: rate-limit retries are counted apart from the other retries",
          "[sansio][verdict]") {
    attempt_limits const limits{.max_retries = 2, .max_rate_limit_retries = 3, .max_retry_delay = 120s};
    SECTION("earlier 429s do not use up max_retries") {
        // Five attempts before this one, so this one was the fifth retry: four followed a 429, one another
        // failure.
        auto const v = judge(answer{503}, {.attempts_before = 5, .rate_limit_retries = 4}, true, limits);
        CHECK(v.what == action::retry);
        CHECK(v.delay == 1000ms); // one other retry made: the second step of the backoff
        auto const spent = judge(answer{503}, {.attempts_before = 6, .rate_limit_retries = 4}, true, limits);
        CHECK(spent.what == action::fail);
    }
    SECTION("earlier other failures do not use up max_rate_limit_retries") {
        auto const v =
            judge(rate_limited(resets), {.attempts_before = 2, .rate_limit_retries = 0}, true, limits);
        CHECK(v.what == action::retry);
        CHECK(v.rate_limit_retry);
        CHECK(v.delay == 500ms); // the backoff counts the rate-limit retries only
    }
    SECTION("max_rate_limit_retries stops the 429 retries") {
        auto const v =
            judge(rate_limited(resets), {.attempts_before = 4, .rate_limit_retries = 2}, true, limits);
        CHECK(v.what == action::retry);
        CHECK(v.delay == 2000ms);
        auto const spent =
            judge(rate_limited(resets), {.attempts_before = 3, .rate_limit_retries = 3}, true, limits);
        CHECK(spent.what == action::fail);
        CHECK(spent.error == errc::rate_limited);
        REQUIRE(spent.refusal); // the scope pauses even when the request gives up
        CHECK(spent.refusal->cool_down == 7s);
    }
}
