// bench_concurrent_runs: many concurrent runs in one process on one thread. Every run is a coroutine
// (client.run over paced::run_batch with the concurrency set to the number of runs), so all of them are
// open at once when the server's runs last long enough. Prints one JSON object: runs completed, requests,
// wall time, CPU time, peak RSS and CPU per request, for benchmarks/run.sh.
//
// Usage: bench_concurrent_runs --base-url URL [--runs 10000] [--mode poll|stream]
//                              [--poll-interval-ms 10000] [--max-connections 64]
// The server should not rate-limit (paced-emulator without --rpm/--tpm) and should keep runs open longer
// than it takes to create them all (e.g. --run-ms 20000).

#include <paced/batch.hpp>
#include <paced/paced.hpp>

#include <CLI/CLI.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <numeric>
#include <string>
#include <vector>

namespace asio = boost::asio;

namespace {

double seconds(timeval const& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

} // namespace

int main(int argc, char** argv) {
    std::string base_url;
    std::size_t runs = 10000;
    std::string mode = "poll";
    long poll_interval_ms = 10000;
    std::size_t max_connections = 64;
    CLI::App app{"bench_concurrent_runs: N concurrent client.run calls on one thread"};
    app.add_option("--base-url", base_url, "API base URL, e.g. http://127.0.0.1:PORT/v1")->required();
    app.add_option("--runs", runs, "Runs, all started at once")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app.add_option("--mode", mode, "poll or stream")
        ->capture_default_str()
        ->check(CLI::IsMember({"poll", "stream"}));
    app.add_option("--poll-interval-ms", poll_interval_ms, "Wait between polls")->capture_default_str();
    app.add_option("--max-connections", max_connections,
                   "Connections to the server (stream mode needs one per run)")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    asio::io_context ioc(1);
    paced::client_options opts;
    opts.api_key = "sk-bench";
    opts.base_url = base_url;
    opts.max_connections = max_connections;
    paced::client client{ioc.get_executor(), opts};

    std::vector<std::size_t> inputs(runs);
    std::iota(inputs.begin(), inputs.end(), std::size_t{0});
    std::size_t in_flight = 0;
    std::size_t max_in_flight = 0;
    std::size_t completed = 0;
    std::size_t failed = 0;
    std::string first_error;
    auto const started = std::chrono::steady_clock::now();

    // One run as an application would write it, but with the run's parameters built outside the
    // coroutine: g++ keeps every named local of a coroutine in its frame for as long as it lives, so
    // parameters named inside `work` would stay in memory until the run ended.
    auto const run_mode = mode == "stream" ? paced::run_mode::stream : paced::run_mode::poll;
    auto count = [&](asio::awaitable<paced::run> run) -> asio::awaitable<int> {
        ++in_flight;
        max_in_flight = std::max(max_in_flight, in_flight);
        struct leave {
            std::size_t& n;
            ~leave() { --n; }
        } guard{in_flight};
        paced::check_run(co_await std::move(run));
        co_return 1;
    };
    auto drive = [&]() -> asio::awaitable<void> {
        paced::assistant_create_params ap{.model = "gpt-4o-mini", .name = "bench"};
        auto assistant = co_await client.assistants().create(ap);
        // Not a coroutine: client.run takes its arguments now and returns the run's awaitable.
        auto work = [&](std::size_t const& i) -> asio::awaitable<int> {
            paced::thread_and_run_create_params job{
                .assistant_id = assistant.id,
                .thread = paced::thread_create_params{
                    .messages = {
                        {.role = "user", .content = "Is item " + std::to_string(i) + " good or bad?"}}}};
            paced::run_options ro{
                .mode = run_mode,
                .poll = {.interval = std::chrono::milliseconds(poll_interval_ms),
                         .max_interval = std::chrono::milliseconds(std::max(poll_interval_ms, 10000L))}};
            return count(client.run(std::move(job), std::move(ro)));
        };
        paced::batch_options all_at_once{.concurrency = runs}; // named: see README (g++ 12)
        auto results = co_await paced::run_batch(client, inputs, work, all_at_once);
        for (auto const& r : results) {
            if (r.has_value()) {
                ++completed;
                continue;
            }
            ++failed;
            if (first_error.empty()) {
                try {
                    std::rethrow_exception(r.error());
                } catch (std::exception const& e) {
                    first_error = e.what();
                    // Kept printable inside the JSON string below.
                    std::replace_if(
                        first_error.begin(), first_error.end(),
                        [](char c) { return c == '"' || c == '\\' || c < 0x20; }, '\'');
                }
            }
        }
    };
    std::exception_ptr fatal;
    asio::co_spawn(ioc, drive(), [&](std::exception_ptr e) { fatal = e; });
    ioc.run();
    if (fatal) {
        try {
            std::rethrow_exception(fatal);
        } catch (std::exception const& e) {
            std::fprintf(stderr, "bench_concurrent_runs: %s\n", e.what());
        }
        return 1;
    }

    auto const wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto const m = client.metrics();
    double const cpu = seconds(ru.ru_utime) + seconds(ru.ru_stime);
    std::printf(
        "{\"runs\":%zu,\"mode\":\"%s\",\"completed\":%zu,\"failed\":%zu,\"max_in_flight\":%zu,"
        "\"requests\":%llu,\"rate_limited_429\":%llu,\"wall_seconds\":%.3f,\"cpu_user_seconds\":%.3f,"
        "\"cpu_sys_seconds\":%.3f,\"peak_rss_kib\":%ld,\"cpu_us_per_request\":%.1f,\"first_error\":\"%s\"}\n",
        runs, mode.c_str(), completed, failed, max_in_flight, static_cast<unsigned long long>(m.requests),
        static_cast<unsigned long long>(m.rate_limited), wall, seconds(ru.ru_utime), seconds(ru.ru_stime),
        ru.ru_maxrss, m.requests ? cpu * 1e6 / static_cast<double>(m.requests) : 0.0,
        first_error.substr(0, 200).c_str());
    return failed == 0 ? 0 : 1;
}
