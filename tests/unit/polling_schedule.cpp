#include <paced/poll_schedule.hpp>

#include <catch2/catch.hpp>

#include <chrono>

using namespace std::chrono_literals;
using paced::header_list;
using paced::poll_options;
using paced::poll_schedule;

namespace {

header_list hint(char const* ms) {
    return header_list{{"openai-poll-after-ms", ms}};
}

} // namespace

TEST_CASE("poll schedule: without a hint every wait is the interval", "[polling]") {
    poll_schedule s{poll_options{.interval = 250ms}};
    CHECK(s.next_wait({}) == 250ms);
    CHECK(s.next_wait({}) == 250ms);
    CHECK(s.next_wait(header_list{{"x-other", "5"}}) == 250ms);
}

TEST_CASE("poll schedule: the server's openai-poll-after-ms wins over the interval", "[polling]") {
    poll_schedule s{poll_options{.interval = 1000ms}};
    CHECK(s.next_wait(hint("40")) == 40ms);
    CHECK(s.next_wait(header_list{{"OpenAI-Poll-After-Ms", "7"}}) == 7ms); // header names ignore case
    CHECK(s.next_wait(hint("0")) == 0ms);
    CHECK(s.next_wait({}) == 1000ms);
}

TEST_CASE("poll schedule: a malformed hint is ignored, a huge one capped at an hour", "[polling]") {
    poll_schedule s{poll_options{.interval = 300ms}};
    for (auto bad : {"", "-5", "12ms", " 12", "1.5", "abc"}) {
        CAPTURE(bad);
        CHECK(s.next_wait(hint(bad)) == 300ms);
    }
    CHECK(s.next_wait(hint("999999999")) == 3'600'000ms);
}

TEST_CASE("poll schedule: use_server_hint = false ignores the hint", "[polling]") {
    poll_schedule s{poll_options{.interval = 300ms, .use_server_hint = false}};
    CHECK(s.next_wait(hint("40")) == 300ms);
}

TEST_CASE("poll schedule: the interval grows after each wait up to max_interval", "[polling]") {
    poll_schedule s{poll_options{.interval = 100ms, .growth = 2.0, .max_interval = 500ms}};
    CHECK(s.next_wait({}) == 100ms);
    CHECK(s.next_wait({}) == 200ms);
    CHECK(s.next_wait({}) == 400ms);
    CHECK(s.next_wait({}) == 500ms);
    CHECK(s.next_wait({}) == 500ms);
}

TEST_CASE("poll schedule: a hinted wait leaves the interval as it was", "[polling]") {
    poll_schedule s{poll_options{.interval = 100ms, .growth = 2.0, .max_interval = 10s}};
    CHECK(s.next_wait({}) == 100ms);
    CHECK(s.next_wait(hint("30")) == 30ms);
    CHECK(s.next_wait(hint("30")) == 30ms);
    CHECK(s.next_wait({}) == 200ms); // grown once, by the one unhinted wait before
}

TEST_CASE("poll schedule: restart() starts again from the interval", "[polling]") {
    poll_schedule s{poll_options{.interval = 100ms, .growth = 3.0, .max_interval = 10s}};
    CHECK(s.next_wait({}) == 100ms);
    CHECK(s.next_wait({}) == 300ms);
    s.restart();
    CHECK(s.next_wait({}) == 100ms);
    CHECK(s.options().interval == 100ms);
}

TEST_CASE("poll schedule: growth of 1 or less keeps the interval constant", "[polling]") {
    auto const growth = GENERATE(1.0, 0.5, 0.0);
    poll_schedule s{poll_options{.interval = 100ms, .growth = growth}};
    CHECK(s.next_wait({}) == 100ms);
    CHECK(s.next_wait({}) == 100ms);
}
