#include "sansio/retry_policy.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using paced::header_list;
using paced::sansio::attempt_failure;
using paced::sansio::backoff_delay;
using paced::sansio::decide_retry;
using paced::sansio::failure_kind;
using paced::sansio::retry_decision;
using paced::sansio::retry_options;
using std::chrono::milliseconds;
using std::chrono::system_clock;

namespace {

system_clock::time_point const now =
    system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} + 12h;

attempt_failure http(unsigned status, header_list const* headers = nullptr, std::string_view code = {},
                     std::string_view message = {}) {
    return attempt_failure{failure_kind::http_status, status, headers, code, message};
}

attempt_failure transport(failure_kind kind) {
    return attempt_failure{kind};
}

retry_decision decide(attempt_failure const& f, int retries_done = 0, bool idempotent = true,
                      retry_options const& options = {}, double u = 0.0) {
    return decide_retry(f, retries_done, idempotent, options, now, u);
}

constexpr char const* rate_limit_message =
    "Rate limit reached for gpt-4o-mini in organization org-XXXX on requests per min (RPM): Limit 3, Used 3, "
    "Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn "
    "more.";

} // namespace

TEST_CASE("retry policy: which HTTP statuses are retried, for GET and POST alike", "[sansio][retry]") {
    struct row {
        unsigned status;
        bool retry;
    };
    auto const [status, retry] = GENERATE(values<row>({
        {400, false}, {401, false}, {403, false}, {404, false}, {405, false}, {407, false},
        {408, true},  {409, true},  {410, false}, {413, false}, {422, false}, {425, false},
        {429, true},  {499, false}, {500, true},  {501, true},  {502, true},  {503, true},
        {504, true},  {520, true},  {599, true},  {300, false}, {0, false},
    }));
    bool const idempotent = GENERATE(true, false);
    CAPTURE(status, idempotent);
    auto const d = decide(http(status), 0, idempotent);
    CHECK(d.retry == retry);
    CHECK_FALSE(d.ambiguous); // an HTTP answer proves what the server did
    CHECK_FALSE(d.reason.empty());
}

TEST_CASE("retry policy: transport failures by kind and idempotency", "[sansio][retry]") {
    struct row {
        failure_kind kind;
        bool idempotent;
        bool retry;
        bool ambiguous;
    };
    auto const [kind, idempotent, retry, ambiguous] = GENERATE(values<row>({
        {failure_kind::connect_failed, true, true, false},
        {failure_kind::connect_failed, false, true, false}, // nothing was sent: safe to re-send a POST
        {failure_kind::connection_lost, true, true, false},
        {failure_kind::connection_lost, false, false, true},
        {failure_kind::timeout, true, true, false},
        {failure_kind::timeout, false, false, true},
        {failure_kind::tls_verification_failed, true, false, false},
        {failure_kind::tls_verification_failed, false, false, false},
        {failure_kind::other, true, false, false},
        {failure_kind::other, false, false, true},
    }));
    CAPTURE(static_cast<int>(kind), idempotent);
    auto const d = decide(transport(kind), 0, idempotent);
    CHECK(d.retry == retry);
    CHECK(d.ambiguous == ambiguous);
    CHECK_FALSE(d.server_hint);
    if (retry)
        CHECK(d.delay == 500ms);
}

TEST_CASE("retry policy: x-should-retry is obeyed before the status", "[sansio][retry]") {
    struct row {
        char const* value;
        unsigned status;
        bool retry;
    };
    auto const [value, status, retry] = GENERATE(values<row>({
        {"true", 400, true},
        {"true", 404, true},
        {"TRUE", 400, true},
        {" true ", 400, true},
        {"false", 503, false},
        {"false", 429, false},
        {"False", 500, false},
        {"maybe", 400, false}, // unknown values are ignored: the status decides
        {"maybe", 503, true},
        {"", 503, true},
    }));
    CAPTURE(value, status);
    header_list const h{{"X-Should-Retry", value}};
    auto const d = decide(http(status, &h), 0, false);
    CHECK(d.retry == retry);
    CHECK_FALSE(d.ambiguous);
}

