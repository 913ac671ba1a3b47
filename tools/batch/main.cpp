// paced-batch: process files through assistant runs, as fast as the budget allows, with zero 429s,
// progress, resumable JSONL output and clean interruption.

#include <paced/batch.hpp>
#include <paced/paced.hpp>

#include "batch_io.hpp"
#include "file_runs.hpp"
#include "pooled_threads.hpp"
#include "via_batch_api.hpp"

#include <CLI/CLI.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>

namespace asio = boost::asio;
using namespace paced::batch_tool;

namespace {

/// "HOST:PORT" or "[V6]:PORT" as an endpoint to listen on; std::invalid_argument (or the address parser's
/// system_error) for anything else.
asio::ip::tcp::endpoint parse_listen_endpoint(std::string const& host_port) {
    auto const colon = host_port.rfind(':');
    if (colon == std::string::npos || colon + 1 == host_port.size())
        throw std::invalid_argument("expected HOST:PORT");
    auto host = host_port.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto const port_text = host_port.substr(colon + 1);
    std::size_t used = 0;
    unsigned long port = 0;
    try {
        port = std::stoul(port_text, &used);
    } catch (std::exception const&) {
        used = 0;
    }
    if (used != port_text.size() || port > 65535)
        throw std::invalid_argument("the port must be a number from 0 to 65535, got '" + port_text + "'");
    return {asio::ip::make_address(host), static_cast<unsigned short>(port)};
}

/// Lets the process use its hard limit of open files: up to --max-connections sockets are open at once,
/// and the soft limit is often 1024. Left as it is when the system refuses.
void raise_open_file_limit() {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
        l.rlim_cur = l.rlim_max;
        (void)::setrlimit(RLIMIT_NOFILE, &l);
    }
}

} // namespace

