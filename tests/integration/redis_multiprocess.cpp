// Four processes share one low-RPM budget through Redis against paced-emulator: no 429, and their
// combined rate stays within the limit.

#include "common/child_process.hpp"
#include "common/emulator_process.hpp"
#include "common/redis_server.hpp"

#include <catch2/catch.hpp>

#if PACED_HAS_REDIS && defined(PACED_REDIS_WORKER_PATH)

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

using paced::test::child_process;
using paced::test::emulator_process;
using paced::test::redis_server;
using namespace std::chrono_literals;

TEST_CASE("redis budget: four processes share one 120 RPM budget with no 429 and within the limit",
          "[redis][multiprocess]") {
    PACED_SKIP_WITHOUT_REDIS();
    redis_server server;
    emulator_process emu({"--rpm", "120"});
    constexpr int processes = 4;
    constexpr int per_process = 6;

    char dir_template[] = "/tmp/paced-workers-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    std::string const dir = dir_template;

    auto const start = std::chrono::steady_clock::now();
    std::vector<child_process> workers;
    for (int i = 0; i < processes; ++i) {
        // A latency allowance of 250 ms: admission in Redis and arrival at the server are up to that far
        // apart on a loaded machine.
        std::vector<std::string> args{server.url(), "shared", emu.base_url(), std::to_string(per_process),
                                      "120",        "250"};
        workers.emplace_back(PACED_REDIS_WORKER_PATH, std::move(args),
                             dir + "/worker" + std::to_string(i) + ".log");
    }
    auto const deadline = start + 120s;
    for (auto& w : workers) {
        int const code = w.wait_until(deadline);
        INFO("worker output: " << w.output());
        CHECK(code == 0);
    }
    auto const elapsed = std::chrono::steady_clock::now() - start;

    auto const stats = emu.stats().as_object();
    INFO("emulator stats: " << boost::json::serialize(stats));
    CHECK(stats.at("rate_limited_429").to_number<std::int64_t>() == 0);
    CHECK(stats.at("requests_total").to_number<std::int64_t>() >= processes * per_process);
    // 120/min is 2 at once, then one per 500 ms: in any minute at most 120, in any second a few.
    CHECK(stats.at("max_requests_60s").to_number<std::int64_t>() <= 120);
    CHECK(stats.at("max_requests_1s").to_number<std::int64_t>() <= 5);
    // 24 requests, a burst of 2 then one per 500 ms: they cannot all be done in less than ~11 s.
    CHECK(elapsed >= std::chrono::milliseconds((processes * per_process - 2) * 500 - 300));

    for (int i = 0; i < processes; ++i)
        std::remove((dir + "/worker" + std::to_string(i) + ".log").c_str());
    ::rmdir(dir.c_str());
}

#endif
