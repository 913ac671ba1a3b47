// The sans-io half of the Redis budget: the script's commands and the decoding of its answers.

#include "pacing/redis_protocol.hpp"

#include <catch2/catch.hpp>

#if PACED_HAS_REDIS

namespace rp = paced::pacing::redis;
using std::chrono::microseconds;

namespace {

rp::reply integer(long long v) {
    return {.what = rp::reply::kind::integer, .integer = v};
}

rp::reply array(std::vector<rp::reply> e) {
    return {.what = rp::reply::kind::array, .elements = std::move(e)};
}

} // namespace

TEST_CASE("redis protocol: scope keys are <prefix>:org, :model:<name> and :endpoint:<name>", "[redis]") {
    CHECK(rp::model_scope_key("paced:org-1", "") == "paced:org-1:org");
    CHECK(rp::model_scope_key("p", "gpt-4o") == "p:model:gpt-4o");
    CHECK(rp::endpoint_scope_key("p", "files.create") == "p:endpoint:files.create");
    auto const ref = rp::make_scope_ref("p:org", {});
    CHECK(ref.req_key == "p:org:req");
    CHECK(ref.tok_key == "p:org:tok");
}

TEST_CASE(
    "redis protocol: an unset burst is 0 (the script's default for the limit in force), unset limits are 0",
    "[redis]") {
    auto const l = rp::to_scope_limits({.requests_per_minute = 120, .tokens_per_minute = 30000});
    CHECK(l.requests == rp::dimension_limit{120, 0});
    CHECK(l.tokens == rp::dimension_limit{30000, 0});
    CHECK(rp::to_scope_limits({.requests_per_minute = 30}).requests == rp::dimension_limit{30, 0});
    CHECK(rp::to_scope_limits({}).tokens == rp::dimension_limit{});
    CHECK(rp::to_scope_limits({.requests_per_minute = 600, .burst_requests = 3}).requests ==
          rp::dimension_limit{600, 3});
}

TEST_CASE("redis protocol: an acquire of two scopes names six keys, then op, allowance, limits and cost",
          "[redis]") {
    rp::script_call c;
    c.op = rp::script_op::acquire;
    c.scopes.push_back(rp::make_scope_ref("p:model:m", {{60, 1}, {0, 0}}));
    c.scopes.push_back(rp::make_scope_ref("p:endpoint:e", {{1000, 16}, {0, 0}}));
    c.pause_key = "p:model:m:pause";
    c.share_key = "p:model:m:share";
    c.latency_allowance = microseconds{50000};
    c.args = {1, 250};
    auto const cmd = rp::evalsha_command("abc123", c);
    std::vector<std::string> const expected{"EVALSHA",
                                            "abc123",
                                            "6",
                                            "p:model:m:req",
                                            "p:model:m:tok",
                                            "p:endpoint:e:req",
                                            "p:endpoint:e:tok",
                                            "p:model:m:pause",
                                            "p:model:m:share",
                                            "acquire",
                                            "50000",
                                            "2",
                                            "60",
                                            "1",
                                            "0",
                                            "0",
                                            "1000",
                                            "16",
                                            "0",
                                            "0",
                                            "1",
                                            "250"};
    CHECK(cmd == expected);
}

TEST_CASE("redis protocol: fractional limits keep their precision in the command", "[redis]") {
    rp::script_call c;
    c.op = rp::script_op::pause;
    c.scopes.push_back(rp::make_scope_ref("p:org", {{0.5, 1}, {0, 0}}));
    c.pause_key = "p:org:pause";
    c.share_key = "p:org:share";
    c.args = {1500};
    auto const cmd = rp::evalsha_command("s", c);
    REQUIRE(cmd.size() == 15);
    CHECK(cmd[2] == "4");
    CHECK(cmd[6] == "p:org:share");
    CHECK(cmd[7] == "pause");
    CHECK(cmd[10] == "0.5");
    CHECK(cmd[14] == "1500");
}

