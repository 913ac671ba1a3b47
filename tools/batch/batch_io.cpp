#include "batch_io.hpp"

#include <paced/error.hpp>
#include <paced/pacing/local_budget.hpp>
#if defined(PACED_HAS_REDIS) && __has_include(<paced/pacing/redis_budget.hpp>)
#include <paced/pacing/redis_budget.hpp>
#define PACED_BATCH_REDIS 1
#endif

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <sys/ioctl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace paced::batch_tool {

namespace {

std::string env(char const* name) {
    char const* v = std::getenv(name);
    return v ? v : "";
}

std::string errc_name(boost::system::error_code ec) {
    if (ec.category() != paced::error_category())
        return ec.message();
    switch (static_cast<paced::errc>(ec.value())) {
    case errc::run_failed:
        return "run_failed";
    case errc::run_cancelled:
        return "run_cancelled";
    case errc::run_expired:
        return "run_expired";
    case errc::run_incomplete:
        return "run_incomplete";
    case errc::rate_limited:
        return "rate_limited";
    case errc::insufficient_quota:
        return "insufficient_quota";
    case errc::request_too_large:
        return "request_too_large";
    case errc::server_error:
        return "server_error";
    case errc::timeout:
        return "timeout";
    case errc::connection_lost:
        return "connection_lost";
    case errc::connect_failed:
        return "connect_failed";
    case errc::not_found:
        return "not_found";
    case errc::bad_request:
        return "bad_request";
    case errc::authentication_failed:
        return "authentication_failed";
    case errc::invalid_argument:
        return "invalid_argument";
    case errc::stream_error:
        return "stream_error";
    case errc::stream_truncated:
        return "stream_truncated";
    default:
        return ec.message();
    }
}

std::string format_duration(double seconds) {
    if (seconds < 0 || seconds > 1e7)
        return "--:--";
    auto s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

} // namespace

bool resolve_settings(settings& cfg, std::string& problem) {
    if (cfg.base_url.empty())
        cfg.base_url = env("OPENAI_BASE_URL");
    if (cfg.base_url.empty())
        cfg.base_url = "https://api.openai.com/v1";
    if (cfg.api_key.empty())
        cfg.api_key = env("OPENAI_API_KEY");
    if (cfg.api_key.empty()) {
        problem = "no API key: pass --api-key or set OPENAI_API_KEY";
        return false;
    }
    if (cfg.via == "batch-api" && cfg.api != "responses") {
        problem = "--via batch-api runs responses: add --api responses";
        return false;
    }
    if (cfg.via == "batch-api" && cfg.out_path.empty()) {
        problem =
            "--via batch-api needs --out FILE.jsonl (FILE.jsonl.batches keeps the batches for --resume)";
        return false;
    }
    if (!cfg.webhook_listen.empty()) {
        cfg.webhook_secret = env("OPENAI_WEBHOOK_SECRET");
        if (cfg.webhook_secret.empty()) {
            problem = "--webhook-listen needs the endpoint's signing secret in OPENAI_WEBHOOK_SECRET";
            return false;
        }
        if (cfg.api != "responses" || (cfg.via.empty() && cfg.mode != "poll")) {
            problem = "--webhook-listen completes background work: use it with --api responses and --mode "
                      "poll or --via batch-api (assistant runs have no webhooks)";
            return false;
        }
    }
    if (cfg.api == "responses" && cfg.model.empty()) {
        problem = "--api responses needs --model M (responses name their model; there is no assistant)";
        return false;
    }
    if (cfg.api == "responses" && !cfg.assistant_id.empty()) {
        problem = "--assistant is for --api assistants; responses name their --model";
        return false;
    }
    if (cfg.assistant_id.empty() && cfg.model.empty()) {
        problem = "say which assistant to use: --assistant ID, or --model M to create one for the batch";
        return false;
    }
    if (!cfg.redis_url.empty()) {
#ifndef PACED_BATCH_REDIS
        problem = "--redis: this build has no Redis support (hiredis was not found)";
        return false;
#endif
    }
    if (cfg.prompt.empty()) {
        problem = "--prompt must not be empty";
        return false;
    }
    return true;
}

std::vector<std::string> collect_files(std::vector<std::string> const& inputs, std::string& problem) {
    std::vector<std::string> out;
    for (auto const& in : inputs) {
        std::error_code ec;
        auto st = fs::status(in, ec);
        if (ec || !fs::exists(st)) {
            problem = "no such file or folder: " + in;
            return {};
        }
        if (fs::is_directory(st)) {
            for (auto it =
                     fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (it->is_regular_file(ec))
                    out.push_back(it->path().string());
            }
            if (ec) {
                problem = "cannot read folder " + in + ": " + ec.message();
                return {};
            }
        } else if (fs::is_regular_file(st)) {
            out.push_back(in);
        } else {
            problem = "not a regular file: " + in;
            return {};
        }
    }
    for (auto const& f : out) {
        std::ifstream probe(f, std::ios::binary);
        if (!probe) {
            problem = "cannot read " + f;
            return {};
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.empty())
        problem = "no files found in the given inputs";
    return out;
}

std::set<std::string> completed_in(std::string const& path) {
    std::set<std::string> done;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        boost::system::error_code ec;
        auto jv = boost::json::parse(line, ec);
        if (ec || !jv.is_object())
            continue; // a line cut by a crash is simply redone
        auto const& o = jv.get_object();
        auto f = o.find("file");
        auto s = o.find("status");
        if (f != o.end() && s != o.end() && f->value().is_string() && s->value().is_string() &&
            s->value().get_string() == "completed")
            done.insert(std::string{f->value().get_string()});
    }
    return done;
}

client_options client_options_for(settings const& cfg, boost::asio::any_io_executor ex) {
    client_options o;
    o.api_key = cfg.api_key;
    o.base_url = cfg.base_url;
    o.organization = env("OPENAI_ORG_ID");
    o.project = env("OPENAI_PROJECT_ID");
    o.log = logger_from_env();
    o.max_retries = cfg.max_retries;
    // In stream mode each file in flight holds a connection for its whole run: a pool smaller than the
    // concurrency would quietly lower it.
    o.max_connections =
        cfg.max_connections > 0 ? cfg.max_connections : std::max(o.max_connections, cfg.concurrency);
    budget_options limits;
    if (cfg.rpm > 0)
        limits.defaults.requests_per_minute = cfg.rpm;
    if (cfg.tpm > 0)
        limits.defaults.tokens_per_minute = cfg.tpm;
    limits.layout = cfg.rate_layout == "per-model" ? rate_layout::per_model : rate_layout::global;
    limits.latency_allowance = std::chrono::milliseconds(cfg.latency_allowance_ms);
#ifdef PACED_BATCH_REDIS
    if (!cfg.redis_url.empty()) {
        redis_budget_options ro;
        ro.url = cfg.redis_url;
        ro.limits = limits;
        o.pacing = std::make_shared<redis_budget>(ex, ro);
        return o;
    }
#endif
    o.pacing = std::make_shared<local_budget>(ex, limits);
    return o;
}

line_record failure_record(std::string const& file, boost::system::system_error const& e, std::string run_id,
                           std::string thread_id, std::uint64_t requests, std::uint32_t runs,
                           std::string attach) {
    line_record r;
    r.attach = std::move(attach);
    r.file = file;
    r.status = "failed";
    r.run_id = std::move(run_id);
    r.thread_id = std::move(thread_id);
    r.requests = requests;
    r.runs = runs;
    r.has_error = true;
    r.error_code = errc_name(e.code());
    if (auto const* pe = dynamic_cast<paced::error const*>(&e)) {
        r.error_message = pe->api().message.empty() ? e.what() : pe->api().message;
        r.request_id = pe->api().request_id;
    } else {
        r.error_message = e.what();
    }
    return r;
}

bool transient_run_failure(std::string_view code) noexcept {
    return code == "server_error" || code == "rate_limit_exceeded";
}

bool keep_shard(std::vector<std::string>& files, std::string const& shard, std::string& problem) {
    unsigned k = 0, n = 0;
    char tail = 0;
    if (std::sscanf(shard.c_str(), "%u/%u%c", &k, &n, &tail) != 2 || n == 0 || k == 0 || k > n) {
        problem = "--shard: expected K/N with 1 <= K <= N, got '" + shard + "'";
        return false;
    }
    std::erase_if(files, [&](std::string const& f) {
        std::uint64_t h = 0xcbf29ce484222325ULL;
        for (unsigned char c : f)
            h = (h ^ c) * 0x100000001b3ULL;
        return h % n != k - 1;
    });
    return true;
}

bool result_writer::open(std::string const& path, bool append, std::string& problem) {
    out_.open(path, append ? std::ios::app : std::ios::trunc);
    if (!out_) {
        problem = "cannot write " + path;
        return false;
    }
    return true;
}

void result_writer::write(line_record const& r) {
    if (!out_.is_open())
        return;
    boost::json::object o;
    o["file"] = r.file;
    o["status"] = r.status;
    o["answer"] = r.has_error ? boost::json::value(nullptr) : boost::json::value(r.answer);
    o["run_id"] = r.run_id.empty() ? boost::json::value(nullptr) : boost::json::value(r.run_id);
    o["thread_id"] = r.thread_id.empty() ? boost::json::value(nullptr) : boost::json::value(r.thread_id);
    o["requests"] = r.requests;
    o["runs"] = r.runs;
    o["attach"] = r.attach.empty() ? boost::json::value(nullptr) : boost::json::value(r.attach);
    if (r.has_error) {
        boost::json::object e;
        e["code"] = r.error_code;
        e["message"] = r.error_message;
        e["request_id"] =
            r.request_id.empty() ? boost::json::value(nullptr) : boost::json::value(r.request_id);
        o["error"] = std::move(e);
    } else {
        o["error"] = nullptr;
    }
    out_ << boost::json::serialize(o) << '\n';
    out_.flush();
}

bool write_stats(std::string const& path, totals const& t, std::string& problem) {
    boost::json::object o;
    o["files"] = t.files;
    o["previously_completed"] = t.previously_completed;
    o["completed"] = t.completed;
    o["failed"] = t.failed;
    o["skipped"] = t.skipped;
    o["requests"] = t.requests;
    o["rate_limited_429"] = t.rate_limited;
    o["retries"] = t.retries;
    o["budget_wait_seconds"] = t.budget_wait_seconds;
    o["wall_seconds"] = t.wall_seconds;
    std::ofstream out(path, std::ios::trunc);
    out << boost::json::serialize(o) << '\n';
    if (!out) {
        problem = "cannot write " + path;
        return false;
    }
    return true;
}

progress_display::progress_display(bool quiet, bool terminal, std::size_t total, std::size_t previously_done)
    : quiet_(quiet), terminal_(terminal), total_(total), previously_done_(previously_done) {
    last_.total = total;
}

void progress_display::start(boost::asio::io_context& ioc, std::function<client_metrics()> metrics) {
    metrics_ = std::move(metrics);
    if (quiet_)
        return;
    timer_ = std::make_unique<boost::asio::steady_timer>(ioc);
    tick();
}

void progress_display::tick() {
    if (stopped_ || !timer_)
        return;
    render(false);
    timer_->expires_after(terminal_ ? std::chrono::milliseconds(200) : std::chrono::seconds(1));
    timer_->async_wait([this](boost::system::error_code ec) {
        if (!ec)
            tick();
    });
}

void progress_display::update(batch_progress const& p) {
    last_ = p;
}

void progress_display::note(std::string const& message) {
    if (quiet_)
        return;
    if (terminal_ && drawn_)
        std::cerr << "\r\033[K";
    std::cerr << "paced-batch: " << message << "\n";
    drawn_ = false;
}

void progress_display::stop() {
    if (stopped_)
        return;
    stopped_ = true;
    if (timer_)
        timer_->cancel();
    if (!quiet_)
        render(true);
}

void progress_display::render(bool final_line) {
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - started_).count();
    double rate = elapsed > 0 ? last_.done / elapsed : 0;
    double eta = rate > 0 ? (total_ - last_.done) / rate : -1;
    // The client's counters now, not as of the last file that finished: at a low limit minutes pass
    // between two, and the setup requests (the assistant) come before any.
    auto const m = metrics_ ? metrics_() : last_.metrics;
    double waited = std::chrono::duration<double>(m.budget_wait).count();
    std::string waiting;
    if (m.waiting_for_budget > 0) {
        waiting = "  waiting for budget " + std::to_string(m.waiting_for_budget);
        if (m.next_admission) {
            auto const in = std::chrono::duration<double>(*m.next_admission - now).count();
            waiting += " (next in " + format_duration(std::max(0.0, in)) + ")";
        }
    }
    char stats[320];
    std::snprintf(stats, sizeof stats,
                  "%zu/%zu  %.1f files/min  ETA %s  failed %zu  429s %llu  requests %llu  in flight %zu%s  "
                  "budget wait %.0fs",
                  last_.done, total_, rate * 60, format_duration(eta).c_str(), last_.failed,
                  static_cast<unsigned long long>(m.rate_limited),
                  static_cast<unsigned long long>(m.requests), last_.in_flight, waiting.c_str(), waited);
    if (terminal_) {
        constexpr int width = 30;
        int filled = total_ ? static_cast<int>(width * last_.done / total_) : width;
        std::string line = "[" + std::string(static_cast<std::size_t>(filled), '#');
        line.resize(width + 1, '-');
        line += "] ";
        line += stats;
        // A line as wide as the terminal wraps, and "\r\033[K" then clears only its last row: the bar
        // would be drawn again below the stale copy on every tick. Cut it one column short instead.
        winsize ws{};
        if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && line.size() >= ws.ws_col)
            line.resize(ws.ws_col - 1u);
        std::cerr << "\r\033[K" << line;
        if (final_line)
            std::cerr << "\n";
        drawn_ = !final_line;
        std::cerr.flush();
    } else if (final_line || now - last_plain_line_ >= std::chrono::seconds(5)) {
        last_plain_line_ = now;
        std::cerr << "progress: " << stats << "\n";
    }
}

void progress_display::summary(totals const& t) {
    if (quiet_)
        return;
    double per_file =
        t.completed > t.previously_completed
            ? static_cast<double>(t.requests) / static_cast<double>(t.completed - t.previously_completed)
            : 0;
    std::fprintf(
        stderr,
        "files %zu  completed %zu  failed %zu  skipped %zu  requests %llu (%.2f per file)  429s %llu  "
        "retries %llu  budget wait %.1fs  wall %.1fs\n",
        t.files, t.completed, t.failed, t.skipped, static_cast<unsigned long long>(t.requests), per_file,
        static_cast<unsigned long long>(t.rate_limited), static_cast<unsigned long long>(t.retries),
        t.budget_wait_seconds, t.wall_seconds);
}

} // namespace paced::batch_tool
