#include "resources/response_accounting.hpp"

#include "resources/run_accounting.hpp"

namespace paced::detail {

namespace {

std::string chain_key(std::string_view response_id) {
    return "response:" + std::string{response_id};
}
std::string conversation_key(std::string_view conversation_id) {
    return "conversation:" + std::string{conversation_id};
}

std::uint64_t input_bytes(std::vector<input_item> const& items) {
    std::uint64_t bytes = 0;
    for (auto const& item : items) {
        if (auto const* m = std::get_if<input_message>(&item)) {
            if (m->content.is_string())
                bytes += m->content.get_string().size();
            else if (m->content.is_array())
                for (auto const& part : m->content.get_array())
                    if (auto const* text = part.is_object() ? part.get_object().if_contains("text") : nullptr;
                        text && text->is_string())
                        bytes += text->get_string().size();
        } else if (auto const* o = std::get_if<function_call_output_item>(&item)) {
            bytes += o->output.size();
        } else if (auto const* c = std::get_if<function_call_item>(&item)) {
            bytes += c->arguments.size() + c->name.size();
        }
    }
    return bytes;
}

/// Tokens are estimated at 4 bytes each everywhere (run_token_estimate): the chain is kept in bytes.
constexpr std::uint64_t bytes_per_token = 4;

} // namespace

std::uint64_t response_prompt_bytes(client_impl const& impl, response_create_params const& p) {
    std::uint64_t bytes =
        p.input_text.value_or("").size() + input_bytes(p.input) + p.instructions.value_or("").size();
    if (p.previous_response_id)
        bytes += impl.context_bytes(chain_key(*p.previous_response_id));
    if (p.conversation)
        bytes += impl.context_bytes(conversation_key(*p.conversation));
    return bytes;
}

budget_scope response_scope(response_create_params const& p) {
    budget_scope scope;
    scope.model = p.model.value_or("");
    return scope;
}

void observe_response(client_impl& impl, response const& r) {
    if (!is_terminal(r.status.value))
        return;
    if (r.status == response_status::failed && r.error && r.error->code == "rate_limit_exceeded") {
        // The server refused the response's model call for rate: pause the scope like a 429 would.
        cool_down_after_failed_job(
            impl, impl.job_scope(r.id).value_or(budget_scope{.model = r.model, .endpoint = {}}),
            r.error->message);
    }
    if (!r.usage)
        return;
    impl.settle_tokens(r.id, static_cast<std::uint64_t>(r.usage->total_tokens));
    // A next turn bills this one's input (the chain so far) and output again as its input.
    auto const chain = static_cast<std::uint64_t>(
                           std::max<std::int64_t>(0, r.usage->input_tokens + r.usage->output_tokens)) *
                       bytes_per_token;
    auto const key = chain_key(r.id);
    impl.forget_context(key);
    impl.add_context_bytes(key, chain);
    if (r.conversation && !r.conversation->id.empty()) {
        auto const conv = conversation_key(r.conversation->id);
        impl.forget_context(conv);
        impl.add_context_bytes(conv, chain);
    }
}

} // namespace paced::detail
