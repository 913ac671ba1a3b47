// The Redis budget's waiters: one FIFO queue per scope whose head asks Redis, the timers between asks,
// holding while Redis is away, and the operations that need no waiter (refund, pause, adjust).

#include "pacing/redis_budget_impl.hpp"

#include <paced/error.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>

namespace paced::detail {

// ---- timers (strand) ---------------------------------------------------------------------------------

void redis_budget_impl::publish_next_admission() {
    std::optional<time_point> first;
    for (auto const& [key, q] : queues_)
        if (q->timer.armed && !q->waiters.empty() && (!first || q->timer.at < *first))
            first = q->timer.at;
    next_ask_ns_.store(first ? first->time_since_epoch().count() : no_next_ask, std::memory_order_relaxed);
}

// ---- queues (strand) ---------------------------------------------------------------------------------

redis_scope_queue& redis_budget_impl::queue_for(budget_scope const& scope) {
    auto key = std::make_pair(scope.model, scope.endpoint);
    auto it = queues_.find(key);
    if (it == queues_.end())
        it = queues_.emplace(std::move(key), std::make_unique<redis_scope_queue>(strand_, scope)).first;
    return *it->second;
}

void redis_budget_impl::enqueue(budget_scope const& scope, std::shared_ptr<redis_waiter> const& node) {
    if (closed_ || node->cancel_requested.load()) {
        counters_.cancelled++;
        node->complete(asio::error::operation_aborted);
        return;
    }
    if (fallback_now()) { // Redis went away between the caller's check and now
        node->message = unavailable_message();
        node->complete(make_error_code(errc::budget_unavailable));
        return;
    }
    auto& q = queue_for(scope);
    node->queue = &q;
    node->enqueued = clock_type::now();
    node->position = q.waiters.insert(q.waiters.end(), node);
    node->queued = true;
    pump(q);
    if (state_ != link_state::ready)
        arm_hold_timer();
}

void redis_budget_impl::cancel_on_strand(std::shared_ptr<redis_waiter> const& node) {
    if (!node->queued)
        return; // already granted or failed: the coroutine deals with it when it resumes
    auto& q = *node->queue;
    bool const was_head = q.waiters.begin() == node->position;
    q.waiters.erase(node->position);
    counters_.cancelled++;
    node->complete(asio::error::operation_aborted);
    if (was_head && !q.asking) { // an answer in flight re-pumps (and refunds a grant) when it comes
        disarm(q.timer);
        pump(q);
    }
    publish_next_admission();
}

void redis_budget_impl::fail(redis_scope_queue& q, std::shared_ptr<redis_waiter> node,
                             boost::system::error_code code, std::string message) {
    q.waiters.erase(node->position);
    node->message = std::move(message);
    node->complete(code);
}

void redis_budget_impl::pump(redis_scope_queue& q) {
    publish_next_admission(); // a head's wait may just have ended
    if (closed_ || q.asking || q.timer.armed || q.waiters.empty())
        return;
    if (state_ != link_state::ready) {
        ensure_connecting();
        return;
    }
    auto head = q.waiters.front();
    q.asking = head;
    refresh_layout();
    auto call = make_call(rp::script_op::acquire, q.scope, true,
                          {head->cost.requests, static_cast<std::int64_t>(head->cost.tokens)});
    run_script(std::move(call), [q = &q](redis_budget_impl& self, std::optional<rp::reply> r) {
        self.on_acquire_answer(*q, std::move(r));
    });
}

void redis_budget_impl::on_acquire_answer(redis_scope_queue& q, std::optional<rp::reply> r) {
    auto node = std::exchange(q.asking, nullptr);
    if (closed_ || !r)
        return; // the connection failed: link_failed re-pumps or fails the waiters
    auto const answer = rp::decode_acquire(*r);
    if (!answer) {
        link_failed("the budget script gave an unexpected answer (is another program using the keys under '" +
                    opts_.key_prefix + "'?)");
        return;
    }
    bool const still_waiting = node && node->queued;
    switch (answer->what) {
    case rp::acquire_answer::kind::admitted:
        if (still_waiting) {
            q.waiters.erase(node->position);
            counters_.acquired++;
            if (node->waited)
                counters_.waited++;
            node->complete({});
        } else if (node) { // cancelled while its grant was on the way
            send_op(rp::script_op::refund, q.scope, true,
                    {node->cost.requests, static_cast<std::int64_t>(node->cost.tokens)});
        }
        break;
    case rp::acquire_answer::kind::wait:
        if (still_waiting) {
            node->waited = true;
            arm(q.timer, clock_type::now() + answer->wait,
                [q = &q](redis_budget_impl& self) { self.pump(*q); });
            publish_next_admission();
            return;
        }
        break;
    case rp::acquire_answer::kind::too_large:
        if (still_waiting) {
            counters_.too_large++;
            fail(q, node, make_error_code(errc::request_too_large),
                 "budget: the shared budget's " +
                     std::string{answer->dimension == 0 ? "requests" : "tokens"} + " limit of " +
                     std::to_string(answer->limit) + "/min (" +
                     (answer->scope_index == 1 ? "primary" : "nested") + " budget of " +
                     pacing::describe_scope(q.scope) + ") leaves no room for this request");
        }
        break;
    }
    pump(q);
}

void redis_budget_impl::pump_all() {
    for (auto& [key, q] : queues_)
        pump(*q);
}

bool redis_budget_impl::has_demand() const {
    if (!pending_pauses_.empty() || !pending_adjusts_.empty())
        return true;
    for (auto const& [key, q] : queues_)
        if (!q->waiters.empty())
            return true;
    return false;
}

// ---- holding while Redis is away (strand) ------------------------------------------------------------

time_point redis_budget_impl::hold_deadline(redis_waiter const& w) const {
    auto const since = std::max(down_since_.value_or(w.enqueued), w.enqueued);
    return since + opts_.reconnect_deadline;
}

void redis_budget_impl::arm_hold_timer() {
    if (fallback_ || state_ == link_state::ready || closed_) {
        disarm(hold_timer_);
        return;
    }
    std::optional<time_point> earliest;
    for (auto const& [key, q] : queues_)
        if (!q->waiters.empty()) {
            auto const d = hold_deadline(*q->waiters.front()); // the oldest of its queue
            if (!earliest || d < *earliest)
                earliest = d;
        }
    if (!earliest) {
        disarm(hold_timer_);
        return;
    }
    arm(hold_timer_, *earliest, [](redis_budget_impl& self) { self.expire_holds(); });
}

void redis_budget_impl::expire_holds() {
    if (state_ == link_state::ready)
        return;
    auto const now = clock_type::now();
    for (auto& [key, q] : queues_)
        while (!q->waiters.empty() && hold_deadline(*q->waiters.front()) <= now) {
            counters_.unavailable++;
            fail(*q, q->waiters.front(), make_error_code(errc::budget_unavailable), unavailable_message());
        }
    arm_hold_timer();
}

std::string redis_budget_impl::unavailable_message() const {
    return "budget: Redis at " + url_.host + ":" + std::to_string(url_.port) + " unavailable" +
           (last_error_.empty() ? std::string{} : " (" + last_error_ + ")") + "; nothing was sent";
}

void redis_budget_impl::fail_all(boost::system::error_code code, std::string const& message) {
    for (auto& [key, q] : queues_) {
        disarm(q->timer);
        while (!q->waiters.empty())
            fail(*q, q->waiters.front(), code, message);
    }
}

// ---- operations without a waiter (strand) ------------------------------------------------------------

void redis_budget_impl::send_op(rp::script_op op, budget_scope const& scope, bool with_endpoint,
                                std::vector<std::int64_t> args,
                                std::function<void(redis_budget_impl&, bool)> done) {
    if (state_ != link_state::ready) {
        if (done)
            done(*this, false);
        return;
    }
    run_script(make_call(op, scope, with_endpoint, std::move(args)),
               [done = std::move(done)](redis_budget_impl& self, std::optional<rp::reply> r) {
                   if (done)
                       done(self, r.has_value());
               });
}

void redis_budget_impl::do_pause(std::string const& model, time_point until, bool lower_share) {
    auto const left = until - clock_type::now();
    if (left.count() <= 0)
        return;
    auto keep = [model, until, lower_share](redis_budget_impl& self, bool ok) {
        if (ok)
            return;
        auto& p = self.pending_pauses_[model];
        p.until = std::max(p.until, until);
        p.lower_share = p.lower_share || lower_share;
        self.ensure_connecting();
    };
    send_op(rp::script_op::pause, budget_scope{model, {}}, false,
            {rp::ceil_micros(left), lower_share ? 1 : 0}, keep);
}

void redis_budget_impl::do_adjust(budget_scope const& scope, std::int64_t delta) {
    auto keep = [scope, delta](redis_budget_impl& self, bool ok) {
        if (ok) {
            if (delta < 0) // a refund may let the head in sooner
                if (auto it = self.queues_.find({scope.model, scope.endpoint}); it != self.queues_.end()) {
                    auto& q = *it->second;
                    if (q.timer.armed) {
                        disarm(q.timer);
                        self.pump(q);
                    }
                }
            return;
        }
        self.pending_adjusts_[{scope.model, scope.endpoint}] += delta;
        self.ensure_connecting();
    };
    send_op(rp::script_op::adjust, scope, true, {delta}, keep);
}

void redis_budget_impl::flush_pending() {
    auto pauses = std::exchange(pending_pauses_, {});
    auto adjusts = std::exchange(pending_adjusts_, {});
    for (auto const& [model, p] : pauses)
        do_pause(model, p.until, p.lower_share);
    for (auto const& [key, delta] : adjusts)
        if (delta != 0)
            do_adjust(budget_scope{key.first, key.second}, delta);
}

} // namespace paced::detail
