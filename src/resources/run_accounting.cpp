#include "resources/run_accounting.hpp"

#include <paced/resources/runs.hpp>

#include "sansio/rate_limit_headers.hpp"
#include "sansio/retry_hints.hpp"

namespace paced::detail {

std::uint64_t message_bytes(client_impl const& impl, message_create_params const& m) {
    std::uint64_t bytes = 0;
    if (auto text = std::get_if<std::string>(&m.content)) {
        bytes += text->size();
    } else {
        for (auto const& part : std::get<std::vector<message_content_part_param>>(m.content))
            if (auto t = std::get_if<text_part>(&part))
                bytes += t->text.size();
    }
    for (auto const& a : m.attachments)
        bytes += impl.context_bytes("file:" + a.file_id);
    return bytes;
}

std::uint64_t run_prompt_bytes(client_impl const& impl, std::string_view thread_id,
                               run_create_params const& p) {
    std::uint64_t bytes = impl.context_bytes(std::string{thread_id});
    for (auto const& m : p.additional_messages)
        bytes += message_bytes(impl, m);
    return bytes + p.instructions.value_or("").size() + p.additional_instructions.value_or("").size();
}

std::uint64_t run_prompt_bytes(client_impl const& impl, thread_and_run_create_params const& p) {
    std::uint64_t bytes = p.instructions.value_or("").size();
    if (p.thread)
        for (auto const& m : p.thread->messages)
            bytes += message_bytes(impl, m);
    return bytes;
}

budget_scope run_scope(client_impl const& impl, std::string const& assistant_id,
                       std::optional<std::string> const& model) {
    budget_scope scope;
    scope.model = model.value_or(impl.model_of(assistant_id));
    return scope;
}

std::uint64_t run_token_estimate(std::uint64_t prompt_bytes,
                                 std::optional<std::int64_t> max_completion_tokens) {
    constexpr std::int64_t default_completion_allowance = 256;
    auto completion = max_completion_tokens.value_or(default_completion_allowance);
    return (prompt_bytes + 3) / 4 + static_cast<std::uint64_t>(completion > 0 ? completion : 0);
}

void cool_down_after_failed_job(client_impl& impl, budget_scope const& scope, std::string_view message) {
    auto refusal = sansio::parse_rate_limit_refusal(message, {});
    refusal.cool_down = sansio::parse_try_again_in(message).value_or(std::chrono::seconds(1));
    impl.pacing().refused(scope, refusal);
}

void observe_run(client_impl& impl, run const& r) {
    if (!is_terminal(r.status.value))
        return;
    if (r.status == run_status::failed && r.last_error && r.last_error->code == "rate_limit_exceeded") {
        // The server refused the run's model call for rate: pause the scope like a 429 would.
        cool_down_after_failed_job(impl,
                                   impl.job_scope(r.id).value_or(
                                       budget_scope{.model = impl.model_of(r.assistant_id), .endpoint = {}}),
                                   r.last_error->message);
    }
    if (r.usage)
        impl.settle_tokens(r.id, static_cast<std::uint64_t>(r.usage->total_tokens));
}

} // namespace paced::detail