int main(int argc, char** argv) {
    settings cfg;
    CLI::App app{"paced-batch: process files through assistant runs, paced under the rate limits"};
    app.add_option("inputs", cfg.inputs, "Files or folders (folders are walked recursively)")->required();
    app.add_option("--base-url", cfg.base_url,
                   "API base URL (default $OPENAI_BASE_URL, else https://api.openai.com/v1)");
    app.add_option("--api-key", cfg.api_key, "API key (default $OPENAI_API_KEY)");
    auto* assistant_opt = app.add_option("--assistant", cfg.assistant_id, "Existing assistant id");
    auto* model_opt =
        app.add_option("--model", cfg.model, "Create an assistant with this model for the batch");
    app.add_option("--instructions", cfg.instructions, "Instructions of the created assistant")
        ->needs(model_opt);
    assistant_opt->excludes(model_opt);
    app.add_option("--prompt", cfg.prompt, "The user message sent with each file")->capture_default_str();
    app.add_option("--rpm", cfg.rpm,
                   "Requests per minute of everything the batch sends: uploads, runs, polls, replies and the "
                   "assistant (default: learnt from the server's headers)")
        ->check(CLI::PositiveNumber);
    app.add_option("--tpm", cfg.tpm, "Tokens per minute (default: learnt from the server's headers)")
        ->check(CLI::PositiveNumber);
    app.add_option("--rate-layout", cfg.rate_layout,
                   "'global': --rpm and --tpm are one budget for every request (right for any server); "
                   "'per-model': the server keeps them for the model's requests and again for the others")
        ->check(CLI::IsMember({"global", "per-model"}))
        ->capture_default_str();
    app.add_option("--latency-allowance-ms", cfg.latency_allowance_ms,
                   "How much later than admitted a request may be counted by the server (transit, queueing)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--run-retries", cfg.run_retries,
                   "New runs of a file whose run failed with server_error or rate_limit_exceeded (a fault of "
                   "the server's, not of the file)")
        ->capture_default_str();
    app.add_option("--max-retries", cfg.max_retries,
                   "Retries of a request after a transient failure (5xx, a connection lost, an answer cut "
                   "short; 429s have their own allowance), after a growing backoff; a create whose answer "
                   "was lost is first looked for by its tag. More than the SDK's 2, because a batch meets "
                   "many faults and a file lost costs more than a wait")
        ->capture_default_str()
        ->check(CLI::Range(0, 100));
    app.add_option("--shard", cfg.shard,
                   "K/N: only the files whose path hashes to shard K of N, so that N workers (with --redis) "
                   "split the same inputs without other coordination");
    app.add_option("--concurrency", cfg.concurrency, "Files processed at once")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    app.add_option(
           "--max-connections", cfg.max_connections,
           "Open connections at most (default: the larger of 64 and --concurrency; in stream mode each "
           "file in flight holds one for its run)")
        ->check(CLI::Range(1, 100000));
    app.add_option("--mode", cfg.mode, "How runs are followed: stream (one request per run) or poll")
        ->capture_default_str()
        ->check(CLI::IsMember({"stream", "poll"}));
    app.add_option("--api", cfg.api,
                   "Which API does each file's work: 'assistants' (a run of an assistant on a thread) or "
                   "'responses' (one response of --model; --threads does not apply)")
        ->check(CLI::IsMember({"assistants", "responses"}))
        ->capture_default_str();
    app.add_option("--via", cfg.via,
                   "'batch-api': send the files as lines of Batch API batches (with --api responses): half "
                   "the price, a budget apart, a few requests for the whole batch, results within 24 h")
        ->check(CLI::IsMember({"batch-api"}));
    app.add_option("--batch-lines", cfg.batch_lines, "Lines per batch with --via batch-api (at most 50000)")
        ->check(CLI::Range(1, 50000))
        ->capture_default_str();
    app.add_option("--batch-max-bytes", cfg.batch_max_bytes,
                   "Bytes of a batch's input file at most (the API takes 200 MB): a batch is split at this "
                   "size or at --batch-lines, whichever comes first")
        ->check(CLI::Range(std::uint64_t{1024}, std::uint64_t{200'000'000}))
        ->capture_default_str();
    app.add_option("--batch-poll-ms", cfg.batch_poll_ms, "Milliseconds between retrievals of a batch")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--webhook-listen", cfg.webhook_listen,
                   "HOST:PORT: receive the completion webhooks of background responses (--mode poll) and "
                   "batches (--via batch-api) there, signed with OPENAI_WEBHOOK_SECRET, and retrieve each "
                   "once when its event comes instead of polling it (plain HTTP: put TLS in front)");
    app.add_option("--webhook-fallback-ms", cfg.webhook_fallback_ms,
                   "With --webhook-listen: the longest wait for an event before a retrieval looks anyway "
                   "(--via batch-api: --batch-poll-ms)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--threads", cfg.threads,
                   "Where each file's runs go: 'pool' (threads created once and lent to one file at a time; "
                   "a file's run brings its message: one request per file), 'per-file' (a new thread per "
                   "file, then its run: one request more), 'with-run' (thread and run created in one "
                   "request, but a create whose answer was lost fails the file). See docs/batch.md")
        ->capture_default_str()
        ->check(CLI::IsMember({"pool", "per-file", "with-run"}));
    app.add_option("--pool-size", cfg.pool_size,
                   "Most threads of --threads pool (default: --concurrency); the pool grows only while "
                   "files wait for a thread and the budget has room")
        ->check(CLI::Range(1, 100000));
    app.add_option("--attach", cfg.attach,
                   "How each file reaches its run: 'inline' (as the text of the run's message, no upload; "
                   "text files only), 'upload' (uploaded and attached for file_search: one more request per "
                   "file), 'auto' (inline when the file is UTF-8 text without NUL bytes of at most "
                   "--inline-max-bytes, else upload)")
        ->capture_default_str()
        ->check(CLI::IsMember({"inline", "upload", "auto"}));
    app.add_option("--inline-max-bytes", cfg.inline_max_bytes, "The largest file --attach auto sends inline")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{64} * 1024 * 1024));
    app.add_option("--poll-interval", cfg.poll_interval_ms,
                   "Milliseconds between polls (poll mode, fallback)")
        ->capture_default_str()
        ->check(CLI::Range(1, 600000));
    app.add_option("--redis", cfg.redis_url,
                   "Share the budget with other workers through Redis (redis://host:port/db)");
    app.add_option("--out", cfg.out_path, "JSONL results, one line per file, written as each finishes");
    app.add_flag("--resume", cfg.resume, "Skip files already completed in --out");
    app.add_option("--stats-json", cfg.stats_path, "Write totals to this JSON file at the end");
    app.add_flag("--quiet", cfg.quiet, "No progress output");
    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }

    std::string problem;
    if (!resolve_settings(cfg, problem)) {
        std::cerr << "paced-batch: " << problem << "\n";
        return 2;
    }
    auto files = collect_files(cfg.inputs, problem);
    if (problem.empty() && !cfg.shard.empty() && !keep_shard(files, cfg.shard, problem))
        files.clear();
    if (!problem.empty()) {
        std::cerr << "paced-batch: " << problem << "\n";
        return 2;
    }
    std::set<std::string> already_done;
    if (cfg.resume) {
        if (cfg.out_path.empty()) {
            std::cerr << "paced-batch: --resume needs --out\n";
            return 2;
        }
        already_done = completed_in(cfg.out_path);
        std::erase_if(files, [&](std::string const& f) { return already_done.contains(f); });
    }

    raise_open_file_limit();
    asio::io_context ioc(1);
    std::unique_ptr<paced::client> client;
    try {
        client =
            std::make_unique<paced::client>(ioc.get_executor(), client_options_for(cfg, ioc.get_executor()));
    } catch (paced::error const& e) {
        std::cerr << "paced-batch: " << e.what() << "\n";
        return 2;
    }

    // Created before the batch starts and destroyed after the io_context has stopped running: its
    // creations and its timer refer to it.
    std::optional<pooled_threads> pool;
    if (cfg.threads == "pool" && cfg.api == "assistants") {
        // On one budget for every request, a request waiting for it means a run created now would wait
        // too. With per-model budgets the client's one count of waiting requests mixes the runs' budget
        // with the others' (uploads, polls, the pool's own creations), so it cannot tell: the pool then
        // grows as files wait, up to its size.
        std::function<bool()> runs_have_room = [] { return true; };
        if (cfg.rate_layout == "global")
            runs_have_room = [&client] { return client->metrics().waiting_for_budget == 0; };
        pool.emplace(*client, cfg.pool_size > 0 ? cfg.pool_size : cfg.concurrency, std::move(runs_have_room));
    }

    result_writer out;
    if (!cfg.out_path.empty() && !out.open(cfg.out_path, cfg.resume, problem)) {
        std::cerr << "paced-batch: " << problem << "\n";
        return 2;
    }

    // Completion webhooks: a receiver on --webhook-listen for the whole batch; a port taken is bad usage.
    std::optional<paced::webhooks::receiver> hooks;
    std::optional<asio::ip::tcp::acceptor> hooks_acceptor;
    asio::cancellation_signal stop_hooks;
    if (!cfg.webhook_listen.empty()) {
        try {
            hooks.emplace(paced::webhooks::receiver_options{.secret = cfg.webhook_secret});
            hooks_acceptor.emplace(ioc, parse_listen_endpoint(cfg.webhook_listen));
        } catch (std::exception const& e) {
            std::cerr << "paced-batch: --webhook-listen " << cfg.webhook_listen << ": " << e.what() << "\n";
            return 2;
        }
        asio::co_spawn(ioc, hooks->listen(*hooks_acceptor),
                       asio::bind_cancellation_slot(stop_hooks.slot(), asio::detached));
        if (!cfg.quiet) {
            auto const at = hooks_acceptor->local_endpoint();
            std::cerr << "paced-batch: receiving webhooks on " << at.address().to_string() << ":" << at.port()
                      << "\n";
        }
    }

    progress_display display(cfg.quiet, ::isatty(STDERR_FILENO) == 1, files.size(), already_done.size());
    std::atomic<bool> stopping{false};
    asio::cancellation_signal cancel_all;
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int) {
        if (ec)
            return;
        if (cfg.via == "batch-api") {
            // Batches run on the server for up to a day: stop following them now (a create in progress
            // still finishes and is recorded), and let --resume follow them later.
            stopping = true;
            display.note("interrupted: the batches go on on the server; --resume follows them");
            cancel_all.emit(asio::cancellation_type::terminal);
            return;
        }
        if (!stopping) {
            stopping = true;
            display.note("interrupted: finishing the files in flight (Ctrl-C again to cancel them)");
            signals.async_wait(on_signal);
        } else {
            display.note("cancelling the runs in flight");
            cancel_all.emit(asio::cancellation_type::terminal);
        }
    };
    signals.async_wait(on_signal);

    auto const started = std::chrono::steady_clock::now();
    std::vector<paced::batch_result<file_outcome>> results;
    std::string assistant_id = cfg.assistant_id;
    int exit_code = 0;
    std::size_t skipped = 0;

    via_batch_outcome via_batches;
    // Each file's line is written to --out as soon as it finishes, from inside its work item.
    auto drive = [&]() -> asio::awaitable<void> {
        if (cfg.via == "batch-api") {
            co_await run_via_batch_api(*client, cfg, files, out, cfg.out_path + ".batches",
                                       hooks ? &*hooks : nullptr, via_batches);
            co_return;
        }
        if (assistant_id.empty() && cfg.api == "assistants") {
            // Named parameters: g++ 12 mishandles braced temporaries inside a co_await expression.
            paced::assistant_create_params params{
                .model = cfg.model,
                .name = "paced-batch",
                .instructions = cfg.instructions.empty() ? std::optional<std::string>{} : cfg.instructions,
                .tools = {paced::file_search_tool{}}};
            auto a = co_await client->assistants().create(params);
            assistant_id = a.id;
        }
        file_job const job{.client = *client,
                           .cfg = cfg,
                           .responses = cfg.api == "responses",
                           .assistant_id = assistant_id,
                           .attach = parse_attach_mode(cfg.attach).value_or(attach_mode::automatic),
                           .threads = parse_thread_mode(cfg.threads).value_or(thread_mode::pool),
                           .pool = pool ? &*pool : nullptr,
                           .hooks = hooks ? &*hooks : nullptr,
                           .stopping = stopping};
        auto work = [&](std::string const& path) -> asio::awaitable<file_outcome> {
            if (stopping)
                throw skipped_by_interrupt{};
            file_outcome o;
            try {
                if (job.responses)
                    co_await process_response_file(job, path, o);
                else
                    co_await process_file(job, path, o);
                out.write(line_record{.file = path,
                                      .status = o.status,
                                      .answer = o.answer,
                                      .run_id = o.run_id,
                                      .thread_id = o.thread_id,
                                      .requests = o.requests,
                                      .runs = o.runs,
                                      .attach = o.attach});
            } catch (skipped_by_interrupt const&) {
                throw;
            } catch (paced::error const& e) {
                out.write(failure_record(path, e, o.run_id, o.thread_id, o.requests, o.runs, o.attach));
                throw;
            } catch (boost::system::system_error const& e) {
                if (e.code() != asio::error::operation_aborted) {
                    out.write(failure_record(path, e, o.run_id, o.thread_id, o.requests, o.runs, o.attach));
                }
                throw;
            }
            co_return o;
        };
        // With limits to learn from the server's headers, the first request must come back before the
        // rest go: a batch that started with all its files at once would overshoot a limit it cannot know
        // yet. The assistant's creation is that request for runs; responses have no setup request, so
        // their first file goes alone.
        std::size_t done_before = 0;
        if (job.responses && cfg.rpm <= 0 && files.size() > 1) {
            std::vector<std::string> first{files.front()};
            paced::batch_options alone{.concurrency = 1, .on_progress = [&](paced::batch_progress p) {
                                           p.total = files.size();
                                           display.update(p);
                                       }};
            results = co_await paced::run_batch(*client, std::move(first), work, alone);
            done_before = 1;
        }
        std::vector<std::string> rest(files.begin() + static_cast<std::ptrdiff_t>(done_before), files.end());
        paced::batch_options batch{.concurrency = cfg.concurrency,
                                   .on_progress = [&](paced::batch_progress p) {
                                       p.total += done_before;
                                       p.done += done_before;
                                       display.update(p);
                                   }};
        auto more = co_await paced::run_batch(*client, std::move(rest), work, batch);
        for (auto& r : more)
            results.push_back(std::move(r));
    };

    std::exception_ptr fatal;
    asio::co_spawn(ioc, drive(), asio::bind_cancellation_slot(cancel_all.slot(), [&](std::exception_ptr e) {
                       fatal = e;
                       signals.cancel();
                       stop_hooks.emit(asio::cancellation_type::terminal);
                       display.stop();
                   }));
    display.start(ioc, [&] { return client->metrics(); });
    ioc.run();

    auto const wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    auto metrics = client->metrics();
    totals t{.files = files.size() + already_done.size(),
             .previously_completed = already_done.size(),
             .requests = metrics.requests,
             .rate_limited = metrics.rate_limited,
             .retries = metrics.retries,
             .budget_wait_seconds = std::chrono::duration<double>(metrics.budget_wait).count(),
             .wall_seconds = wall};
    if (fatal) {
        try {
            std::rethrow_exception(fatal);
        } catch (boost::system::system_error const& e) {
            if (!(stopping && e.code() == asio::error::operation_aborted)) // else: the interruption noted
                std::cerr << "paced-batch: " << e.what() << "\n";
        } catch (std::exception const& e) {
            std::cerr << "paced-batch: " << e.what() << "\n";
        }
        exit_code = 1;
    }
    for (auto const& r : results) {
        if (r.has_value()) {
            ++t.completed;
            continue;
        }
        try {
            std::rethrow_exception(r.error());
        } catch (skipped_by_interrupt const&) {
            ++skipped;
        } catch (boost::system::system_error const& e) {
            if (e.code() == asio::error::operation_aborted)
                ++skipped;
            else
                ++t.failed;
        } catch (...) {
            ++t.failed;
        }
    }
    t.completed += via_batches.completed;
    t.failed += via_batches.failed;
    if (results.empty() && fatal)
        skipped = files.size() - via_batches.completed - via_batches.failed;
    t.skipped = skipped;
    t.completed += already_done.size();
    display.summary(t);
    if (!cfg.stats_path.empty() && !write_stats(cfg.stats_path, t, problem))
        std::cerr << "paced-batch: " << problem << "\n";
    if (skipped > 0 && !cfg.out_path.empty())
        std::cerr << "paced-batch: " << skipped << " file(s) not processed; run again with --resume\n";
    if (exit_code == 0 && (t.failed > 0 || skipped > 0))
        exit_code = 1;
    return exit_code;
}
