// One file's work with --api responses: its input (inline text, or an uploaded file as an input_file
// part), a response followed to its end by client.respond (streamed and resumed, or in the background
// and polled), and a new response of the same input after one failed for a fault of the server's.

#include "file_runs.hpp"

#include <paced/error.hpp>

namespace asio = boost::asio;

namespace paced::batch_tool {

namespace {

/// The file's user message: the prompt and the file's text as two input_text parts, or the prompt and
/// the uploaded file (purpose user_data) as an input_file part.
asio::awaitable<input_message> input_for(file_job const& job, std::string const& path, file_outcome& o,
                                         request_options const& req) {
    boost::json::array parts;
    parts.push_back({{"type", "input_text"}, {"text", job.cfg.prompt}});
    if (auto text = inline_text_of(path, job.attach, job.cfg.inline_max_bytes)) {
        parts.push_back({{"type", "input_text"}, {"text", *text}});
        o.attach = "inline";
        co_return input_message{.content = std::move(parts)};
    }
    o.attach = "upload";
    // As for runs (file_runs.cpp): a file that no response uses harms nothing, so an upload whose answer
    // was lost is sent again rather than fail the file.
    std::optional<file> uploaded;
    for (int resend = 0; !uploaded; ++resend) {
        try {
            file_upload upload{
                .path = path, .content_type = "text/plain", .purpose = file_purpose::user_data};
            uploaded = co_await job.client.files().create(upload, req);
        } catch (paced::error const& e) {
            bool const lost = e.code() == errc::connection_lost || e.code() == errc::timeout;
            if (!lost || resend >= job.cfg.max_retries)
                throw;
        }
    }
    parts.push_back({{"type", "input_file"}, {"file_id", uploaded->id}});
    co_return input_message{.content = std::move(parts)};
}

} // namespace

asio::awaitable<void> process_response_file(file_job const& job, std::string path, file_outcome& o) {
    request_options req{.attempts = &o.requests};
    auto message = co_await input_for(job, path, o, req);
    for (;;) {
        response_create_params turn{.model = job.cfg.model, .input = {message}};
        if (!job.cfg.instructions.empty())
            turn.instructions = job.cfg.instructions;
        respond_options options{.mode = job.cfg.mode == "poll" ? respond_mode::background_poll
                                                               : respond_mode::stream,
                                .poll = {.interval = std::chrono::milliseconds(job.cfg.poll_interval_ms)},
                                .completion = job.hooks,
                                .completion_poll = std::chrono::milliseconds(job.cfg.webhook_fallback_ms),
                                .request = req};
        // The previous response, if any, has ended (failed): never two live responses for one file.
        auto r = co_await job.client.respond(std::move(turn), std::move(options));
        ++o.runs;
        o.run_id = r.id;
        o.status = std::string{r.status.str()};
        o.answer = output_text(r);
        bool const transient =
            r.status == response_status::failed && r.error && transient_run_failure(r.error->code);
        if (transient && o.runs <= job.cfg.run_retries)
            continue;
        if (r.status != response_status::completed)
            check_response(r);
        co_return;
    }
}

} // namespace paced::batch_tool