TEST_CASE("retry policy: 429s that waiting cannot fix are never retried", "[sansio][retry]") {
    struct row {
        char const* code;
        char const* message;
    };
    auto const [code, message] = GENERATE(values<row>({
        {"insufficient_quota",
         "You exceeded your current quota, please check your plan and billing details."},
        {"credit_balance_exhausted", "You have no credits remaining."},
        {"", "You exceeded your current quota, please check your plan and billing details."},
        {"rate_limit_exceeded",
         "Request too large for gpt-4 in organization org-x on tokens per min (TPM): Limit 30000, Requested "
         "34307. Please try again in 1s."},
    }));
    CAPTURE(code, message);
    header_list const none;
    header_list const forced{{"x-should-retry", "true"}, {"retry-after", "1"}};
    auto const* headers = GENERATE_COPY(&none, &forced);
    auto const d = decide(http(429, headers, code, message));
    CHECK_FALSE(d.retry);
    CHECK_FALSE(d.ambiguous);
}

TEST_CASE("retry policy: a rate-limit 429 waits exactly the server's hint", "[sansio][retry]") {
    header_list const ms{{"retry-after-ms", "1234"}, {"retry-after", "9"}};
    auto d = decide(http(429, &ms, "rate_limit_exceeded", rate_limit_message));
    CHECK(d.retry);
    CHECK(d.server_hint);
    CHECK(d.delay == 1234ms);

    header_list const secs{{"retry-after", "9"}};
    d = decide(http(429, &secs, "rate_limit_exceeded", rate_limit_message));
    CHECK(d.delay == 9s);
    CHECK(d.server_hint);

    d = decide(http(429, nullptr, "rate_limit_exceeded", rate_limit_message));
    CHECK(d.retry);
    CHECK(d.delay == 20s); // "Please try again in 20s"
    CHECK(d.server_hint);

    header_list const date{{"retry-after", "Sun, 01 Mar 2026 12:00:42 GMT"}};
    d = decide(http(503, &date));
    CHECK(d.retry);
    CHECK(d.delay == 42s);
    CHECK(d.server_hint);
}

TEST_CASE("retry policy: without a hint the delay is the jittered exponential backoff", "[sansio][retry]") {
    struct row {
        int retries_done;
        double u;
        milliseconds expected;
    };
    auto const [n, u, expected] = GENERATE(values<row>({
        {0, 0.0, 500ms},
        {0, 0.5, 438ms},
        {0, 0.999999, 375ms},
        {1, 0.0, 1000ms},
        {1, 1.0, 750ms},
        {2, 0.0, 2000ms},
        {3, 0.0, 4000ms},
        {4, 0.0, 8000ms},
        {5, 0.0, 8000ms},
        {5, 1.0, 6000ms},
        {40, 0.0, 8000ms},
        {1000000, 0.2, 7600ms},
        {0, -3.0, 500ms},
        {0, 7.0, 375ms},
        {-1, 0.0, 500ms}, // out-of-range inputs are clamped
    }));
    CAPTURE(n, u);
    CHECK(backoff_delay(n, u) == expected);
    retry_options const many{.max_retries = 2000000};
    auto const d = decide(http(500), n, true, many, u);
    CHECK(d.retry);
    CHECK_FALSE(d.server_hint);
    CHECK(d.delay == expected);
}

TEST_CASE("retry policy: a NaN random number does not poison the delay", "[sansio][retry]") {
    CHECK(backoff_delay(0, std::numeric_limits<double>::quiet_NaN()) == 500ms);
}

TEST_CASE("retry policy: a hint above max_server_delay fails at once", "[sansio][retry]") {
    header_list const at_limit{{"retry-after", "120"}};
    auto d = decide(http(429, &at_limit, "rate_limit_exceeded"));
    CHECK(d.retry);
    CHECK(d.delay == 120s);

    header_list const above{{"retry-after-ms", "120001"}};
    d = decide(http(429, &above, "rate_limit_exceeded"));
    CHECK_FALSE(d.retry);
    CHECK(d.server_hint);
    CHECK(d.delay == 120001ms);
    CHECK_FALSE(d.ambiguous);

    retry_options const strict{.max_server_delay = 5s};
    header_list const six{{"retry-after", "6"}};
    CHECK_FALSE(decide(http(503, &six), 0, true, strict).retry);
    header_list const five{{"retry-after", "5"}};
    CHECK(decide(http(503, &five), 0, true, strict).retry);
}

