// Cost of one redis_budget acquire against a local redis-server: round trips and microseconds per
// acquire, sequential (one coroutine) and concurrent (several coroutines queued in one scope).
//
// usage: bench_redis_acquire [REDIS_URL] [ACQUIRES]
// The URL defaults to redis://127.0.0.1:6379/0; start a server first, e.g.
//   redis-server --port 6399 --save "" --appendonly no &  bench_redis_acquire redis://127.0.0.1:6399

#include <paced/pacing/redis_budget.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

// Named scopes: GCC 12 destroys a braced budget_scope temporary inside a co_await expression twice.
paced::budget_scope const org{};
paced::budget_scope const warm_up{.model = "warm-up"};

struct row {
    char const* name;
    int acquires;
    double seconds;
    paced::redis_budget_counters counters;
};

void print(row const& r) {
    std::printf("| %-44s | %8d | %10.1f | %11.2f | %12.0f |\n", r.name, r.acquires,
                1e6 * r.seconds / r.acquires, static_cast<double>(r.counters.round_trips) / r.acquires,
                r.acquires / r.seconds);
    std::fflush(stdout);
}

row run(char const* name, std::string const& url, std::string const& prefix, int acquires, int coroutines,
        std::optional<double> rpm) {
    asio::io_context ioc;
    paced::redis_budget_options o;
    o.url = url;
    o.key_prefix = prefix;
    o.limits.defaults.requests_per_minute = rpm;
    paced::redis_budget budget{ioc.get_executor(), o};
    // Connect first: the figures are for acquires, not for the connection.
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { co_await budget.acquire(warm_up, {}); }, asio::detached);
    ioc.run();
    ioc.restart();
    auto const before = budget.counters();
    int remaining = coroutines;
    auto const start = clock_type::now();
    for (int c = 0; c < coroutines; ++c)
        asio::co_spawn(
            ioc,
            [&, c]() -> asio::awaitable<void> {
                for (int i = c; i < acquires; i += coroutines)
                    co_await budget.acquire(org, {.requests = 1, .tokens = 0});
                --remaining;
            },
            asio::detached);
    ioc.run();
    double const seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    auto c = budget.counters();
    c.round_trips -= before.round_trips;
    c.acquired -= before.acquired;
    if (remaining != 0 || static_cast<int>(c.acquired) != acquires)
        throw std::runtime_error(std::string{name} + ": not every acquire completed");
    return {name, acquires, seconds, c};
}

} // namespace

int main(int argc, char** argv) {
    std::string const url = argc > 1 ? argv[1] : "redis://127.0.0.1:6379/0";
    int const n = argc > 2 ? std::stoi(argv[2]) : 5000;
    std::string const prefix = "bench:" + std::to_string(clock_type::now().time_since_epoch().count());
    try {
        std::printf("| %-44s | %8s | %10s | %11s | %12s |\n", "case", "acquires", "us/acquire", "trips/acq",
                    "acquires/s");
        std::printf("|%s|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(10, '-').c_str(),
                    std::string(12, '-').c_str(), std::string(13, '-').c_str(), std::string(14, '-').c_str());
        print(run("unlimited scope, 1 coroutine", url, prefix + ":a", n, 1, std::nullopt));
        print(run("never waits (1e9 RPM), 1 coroutine", url, prefix + ":b", n, 1, 1e9));
        print(run("never waits (1e9 RPM), 64 coroutines queued", url, prefix + ":c", n, 64, 1e9));
        // Paced: 60,000 RPM = one per ms with a burst of 1000: waits and re-asks are counted.
        print(run("paced 60k RPM, 1 coroutine", url, prefix + ":d", 3000, 1, 60000));
        print(run("paced 60k RPM, 64 coroutines queued", url, prefix + ":e", 3000, 64, 60000));
    } catch (std::exception const& e) {
        std::fprintf(stderr, "bench_redis_acquire: %s\n", e.what());
        return 1;
    }
    return 0;
}
