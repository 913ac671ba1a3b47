// paced-batch --via batch-api (see the header): lines, batches, their state file, results by custom_id.

#include "via_batch_api.hpp"

#include "file_message.hpp"

#include <paced/error.hpp>
#include <paced/types/response.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>

namespace asio = boost::asio;

namespace paced::batch_tool {

namespace {

/// A line's custom_id: a hash of the file's path (FNV-1a 64), stable across runs so that --resume finds
/// which files a batch holds.
std::string custom_id_of(std::string const& path) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : path)
        h = (h ^ c) * 1099511628211ULL;
    char buf[24];
    std::snprintf(buf, sizeof buf, "f-%016llx", static_cast<unsigned long long>(h));
    return buf;
}

/// The batch ids of the state file, and those whose results were written ("<id> done").
struct batch_state {
    std::vector<std::string> created;
    std::set<std::string> read;
};

batch_state read_state(std::string const& path) {
    batch_state s;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.ends_with(" done"))
            s.read.insert(line.substr(0, line.size() - 5));
        else if (!line.empty())
            s.created.push_back(line);
    }
    return s;
}

void append_state(std::string const& path, std::string const& line) {
    std::ofstream out(path, std::ios::app);
    out << line << '\n';
    out.flush();
}

/// A batch on its way: its id, the files it holds, and which attempt of theirs it is.
struct live_batch {
    std::string id;
    std::vector<std::string> custom_ids;
    unsigned attempt = 0;
    std::optional<batch> seen; ///< its state when it was adopted by --resume
};

class batch_run {
public:
    batch_run(paced::client& client, settings const& cfg, result_writer& out, std::string state_path,
              paced::webhooks::receiver* hooks, via_batch_outcome& outcome)
        : client_(client), cfg_(cfg), out_(out), state_path_(std::move(state_path)), hooks_(hooks),
          outcome_(outcome) {}

    asio::awaitable<void> run(std::vector<std::string> files) {
        std::vector<std::string> todo;
        for (auto const& f : files) {
            auto id = custom_id_of(f);
            path_of_[id] = f;
            todo.push_back(std::move(id));
        }
        if (cfg_.resume)
            co_await adopt_unread_batches(todo);
        co_await submit(std::move(todo), 0);
        while (!live_.empty()) {
            auto b = std::move(live_.front());
            live_.erase(live_.begin());
            co_await finish(std::move(b));
        }
    }

private:
    /// The batches of an earlier run that were created and not read: followed instead of sent again.
    asio::awaitable<void> adopt_unread_batches(std::vector<std::string>& todo) {
        auto const state = read_state(state_path_);
        std::set<std::string> taken;
        for (auto const& id : state.created) {
            if (state.read.count(id))
                continue;
            auto b = co_await client_.batches().retrieve(id);
            auto input = co_await client_.files().content(b.input_file_id);
            live_batch lb{.id = id, .seen = b};
            for (auto const& line : split_lines(input)) {
                auto v = boost::json::parse(line);
                std::string cid(v.at("custom_id").as_string());
                if (path_of_.count(cid)) {
                    lb.custom_ids.push_back(cid);
                    taken.insert(cid);
                }
            }
            live_.push_back(std::move(lb));
        }
        std::erase_if(todo, [&](std::string const& id) { return taken.count(id) > 0; });
    }

    static std::vector<std::string> split_lines(std::string const& text) {
        std::vector<std::string> lines;
        std::size_t start = 0;
        while (start < text.size()) {
            auto end = text.find('\n', start);
            if (end == std::string::npos)
                end = text.size();
            if (end > start)
                lines.push_back(text.substr(start, end - start));
            start = end + 1;
        }
        return lines;
    }

