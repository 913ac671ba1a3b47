#pragma once
// How responses are paced: their scope, their token estimate (the whole chain counted), and the
// corrections once they end. The same bookkeeping as runs (run_accounting.hpp), keyed by response and
// conversation ids.

#include <paced/types/response.hpp>

#include "core/client_impl.hpp"

namespace paced::detail {

/// Prompt bytes of a response: its input and instructions, plus what the chain it continues bills
/// again as input (`previous_response_id`: every earlier input and output of the chain; `conversation`:
/// the conversation's items), as far as this client has seen them.
std::uint64_t response_prompt_bytes(client_impl const& impl, response_create_params const& p);

/// The budget scope of a response-creating request: its model (the default scope when unset).
budget_scope response_scope(response_create_params const& p);

/// Settles a response's token charge once its usage is known, remembers what its chain now bills as
/// input, and turns a response that failed with rate_limit_exceeded (inside a 200) into a cool-down.
void observe_response(client_impl& impl, response const& r);

} // namespace paced::detail
