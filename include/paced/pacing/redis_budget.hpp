#pragma once
/// @file The shared budget: paces the requests of many processes and machines behind one API key,
/// through one Redis server.

#include <paced/pacing/budget.hpp>
#include <paced/pacing/local_budget.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace paced {

namespace detail {
class redis_budget_impl;
} // namespace detail

/** @brief Where the Redis server is: the parts of a `redis://[[user]:password@]host[:port][/db]` URL.
 */
struct redis_url {
    std::string host = "127.0.0.1"; ///< Name or address (IPv6 without its brackets).
    std::uint16_t port = 6379;      ///< TCP port.
    std::string username;           ///< Redis 6 ACL user; empty: `AUTH password` alone.
    std::string password;           ///< Empty: no `AUTH` is sent.
    unsigned db = 0;                ///< Logical database; 0: no `SELECT` is sent.
    bool operator==(redis_url const&) const = default;
};

/** @brief Parses `redis://[[user]:password@]host[:port][/db]` (user and password percent-decoded).
 *
 * A pure function: no name resolution, no I/O.
 * @par Errors
 * `errc::invalid_argument` (the message says which part) for another scheme, an empty host, a port
 * outside 1..65535, a database that is not a decimal number, a query or a fragment.
 */
redis_url parse_redis_url(std::string_view url);

/** @brief What a `redis_budget` does while Redis cannot be reached (refused, down, restarting, or
 * answering with errors).
 */
enum class unavailable_policy {
    /** Waiting `acquire`s stay queued while the budget reconnects with backoff; each fails with
     * `errc::budget_unavailable` once Redis has been unavailable for `reconnect_deadline` while it
     * waited. Nothing is admitted unpaced. */
    hold_then_fail,
    /** Acquires are served at once by an in-process `local_budget` with `fallback_share` of the limits
     * while the budget reconnects in the background; Redis is used again as soon as it is back. */
    fallback_local,
};

/** @brief Configuration of a `redis_budget`.
 *
 * Every process that shares a budget must use the same `url`, `key_prefix` and limits.
 */
struct redis_budget_options {
    /// The Redis server, `redis://[[user]:password@]host[:port][/db]` (see `parse_redis_url`).
    std::string url = "redis://127.0.0.1:6379/0";
    /** Namespace of the budget's keys, one per API key or organisation: keys are
     * `<key_prefix>:<scope>:req|tok|pause`. For Redis Cluster, wrap it in braces (`{org-1}`) so that
     * every key of a budget lands in one slot. */
    std::string key_prefix = "paced";
    /** Limits, bursts, per-model and per-endpoint scopes, `learn_from_headers` and `latency_allowance`,
     * with the same meaning as for `local_budget` (`thread_safe` is ignored: a `redis_budget` is always
     * safe to share between threads). */
    budget_options limits;
    /// How long a waiting `acquire` holds while Redis is unavailable (`hold_then_fail`).
    std::chrono::milliseconds reconnect_deadline = std::chrono::seconds(30);
    /// How long one connection attempt (TCP connect, AUTH, SELECT, SCRIPT LOAD) may take.
    std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
    /// First and largest pause between connection attempts (doubling, with jitter).
    std::chrono::milliseconds backoff_initial = std::chrono::milliseconds(50);
    std::chrono::milliseconds backoff_max = std::chrono::seconds(2);
    unavailable_policy on_unavailable = unavailable_policy::hold_then_fail;
    /** `fallback_local` only: the share of every limit (and burst) the local fallback may use, in
     * (0, 1]. With N processes, N * share <= 1 keeps their sum under the server's limits. */
    double fallback_share = 0.25;
    /** How often a process reads what the others learnt from refusals (`refused`: a merged per-model
     * layout, lower limits), kept in `<key_prefix>:layout`; read before an acquire, never while idle.
     * Must be > 0. */
    std::chrono::milliseconds layout_refresh = std::chrono::seconds(5);
};

/// Running totals of a `redis_budget`, since its construction.
struct redis_budget_counters {
    std::uint64_t acquired = 0;         ///< Acquisitions granted by Redis.
    std::uint64_t acquired_local = 0;   ///< Acquisitions granted by the local fallback.
    std::uint64_t waited = 0;           ///< Granted acquisitions that had to wait.
    std::uint64_t round_trips = 0;      ///< Script calls answered by Redis (acquire, refund, pause, ...).
    std::uint64_t cancelled = 0;        ///< Waits that ended by cancellation (nothing spent).
    std::uint64_t too_large = 0;        ///< Acquisitions refused with `errc::request_too_large`.
    std::uint64_t unavailable = 0;      ///< Acquisitions failed with `errc::budget_unavailable`.
    std::uint64_t connects = 0;         ///< Successful connections (the first one included).
    std::uint64_t connect_failures = 0; ///< Failed connection attempts and lost connections.
    std::uint64_t limits_learnt = 0;    ///< Refusals that showed a lower limit (see `refused`).
    std::uint64_t budgets_merged = 0;   ///< Refusals that merged the per-model layout (0 or 1).
    std::uint64_t share_lowered = 0;    ///< Refusals taken as another client spending the key.
};

