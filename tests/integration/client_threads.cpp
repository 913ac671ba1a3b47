// Thread safety of the client as documented: one client on a strand of an io_context run by four
// threads, and clients on separate io_contexts sharing one thread-safe budget. Meant to run under
// ThreadSanitizer (.ci/run builds these with -DPACED_SANITIZE=thread); the invariants are checked in
// every build.

#include <paced/batch.hpp>
#include <paced/paced.hpp>

#include "common/emulator_process.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <thread>

namespace asio = boost::asio;
using paced::test::emulator_process;
using namespace std::chrono_literals;

namespace {

paced::client_options options_for(emulator_process const& emu, std::shared_ptr<paced::budget> budget) {
    paced::client_options o;
    o.api_key = "sk-threads-0123456789";
    o.base_url = emu.base_url();
    o.max_connections = 8;
    o.pacing = std::move(budget);
    return o;
}

/// `runs` runs through one client (half streamed, half polled), counting completions.
asio::awaitable<void> run_many(paced::client& client, int runs, std::atomic<int>& completed,
                               std::atomic<int>& failed) {
    paced::assistant_create_params ap{.model = "gpt-4o-mini"};
    auto const a = co_await client.assistants().create(ap);
    std::vector<int> inputs(static_cast<std::size_t>(runs));
    for (int i = 0; i < runs; ++i)
        inputs[static_cast<std::size_t>(i)] = i;
    paced::batch_options batch{.concurrency = 16};
    auto results = co_await paced::run_batch(
        client, inputs,
        [&](int const& i) -> asio::awaitable<paced::run> {
            paced::thread_and_run_create_params job{.assistant_id = a.id};
            job.thread = paced::thread_create_params{};
            job.thread->messages.push_back({.content = "item " + std::to_string(i) + " is good"});
            paced::run_options ro{.mode = i % 2 ? paced::run_mode::stream : paced::run_mode::poll,
                                  .poll = {.interval = 50ms}};
            co_return co_await client.run(job, ro);
        },
        batch);
    for (auto const& r : results)
        (r.has_value() && r.value().status == paced::run_status::completed ? completed : failed)++;
}

} // namespace

TEST_CASE("thread safety: one client on a strand, its io_context run by four threads", "[threads][client]") {
    emulator_process emu({"--rpm", "3000", "--run-ms", "100"});
    asio::io_context ioc(4);
    auto strand = asio::make_strand(ioc);
    auto budget = std::make_shared<paced::local_budget>(
        strand, paced::budget_options{.defaults = {.requests_per_minute = 3000}});
    paced::client client{strand, options_for(emu, budget)};
    std::atomic<int> completed{0}, failed{0};
    std::exception_ptr failure;
    asio::co_spawn(strand, run_many(client, 60, completed, failed), [&](std::exception_ptr e) {
        failure = e;
        ioc.stop(); // idle pooled connections keep timers: the test is over
    });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] { ioc.run_for(120s); });
    for (auto& t : threads)
        t.join();
    if (failure)
        std::rethrow_exception(failure);
    CHECK(completed == 60);
    CHECK(failed == 0);
    CHECK(client.metrics().rate_limited == 0);
    CHECK(emu.stats().as_object().at("rate_limited_429").to_number<std::int64_t>() == 0);
}

TEST_CASE("thread safety: clients on two io_contexts share one thread-safe budget", "[threads][client]") {
    emulator_process emu({"--rpm", "3000", "--run-ms", "100"});
    asio::io_context first(1), second(1);
    auto budget = std::make_shared<paced::local_budget>(
        first.get_executor(),
        paced::budget_options{.defaults = {.requests_per_minute = 3000}, .thread_safe = true});
    paced::client a{first.get_executor(), options_for(emu, budget)};
    paced::client b{second.get_executor(), options_for(emu, budget)};
    std::atomic<int> completed{0}, failed{0};
    std::atomic<int> done{0};
    std::exception_ptr failure_a, failure_b;
    asio::co_spawn(first, run_many(a, 30, completed, failed), [&](std::exception_ptr e) {
        failure_a = e;
        ++done;
    });
    asio::co_spawn(second, run_many(b, 30, completed, failed), [&](std::exception_ptr e) {
        failure_b = e;
        ++done;
        second.stop(); // idle pooled connections keep timers
    });
    // The budget's timers live on `first`: it keeps running until both clients are done.
    auto guard = asio::make_work_guard(first);
    std::thread ta([&] { first.run_for(120s); });
    std::thread tb([&] { second.run_for(120s); });
    auto const deadline = std::chrono::steady_clock::now() + 120s;
    while (done < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    tb.join();
    guard.reset();
    first.stop();
    ta.join();
    if (failure_a)
        std::rethrow_exception(failure_a);
    if (failure_b)
        std::rethrow_exception(failure_b);
    CHECK(completed == 60);
    CHECK(failed == 0);
    CHECK(emu.stats().as_object().at("rate_limited_429").to_number<std::int64_t>() == 0);
    // Every request of both clients went through the shared budget: per client at least the assistant,
    // 15 streamed runs (one request each) and 15 polled runs (creation and at least one retrieval).
    CHECK(budget->counters().acquired >= 2 * (1 + 15 + 15 * 2));
}
