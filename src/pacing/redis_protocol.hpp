#pragma once
// The sans-io half of the Redis budget: the Lua script (the GCRA on Redis' clock), the commands that
// call it, and the decoding of its answers. No hiredis, no I/O: unit-tested without a server.
//
// Script protocol (EVALSHA sha numkeys KEYS... ARGV...):
//   KEYS = req and tok key of every budget the request draws from (budget_book::keys_of: the primary
//          first, then nested ones), then the primary's pause key and its share key.
//   ARGV = op, latency allowance (us), number of scopes S, then per scope: requests limit, requests
//          burst, tokens limit, tokens burst (limit 0 = unlimited, burst 0 = the default for the limit in
//          force), then the op's own arguments:
//     acquire  n_requests n_tokens  -> {0, 0} spent | {1, wait_us} | {2, scope, dimension, limit}
//     refund   n_requests n_tokens  -> {0, 0}      (a grant nobody used)
//     adjust   delta_tokens         -> {0, 0}      (positive: spend more; negative: refund)
//     observe  remaining_requests remaining_tokens (-1 = absent) -> {0, changed}
//     pause    duration_us lower_share (1: lower the primary's share, 0: a cool-down only)
//                                   -> {0, pause_left_us}
// Times are integer microseconds on the server's clock (`TIME`); tat keys hold the theoretical arrival
// time and expire once it has passed (then "absent" and "in the past" mean the same: nothing
// outstanding). The share key holds "<share> <us>": the fraction of the primary budget's request limit in
// force since the last 429 lowered it at <us> (see scope_state::pause); every op reads the share climbed
// back since then, and the key expires when it is back at 1.

#include <paced/pacing/budget.hpp>
#include <paced/pacing/local_budget.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paced::pacing::redis {

/// A Redis answer, copied out of hiredis (or "lost": the connection ended before it came).
struct reply {
    enum class kind { lost, nil, integer, string, status, error, array };
    kind what = kind::lost;
    long long integer = 0;
    std::string str; ///< string, status and error answers
    std::vector<reply> elements;

    bool is_error() const noexcept { return what == kind::error; }
    bool lost() const noexcept { return what == kind::lost; }
};

/// The Lua source of the script.
std::string_view gcra_script();

/// One dimension's limit as the script sees it: limit 0 means unlimited; burst 0 means the rate model's
/// default for the limit in force (`default_burst`), which the script computes so that a share lowered
/// after 429s lowers it too.
struct dimension_limit {
    double per_minute = 0;
    double burst = 0;
    bool operator==(dimension_limit const&) const = default;
};

/// The limits of one scope (model or endpoint).
struct scope_limits {
    dimension_limit requests;
    dimension_limit tokens;
    bool operator==(scope_limits const&) const = default;
};

/// Converts configured limits to the script's form (an unset burst is 0: the default).
scope_limits to_scope_limits(rate_limits const& limits);

/// The two keys of one scope and its limits.
struct scope_ref {
    std::string req_key;
    std::string tok_key;
    scope_limits limits;
};

/// `<prefix>:org` for the empty model, `<prefix>:model:<name>`, `<prefix>:endpoint:<name>`.
std::string model_scope_key(std::string_view prefix, std::string_view model);
std::string endpoint_scope_key(std::string_view prefix, std::string_view endpoint);

/// Makes the scope_ref of a scope key (appends `:req` and `:tok`).
scope_ref make_scope_ref(std::string const& scope_key, scope_limits limits);

enum class script_op { acquire, refund, adjust, observe, pause };

/// What the script is asked to do (everything but the script's hash).
struct script_call {
    script_op op = script_op::acquire;
    std::vector<scope_ref> scopes; ///< the primary budget first; at most three
    std::string pause_key;         ///< the primary's `:pause` key
    std::string share_key;         ///< the primary's `:share` key (its request rate after 429s)
    std::chrono::microseconds latency_allowance{0};
    std::vector<std::int64_t> args; ///< the op's own arguments
};

/// The full command: EVALSHA sha numkeys KEYS... ARGV...
std::vector<std::string> evalsha_command(std::string_view sha, script_call const& call);

/// The answer of `acquire`.
struct acquire_answer {
    enum class kind { admitted, wait, too_large };
    kind what = kind::admitted;
    std::chrono::microseconds wait{0}; ///< kind::wait: from the server's now until the charge fits (> 0)
    int scope_index = 0;               ///< kind::too_large: the budget's place in the call, from 1
    int dimension = 0;                 ///< kind::too_large: 0 = requests, 1 = tokens
    std::uint64_t limit = 0;           ///< kind::too_large: the per-minute limit exceeded
};

/// Decodes the answer of `acquire`; empty when it is not one the script can give.
std::optional<acquire_answer> decode_acquire(reply const& r);

/// Whether an error answer means "script not loaded" (flushed, or a server that restarted behind a proxy).
bool is_noscript(reply const& r) noexcept;

/// The duration in whole microseconds, rounded up (a wait or pause is never made shorter).
std::int64_t ceil_micros(std::chrono::nanoseconds d) noexcept;

} // namespace paced::pacing::redis
