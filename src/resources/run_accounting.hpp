#pragma once
// How runs are paced: their scope, their token estimate, and the corrections once they end.

#include <paced/types/run.hpp>

#include "core/client_impl.hpp"

namespace paced::detail {

/// Bytes of text a message adds to a thread, plus the bytes of the files it attaches (when known).
std::uint64_t message_bytes(client_impl const& impl, message_create_params const& m);

/// Prompt bytes of a run on an existing thread: what this client put into the thread, plus the
/// run's additional messages and instructions.
std::uint64_t run_prompt_bytes(client_impl const& impl, std::string_view thread_id,
                               run_create_params const& p);
/// Prompt bytes of a run on a new thread: its messages and instructions.
std::uint64_t run_prompt_bytes(client_impl const& impl, thread_and_run_create_params const& p);

/// The budget scope of a run-creating request: the run's model when known, else the default.
budget_scope run_scope(client_impl const& impl, std::string const& assistant_id,
                       std::optional<std::string> const& model);

/// Token estimate of a run creation: prompt bytes / 4 + max_completion_tokens (256 when unset).
std::uint64_t run_token_estimate(std::uint64_t prompt_bytes,
                                 std::optional<std::int64_t> max_completion_tokens);

/// A create-thread-and-run request on its way: the answer to await, and what its bookkeeping needs.
/// Split in two plain functions around one co_await so that a caller's frame holds none of the request.
struct pending_thread_run {
    boost::asio::awaitable<api_response> answer;
    budget_scope scope;
    std::uint64_t tokens = 0;
    std::uint64_t prompt_bytes = 0;
};
/// Validates and sends POST /threads/runs (`opts` must outlive the answer).
pending_thread_run begin_create_and_run(client_impl& impl, thread_and_run_create_params const& params,
                                        request_options const& opts);
/// Decodes the created run and notes its token estimate and the thread's context bytes.
run finish_create_and_run(client_impl& impl, pending_thread_run& pending, api_response const& answer);

/// A job (a run, a response) that the server failed with rate_limit_exceeded inside a 200 answer: pauses
/// `scope` as a 429 would, for the "try again in" of the error's message (1 s when it names none).
void cool_down_after_failed_job(client_impl& impl, budget_scope const& scope, std::string_view message);

/// Settles a run's token charge once its usage is known, and turns a run that failed with
/// rate_limit_exceeded into a shared cool-down.
void observe_run(client_impl& impl, run const& r);

} // namespace paced::detail
