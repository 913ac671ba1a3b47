// The async front of the in-process budget: FIFO queues of waiting coroutines over the sans-io core.
//
// One queue and one timer per scope (model, endpoint). The timer works as a condition variable with a
// deadline: it is set to the head's exact admission time; its expiry, or any state change (observe,
// pause, refund, cancellation of the head), re-evaluates the head, admits what fits in order and re-arms
// for the next. Waiters behind the head are not woken at all: each admission costs O(1).
//
// Time comes from a budget_clock (pacing/budget_clock.hpp): the steady clock and asio::steady_timer,
// unless the budget was built on another one (the unit tests' manual clock).

#include <paced/pacing/local_budget.hpp>

#include "pacing/budget_book.hpp"
#include "pacing/budget_clock.hpp"
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

using pacing::scope_state;
using pacing::time_point;
using pacing::verdict;

namespace {

// The default time of the async front: the steady clock, and a steady_timer per queue.
class steady_timer_alarm final : public pacing::budget_alarm {
public:
    explicit steady_timer_alarm(asio::any_io_executor const& ex) : timer_(ex) {}
    void wait_until(time_point at, wake_handler wake) override {
        timer_.expires_at(at);
        timer_.async_wait(std::move(wake));
    }
    void cancel() override { timer_.cancel(); }

private:
    asio::steady_timer timer_;
};

class steady_clock_source final : public pacing::budget_clock {
public:
    time_point now() const override { return pacing::clock_type::now(); }
    std::unique_ptr<pacing::budget_alarm> make_alarm(asio::any_io_executor const& ex) override {
        return std::make_unique<steady_timer_alarm>(ex);
    }
};

struct scope_queue;

struct budget_waiter : pacing::waiter {
    budget_cost cost;
    time_point enqueued{};
    scope_queue* queue = nullptr;
    std::list<std::shared_ptr<budget_waiter>>::iterator position;
};

struct scope_queue {
    scope_queue(pacing::budget_clock& clock, asio::any_io_executor const& ex, budget_scope s)
        : scope(std::move(s)), timer(clock.make_alarm(ex)) {}

    budget_scope scope;
    pacing::budget_set budgets; // what the scope draws from, as of `layout_generation`
    std::uint64_t layout_generation = ~std::uint64_t{0};
    std::list<std::shared_ptr<budget_waiter>> waiters;
    std::unique_ptr<pacing::budget_alarm> timer;
    std::uint64_t generation = 0;        // invalidates the handlers of superseded timer waits
    std::optional<time_point> armed_for; // the deadline of the current timer wait
};

} // namespace

class local_budget_impl : public std::enable_shared_from_this<local_budget_impl> {
public:
    local_budget_impl(asio::any_io_executor ex, budget_options opts,
                      std::shared_ptr<pacing::budget_clock> clock)
        : ex_(std::move(ex)), clock_(std::move(clock)), book_(opts), mutex_(opts.thread_safe) {}

    asio::any_io_executor const& executor() const noexcept { return ex_; }
    budget_options const& options() const noexcept { return book_.options(); }

    // True when granted at once; false when the caller must queue. Throws request_too_large.
    bool try_acquire_now(budget_scope const& scope, budget_cost cost) {
        auto lock = mutex_.lock();
        auto& q = queue_for(scope);
        auto const now = clock_->now();
        auto const v = book_.check(budgets(q), cost, now);
        if (v.impossible()) {
            counters_.too_large++;
            throw_error(errc::request_too_large, too_large_message(scope, q, cost));
        }
        // Queues of other scopes may wait for the same (global) budget: a newcomer does not overtake them.
        if (closed_ || waiting_ != 0 || !v.admitted())
            return false;
        book_.commit(q.budgets, cost, now);
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
        auto const now = clock_->now();
        node->queue = &q;
        node->enqueued = now;
        node->position = q.waiters.insert(q.waiters.end(), node);
        ++waiting_;
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
        --waiting_;
        counters_.cancelled++;
        node->complete(asio::error::operation_aborted);
        if (was_head)
            pump(q, clock_->now()); // the next waiter may fit where the cancelled one did not
    }

    // A grant nobody will use (the waiter was cancelled as it was granted).
    void refund(budget_scope const& scope, budget_cost cost) {
        auto lock = mutex_.lock();
        auto& q = queue_for(scope);
        auto const now = clock_->now();
        book_.refund(budgets(q), cost, now);
        counters_.acquired--;
        counters_.cancelled++;
        pump_all(now);
    }

    void adjust_tokens(budget_scope const& scope, std::int64_t delta) {
        if (delta == 0)
            return;
        auto lock = mutex_.lock();
        auto& q = queue_for(scope);
        auto const now = clock_->now();
        book_.adjust_tokens(budgets(q), delta, now);
        pump_all(now);
    }

