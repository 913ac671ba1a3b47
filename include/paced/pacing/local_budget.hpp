#pragma once
/// @file The in-process budget: paces every request of one process under its rate limits.

#include <paced/pacing/budget.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace paced {

namespace detail {
class local_budget_impl;
struct local_budget_access;
} // namespace detail

/** @brief The limits of one budget scope. An empty limit means "unpaced until learnt" (see
 * `budget_options::learn_from_headers`).
 *
 * Limits are enforced over seconds, like the server's: T = 60 s / limit per unit, and at most a burst of
 * B units at once (default max(1, floor(limit / 60))). A sender that spends its whole minute at once is
 * refused by the server; this budget never does that.
 */
struct rate_limits {
    std::optional<double> requests_per_minute; ///< RPM; must be finite and > 0 when set.
    std::optional<double> tokens_per_minute;   ///< TPM; must be finite and > 0 when set.
    std::optional<double> burst_requests;      ///< B for requests; default max(1, floor(RPM / 60)).
    std::optional<double> burst_tokens;        ///< B for tokens; default max(1, floor(TPM / 60)).
};

/** @brief How the server's budgets are laid out, as far as the client is told.
 *
 * Where the server is not known, `global` is right: it can never send more than any layout admits. A
 * layout that is wrong for the server is corrected by its first refusal (see `local_budget::refused`).
 */
enum class rate_layout {
    /** One budget for every request of the key, `budget_options::defaults`. A model in `per_model` and
     * an endpoint in `per_endpoint` add a budget of their own that the model's (endpoint's) requests must
     * fit as well. The default. */
    global,
    /** Each model has its own budget, `per_model[model]` or else `defaults`, and the requests that name
     * no model (uploads, polls, threads) draw from one more, `defaults`. Endpoints nest as in `global`.
     * For servers known to keep a budget per model (twice the throughput of `global` there). */
    per_model,
};

/** @brief Configuration of a `local_budget` (and, in `redis_budget_options::limits`, a `redis_budget`).
 *
 * By default every request draws from one budget with the limits in `defaults`; `layout`, `per_model`
 * and `per_endpoint` declare more of the server's budgets (see `rate_layout`). A request must fit every
 * budget it belongs to.
 */
struct budget_options {
    /// The global budget's limits (`global` layout); in the `per_model` layout, those of every model
    /// not in `per_model` and of the requests that name no model.
    rate_limits defaults;
    /// Per-model limits (key: the model name): a budget nested in the global one, or the model's own.
    std::map<std::string, rate_limits> per_model;
    /// Endpoint budgets (key: `budget_scope::endpoint`), nested in the others.
    std::map<std::string, rate_limits> per_endpoint;
    rate_layout layout = rate_layout::global; ///< See `rate_layout`.
    /// Adopt the server's `x-ratelimit-limit-*` for limits we do not have, or that are lower than ours.
    bool learn_from_headers = true;
    /// Make one budget safe to share between threads (an io_context run by several threads, or several
    /// io_contexts). Costs a mutex lock per call; leave off for a single-threaded io_context.
    bool thread_safe = false;
    /** How much later than our admission the server may see a request (queueing, connection set-up,
     * transit). Charges made while the budget is idle are booked that much later, so that requests that
     * travel at different speeds still arrive inside the server's limits. With the default bursts
     * (B*T is about 1 s) it costs part of the first burst after an idle period, not the sustained rate.
     * When B*T is shorter than allowance + T (limits under 120/min, whose burst is 1, or a small
     * configured burst), the budget sends at most one request per allowance + T: the server could not
     * absorb faster sending with that much jitter. Zero: exactly the server's rule. The default covers
     * requests counted up to 100 ms late and out of order (measured in docs/pacing.md: 50 ms let 429s
     * through at 80 ms of jitter on a server that sends no rate-limit headers). */
    std::chrono::nanoseconds latency_allowance = std::chrono::milliseconds(100);
};

/// One dimension (requests or tokens) of a budget, as seen now.
struct budget_dimension_state {
    std::optional<double> limit_per_minute; ///< Empty: unpaced (no limit configured or learnt yet).
    double burst = 0;                       ///< B, in units.
    std::uint64_t available = 0;            ///< Units admissible right now as a burst (0 when unpaced).
    std::chrono::nanoseconds until_full{0}; ///< Time until the burst is full again.
};

