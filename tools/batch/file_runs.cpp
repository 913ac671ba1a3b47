#include "file_runs.hpp"

#include <paced/error.hpp>

#include <functional>

namespace asio = boost::asio;

namespace paced::batch_tool {

std::optional<thread_mode> parse_thread_mode(std::string_view name) noexcept {
    if (name == "pool")
        return thread_mode::pool;
    if (name == "per-file")
        return thread_mode::per_file;
    if (name == "with-run")
        return thread_mode::with_run;
    return std::nullopt;
}

namespace {

/// The file's user message: the prompt and the file's text as two parts (inline: the text arrives
/// exactly as it is, and the upload's request is saved), or the prompt with the uploaded file attached.
asio::awaitable<message_create_params> message_for(file_job const& job, std::string const& path,
                                                   file_outcome& o, request_options const& req) {
    message_create_params message{.role = "user"};
    if (auto text = inline_text_of(path, job.attach, job.cfg.inline_max_bytes)) {
        std::vector<message_content_part_param> parts;
        parts.emplace_back(text_part{.text = job.cfg.prompt});
        parts.emplace_back(text_part{.text = std::move(*text)});
        message.content = std::move(parts);
        o.attach = "inline";
        co_return message;
    }
    o.attach = "upload";
    // An upload whose answer was lost may have been stored. Files carry no tag to look for, and a file
    // that no run uses harms nothing, so it is sent again rather than fail the file (the SDK does not
    // re-send a POST whose fate is unknown on its own).
    std::optional<file> uploaded;
    for (int resend = 0; !uploaded; ++resend) {
        try {
            file_upload upload{.path = path, .content_type = "text/plain"};
            uploaded = co_await job.client.files().create(upload, req);
        } catch (paced::error const& e) {
            bool const lost = e.code() == errc::connection_lost || e.code() == errc::timeout;
            if (!lost || resend >= job.cfg.max_retries)
                throw;
        }
    }
    message.content = job.cfg.prompt;
    message.attachments = {{.file_id = uploaded->id, .tools = {"file_search"}}};
    co_return message;
}

run_options follow_options(file_job const& job, file_outcome& o, request_options const& req) {
    return run_options{.mode = job.cfg.mode == "poll" ? run_mode::poll : run_mode::stream,
                       .poll = {.interval = std::chrono::milliseconds(job.cfg.poll_interval_ms)},
                       .reply = &o.answer,
                       .request = req};
}

/** Starts runs with `start_run` until one ends otherwise than failed for a fault of the server's, or the
 * run retries are spent. The failed run is terminal before the next starts, so there is never more than
 * one live run per file. Sets `run_in_doubt` when a run was started and not seen to end (client.run
 * threw). */
asio::awaitable<void> run_until_settled(file_job const& job, file_outcome& o,
                                        std::function<asio::awaitable<run>()> const& start_run,
                                        bool& run_in_doubt) {
    for (;;) {
        run_in_doubt = true;
        auto r = co_await start_run();
        run_in_doubt = false;
        ++o.runs;
        o.run_id = r.id;
        o.thread_id = r.thread_id;
        o.status = std::string{r.status.str()};
        bool const transient =
            r.status == run_status::failed && r.last_error && transient_run_failure(r.last_error->code);
        if (transient && o.runs <= job.cfg.run_retries) {
            o.answer.clear();
            continue;
        }
        if (r.status != run_status::completed)
            check_run(r);
        co_return;
    }
}

} // namespace

asio::awaitable<void> process_file(file_job const& job, std::string path, file_outcome& o) {
    request_options req{.attempts = &o.requests};
    auto message = co_await message_for(job, path, o, req);
    bool run_in_doubt = false;

    if (job.threads == thread_mode::with_run) {
        thread_and_run_create_params with_thread{.assistant_id = job.assistant_id,
                                                 .thread = thread_create_params{}};
        with_thread.thread->messages.push_back(std::move(message));
        // client.run copies its arguments before it returns, so each attempt may use the same ones.
        std::function<asio::awaitable<run>()> start = [&] {
            return job.client.run(with_thread, follow_options(job, o, req));
        };
        co_await run_until_settled(job, o, start, run_in_doubt);
        co_return;
    }

    std::optional<pooled_threads::lease> lease;
    std::string thread_id;
    if (job.threads == thread_mode::pool) {
        lease.emplace(co_await job.pool->acquire());
        if (job.stopping && o.requests == 0)
            throw skipped_by_interrupt{}; // nothing sent for it yet: --resume does it (the lease goes back)
        o.requests += lease->creation_requests();
        thread_id = lease->thread_id();
    } else {
        thread_create_params empty;
        auto t = co_await job.client.threads().create(empty, req);
        thread_id = t.id;
    }
    o.thread_id = thread_id;

    std::function<asio::awaitable<run>()> start = [&] {
        auto ro = follow_options(job, o, req);
        // The run brings the file's message and sees it alone: on a pool thread the earlier files'
        // messages (and their replies) stay out of its context; a new run after a failed one adds the
        // message again, and still sees one copy.
        ro.params.additional_messages.push_back(message);
        ro.params.truncation_strategy = truncation_strategy{.type = "last_messages", .last_messages = 1};
        return job.client.run(thread_id, job.assistant_id, std::move(ro));
    };
    std::exception_ptr failure;
    try {
        co_await run_until_settled(job, o, start, run_in_doubt);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        // A run that may still be live keeps its thread: no other file's run may start there.
        if (lease && run_in_doubt)
            lease->retire();
        std::rethrow_exception(failure);
    }
}

} // namespace paced::batch_tool