TEST_CASE("retry policy: retries stop after max_retries", "[sansio][retry]") {
    struct row {
        int max_retries;
        int retries_done;
        bool retry;
    };
    auto const [max_retries, retries_done, retry] = GENERATE(values<row>({
        {2, 0, true},
        {2, 1, true},
        {2, 2, false},
        {2, 3, false},
        {0, 0, false},
        {-1, 0, false},
        {5, 4, true},
        {5, 5, false},
    }));
    CAPTURE(max_retries, retries_done);
    retry_options const opts{.max_retries = max_retries};
    auto const failure = GENERATE(http(503), http(429), transport(failure_kind::connect_failed),
                                  transport(failure_kind::timeout));
    auto const d = decide(failure, retries_done, true, opts);
    CHECK(d.retry == retry);
    if (!retry)
        CHECK(d.reason == "retries exhausted");
}

TEST_CASE("retry policy: exhausted retries on a lost POST still report it as ambiguous", "[sansio][retry]") {
    auto const d = decide(transport(failure_kind::connection_lost), 2, false);
    CHECK_FALSE(d.retry);
    CHECK(d.ambiguous);
}

TEST_CASE("retry policy: hints are read only from HTTP answers", "[sansio][retry]") {
    attempt_failure f = transport(failure_kind::timeout);
    f.error_message = "try again in 30s";
    auto const d = decide(f);
    CHECK(d.retry);
    CHECK_FALSE(d.server_hint);
    CHECK(d.delay == 500ms);
}

TEST_CASE("retry policy: invariants over every kind, status and attempt", "[sansio][retry]") {
    header_list const none;
    header_list const yes{{"x-should-retry", "true"}};
    header_list const no{{"x-should-retry", "false"}};
    header_list const long_hint{{"retry-after", "500"}};
    header_list const* const header_sets[] = {nullptr, &none, &yes, &no, &long_hint};
    std::string_view const codes[] = {"", "rate_limit_exceeded", "insufficient_quota"};
    failure_kind const kinds[] = {
        failure_kind::http_status, failure_kind::connect_failed,          failure_kind::connection_lost,
        failure_kind::timeout,     failure_kind::tls_verification_failed, failure_kind::other};
    for (auto kind : kinds)
        for (unsigned status = 100; status < 600; ++status)
            for (auto const* headers : header_sets)
                for (auto code : codes)
                    for (int done = 0; done <= 3; ++done)
                        for (bool idempotent : {true, false}) {
                            if (kind != failure_kind::http_status && status != 100)
                                continue;
                            attempt_failure const f{
                                kind, kind == failure_kind::http_status ? status : 0, headers, code, {}};
                            auto const d = decide(f, done, idempotent, {}, 0.5);
                            INFO("kind " << static_cast<int>(kind) << " status " << status << " code " << code
                                         << " done " << done << " idempotent " << idempotent);
                            REQUIRE_FALSE(d.reason.empty());
                            if (d.retry) {
                                REQUIRE(done < 2);
                                REQUIRE(d.delay >= 0ms);
                                REQUIRE(d.delay <= 120s);
                                REQUIRE_FALSE(d.ambiguous);
                                REQUIRE(kind != failure_kind::tls_verification_failed);
                                REQUIRE(kind != failure_kind::other);
                                REQUIRE_FALSE((f.status == 429 && code == "insufficient_quota"));
                                if (!idempotent)
                                    REQUIRE((kind == failure_kind::http_status ||
                                             kind == failure_kind::connect_failed));
                            }
                            if (d.ambiguous)
                                REQUIRE_FALSE(idempotent);
                            if (headers == &no && kind == failure_kind::http_status)
                                REQUIRE_FALSE(d.retry);
                            if (headers == &long_hint && kind == failure_kind::http_status)
                                REQUIRE_FALSE(d.retry);
                        }
}

TEST_CASE("retry policy: a 400 conversation_locked is retried after a few seconds", "[sansio][retry]") {
    constexpr char const* locked =
        "Another process is currently operating on this conversation. Please retry in a few seconds.";
    auto const d = decide(http(400, nullptr, "conversation_locked", locked), 0, false, {}, 0.0);
    CHECK(d.retry);
    CHECK_FALSE(d.ambiguous);
    CHECK(d.delay >= 2000ms); // "a few seconds", although the backoff's first wait is 0.5 s
    // A later retry backs off further; other 400s are not retried.
    CHECK(decide(http(400, nullptr, "conversation_locked", locked), 3, false, {.max_retries = 6}).delay ==
          4000ms);
    CHECK_FALSE(decide(http(400, nullptr, "invalid_value", "bad")).retry);
    CHECK_FALSE(decide(http(404, nullptr, "conversation_locked", locked)).retry);
}