/// One budget, as seen now.
struct budget_limits_state {
    budget_dimension_state requests;
    budget_dimension_state tokens;
    /// The end of the current cool-down (`budget::pause`), if one is in force.
    std::optional<std::chrono::steady_clock::time_point> paused_until;
    /// The fraction of the request limit in use after refusals that showed another client (1: none).
    double share = 1.0;
};

/// What `local_budget::state` reports for one scope (for metrics and logs).
struct budget_state {
    /// The budget that paces the scope first: the global one, or in the per-model layout the model's.
    budget_limits_state model;
    std::optional<budget_limits_state> nested_model; ///< A model budget nested in the global one.
    std::optional<budget_limits_state> endpoint;     ///< The endpoint budget, when one is configured.
    std::size_t waiters = 0;                         ///< Coroutines waiting in this scope's queue.
    /// Whether models still draw from budgets of their own (per-model layout, not merged by a refusal).
    bool models_apart = false;
};

/// Running totals of a `local_budget`, since its construction.
struct budget_counters {
    std::uint64_t acquired = 0;             ///< Acquisitions granted.
    std::uint64_t waited = 0;               ///< Of those, how many had to wait in a queue.
    std::chrono::nanoseconds total_wait{0}; ///< Time spent waiting by the granted acquisitions, summed.
    std::uint64_t cancelled = 0;            ///< Waits that ended by cancellation (nothing spent).
    std::uint64_t too_large = 0;            ///< Acquisitions refused with `errc::request_too_large`.
    std::uint64_t pauses = 0;               ///< Calls to `pause` and `refused`.
    std::uint64_t tightened = 0;            ///< Calls to `observe` that changed the local state.
    std::uint64_t limits_learnt = 0;        ///< Refusals that showed a lower limit than configured.
    std::uint64_t budgets_merged = 0;       ///< Refusals that showed the server shares budgets (0 or 1).
    std::uint64_t share_lowered = 0;        ///< Refusals taken as another client spending the key.
};

/** @brief The in-process `budget`: a shared async semaphore whose permits are request and token units
 * that refill at the budget's rate.
 *
 * Every scope (model, endpoint) keeps a FIFO queue of waiting coroutines and one timer; a request must
 * fit every budget its scope draws from (see `rate_layout`). The head of the queue is admitted at the
 * exact time the rate rule allows; a small request never overtakes a bigger one waiting ahead of it in
 * the same scope, and no request passes without queueing while any scope has waiters. `observe`, `pause` and
 * `adjust_tokens` wake the queues, which re-evaluate their heads. The pacing rule is the server's (a GCRA per
 * dimension: see `rate_limits`), so a process that draws every request from one budget receives no 429 from
 * limits it knows about.
 *
 * @par Object lifetimes
 * Waiters keep the budget's state alive; destroying the `local_budget` ends every pending `acquire` with
 * `boost::asio::error::operation_aborted`. The executor given at construction (used for the timers)
 * must keep running while anybody waits.
 *
 * @par Thread safety
 * Distinct objects: safe. Shared objects: safe only with `budget_options::thread_safe`; otherwise every
 * call must come from the single thread that runs the executor. With `thread_safe`, waiters may run on
 * any executors (even of several io_contexts); each is resumed on its own executor.
 *
 * @par Example
 * @code
 * paced::budget_options opts;
 * opts.defaults.requests_per_minute = 600; // 10 per second, one per 100 ms sustained
 * opts.per_model["gpt-4o"] = {.requests_per_minute = 500, .tokens_per_minute = 30000};
 * auto pacing = std::make_shared<paced::local_budget>(ioc.get_executor(), opts);
 * co_await pacing->acquire({.model = "gpt-4o"}, {.requests = 1, .tokens = 1200});
 * // ... send the request, then:
 * pacing->observe({.model = "gpt-4o"}, snapshot_of_the_answer);
 * @endcode
 */
class local_budget final : public budget {
public:
    /** @brief Makes a budget whose timers run on `ex`.
     *
     * @par Errors
     * `errc::invalid_argument` when a configured limit or burst is not finite and > 0.
     */
    local_budget(boost::asio::any_io_executor ex, budget_options options = budget_options());
    ~local_budget() override;
    local_budget(local_budget const&) = delete;
    local_budget& operator=(local_budget const&) = delete;