/** @brief The shared `budget`: the same rate rule as `local_budget` (a GCRA per dimension, see
 * `rate_limits`), kept in Redis on the Redis server's clock, so that every process and machine that
 * uses the same URL and key prefix draws from one budget.
 *
 * One Lua script, loaded once per connection and run with `EVALSHA`, checks and spends the requests and
 * tokens of every budget a request draws from (see `rate_layout`) atomically, or answers
 * the exact time to wait. Inside one process every scope has a FIFO queue: only its head asks Redis,
 * sleeps on a timer for the answered wait, and asks again; the others wait behind it. A `pause` (the
 * cool-down after a 429) is a key in Redis with an expiry, so one worker's 429 pauses all of them; it
 * also lowers the scope's request rate for all of them, as `local_budget::pause` does for one process.
 *
 * Connection: one hiredis connection driven by the executor (never a blocking call on it), opened at
 * construction and re-opened with backoff when lost. See `unavailable_policy` for what happens while
 * Redis cannot be reached. An answer lost with its connection counts as spent: a retry may charge twice,
 * never zero times.
 *
 * @par Object lifetimes
 * Destroying the `redis_budget` ends every pending `acquire` with
 * `boost::asio::error::operation_aborted` and closes the connection. The executor must keep running
 * while anybody waits. When nobody waits and no command is in flight, the budget keeps no work on the
 * executor (`io_context::run` may return).
 *
 * @par Thread safety
 * Distinct objects: safe. Shared objects: safe; every call may come from any thread (the state lives on
 * a strand of the executor). Waiters are resumed on their own executors.
 *
 * @par Example
 * @code
 * paced::redis_budget_options opts;
 * opts.url = "redis://:secret@redis.internal:6379/2";
 * opts.key_prefix = "paced:org-123";
 * opts.limits.defaults.requests_per_minute = 500;
 * opts.limits.per_model["gpt-4o"] = {.requests_per_minute = 500, .tokens_per_minute = 30000};
 * paced::client_options copts;
 * copts.pacing = std::make_shared<paced::redis_budget>(ioc.get_executor(), opts);
 * @endcode
 */
class redis_budget final : public budget {
public:
    /** @brief Makes the budget and starts connecting (asynchronously) on `ex`.
     *
     * @par Errors
     * `errc::invalid_argument` for a bad URL, an empty key prefix, a limit or burst that is not finite
     * and > 0, a `fallback_share` outside (0, 1], or a negative duration.
     */
    redis_budget(boost::asio::any_io_executor ex, redis_budget_options options = redis_budget_options());
    ~redis_budget() override;
    redis_budget(redis_budget const&) = delete;
    redis_budget& operator=(redis_budget const&) = delete;

    /** @brief Waits until `cost` may be spent in `scope` by every process sharing the budget, then
     * spends it.
     *
     * Costs one round trip to Redis when the cost fits at once; a waiter behind others in the same
     * process asks Redis only once it is the head of its queue.
     *
     * @par Errors
     * `errc::request_too_large` at once when the cost exceeds a per-minute limit;
     * `errc::budget_unavailable` when Redis stays unavailable for `reconnect_deadline` (`hold_then_fail`);
     * `boost::asio::error::operation_aborted` on cancellation or when the budget is destroyed.
     * @par Per-operation cancellation
     * terminal, partial, total: the waiter leaves the queue and nothing is spent (a grant that raced with
     * the cancellation is refunded in Redis).
     * @par Thread safety
     * See the class.
     */
    boost::asio::awaitable<void> acquire(budget_scope scope, budget_cost cost) override;

    /** @brief Corrects an earlier token estimate of `scope` in Redis (positive: spend more; negative:
     * refund, never into the past). Asynchronous: returns at once; kept and sent after a reconnect when
     * Redis is unavailable.
     * @par Thread safety
     * See the class.
     */
    void adjust_tokens(budget_scope const& scope, std::int64_t delta) override;

    /** @brief Feeds the `x-ratelimit-*` headers of an answer: learns unset (or lower) limits of the
     * scope's model when `learn_from_headers`, and pushes the shared state so that it never believes more
     * units admissible than the server reports remaining. Never loosens. Asynchronous; dropped while Redis
     * is unavailable (the next answer brings fresh headers).
     * @par Thread safety
     * See the class.
     */
    void observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) override;

    /** @brief One cool-down shared by every process: nothing of the scope's primary budget is admitted
     * before now + `duration` (on Redis' clock), then one request, then one per emission interval. A
     * shorter pause never shortens a longer one. The scope's request rate drops to 3/4 for every process
     * (at most once per second, never below a tenth of the limit) and climbs back by 5% of the limit every
     * 5 s without a pause. Asynchronous; kept and sent after a reconnect when Redis is unavailable (with
     * what is left of it).
     * @par Thread safety
     * See the class.
     */
    void pause(budget_scope const& scope, std::chrono::nanoseconds duration) override;

    /** @brief A refusal for rate: the lessons of `local_budget::refused`, and one cool-down shared by
     * every process as in `pause`, which lowers the share only when no lesson explains the refusal. A
     * lower limit in the refusal is adopted by the budget it speaks of. In the per-model layout, this
     * process cannot see what the others charged to the other budgets, so the first refusal that no
     * lower limit explains merges the layout (every model draws from the global budget from then on).
     * Lessons are written to `<key_prefix>:layout`, and the other processes adopt them within
     * `layout_refresh` of their next acquire.
     * @par Thread safety
     * See the class.
     */
    void refused(budget_scope const& scope, rate_limit_refusal const& refusal) override;

    /** @brief When this process's next waiting request asks Redis again (the wait the script named for
     * the head of its queue), or, while Redis is unreachable, when the local fallback admits its next
     * waiter; empty when nobody waits or an answer is on its way.
     * @par Thread safety
     * Any thread (reads a value the budget's strand publishes).
     */
    std::optional<std::chrono::steady_clock::time_point> next_admission() const override;

    /// Totals since construction. Safe to call from any thread at any time.
    redis_budget_counters counters() const;

    /// Whether the connection is up and the script loaded right now. Any thread.
    bool connected() const noexcept;

    /// The options the budget was made with.
    redis_budget_options const& options() const noexcept;

private:
    std::shared_ptr<detail::redis_budget_impl> impl_;
};

} // namespace paced
