// The async front of the in-process budget: FIFO queues of waiting coroutines over the sans-io core.
//
// One queue and one timer per scope (model, endpoint). The timer works as a condition variable with a
// deadline: it is set to the head's exact admission time; its expiry, or any state change (observe,
// pause, refund, cancellation of the head), re-evaluates the head, admits what fits in order and re-arms
// for the next. Waiters behind the head are not woken at all: each admission costs O(1).

#include <paced/pacing/local_budget.hpp>

#include "pacing/gcra.hpp"
#include "pacing/waiter.hpp"

#include <paced/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <list>
#include <utility>

namespace asio = boost::asio;

namespace paced::detail {

using pacing::clock_type;
using pacing::scope_state;
using pacing::time_point;
using pacing::verdict;

namespace {

struct scope_queue;

struct budget_waiter : pacing::waiter {
    budget_cost cost;
    time_point enqueued{};
    scope_queue* queue = nullptr;
    std::list<std::shared_ptr<budget_waiter>>::iterator position;
};

struct scope_queue {
    scope_queue(asio::any_io_executor const& ex, scope_state* m, scope_state* e)
        : model(m), endpoint(e), timer(ex) {}

    scope_state* model;
    scope_state* endpoint; // null: the scope names no configured endpoint
    std::list<std::shared_ptr<budget_waiter>> waiters;
    asio::steady_timer timer;
    std::uint64_t generation = 0;        // invalidates the handlers of superseded timer waits
    std::optional<time_point> armed_for; // the deadline of the current timer wait
};

scope_state make_state(rate_limits const& l, std::chrono::nanoseconds allowance) {
    return scope_state({l.requests_per_minute, l.burst_requests}, {l.tokens_per_minute, l.burst_tokens},
                       allowance);
}

budget_dimension_state describe(pacing::gcra const& g, time_point now) {
    budget_dimension_state d;
    if (g.limited()) {
        d.limit_per_minute = g.limit();
        d.burst = g.burst();
        d.available = g.available(now);
        d.until_full = g.until_full(now);
    }
    return d;
}

budget_limits_state describe(scope_state const& s, time_point now) {
    budget_limits_state l{describe(s.requests(), now), describe(s.tokens(), now), std::nullopt};
    if (s.paused_until() > now)
        l.paused_until = s.paused_until();
    return l;
}

} // namespace

class local_budget_impl : public std::enable_shared_from_this<local_budget_impl> {
public:
    local_budget_impl(asio::any_io_executor ex, budget_options opts)
        : ex_(std::move(ex)), opts_(std::move(opts)), mutex_(opts_.thread_safe) {
        if (opts_.latency_allowance.count() < 0)
            throw_error(errc::invalid_argument, "budget_options::latency_allowance: must be >= 0");
        // Validate every configured limit now, not at the first request of some model.
        (void)make_state(opts_.defaults, opts_.latency_allowance);
        for (auto const& [model, limits] : opts_.per_model)
            models_.emplace(model,
                            std::make_unique<scope_state>(make_state(limits, opts_.latency_allowance)));
        for (auto const& [endpoint, limits] : opts_.per_endpoint)
            endpoints_.emplace(endpoint,
                               std::make_unique<scope_state>(make_state(limits, opts_.latency_allowance)));
    }

    asio::any_io_executor const& executor() const noexcept { return ex_; }
    budget_options const& options() const noexcept { return opts_; }

    // True when granted at once; false when the caller must queue. Throws request_too_large.
    bool try_acquire_now(budget_scope const& scope, budget_cost cost) {
        auto lock = mutex_.lock();
        auto& q = queue_for(scope);
        auto const now = clock_type::now();
        auto const v = check(q, cost, now);
        if (v.impossible()) {
            counters_.too_large++;
            throw_error(errc::request_too_large, too_large_message(scope, q, cost));
        }
        if (closed_ || !q.waiters.empty() || !v.admitted())
            return false;
        commit(q, cost, now);
        counters_.acquired++;
        return true;
    }

    void enqueue(budget_scope const& scope, std::shared_ptr<budget_waiter> const& node) {
        auto lock = mutex_.lock();
        if (closed_ || node->cancel_requested.load()) {
            counters_.cancelled++;
            node->complete(asio::error::operation_aborted);
            return;
        }
        auto& q = queue_for(scope);
        auto const now = clock_type::now();
        node->queue = &q;
        node->enqueued = now;
        node->position = q.waiters.insert(q.waiters.end(), node);
        node->queued = true;
        pump(q, now);
    }

    // From the waiter's cancellation slot handler (any thread).
    void cancel(std::shared_ptr<budget_waiter> const& node) {
        auto lock = mutex_.lock();
        if (!node->queued)
            return; // already granted or failed: the coroutine deals with it when it resumes
        auto& q = *node->queue;
        bool const was_head = q.waiters.begin() == node->position;
        q.waiters.erase(node->position);
        counters_.cancelled++;
        node->complete(asio::error::operation_aborted);
        if (was_head)
            pump(q, clock_type::now()); // the next waiter may fit where the cancelled one did not
    }

