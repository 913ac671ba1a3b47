// paced-emulator: an OpenAI-compatible Assistants v2 and Responses server with rate limits, streaming and
// faults.
// See README.md in this directory for every flag and behaviour.

#include "config.hpp"
#include "server.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
    paced::emulator::config cfg;
    CLI::App app{"paced-emulator: an OpenAI-compatible Assistants v2 HTTP(S) server for tests, demos and "
                 "benchmarks, with OpenAI's rate limits, streaming and injectable faults."};
    app.add_option("--host", cfg.host, "Address to listen on")->capture_default_str();
    app.add_option("--port", cfg.port, "Port to listen on; 0 picks a free port")->capture_default_str();
    app.add_option("--rpm", cfg.rpm, "Requests per minute of every budget of the layout; 0 = no limit")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--tpm", cfg.tpm, "Tokens per minute of every budget; 0 = no limit")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--rate-layout", cfg.rate_layout,
                   "Which requests share a budget: 'global' (one budget for every request of the key) or "
                   "'per-model' (one per model for the requests that name one, one for the others)")
        ->check(CLI::IsMember({"global", "per-model"}))
        ->capture_default_str();
    std::vector<std::string> endpoint_limits;
    app.add_option("--endpoint-rpm", endpoint_limits,
                   "An extra budget for one route, charged on top of the layout's: 'METHOD /v1/path=RPM', "
                   "e.g. 'POST /v1/files=20' (repeatable)");
    app.add_option("--transit-jitter-ms", cfg.transit_jitter_ms,
                   "Handle (and count) each request at a random moment up to this long after it arrived, "
                   "so that requests are counted later and in another order than they were sent")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    bool no_rate_limit_headers = false;
    app.add_flag(
        "--no-rate-limit-headers", no_rate_limit_headers,
        "Send no x-ratelimit-* headers (whether the Assistants endpoints send them is not documented); "
        "429s keep retry-after");
    app.add_option("--run-ms", cfg.run_ms, "How long a run takes from queued to completed, in ms")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--run-jitter-ms", cfg.run_jitter_ms, "Uniform +- jitter added to --run-ms per run")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option(
           "--poll-after-ms", cfg.poll_after_ms,
           "Send openai-poll-after-ms with this value on run (and vector store file/batch) retrievals; "
           "0 = do not send")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--fault-5xx", cfg.fault_5xx, "Share of requests answered 500 server_error")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--fault-reset", cfg.fault_reset,
                   "Share of answers whose connection is reset before or in the middle of the answer")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--fault-slow", cfg.fault_slow, "Share of answers delayed by --slow-ms")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--slow-ms", cfg.slow_ms, "Delay of a slow answer (--fault-slow), in ms")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--fault-truncate", cfg.fault_truncate,
                   "Share of answers whose body or SSE stream is cut short (then the connection closes)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--fault-run-fail", cfg.fault_run_fail,
                   "Share of runs (and background responses) that end failed with code server_error")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_flag("--fault-run-fail-permanent", cfg.fault_run_fail_permanent,
                 "--fault-run-fail chooses by the run's input, not by chance: every run of a failing input "
                 "fails (a fault no retry cures), the others never do");
    app.add_option("--fault-response-rate-limited", cfg.fault_response_rate_limited,
                   "Share of background responses that end failed with error.code rate_limit_exceeded "
                   "(inside a 200, as the service reports an asynchronous rate limit)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_flag("--responses-done-sentinel", cfg.responses_done_sentinel,
                 "End every Responses stream with 'data: [DONE]' too (OpenAI does not; Open Responses "
                 "servers do)");
    app.add_option("--responses-keepalive-ms", cfg.responses_keepalive_ms,
                   "Send a keepalive event (with its own sequence_number) in every gap of a Responses "
                   "stream longer than this; 0 = none")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--responses-error-style", cfg.responses_error_style,
                   "Form of a Responses stream's error event: 'nested' ({\"error\":{...}}, as the service "
                   "sends) or 'flat' (code/message/param at the top, as the OpenAPI spec has it)")
        ->check(CLI::IsMember({"nested", "flat"}))
        ->capture_default_str();
    app.add_option("--batch-ms", cfg.batch_ms, "How long a batch takes from its creation to its end")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--batch-max-lines", cfg.batch_max_lines, "Requests a batch's input file may hold")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--batch-queue-tokens", cfg.batch_queue_tokens,
                   "Enqueued input tokens per model across unfinished batches; a batch over it fails with "
                   "token_limit_exceeded (0 = no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--fault-batch-expire", cfg.fault_batch_expire,
                   "Share of batch lines not done when the window closes: their batch ends expired, they "
                   "come back in the error file as batch_expired")
        ->check(CLI::Range(0.0, 1.0));
    auto* webhook_url = app.add_option("--webhook-url", cfg.webhook_url,
                                       "Deliver the events of background responses (response.completed, "
                                       ".failed, .cancelled, .incomplete) and batches (batch.completed, "
                                       ".failed, .expired, .cancelled) to this http:// URL, signed "
                                       "as Standard Webhooks, at least once, retried on non-2xx");
    app.add_option("--webhook-secret", cfg.webhook_secret,
                   "The signing secret: whsec_ + base64, or raw bytes")
        ->needs(webhook_url);
    auto share = CLI::Range(0.0, 1.0);
    app.add_option("--webhook-fault-drop", cfg.webhook_fault_drop, "Share of events never delivered")
        ->check(share)
        ->needs(webhook_url);
    app.add_option("--webhook-fault-duplicate", cfg.webhook_fault_duplicate,
                   "Share of events delivered twice, with the same webhook-id")
        ->check(share)
        ->needs(webhook_url);
    app.add_option("--webhook-fault-late", cfg.webhook_fault_late,
                   "Share of events delivered --webhook-late-ms late")
        ->check(share)
        ->needs(webhook_url);
    app.add_option("--webhook-late-ms", cfg.webhook_late_ms, "How late a late event is")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--webhook-fault-bad-signature", cfg.webhook_fault_bad_signature,
                   "Share of events whose first attempt carries a wrong signature (the retries are right)")
        ->check(share)
        ->needs(webhook_url);
    app.add_option("--webhook-fault-stale", cfg.webhook_fault_stale,
                   "Share of events whose first attempt carries a timestamp 10 minutes old (the retries are "
                   "fresh)")
        ->check(share)
        ->needs(webhook_url);
    app.add_option("--webhook-fault-early", cfg.webhook_fault_early,
                   "Share of background responses whose event is sent --webhook-early-ms before "
                   "retrievals show the end (a server whose reads lag behind its events)")
        ->check(share)
        ->needs(webhook_url);
    app.add_option("--webhook-early-ms", cfg.webhook_early_ms, "How early an early event is")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_flag("--quota-exhausted", cfg.quota_exhausted,
                 "Answer every API request with 429 insufficient_quota (no retry-after)");
    auto* cert = app.add_option("--tls-cert", cfg.tls_cert, "PEM certificate chain: serve HTTPS")
                     ->check(CLI::ExistingFile);
    auto* key =
        app.add_option("--tls-key", cfg.tls_key, "PEM private key for --tls-cert")->check(CLI::ExistingFile);
    cert->needs(key);
    key->needs(cert);
    app.add_option("--seed", cfg.seed, "Seed of every random choice (ids, jitter, faults, failed runs)")
        ->capture_default_str();
    app.add_option("--request-log", cfg.request_log,
                   "Write one line per API request to FILE: <ms since start> <status> <METHOD /v1/route> "
                   "[<run id>] (buffered, written on exit)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }

    cfg.rate_limit_headers = !no_rate_limit_headers;
    for (const auto& e : endpoint_limits) {
        const auto eq = e.rfind('=');
        std::int64_t rpm = 0;
        try {
            rpm = eq == std::string::npos ? 0 : std::stoll(e.substr(eq + 1));
        } catch (const std::exception&) {
            rpm = 0;
        }
        if (eq == std::string::npos || rpm <= 0 || e.find(" /v1/") == std::string::npos) {
            std::fprintf(stderr, "paced-emulator: --endpoint-rpm '%s': expected 'METHOD /v1/path=RPM'\n",
                         e.c_str());
            return 2;
        }
        cfg.endpoint_rpm[e.substr(0, eq)] = rpm;
    }

    try {
        boost::asio::io_context ioc(1);
        paced::emulator::server srv(ioc, cfg);
        srv.start();
        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int) {
            srv.stop();
            ioc.stop();
        });
        std::signal(SIGPIPE, SIG_IGN);
        std::printf("listening on %s://%s:%u\n", srv.tls() ? "https" : "http", cfg.host.c_str(),
                    static_cast<unsigned>(srv.port()));
        std::fflush(stdout);
        ioc.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "paced-emulator: %s\n", e.what());
        return 1;
    }
    return 0;
}
