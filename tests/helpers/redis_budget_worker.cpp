// One worker process of the multi-process Redis budget test: a paced client whose budget is a
// redis_budget, creating threads against paced-emulator as fast as the shared budget allows.
//
// usage: paced_redis_worker REDIS_URL KEY_PREFIX BASE_URL COUNT RPM [LATENCY_ALLOWANCE_MS]
// Prints one line "acquired=N round_trips=M waited=W" and exits 0, or prints the error and exits 1.

#include <paced/paced.hpp>
#include <paced/pacing/redis_budget.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <exception>
#include <string>

namespace asio = boost::asio;

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s REDIS_URL KEY_PREFIX BASE_URL COUNT RPM [LATENCY_ALLOWANCE_MS]\n",
                     argv[0]);
        return 2;
    }
    try {
        paced::redis_budget_options ro;
        ro.url = argv[1];
        ro.key_prefix = argv[2];
        ro.limits.defaults.requests_per_minute = std::stod(argv[5]);
        if (argc > 6)
            ro.limits.latency_allowance = std::chrono::milliseconds(std::stoi(argv[6]));
        int const count = std::stoi(argv[4]);

        asio::io_context ioc;
        auto budget = std::make_shared<paced::redis_budget>(ioc.get_executor(), ro);
        paced::client_options co;
        co.api_key = "sk-test-worker-0123456789";
        co.base_url = argv[3];
        co.pacing = budget;
        paced::client client{ioc.get_executor(), co};

        std::exception_ptr failure;
        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<void> {
                for (int i = 0; i < count; ++i)
                    (void)co_await client.threads().create();
            },
            [&](std::exception_ptr e) {
                failure = e;
                ioc.stop();
            });
        ioc.run();
        if (failure)
            std::rethrow_exception(failure);
        auto const c = budget->counters();
        std::printf(
            "acquired=%llu round_trips=%llu waited=%llu\n", static_cast<unsigned long long>(c.acquired),
            static_cast<unsigned long long>(c.round_trips), static_cast<unsigned long long>(c.waited));
        return 0;
    } catch (std::exception const& e) {
        std::fprintf(stderr, "worker failed: %s\n", e.what());
        return 1;
    }
}