    // A grant nobody will use (the waiter was cancelled as it was granted).
    void refund(budget_scope const& scope, budget_cost cost) {
        auto lock = mutex_.lock();
        auto& q = queue_for(scope);
        auto const now = clock_type::now();
        q.model->refund(cost, now);
        if (q.endpoint)
            q.endpoint->refund(cost, now);
        counters_.acquired--;
        counters_.cancelled++;
        pump_all(now);
    }

    void adjust_tokens(budget_scope const& scope, std::int64_t delta) {
        if (delta == 0)
            return;
        auto lock = mutex_.lock();
        auto& q = queue_for(scope);
        auto const now = clock_type::now();
        q.model->adjust_tokens(delta, now);
        if (q.endpoint)
            q.endpoint->adjust_tokens(delta, now);
        pump_all(now);
    }

    void observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) {
        auto lock = mutex_.lock();
        auto const now = clock_type::now();
        if (model_state(scope.model).observe(snapshot, now, opts_.learn_from_headers)) {
            counters_.tightened++;
            pump_all(now);
        }
    }

    void pause(budget_scope const& scope, std::chrono::nanoseconds d) {
        auto lock = mutex_.lock();
        auto const now = clock_type::now();
        counters_.pauses++;
        model_state(scope.model).pause(d, now);
        pump_all(now);
    }

    budget_state state(budget_scope const& scope) const {
        auto lock = mutex_.lock();
        auto const now = clock_type::now();
        budget_state s;
        if (auto it = models_.find(scope.model); it != models_.end())
            s.model = describe(*it->second, now);
        else
            s.model = describe(make_state(config_for(scope.model), opts_.latency_allowance), now);
        if (auto it = endpoints_.find(scope.endpoint); !scope.endpoint.empty() && it != endpoints_.end())
            s.endpoint = describe(*it->second, now);
        if (auto it = queues_.find({scope.model, scope.endpoint}); it != queues_.end())
            s.waiters = it->second->waiters.size();
        return s;
    }

    budget_counters counters() const {
        budget_counters c;
        c.acquired = counters_.acquired.load(std::memory_order_relaxed);
        c.waited = counters_.waited.load(std::memory_order_relaxed);
        c.total_wait = std::chrono::nanoseconds{counters_.total_wait_ns.load(std::memory_order_relaxed)};
        c.cancelled = counters_.cancelled.load(std::memory_order_relaxed);
        c.too_large = counters_.too_large.load(std::memory_order_relaxed);
        c.pauses = counters_.pauses.load(std::memory_order_relaxed);
        c.tightened = counters_.tightened.load(std::memory_order_relaxed);
        return c;
    }

    // The owner (local_budget) is going away: fail every waiter, stop every timer.
    void close() {
        auto lock = mutex_.lock();
        closed_ = true;
        for (auto& [key, q] : queues_) {
            disarm(*q);
            while (!q->waiters.empty()) {
                auto node = std::move(q->waiters.front());
                q->waiters.pop_front();
                counters_.cancelled++;
                node->complete(asio::error::operation_aborted);
            }
        }
    }

private:
    rate_limits const& config_for(std::string const& model) const {
        auto it = opts_.per_model.find(model);
        return it != opts_.per_model.end() ? it->second : opts_.defaults;
    }

    scope_state& model_state(std::string const& model) {
        auto it = models_.find(model);
        if (it == models_.end())
            it = models_
                     .emplace(model, std::make_unique<scope_state>(
                                         make_state(config_for(model), opts_.latency_allowance)))
                     .first;
        return *it->second;
    }

    scope_queue& queue_for(budget_scope const& scope) {
        auto key = std::make_pair(scope.model, scope.endpoint);
        auto it = queues_.find(key);
        if (it == queues_.end()) {
            scope_state* endpoint = nullptr;
            if (!scope.endpoint.empty())
                if (auto e = endpoints_.find(scope.endpoint); e != endpoints_.end())
                    endpoint = e->second.get();
            it = queues_
                     .emplace(std::move(key),
                              std::make_unique<scope_queue>(ex_, &model_state(scope.model), endpoint))
                     .first;
        }
        return *it->second;
    }

    static verdict check(scope_queue const& q, budget_cost cost, time_point now) {
        auto v = q.model->check(cost, now);
        if (q.endpoint)
            v = both(v, q.endpoint->check(cost, now));
        return v;
    }

    static void commit(scope_queue& q, budget_cost cost, time_point now) {
        q.model->commit(cost, now);
        if (q.endpoint)
            q.endpoint->commit(cost, now);
    }