TEST_CASE("redis protocol: the script's three acquire answers decode", "[redis]") {
    auto const admitted = rp::decode_acquire(array({integer(0), integer(0)}));
    REQUIRE(admitted);
    CHECK(admitted->what == rp::acquire_answer::kind::admitted);

    auto const wait = rp::decode_acquire(array({integer(1), integer(499999)}));
    REQUIRE(wait);
    CHECK(wait->what == rp::acquire_answer::kind::wait);
    CHECK(wait->wait == microseconds{499999});

    auto const big = rp::decode_acquire(array({integer(2), integer(2), integer(1), integer(30000)}));
    REQUIRE(big);
    CHECK(big->what == rp::acquire_answer::kind::too_large);
    CHECK(big->scope_index == 2);
    CHECK(big->dimension == 1);
    CHECK(big->limit == 30000);
}

TEST_CASE("redis protocol: answers the script cannot give are rejected, not guessed", "[redis]") {
    CHECK_FALSE(rp::decode_acquire(rp::reply{}));
    CHECK_FALSE(rp::decode_acquire(integer(0)));
    CHECK_FALSE(rp::decode_acquire(array({})));
    CHECK_FALSE(rp::decode_acquire(array({integer(1), integer(0)})));
    CHECK_FALSE(rp::decode_acquire(array({integer(1)})));
    CHECK_FALSE(
        rp::decode_acquire(array({integer(2), integer(4), integer(0), integer(1)}))); // 3 budgets at most
    CHECK_FALSE(rp::decode_acquire(array({integer(2), integer(0), integer(0), integer(1)})));
    CHECK_FALSE(rp::decode_acquire(array({integer(7), integer(0)})));
    CHECK_FALSE(
        rp::decode_acquire(array({integer(0), rp::reply{.what = rp::reply::kind::string, .str = "0"}})));
}

TEST_CASE("redis protocol: NOSCRIPT errors are recognised, other errors are not", "[redis]") {
    CHECK(rp::is_noscript({.what = rp::reply::kind::error, .str = "NOSCRIPT No matching script."}));
    CHECK_FALSE(rp::is_noscript({.what = rp::reply::kind::error, .str = "ERR wrong number of arguments"}));
    CHECK_FALSE(rp::is_noscript({.what = rp::reply::kind::string, .str = "NOSCRIPT"}));
}

TEST_CASE("redis protocol: waits and pauses round up to whole microseconds", "[redis]") {
    using std::chrono::nanoseconds;
    CHECK(rp::ceil_micros(nanoseconds{0}) == 0);
    CHECK(rp::ceil_micros(nanoseconds{-5}) == 0);
    CHECK(rp::ceil_micros(nanoseconds{1}) == 1);
    CHECK(rp::ceil_micros(nanoseconds{1000}) == 1);
    CHECK(rp::ceil_micros(nanoseconds{1001}) == 2);
}

TEST_CASE("redis protocol: the script reads the server's clock and stores whole microseconds", "[redis]") {
    auto const s = std::string{rp::gcra_script()};
    CHECK(s.find("redis.call('TIME')") != std::string::npos);
    CHECK(s.find("'%.0f'") != std::string::npos);
    CHECK(s.find("'PX'") != std::string::npos);
}

TEST_CASE("redis protocol: the script's 429 back-off uses local_budget's constants", "[redis]") {
    auto const s = std::string{rp::gcra_script()};
    CHECK(s.find('@') == std::string::npos); // every placeholder replaced
    CHECK(s.find("share * 0.75") != std::string::npos);
    CHECK(s.find("math.max(0.10000000000000001, ") != std::string::npos);
    CHECK(s.find("/ 5000000) * 0.050000000000000003") != std::string::npos);
    CHECK(s.find("now - lowered_at >= 1000000") != std::string::npos);
}

#endif