    /** @brief Waits until `cost` may be spent in every budget `scope` draws from (see `rate_layout`),
     * then spends it.
     *
     * Returns without suspending when no queue has waiters and the cost fits now.
     *
     * @par Errors
     * `errc::request_too_large` at once when the cost exceeds a per-minute limit (also when a lower
     * limit is learnt while waiting); `boost::asio::error::operation_aborted` on cancellation or when the
     * budget is destroyed.
     * @par Per-operation cancellation
     * terminal, partial, total (a coroutine sees partial and total only after
     * `co_await this_coro::reset_cancellation_state(enable_total_cancellation())`): the waiter leaves
     * the queue, nothing is spent, and the next waiter is re-evaluated. A grant that raced with the
     * cancellation is refunded.
     * @par Thread safety
     * See the class.
     * @par Example
     * @code
     * using namespace boost::asio::experimental::awaitable_operators;
     * auto r = co_await (pacing.acquire(scope, cost) || timer.async_wait(boost::asio::use_awaitable));
     * if (r.index() == 1) { } // gave up waiting: nothing was spent
     * @endcode
     */
    boost::asio::awaitable<void> acquire(budget_scope scope, budget_cost cost) override;

    /** @brief Corrects an earlier token estimate of `scope` (positive: spend more; negative: refund,
     * never into the past). Wakes the waiters of the scope.
     * @par Thread safety
     * See the class.
     */
    void adjust_tokens(budget_scope const& scope, std::int64_t delta) override;

    /** @brief Feeds the `x-ratelimit-*` headers of an answer to the budget they speak of: among the
     * scope's budgets, the one whose limit equals the header's, else the one with the lowest limit (the
     * most specific on ties), for each dimension apart.
     *
     * Learns unset (or lower) limits when `learn_from_headers`; when the server reports fewer units
     * remaining than we believe admissible (another client shares the key), our state is tightened to
     * match. Never loosens.
     * @par Thread safety
     * See the class.
     */
    void observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) override;

    /** @brief One shared cool-down for the scope's primary budget: nothing is admitted before now +
     * `duration`; then one request, then one per emission interval (the server's bucket is full after
     * it refused us). A shorter pause never shortens a longer one. The scope's request rate drops to
     * 3/4 (at most once per second, never below a tenth of the limit) and climbs back by 5% of the limit
     * every 5 s without a pause.
     * @par Thread safety
     * See the class.
     */
    void pause(budget_scope const& scope, std::chrono::nanoseconds duration) override;

    /** @brief A refusal for rate of a request of `scope` (the client calls it for every `429
     * rate_limit_exceeded` and every run that failed with that code). What it teaches, in this order:
     * - its limit is lower than the one the budget believed: that budget adopts it
     *   (`budget_counters::limits_learnt`);
     * - in the per-model layout, the server shares budgets believed apart: the message names another
     *   budget than the request's model, or this budget's own charges in its other budgets would have
     *   filled one shared budget. Every model then draws from the global budget; models in `per_model`
     *   keep theirs, nested (`budget_counters::budgets_merged`);
     * - else another client spends the key: `pause` with its share back-off
     *   (`budget_counters::share_lowered`).
     *
     * Either way nothing is admitted before now + `refusal.cool_down`, then one request per emission
     * interval. The first two are mistakes about the server, corrected at once: they do not lower the
     * share, so a corrected layout costs no throughput afterwards.
     * @par Thread safety
     * See the class.
     */
    void refused(budget_scope const& scope, rate_limit_refusal const& refusal) override;

    /** @brief The earliest time a queue's head is due (the armed timers), if anybody waits.
     * @par Thread safety
     * See the class; with `thread_safe` it may be called from any thread.
     */
    std::optional<std::chrono::steady_clock::time_point> next_admission() const override;

    /** @brief The scope's budgets as they are now: limits, units available, waiters, cool-down.
     * Does not create the scope's budget when it was never used.
     * @par Thread safety
     * See the class; with `thread_safe` it may be called from any thread.
     */
    budget_state state(budget_scope const& scope) const;

    /** @brief Totals since construction. Safe to call from any thread at any time.
     */
    budget_counters counters() const;

    /// The options the budget was made with.
    budget_options const& options() const noexcept;

private:
    friend struct detail::local_budget_access; // builds budgets on another clock (the unit tests')
    explicit local_budget(std::shared_ptr<detail::local_budget_impl> impl) noexcept;

    std::shared_ptr<detail::local_budget_impl> impl_;
};

} // namespace paced
