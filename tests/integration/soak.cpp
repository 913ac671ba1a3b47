// Soak: 2,000 inputs through client.run (half streamed, half polled) against paced-emulator injecting
// every kind of fault, while a second process (paced-batch, a "noisy neighbour") spends about a third
// of the same budget. Checks the invariants users rely on: every input gets exactly one final outcome,
// no thread ever gets two runs, and rate-limit refusals are all recovered. Runs in the sanitizer build
// too (LeakSanitizer on). Its figures are printed and copied into the README.

#include <paced/batch.hpp>
#include <paced/paced.hpp>

#include "common/child_process.hpp"
#include "common/emulator_process.hpp"
#include "common/run_coro.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <unistd.h>

#ifdef PACED_BATCH_PATH

namespace asio = boost::asio;
namespace fs = std::filesystem;
using paced::test::child_process;
using paced::test::emulator_process;
using paced::test::run_coro;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t inputs_count = 2000;
constexpr double limit_rpm = 6000; // every budget of the emulator (org-wide and per model)
constexpr double neighbour_rpm = limit_rpm / 3;

/// A folder of small text files for the neighbour, removed at the end.
struct temp_folder {
    fs::path path;
    explicit temp_folder(std::size_t files) {
        char name[] = "/tmp/paced-soak-XXXXXX";
        if (::mkdtemp(name) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path = name;
        for (std::size_t i = 0; i < files; ++i)
            std::ofstream(path / ("n" + std::to_string(i) + ".txt"))
                << "neighbour item " << i << " looks good\n";
    }
    ~temp_folder() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct outcome_counts {
    std::size_t completed = 0;
    std::map<std::string, std::size_t> errors; // errc message -> count
    std::size_t untyped = 0;                   // exceptions that are not paced::error: must stay 0
};

} // namespace

TEST_CASE("soak: 2000 runs under injected faults and a noisy neighbour, each with one outcome", "[soak]") {
    // 5% 5xx, 2% resets (half before any byte, half mid-answer), 1% truncated bodies and streams, 2%
    // slow answers, 2% failed runs.
    emulator_process emu({"--rpm",        "6000", "--run-ms",      "300",  "--run-jitter-ms",  "200",
                          "--fault-5xx",  "0.05", "--fault-reset", "0.02", "--fault-truncate", "0.01",
                          "--fault-slow", "0.02", "--slow-ms",     "1500", "--fault-run-fail", "0.02",
                          "--seed",       "2026"});

    asio::io_context ioc;
    paced::client_options o;
    o.api_key = "sk-soak-0123456789";
    o.base_url = emu.base_url();
    o.max_retries = 4;
    o.pacing = std::make_shared<paced::local_budget>(
        ioc.get_executor(), paced::budget_options{.defaults = {.requests_per_minute = limit_rpm}});
    paced::client client{ioc.get_executor(), o};

    // The assistant, made before the neighbour starts so that both use it (a create meeting a fault
    // after it was sent is not re-sent: try again).
    paced::assistant a = run_coro(ioc, [&]() -> asio::awaitable<paced::assistant> {
        for (int attempt = 0;; ++attempt) {
            try {
                paced::assistant_create_params ap{.model = "gpt-4o-mini"};
                co_return co_await client.assistants().create(ap);
            } catch (paced::error const&) {
                if (attempt == 9)
                    throw;
            }
        }
    }());

    temp_folder neighbour_inputs(1500);
    std::string const log = neighbour_inputs.path.string() + ".log";
    // A thread per file (`--threads with-run`): the neighbour's runs then have a thread each, like the
    // client's, so that "at most one run per thread" below checks both processes.
    std::vector<std::string> neighbour_args{
        "--threads",       "with-run",
        "--base-url",      emu.base_url(),
        "--api-key",       "sk-neighbour",
        "--assistant",     a.id,
        "--rpm",           std::to_string(static_cast<int>(neighbour_rpm)),
        "--mode",          "poll",
        "--poll-interval", "250",
        "--concurrency",   "32",
        "--quiet",         neighbour_inputs.path.string()};
    child_process neighbour(PACED_BATCH_PATH, std::move(neighbour_args), log);

    std::vector<std::size_t> inputs(inputs_count);
    for (std::size_t i = 0; i < inputs_count; ++i)
        inputs[i] = i;
    std::vector<int> finished(inputs_count, 0); // how many times each input's work ended
    std::vector<paced::batch_result<paced::run>> results;
    auto const started = std::chrono::steady_clock::now();
    run_coro(
        ioc,
        [&]() -> asio::awaitable<void> {
            paced::batch_options batch{.concurrency = 200};
            results = co_await paced::run_batch(
                client, inputs,
                [&](std::size_t const& i) -> asio::awaitable<paced::run> {
                    struct count_end {
                        int& n;
                        ~count_end() { ++n; }
                    } guard{finished[i]};
                    paced::thread_create_params tp;
                    tp.messages.push_back({.content = "Item " + std::to_string(i) + " is good"});
                    auto t = co_await client.threads().create(tp);
                    paced::run_options ro{.mode = i % 2 ? paced::run_mode::stream : paced::run_mode::poll,
                                          .poll = {.interval = 250ms}};
                    auto r = co_await client.run(t.id, a.id, ro);
                    paced::check_run(r);
                    co_return r;
                },
                batch);
        }(),
        4min);
    auto const wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    // Stop the neighbour (Ctrl-C twice: stop starting files, then cancel those in flight).
    neighbour.signal(SIGINT);
    std::this_thread::sleep_for(100ms);
    neighbour.signal(SIGINT);
    int const neighbour_exit = neighbour.wait_until(std::chrono::steady_clock::now() + 30s);
    std::string const neighbour_output = neighbour.output();
    std::remove(log.c_str());

    auto const stats = emu.stats().as_object();
    INFO("emulator stats: " << boost::json::serialize(stats));
    INFO("neighbour output: " << neighbour_output);

    // Every input has exactly one final outcome: a run, or a typed error.
    REQUIRE(results.size() == inputs_count);
    outcome_counts out;
    std::set<std::string> run_ids;
    std::set<std::string> thread_ids;
    for (std::size_t i = 0; i < inputs_count; ++i) {
        INFO("input " << i);
        CHECK(finished[i] == 1);
        if (results[i].has_value()) {
            ++out.completed;
            run_ids.insert(results[i].value().id);
            thread_ids.insert(results[i].value().thread_id);
            continue;
        }
        try {
            std::rethrow_exception(results[i].error());
        } catch (paced::error const& e) {
            ++out.errors[e.code().message()];
        } catch (...) {
            ++out.untyped;
        }
    }
    std::string errors_text;
    for (auto const& [what, n] : out.errors)
        errors_text += " " + what + ": " + std::to_string(n) + ";";
    auto const faults = stats.at("faults").as_object();
    auto const m = client.metrics();
    auto const figures = [&] {
        char line[1024];
        std::snprintf(
            line, sizeof line,
            "soak: %zu inputs in %.1f s; faults injected: %lld 5xx, %lld resets, %lld truncations, %lld "
            "slow, %lld failed runs (all clients); outcomes: %zu completed, errors:%s untyped %zu; "
            "duplicates (most runs on one thread): %lld; this client: %llu requests, %llu retries, %llu "
            "429s received; 429s served to both processes: %lld; neighbour exit %d",
            inputs_count, wall, static_cast<long long>(faults.at("server_error").to_number<std::int64_t>()),
            static_cast<long long>(faults.at("reset").to_number<std::int64_t>()),
            static_cast<long long>(faults.at("truncate").to_number<std::int64_t>()),
            static_cast<long long>(faults.at("slow").to_number<std::int64_t>()),
            static_cast<long long>(stats.at("runs_failed").to_number<std::int64_t>()), out.completed,
            errors_text.empty() ? " none;" : errors_text.c_str(), out.untyped,
            static_cast<long long>(stats.at("runs_per_thread_max").to_number<std::int64_t>()),
            static_cast<unsigned long long>(m.requests), static_cast<unsigned long long>(m.retries),
            static_cast<unsigned long long>(m.rate_limited),
            static_cast<long long>(stats.at("rate_limited_429").to_number<std::int64_t>()), neighbour_exit);
        return std::string{line};
    }();
    // Printed on every run (not only on failure): the README's soak figures come from this line.
    std::fprintf(stderr, "%s\n", figures.c_str());
    INFO(figures);

    CHECK(out.untyped == 0);
    // One call never starts two runs: every thread has at most one, and no run is reported twice.
    CHECK(stats.at("runs_per_thread_max").to_number<std::int64_t>() == 1);
    CHECK(run_ids.size() == out.completed);
    CHECK(thread_ids.size() == out.completed);
    // Faults were really injected, and the neighbour really competed for the budget.
    CHECK(faults.at("server_error").to_number<std::int64_t>() > 50);
    CHECK(faults.at("reset").to_number<std::int64_t>() > 20);
    CHECK(faults.at("truncate").to_number<std::int64_t>() > 5);
    auto const routes = stats.at("requests_per_route").as_object();
    CHECK(routes.contains("POST /v1/threads/runs"));
    CHECK(stats.at("runs_created").to_number<std::int64_t>() > static_cast<std::int64_t>(inputs_count) + 100);
    // Refusals by the server (the neighbour's share) were all waited out: no input ends rate-limited.
    CHECK(out.errors.count(paced::make_error_code(paced::errc::rate_limited).message()) == 0);
    // What remains are the injected run failures (2%) and the rare request that met a fault on every
    // one of its attempts: at least 95% complete.
    CHECK(out.completed >= inputs_count * 95 / 100);
    CHECK(out.errors.size() <= 3);
}

#endif
