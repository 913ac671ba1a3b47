#pragma once
/// @file The pacing seam: every HTTP attempt the client makes draws from a `budget` first.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace paced {

/** @brief What a request is, for the budgets it may draw from.
 *
 * Every request draws from the key's one global budget. `model` (empty: the request names none) adds
 * the model's budget where one is configured, or replaces the global one in the per-model layout (see
 * `budget_options::layout`). `endpoint` adds an endpoint budget where one is configured (e.g.
 * "files.create" for an upload limit, "vector_stores.files" for the attachment limit); empty: none.
 */
struct budget_scope {
    std::string model;
    std::string endpoint;
    bool operator==(budget_scope const&) const = default;
};

/// What one attempt costs: one request unit, plus estimated tokens for requests that consume them.
struct budget_cost {
    std::uint32_t requests = 1;
    std::uint64_t tokens = 0;
};

/// The `x-ratelimit-*` headers of one answer; absent headers stay empty.
struct rate_limit_snapshot {
    std::optional<std::uint64_t> limit_requests;
    std::optional<std::uint64_t> remaining_requests;
    std::optional<std::chrono::nanoseconds> reset_requests;
    std::optional<std::uint64_t> limit_tokens;
    std::optional<std::uint64_t> remaining_tokens;
    std::optional<std::chrono::nanoseconds> reset_tokens;

    bool empty() const noexcept {
        return !limit_requests && !remaining_requests && !reset_requests && !limit_tokens &&
               !remaining_tokens && !reset_tokens;
    }
};

/** @brief What a refusal for rate (`429 rate_limit_exceeded`, or a run that failed with that code) says
 * about the server's budgets: its cool-down, and what its message names.
 *
 * The message reads "Rate limit reached for <budget> in organization ... on requests per min (RPM):
 * Limit L, Used U, Requested R. Please try again in D."; every part may be missing.
 */
struct rate_limit_refusal {
    /// Which dimension ran out (the error's `type`, or the message's "requests per min"/"tokens per min").
    enum class dimension { unknown, requests, tokens };

    std::chrono::nanoseconds cool_down{std::chrono::seconds(1)}; ///< The wait the server asked for.
    dimension what = dimension::unknown;
    std::optional<std::uint64_t> limit; ///< "Limit L": the per-minute limit of the budget that refused.
    std::string budget_name;            ///< "Rate limit reached for <budget_name>": usually a model.
    rate_limit_snapshot headers;        ///< The refusal's `x-ratelimit-*` headers.
};

/** @brief The budget interface: a shared async semaphore whose permits are request and token units
 * that refill at the budget's rate.
 *
 * Implementations: `local_budget` (in-process) and `redis_budget` (shared by many processes). The
 * same object may be shared by several clients.
 */
class budget {
public:
    virtual ~budget() = default;

    /** @brief Waits until `cost` may be spent in `scope`, then spends it.
     *
     * @par Object lifetimes
     * The scope is taken by value: the returned awaitable owns all it uses, so it may be awaited after
     * the caller's objects are gone.
     * @par Errors
     * `errc::request_too_large` at once when the cost can never fit the scope's limits.
     * @par Per-operation cancellation
     * terminal, partial, total: the waiter leaves the queue and nothing is spent.
     */
    virtual boost::asio::awaitable<void> acquire(budget_scope scope, budget_cost cost) = 0;

    /// Corrects an earlier token estimate once the real usage is known (positive: spend more;
    /// negative: refund).
    virtual void adjust_tokens(budget_scope const& scope, std::int64_t delta) = 0;

    /// Feeds the rate-limit headers of an answer: tightens local state when the server reports less
    /// remaining than we believe (another client shares the key), and learns unset limits.
    virtual void observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) = 0;

    /// Pauses every request of `scope` for `duration` (one shared cool-down after a 429).
    virtual void pause(budget_scope const& scope, std::chrono::nanoseconds duration) = 0;

    /** @brief When the budget next admits a waiting request (for progress displays); empty when nobody
     * waits or the budget cannot tell. Thread safety: that of the implementation's other calls.
     */
    virtual std::optional<std::chrono::steady_clock::time_point> next_admission() const {
        return std::nullopt;
    }

    /** @brief Feeds a refusal for rate of a request of `scope`: one shared cool-down, and what the
     * refusal teaches about the server's budgets (a lower limit, budgets the server shares, or another
     * client spending the key). The default pauses the scope for `refusal.cool_down`.
     */
    virtual void refused(budget_scope const& scope, rate_limit_refusal const& refusal) {
        pause(scope, refusal.cool_down);
    }
};

} // namespace paced