    void observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) {
        auto lock = mutex_.lock();
        auto const now = clock_->now();
        if (book_.observe(scope, snapshot, now)) {
            counters_.tightened++;
            pump_all(now);
        }
    }

    void pause(budget_scope const& scope, std::chrono::nanoseconds d) {
        auto lock = mutex_.lock();
        auto const now = clock_->now();
        counters_.pauses++;
        book_.pause(scope, d, now);
        pump_all(now);
    }

    void refused(budget_scope const& scope, rate_limit_refusal const& refusal) {
        auto lock = mutex_.lock();
        auto const now = clock_->now();
        counters_.pauses++;
        switch (book_.refused(scope, refusal, now)) {
        case pacing::refusal_lesson::lower_limit:
            counters_.limits_learnt++;
            break;
        case pacing::refusal_lesson::shared_budget:
            counters_.budgets_merged++;
            break;
        case pacing::refusal_lesson::other_client:
            counters_.share_lowered++;
            break;
        }
        pump_all(now);
    }

    budget_state state(budget_scope const& scope) const {
        auto lock = mutex_.lock();
        auto s = book_.describe(scope, clock_->now());
        if (auto it = queues_.find({scope.model, scope.endpoint}); it != queues_.end())
            s.waiters = it->second->waiters.size();
        return s;
    }

    std::optional<time_point> next_admission() const {
        auto lock = mutex_.lock();
        std::optional<time_point> first;
        for (auto const& [key, q] : queues_)
            if (q->armed_for && (!first || *q->armed_for < *first))
                first = q->armed_for;
        return first;
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
        c.limits_learnt = counters_.limits_learnt.load(std::memory_order_relaxed);
        c.budgets_merged = counters_.budgets_merged.load(std::memory_order_relaxed);
        c.share_lowered = counters_.share_lowered.load(std::memory_order_relaxed);
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
                --waiting_;
                counters_.cancelled++;
                node->complete(asio::error::operation_aborted);
            }
        }
    }

private:
    scope_queue& queue_for(budget_scope const& scope) {
        auto key = std::make_pair(scope.model, scope.endpoint);
        auto it = queues_.find(key);
        if (it == queues_.end())
            it = queues_.emplace(std::move(key), std::make_unique<scope_queue>(*clock_, ex_, scope)).first;
        return *it->second;
    }

    // The budgets the queue's scope draws from, re-asked when a refusal changed the layout.
    pacing::budget_set const& budgets(scope_queue& q) {
        if (q.layout_generation != book_.generation()) {
            q.budgets = book_.budgets_of(q.scope);
            q.layout_generation = book_.generation();
        }
        return q.budgets;
    }

    std::string too_large_message(budget_scope const& scope, scope_queue& q, budget_cost cost) {
        auto const keys = book_.keys_of(scope);
        std::vector<pacing::per_minute_limits> limits;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            auto const* b = budgets(q).members[i];
            limits.push_back({keys[i].kind_name(), b->requests().limit(), b->tokens().limit()});
        }
        return pacing::too_large_message(scope, cost, limits);
    }

    // Admits the queue's heads that fit now, in order, and arms the timer for the next one.
    void pump(scope_queue& q, time_point now) {
        while (!q.waiters.empty()) {
            auto& head = q.waiters.front();
            auto const v = book_.check(budgets(q), head->cost, now);
            if (v.impossible()) { // a lower limit was learnt while it waited
                auto node = std::move(head);
                q.waiters.pop_front();
                --waiting_;
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
            --waiting_;
            book_.commit(q.budgets, node->cost, now);
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
        // Ends the previous wait, whose handler then sees a stale generation.
        q.timer->wait_until(at, [weak = weak_from_this(), queue = &q, generation](boost::system::error_code) {
            auto self = weak.lock();
            if (!self)
                return;
            auto lock = self->mutex_.lock();
            if (queue->generation != generation)
                return;
            queue->armed_for.reset();
            self->pump(*queue, self->clock_->now());
        });
    }

    void disarm(scope_queue& q) {
        if (!q.armed_for)
            return;
        q.armed_for.reset();
        ++q.generation;
        q.timer->cancel();
    }

    asio::any_io_executor ex_;
    std::shared_ptr<pacing::budget_clock> clock_;
    pacing::budget_book book_;
    pacing::optional_mutex mutex_;
    bool closed_ = false;
    std::size_t waiting_ = 0; // waiters in all queues
    std::map<std::pair<std::string, std::string>, std::unique_ptr<scope_queue>> queues_;
    struct {
        std::atomic<std::uint64_t> acquired{0}, waited{0}, total_wait_ns{0}, cancelled{0}, too_large{0},
            pauses{0}, tightened{0}, limits_learnt{0}, budgets_merged{0}, share_lowered{0};
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

std::shared_ptr<local_budget> local_budget_access::make(asio::any_io_executor ex, budget_options options,
                                                        std::shared_ptr<pacing::budget_clock> clock) {
    return std::shared_ptr<local_budget>(new local_budget(
        std::make_shared<local_budget_impl>(std::move(ex), std::move(options), std::move(clock))));
}

} // namespace paced::detail

namespace paced::pacing {

std::shared_ptr<budget_clock> steady_budget_clock() {
    static auto const steady = std::make_shared<detail::steady_clock_source>();
    return steady;
}

} // namespace paced::pacing

namespace paced {

local_budget::local_budget(boost::asio::any_io_executor ex, budget_options options)
    : local_budget(std::make_shared<detail::local_budget_impl>(std::move(ex), std::move(options),
                                                               pacing::steady_budget_clock())) {}

local_budget::local_budget(std::shared_ptr<detail::local_budget_impl> impl) noexcept
    : impl_(std::move(impl)) {}

local_budget::~local_budget() {
    impl_->close();
}

boost::asio::awaitable<void> local_budget::acquire(budget_scope scope, budget_cost cost) {
    // Not a coroutine: the scope is the caller's copy, moved into a coroutine that owns it, and the
    // budget's state is shared with it, so neither depends on the caller's objects after this returns.
    return detail::acquire_in(impl_, std::move(scope), cost);
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

void local_budget::refused(budget_scope const& scope, rate_limit_refusal const& refusal) {
    impl_->refused(scope, refusal);
}

budget_state local_budget::state(budget_scope const& scope) const {
    return impl_->state(scope);
}

std::optional<std::chrono::steady_clock::time_point> local_budget::next_admission() const {
    return impl_->next_admission();
}

budget_counters local_budget::counters() const {
    return impl_->counters();
}

budget_options const& local_budget::options() const noexcept {
    return impl_->options();
}

} // namespace paced