    /// The request line of a file: its text inline, after the prompt, as --api responses sends it.
    std::optional<batch_request_line> line_of(std::string const& custom_id) {
        auto const& path = path_of_.at(custom_id);
        auto text = inline_text_of(path, attach_mode::automatic, cfg_.inline_max_bytes);
        if (!text)
            return std::nullopt;
        boost::json::array parts;
        parts.push_back({{"type", "input_text"}, {"text", cfg_.prompt}});
        parts.push_back({{"type", "input_text"}, {"text", *text}});
        boost::json::object body{{"model", cfg_.model},
                                 {"input", boost::json::array{boost::json::object{
                                               {"role", "user"}, {"content", std::move(parts)}}}}};
        if (!cfg_.instructions.empty())
            body["instructions"] = cfg_.instructions;
        return batch_request_line{.custom_id = custom_id, .body = std::move(body)};
    }

    /// Uploads and creates the batches of these files (at most --batch-lines lines and --batch-max-bytes
    /// bytes each).
    asio::awaitable<void> submit(std::vector<std::string> ids, unsigned attempt) {
        std::vector<batch_request_line> lines;
        std::vector<std::string> held;
        std::uint64_t bytes = 0;
        for (auto const& id : ids) {
            auto line = line_of(id);
            if (!line) {
                fail(id, "invalid_argument",
                     "--via batch-api sends files inline: this one is not small text");
                continue;
            }
            auto const size = to_jsonl({*line}).size();
            if (size > cfg_.batch_max_bytes) {
                auto const limit = std::to_string(cfg_.batch_max_bytes);
                fail(id, "invalid_argument",
                     "its request line of " + std::to_string(size) +
                         " bytes exceeds a batch input file's --batch-max-bytes " + limit);
                continue;
            }
            if (!lines.empty() && bytes + size > cfg_.batch_max_bytes) {
                co_await create(std::move(lines), std::move(held), attempt);
                lines.clear();
                held.clear();
                bytes = 0;
            }
            lines.push_back(std::move(*line));
            held.push_back(id);
            bytes += size;
            if (lines.size() >= cfg_.batch_lines) {
                co_await create(std::move(lines), std::move(held), attempt);
                lines.clear();
                held.clear();
                bytes = 0;
            }
        }
        if (!lines.empty())
            co_await create(std::move(lines), std::move(held), attempt);
    }