    static std::string too_large_message(budget_scope const& scope, scope_queue const& q, budget_cost cost) {
        auto limits = [](scope_state const& s) {
            return pacing::per_minute_limits{.requests = s.requests().limit(), .tokens = s.tokens().limit()};
        };
        return pacing::too_large_message(scope, cost, limits(*q.model),
                                         q.endpoint ? std::optional(limits(*q.endpoint)) : std::nullopt);
    }

    // Admits the queue's heads that fit now, in order, and arms the timer for the next one.
    void pump(scope_queue& q, time_point now) {
        while (!q.waiters.empty()) {
            auto& head = q.waiters.front();
            auto const v = check(q, head->cost, now);
            if (v.impossible()) { // a lower limit was learnt while it waited
                auto node = std::move(head);
                q.waiters.pop_front();
                counters_.too_large++;
                node->complete(make_error_code(errc::request_too_large));
                continue;
            }
            if (!v.admitted()) {
                arm(q, now + v.wait);
                return;
            }
            auto node = std::move(head);
            q.waiters.pop_front();
            commit(q, node->cost, now);
            counters_.acquired++;
            counters_.waited++;
            counters_.total_wait_ns += static_cast<std::uint64_t>((now - node->enqueued).count());
            node->complete({});
        }
        disarm(q); // nobody waits: do not keep the io_context busy
    }

    void pump_all(time_point now) {
        for (auto& [key, q] : queues_)
            if (!q->waiters.empty())
                pump(*q, now);
    }

    void arm(scope_queue& q, time_point at) {
        if (q.armed_for == at)
            return;
        q.armed_for = at;
        auto const generation = ++q.generation;
        q.timer.expires_at(at); // cancels the previous wait, whose handler then sees a stale generation
        q.timer.async_wait([weak = weak_from_this(), queue = &q, generation](boost::system::error_code) {
            auto self = weak.lock();
            if (!self)
                return;
            auto lock = self->mutex_.lock();
            if (queue->generation != generation)
                return;
            queue->armed_for.reset();
            self->pump(*queue, clock_type::now());
        });
    }

    void disarm(scope_queue& q) {
        if (!q.armed_for)
            return;
        q.armed_for.reset();
        ++q.generation;
        q.timer.cancel();
    }

    asio::any_io_executor ex_;
    budget_options opts_;
    pacing::optional_mutex mutex_;
    bool closed_ = false;
    std::map<std::string, std::unique_ptr<scope_state>> models_;
    std::map<std::string, std::unique_ptr<scope_state>> endpoints_;
    std::map<std::pair<std::string, std::string>, std::unique_ptr<scope_queue>> queues_;
    struct {
        std::atomic<std::uint64_t> acquired{0}, waited{0}, total_wait_ns{0}, cancelled{0}, too_large{0},
            pauses{0}, tightened{0};
    } counters_;
};

namespace {

asio::awaitable<void> acquire_in(std::shared_ptr<local_budget_impl> impl, budget_scope scope,
                                 budget_cost cost) {
    if (impl->try_acquire_now(scope, cost))
        co_return;
    auto node = std::make_shared<budget_waiter>();
    node->cost = cost;
    auto const ec =
        co_await pacing::suspend(impl, node, impl->executor(), [&] { impl->enqueue(scope, node); });
    if (ec == errc::request_too_large)
        throw_error(errc::request_too_large,
                    "budget: a lower limit learnt while waiting leaves no room for this request in " +
                        pacing::describe_scope(scope));
    if (ec)
        throw boost::system::system_error(ec, "budget acquire");
    if (node->cancel_requested.load()) {
        // Granted at the moment it was cancelled: give the units back to the others.
        impl->refund(scope, cost);
        throw boost::system::system_error(asio::error::operation_aborted, "budget acquire");
    }
}

} // namespace

} // namespace paced::detail

namespace paced {

local_budget::local_budget(boost::asio::any_io_executor ex, budget_options options)
    : impl_(std::make_shared<detail::local_budget_impl>(std::move(ex), std::move(options))) {}

local_budget::~local_budget() {
    impl_->close();
}

boost::asio::awaitable<void> local_budget::acquire(budget_scope const& scope, budget_cost cost) {
    // Copies the scope now: the coroutine starts later, when the caller's argument may be gone.
    return detail::acquire_in(impl_, scope, cost);
}

void local_budget::adjust_tokens(budget_scope const& scope, std::int64_t delta) {
    impl_->adjust_tokens(scope, delta);
}

void local_budget::observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) {
    impl_->observe(scope, snapshot);
}

void local_budget::pause(budget_scope const& scope, std::chrono::nanoseconds duration) {
    impl_->pause(scope, duration);
}

budget_state local_budget::state(budget_scope const& scope) const {
    return impl_->state(scope);
}

budget_counters local_budget::counters() const {
    return impl_->counters();
}

budget_options const& local_budget::options() const noexcept {
    return impl_->options();
}

} // namespace paced
