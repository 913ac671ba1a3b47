#pragma once
/// @file The pacing seam: every HTTP attempt the client makes draws from a `budget` first.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace paced {

/** @brief Which budget a request draws from.
 *
 * `model` selects a per-model budget (empty: the org-wide default). `endpoint` additionally charges an
 * endpoint scope when one is configured (e.g. "files.create" for the 1,000/min upload limit,
 * "vector_stores.files" for the 300/min attachment limit); empty means none.
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
        return !limit_requests && !remaining_requests && !reset_requests && !limit_tokens && !remaining_tokens &&
               !reset_tokens;
    }
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
     * @par Errors
     * `errc::request_too_large` at once when the cost can never fit the scope's limits.
     * @par Per-operation cancellation
     * terminal, partial, total: the waiter leaves the queue and nothing is spent.
     */
    virtual boost::asio::awaitable<void> acquire(budget_scope const& scope, budget_cost cost) = 0;

    /// Corrects an earlier token estimate once the real usage is known (positive: spend more;
    /// negative: refund).
    virtual void adjust_tokens(budget_scope const& scope, std::int64_t delta) = 0;

    /// Feeds the rate-limit headers of an answer: tightens local state when the server reports less
    /// remaining than we believe (another client shares the key), and learns unset limits.
    virtual void observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) = 0;

    /// Pauses every request of `scope` for `duration` (one shared cool-down after a 429).
    virtual void pause(budget_scope const& scope, std::chrono::nanoseconds duration) = 0;
};

} // namespace paced
