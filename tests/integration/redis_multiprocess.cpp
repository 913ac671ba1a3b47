// Four processes share one low-RPM budget through Redis against paced-emulator: no 429, and their
// combined rate stays within the limit.

#include "common/emulator_process.hpp"
#include "common/redis_server.hpp"

#include <catch2/catch.hpp>

#if PACED_HAS_REDIS && defined(PACED_REDIS_WORKER_PATH)

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

using paced::test::emulator_process;
using paced::test::redis_server;
using namespace std::chrono_literals;

namespace {

struct worker {
    pid_t pid = -1;
    std::string log; // its output file
};

worker spawn_worker(std::vector<std::string> args, std::string const& log) {
    args.insert(args.begin(), PACED_REDIS_WORKER_PATH);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    worker w{-1, log};
    int const rc = ::posix_spawn(&w.pid, PACED_REDIS_WORKER_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        FAIL("cannot start the worker: " << std::strerror(rc));
    return w;
}

/// Waits for the worker; its exit code, or -1 when it had to be killed at the deadline.
int reap(worker const& w, std::chrono::steady_clock::time_point deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(w.pid, &status, WNOHANG) == w.pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        std::this_thread::sleep_for(20ms);
    }
    ::kill(w.pid, SIGKILL);
    int status = 0;
    ::waitpid(w.pid, &status, 0);
    return -1;
}

std::string slurp(std::string const& path) {
    std::string out;
    if (FILE* f = std::fopen(path.c_str(), "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            out.append(buf, n);
        std::fclose(f);
    }
    return out;
}

} // namespace

TEST_CASE("redis budget: four processes share one 120 RPM budget with no 429 and within the limit",
          "[redis][multiprocess]") {
    if (!redis_server::available()) {
        WARN("redis-server not installed: skipped");
        return;
    }
    redis_server server;
    emulator_process emu({"--rpm", "120"});
    constexpr int processes = 4;
    constexpr int per_process = 6;

    char dir_template[] = "/tmp/paced-workers-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    std::string const dir = dir_template;

    auto const start = std::chrono::steady_clock::now();
    std::vector<worker> workers;
    for (int i = 0; i < processes; ++i)
        // A latency allowance of 250 ms: admission in Redis and arrival at the server are up to that far
        // apart on a loaded machine.
        workers.push_back(
            spawn_worker({server.url(), "shared", emu.base_url(), std::to_string(per_process), "120", "250"},
                         dir + "/worker" + std::to_string(i) + ".log"));
    auto const deadline = start + 120s;
    for (auto const& w : workers) {
        int const code = reap(w, deadline);
        INFO("worker output: " << slurp(w.log));
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