    asio::awaitable<void> create(std::vector<batch_request_line> lines, std::vector<std::string> ids,
                                 unsigned attempt) {
        // Shielded from cancellation: an interruption between the create and its line in the state file
        // would leave a batch that --resume does not know of and would make again. The interruption takes
        // effect at the next wait instead.
        asio::any_io_executor executor = co_await asio::this_coro::executor;
        auto shielded = asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable);
        auto id = co_await asio::co_spawn(executor, upload_and_create(std::move(lines), attempt),
                                          std::move(shielded));
        live_.push_back({.id = std::move(id), .custom_ids = std::move(ids), .attempt = attempt});
    }

    asio::awaitable<std::string> upload_and_create(std::vector<batch_request_line> lines, unsigned attempt) {
        file_upload upload{.bytes = to_jsonl(lines),
                           .filename = "paced-batch-" + std::to_string(++uploads_) + ".jsonl",
                           .content_type = "application/jsonl",
                           .purpose = file_purpose::batch};
        auto input = co_await client_.files().create(upload);
        batch_create_params params{.input_file_id = input.id, .endpoint = "/v1/responses"};
        params.metadata["paced_batch_attempt"] = std::to_string(attempt);
        auto b = co_await client_.batches().create(params);
        append_state(state_path_, b.id); // before anything else: an interruption from here on resumes it
        ++outcome_.batches;
        co_return b.id;
    }

    /// Polls a batch to its end and writes its files' lines; lines to do again go to a follow-up batch.
    asio::awaitable<void> finish(live_batch lb) {
        batch b = co_await wait_for_end(lb);
        std::set<std::string> pending(lb.custom_ids.begin(), lb.custom_ids.end());
        std::vector<std::string> again;
        if (b.status == batch_status::failed) {
            std::string code = "batch_failed", message = "the batch failed";
            if (b.errors && !b.errors->data.empty()) {
                code = b.errors->data.front().code.value_or(code);
                message = b.errors->data.front().message.value_or(message);
            }
            bool const later = code == "token_limit_exceeded"; // the queue drains: try again later
            for (auto const& id : pending)
                if (later && lb.attempt < cfg_.run_retries)
                    again.push_back(id);
                else
                    fail(id, code, message);
            pending.clear();
        }
        for (auto const* file : {&b.output_file_id, &b.error_file_id}) {
            if (!*file)
                continue;
            auto text = co_await client_.files().content(**file);
            for (auto& r : parse_result_lines(text)) {
                if (!pending.erase(r.custom_id))
                    continue; // not one of ours, or seen already
                take(r, lb.attempt, again);
            }
        }
        for (auto const& id : pending) // a line the server did not account for
            if (lb.attempt < cfg_.run_retries)
                again.push_back(id);
            else
                fail(id, "batch_missing_line", "the batch returned no result for this file");
        append_state(state_path_, lb.id + " done");
        if (!again.empty()) {
            if (b.status == batch_status::failed) { // the enqueued-token limit: give the queue time
                asio::steady_timer wait(co_await asio::this_coro::executor,
                                        std::chrono::milliseconds(cfg_.batch_poll_ms));
                co_await wait.async_wait(asio::use_awaitable);
            }
            co_await submit(std::move(again), lb.attempt + 1);
        }
    }

    /// The batch once it has ended: at once for one that --resume found ended (its webhook went to a
    /// process no longer there), else by its webhook or a slow poll.
    asio::awaitable<batch> wait_for_end(live_batch const& lb) {
        if (lb.seen && is_terminal(lb.seen->status.value))
            co_return *lb.seen;
        std::chrono::milliseconds const every(cfg_.batch_poll_ms);
        if (!hooks_) {
            // The batch was created or retrieved a moment ago: the first look is worth one interval later.
            asio::steady_timer first(co_await asio::this_coro::executor, every);
            co_await first.async_wait(asio::use_awaitable);
        }
        wait_options wait{.poll = {.interval = every}, .completion = hooks_, .completion_poll = every};
        co_return co_await client_.batches().wait(lb.id, wait);
    }

    void take(batch_result_line const& r, unsigned attempt, std::vector<std::string>& again) {
        if (r.error) {
            auto const code = r.error->code.value_or("batch_error");
            bool const retryable = code == "batch_expired" || code == "batch_cancelled";
            if (retryable && attempt < cfg_.run_retries)
                again.push_back(r.custom_id);
            else
                fail(r.custom_id, code, r.error->message);
            return;
        }
        if (!r.response || r.response->status_code < 200 || r.response->status_code >= 300) {
            std::string message = "the request was refused";
            if (r.response)
                message += " (HTTP " + std::to_string(r.response->status_code) +
                           "): " + boost::json::serialize(r.response->body);
            fail(r.custom_id, "batch_request_failed", message);
            return;
        }
        auto const resp = from_json<response>(r.response->body);
        line_record rec{.file = path_of_.at(r.custom_id),
                        .status = std::string{resp.status.str()},
                        .answer = output_text(resp),
                        .run_id = resp.id,
                        .runs = attempt + 1,
                        .attach = "inline"};
        out_.write(rec);
        ++(resp.status == response_status::completed ? outcome_.completed : outcome_.failed);
    }

    void fail(std::string const& custom_id, std::string code, std::string message) {
        line_record rec{.file = path_of_.at(custom_id), .status = "failed", .attach = "inline"};
        rec.has_error = true;
        rec.error_code = std::move(code);
        rec.error_message = std::move(message);
        out_.write(rec);
        ++outcome_.failed;
    }

    paced::client& client_;
    settings const& cfg_;
    result_writer& out_;
    std::string state_path_;
    paced::webhooks::receiver* hooks_;
    via_batch_outcome& outcome_;
    std::map<std::string, std::string> path_of_; // custom_id -> file
    std::vector<live_batch> live_;
    unsigned uploads_ = 0;
};

} // namespace

asio::awaitable<void> run_via_batch_api(paced::client& client, settings const& cfg,
                                        std::vector<std::string> files, result_writer& out,
                                        std::string state_path, paced::webhooks::receiver* hooks,
                                        via_batch_outcome& outcome) {
    batch_run run(client, cfg, out, std::move(state_path), hooks, outcome);
    co_await run.run(std::move(files));
}

} // namespace paced::batch_tool
