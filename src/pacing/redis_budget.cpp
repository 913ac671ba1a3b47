// The Redis-backed budget: FIFO queues of waiting coroutines in this process, the rate rule in Redis.
//
// All state lives on one strand. Per scope (model, endpoint) one queue: only its head asks Redis (one
// EVALSHA of the budget script); the answer admits it, or names the exact wait, after which the head asks
// again (a timer per queue). The connection is a small state machine: down -> connecting (resolve,
// non-blocking connect, AUTH, SELECT, SCRIPT LOAD, pipelined) -> ready; any failure (refused, lost,
// timed out, an error answer) goes back to down with a doubling, jittered backoff. While it is not ready,
// waiters hold (each at most `reconnect_deadline`) or, with the fallback policy, go to a local budget.
//
// Every callback carries the connection generation it was made for: a late answer of a connection that
// has since failed is ignored (its charge counts as spent; the waiter asks again: never unpaced).

#include <paced/pacing/redis_budget.hpp>

#include "pacing/budget_book.hpp"
#include "pacing/redis_link.hpp"
#include "pacing/redis_protocol.hpp"
#include "pacing/waiter.hpp"

#include <paced/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <utility>

namespace asio = boost::asio;

namespace paced::detail {

namespace rp = pacing::redis;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

namespace {

struct redis_scope_queue;

struct redis_waiter : pacing::waiter {
    budget_cost cost;
    time_point enqueued{};
    bool waited = false;
    std::string message; // why it failed (budget_unavailable, request_too_large)
    redis_scope_queue* queue = nullptr;
    std::list<std::shared_ptr<redis_waiter>>::iterator position;
};

/// A timer with a generation: a wait superseded by a re-arm or disarm finds nothing to do.
struct timer_slot {
    explicit timer_slot(asio::any_io_executor const& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::uint64_t generation = 0;
    bool armed = false;
    time_point at{};
};

struct redis_scope_queue {
    redis_scope_queue(asio::any_io_executor const& ex, budget_scope s) : scope(std::move(s)), timer(ex) {}
    budget_scope scope;
    std::list<std::shared_ptr<redis_waiter>> waiters;
    timer_slot timer;                     // the head's next ask
    std::shared_ptr<redis_waiter> asking; // the head whose acquire is in flight (null: none)
};

void validate(redis_budget_options const& o) {
    if (o.key_prefix.empty())
        throw_error(errc::invalid_argument, "redis_budget_options::key_prefix: must not be empty");
    if (!(o.fallback_share > 0 && o.fallback_share <= 1))
        throw_error(errc::invalid_argument, "redis_budget_options::fallback_share: must be in (0, 1], got " +
                                                std::to_string(o.fallback_share));
    if (o.reconnect_deadline.count() < 0)
        throw_error(errc::invalid_argument, "redis_budget_options::reconnect_deadline: must be >= 0");
    if (o.connect_timeout.count() <= 0)
        throw_error(errc::invalid_argument, "redis_budget_options::connect_timeout: must be > 0");
    if (o.layout_refresh.count() <= 0)
        throw_error(errc::invalid_argument, "redis_budget_options::layout_refresh: must be > 0");
    if (o.backoff_initial.count() <= 0 || o.backoff_max < o.backoff_initial)
        throw_error(errc::invalid_argument,
                    "redis_budget_options: backoff_initial must be > 0 and backoff_max >= backoff_initial");
}

/// The limits of the local fallback: `share` of every limit and configured burst.
budget_options scaled(budget_options o, double share) {
    auto scale = [share](rate_limits& l) {
        if (l.requests_per_minute)
            *l.requests_per_minute *= share;
        if (l.tokens_per_minute)
            *l.tokens_per_minute *= share;
        if (l.burst_requests)
            l.burst_requests = std::max(1.0, *l.burst_requests * share);
        if (l.burst_tokens)
            l.burst_tokens = std::max(1.0, *l.burst_tokens * share);
    };
    scale(o.defaults);
    for (auto& [k, l] : o.per_model)
        scale(l);
    for (auto& [k, l] : o.per_endpoint)
        scale(l);
    o.thread_safe = true;
    return o;
}

std::optional<std::uint64_t> scale_units(std::optional<std::uint64_t> v, double share,
                                         std::uint64_t at_least) {
    if (!v)
        return v;
    return std::max(at_least, static_cast<std::uint64_t>(std::floor(static_cast<double>(*v) * share)));
}

} // namespace

class redis_budget_impl : public std::enable_shared_from_this<redis_budget_impl> {
public:
    redis_budget_impl(asio::any_io_executor ex, redis_budget_options opts)
        : ex_(std::move(ex)), strand_(asio::make_strand(ex_)), opts_(std::move(opts)), url_(check(opts_)),
          layout_(opts_.limits), resolver_(strand_), connect_timer_(strand_), hold_timer_(strand_),
          watchdog_(strand_), backoff_(opts_.backoff_initial), rng_(std::random_device{}()) {
        // The local budget validates limits, bursts and the latency allowance exactly as it would.
        (void)local_budget(ex_, opts_.limits);
        if (opts_.on_unavailable == unavailable_policy::fallback_local)
            fallback_ = std::make_unique<local_budget>(ex_, scaled(opts_.limits, opts_.fallback_share));
    }

    redis_budget_options const& options() const noexcept { return opts_; }
    asio::any_io_executor const& executor() const noexcept { return ex_; }
    bool connected() const noexcept { return connected_.load(); }

    std::optional<time_point> next_admission() const {
        if (fallback_now())
            return fallback_->next_admission();
        auto const at = next_ask_ns_.load(std::memory_order_relaxed);
        if (at == no_next_ask)
            return std::nullopt;
        return time_point{time_point::duration{at}};
    }

    redis_budget_counters counters() const {
        redis_budget_counters c;
        c.acquired = counters_.acquired.load();
        c.acquired_local = counters_.acquired_local.load();
        c.waited = counters_.waited.load();
        c.round_trips = counters_.round_trips.load();
        c.cancelled = counters_.cancelled.load();
        c.too_large = counters_.too_large.load();
        c.unavailable = counters_.unavailable.load();
        c.connects = counters_.connects.load();
        c.connect_failures = counters_.connect_failures.load();
        c.limits_learnt = counters_.limits_learnt.load();
        c.budgets_merged = counters_.budgets_merged.load();
        c.share_lowered = counters_.share_lowered.load();
        return c;
    }

    void start() {
        asio::post(strand_, [self = shared_from_this()] { self->ensure_connecting(); });
    }

    void shutdown() {
        asio::post(strand_, [self = shared_from_this()] { self->close(); });
    }

    // ---- called from any thread -------------------------------------------------------------------

    /// Throws request_too_large when the cost can never fit (no round trip needed).
    void precheck(budget_scope const& scope, budget_cost cost) {
        auto fits = [&](rp::scope_limits const& l) {
            return (l.requests.per_minute <= 0 ||
                    static_cast<double>(cost.requests) <= l.requests.per_minute) &&
                   (l.tokens.per_minute <= 0 || static_cast<double>(cost.tokens) <= l.tokens.per_minute);
        };
        auto const keys = budget_keys(scope);
        std::vector<pacing::per_minute_limits> limits;
        bool all_fit = true;
        for (auto const& key : keys) {
            auto const l = limits_for(key);
            all_fit = all_fit && fits(l);
            limits.push_back({key.kind_name(), l.requests.per_minute, l.tokens.per_minute});
        }
        if (all_fit)
            return;
        counters_.too_large++;
        throw_error(errc::request_too_large, pacing::too_large_message(scope, cost, limits));
    }

    bool fallback_now() const noexcept { return fallback_ && fallback_active_.load(); }
    bool has_fallback() const noexcept { return fallback_ != nullptr; }

    asio::awaitable<void> acquire_fallback(budget_scope const& scope, budget_cost cost) {
        // Keep trying Redis in the background while the fallback serves.
        asio::post(strand_, [self = shared_from_this()] { self->ensure_connecting(); });
        co_await fallback_->acquire(scope, cost);
        counters_.acquired_local++;
    }

    void post_enqueue(budget_scope const& scope, std::shared_ptr<redis_waiter> const& node) {
        asio::post(strand_, [self = shared_from_this(), scope, node] { self->enqueue(scope, node); });
    }

    /// From the waiter's cancellation slot (any thread).
    void cancel(std::shared_ptr<redis_waiter> const& node) {
        asio::post(strand_, [self = shared_from_this(), node] { self->cancel_on_strand(node); });
    }

    /// A grant that nobody will use: give it back to everybody.
    void post_refund(budget_scope const& scope, budget_cost cost) {
        counters_.acquired--;
        counters_.cancelled++;
        asio::post(strand_, [self = shared_from_this(), scope, cost] {
            self->send_op(rp::script_op::refund, scope, true,
                          {cost.requests, static_cast<std::int64_t>(cost.tokens)});
        });
    }

    void adjust_tokens(budget_scope const& scope, std::int64_t delta) {
        if (delta == 0)
            return;
        if (fallback_ && delta > 0)
            fallback_->adjust_tokens(scope, delta); // extra charges only tighten
        asio::post(strand_, [self = shared_from_this(), scope, delta] { self->do_adjust(scope, delta); });
    }

    void observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) {
        if (fallback_) {
            auto s = snapshot;
            auto const share = opts_.fallback_share;
            s.limit_requests = scale_units(s.limit_requests, share, 1);
            s.limit_tokens = scale_units(s.limit_tokens, share, 1);
            s.remaining_requests = scale_units(s.remaining_requests, share, 0);
            s.remaining_tokens = scale_units(s.remaining_tokens, share, 0);
            fallback_->observe(scope, s);
        }
        if (opts_.limits.learn_from_headers)
            learn(scope, snapshot);
        if (!snapshot.remaining_requests && !snapshot.remaining_tokens)
            return;
        auto const rem = [](std::optional<std::uint64_t> v) {
            return v ? static_cast<std::int64_t>(std::min<std::uint64_t>(*v, 1ull << 53)) : std::int64_t{-1};
        };
        std::vector<std::int64_t> args{rem(snapshot.remaining_requests), rem(snapshot.remaining_tokens)};
        asio::post(strand_, [self = shared_from_this(), scope, args = std::move(args)] {
            if (self->state_ == link_state::ready) // a hint only: dropped while Redis is unavailable
                self->send_op(rp::script_op::observe, scope, false, args);
        });
    }

    void pause(budget_scope const& scope, nanoseconds d) {
        if (d.count() <= 0)
            return;
        if (fallback_)
            fallback_->pause(scope, d);
        post_pause(scope, d, true);
    }

    /// What a refusal teaches (see local_budget::refused); the lesson is this process's, the cool-down
    /// everybody's.
    void refused(budget_scope const& scope, rate_limit_refusal const& refusal) {
        if (fallback_)
            fallback_->refused(scope, refusal);
        bool layout_mistake = false;
        std::vector<std::pair<std::string, std::string>> lesson; // for the other processes
        {
            std::lock_guard lock{limits_mutex_};
            auto const keys = layout_.keys_of(scope);
            bool const tokens = refusal.what == rate_limit_refusal::dimension::tokens;
            if (refusal.limit && *refusal.limit > 0) {
                auto const& key = refusal_target(keys, refusal.limit, tokens);
                auto const l = limits_locked(key);
                auto const believed = tokens ? l.tokens.per_minute : l.requests.per_minute;
                if (believed <= 0 || static_cast<double>(*refusal.limit) < believed) {
                    auto& learnt = learnt_[key];
                    (tokens ? learnt.tokens_per_minute : learnt.requests_per_minute) =
                        static_cast<double>(*refusal.limit);
                    layout_mistake = true;
                    counters_.limits_learnt++;
                    lesson.emplace_back(layout_field(key, tokens), std::to_string(*refusal.limit));
                }
            }
            // This process cannot see the others' charges in the other budgets, so in the per-model
            // layout the first refusal that no lower limit explains is taken as the server sharing them.
            if (!layout_mistake && layout_.models_apart()) {
                layout_.merge_models(clock_type::now());
                layout_mistake = true;
                counters_.budgets_merged++;
                lesson.emplace_back("merged", "1");
            }
        }
        if (!layout_mistake)
            counters_.share_lowered++;
        post_pause(scope, refusal.cool_down, !layout_mistake);
        if (!lesson.empty())
            asio::post(strand_,
                       [self = shared_from_this(), lesson = std::move(lesson)] { self->publish(lesson); });
    }

private:
    enum class link_state { down, backoff, connecting, ready };

    static redis_url check(redis_budget_options const& o) {
        validate(o);
        return parse_redis_url(o.url);
    }

    // ---- limits and layout (any thread; guarded by limits_mutex_) -----------------------------------

    void post_pause(budget_scope const& scope, nanoseconds d, bool lower_share) {
        if (d.count() <= 0)
            return;
        auto const until = clock_type::now() + d;
        asio::post(strand_, [self = shared_from_this(), model = scope.model, until, lower_share] {
            self->do_pause(model, until, lower_share);
        });
    }

    std::vector<pacing::budget_key> budget_keys(budget_scope const& scope) const {
        std::lock_guard lock{limits_mutex_};
        return layout_.keys_of(scope);
    }

    rp::scope_limits limits_for(pacing::budget_key const& key) const {
        std::lock_guard lock{limits_mutex_};
        return limits_locked(key);
    }

    rp::scope_limits limits_locked(pacing::budget_key const& key) const {
        rate_limits l = layout_.limits_of(key);
        if (auto m = learnt_.find(key); m != learnt_.end()) {
            if (m->second.requests_per_minute &&
                (!l.requests_per_minute || *m->second.requests_per_minute < *l.requests_per_minute))
                l.requests_per_minute = m->second.requests_per_minute;
            if (m->second.tokens_per_minute &&
                (!l.tokens_per_minute || *m->second.tokens_per_minute < *l.tokens_per_minute))
                l.tokens_per_minute = m->second.tokens_per_minute;
        }
        return rp::to_scope_limits(l);
    }

    /// The budget among `keys` that a server limit speaks of: as budget_book::observe_target.
    pacing::budget_key const& refusal_target(std::vector<pacing::budget_key> const& keys,
                                             std::optional<std::uint64_t> limit, bool tokens) const {
        auto limit_of = [&](pacing::budget_key const& k) {
            auto const l = limits_locked(k);
            return tokens ? l.tokens.per_minute : l.requests.per_minute;
        };
        auto const* best = &keys.front();
        for (auto const& k : keys) {
            auto const l = limit_of(k);
            if (limit && l > 0 && l == static_cast<double>(*limit))
                return k;
            auto const best_limit = limit_of(*best);
            if (l > 0 && (best_limit <= 0 || l <= best_limit))
                best = &k;
        }
        return *best;
    }

    void learn(budget_scope const& scope, rate_limit_snapshot const& s) {
        std::lock_guard lock{limits_mutex_};
        auto const keys = layout_.keys_of(scope);
        auto adopt = [&](std::optional<std::uint64_t> limit, bool tokens) {
            if (!limit || *limit == 0)
                return;
            auto& l = learnt_[refusal_target(keys, limit, tokens)];
            auto& dim = tokens ? l.tokens_per_minute : l.requests_per_minute;
            if (!dim || static_cast<double>(*limit) < *dim)
                dim = static_cast<double>(*limit);
        };
        adopt(s.limit_requests, false);
        adopt(s.limit_tokens, true);
    }

    std::string redis_key(pacing::budget_key const& key) const {
        switch (key.what) {
        case pacing::budget_key::kind::model:
            return rp::model_scope_key(opts_.key_prefix, key.name);
        case pacing::budget_key::kind::endpoint:
            return rp::endpoint_scope_key(opts_.key_prefix, key.name);
        case pacing::budget_key::kind::global:
            break;
        }
        return rp::model_scope_key(opts_.key_prefix, {}); // the org-wide key of earlier versions
    }

    // ---- the learnt layout, shared through Redis ------------------------------------------------------
    // One hash, <prefix>:layout: "merged" once any process merged the per-model layout, and
    // "<global|model|endpoint>:<name>:<rpm|tpm>" the lowest limit a refusal taught for that budget. Each
    // process writes its lessons and reads the others' before an acquire, at most once per
    // layout_refresh (no timer of its own: an idle budget keeps no io_context busy).

    std::string layout_key() const { return opts_.key_prefix + ":layout"; }

    static std::string layout_field(pacing::budget_key const& key, bool tokens) {
        return std::string{key.kind_name()} + ":" + key.name + (tokens ? ":tpm" : ":rpm");
    }

    /// Strand. Lessons written while Redis is away are not kept: each process learns them again.
    void publish(std::vector<std::pair<std::string, std::string>> const& lesson) {
        if (state_ != link_state::ready)
            return;
        // The lowest limit wins, whichever process writes last. The lessons expire an hour after the last
        // one: a key's limits may be raised, and a stale lesson would cost throughput for good.
        static constexpr char const* keep_lowest =
            "local v = tonumber(redis.call('HGET', KEYS[1], ARGV[1])) "
            "if ARGV[1] == 'merged' or not v or tonumber(ARGV[2]) < v then "
            "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end "
            "redis.call('EXPIRE', KEYS[1], 3600) return 0";
        for (auto const& [field, value] : lesson)
            send({"EVAL", keep_lowest, "1", layout_key(), field, value},
                 [](redis_budget_impl&, rp::reply) {});
    }

    /// Strand, before an acquire: asks for the others' lessons when the last look is older than
    /// layout_refresh. Pipelined ahead of the acquire on the same connection.
    void refresh_layout() {
        auto const now = clock_type::now();
        if (last_layout_read_ && now - *last_layout_read_ < opts_.layout_refresh)
            return;
        last_layout_read_ = now;
        send({"HGETALL", layout_key()}, [](redis_budget_impl& self, rp::reply r) { self.adopt_layout(r); });
    }

    void adopt_layout(rp::reply const& r) {
        if (r.what != rp::reply::kind::array)
            return;
        std::lock_guard lock{limits_mutex_};
        for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
            std::string_view const field = r.elements[i].str;
            std::string const& value = r.elements[i + 1].str;
            if (field == "merged") {
                layout_.merge_models(clock_type::now());
                continue;
            }
            auto const first = field.find(':');
            auto const last = field.rfind(':');
            if (first == std::string_view::npos || last == first)
                continue;
            pacing::budget_key key;
            auto const kind = field.substr(0, first);
            if (kind == "model")
                key.what = pacing::budget_key::kind::model;
            else if (kind == "endpoint")
                key.what = pacing::budget_key::kind::endpoint;
            else if (kind != "global")
                continue;
            key.name = std::string{field.substr(first + 1, last - first - 1)};
            auto const dim = field.substr(last + 1);
            char* end = nullptr;
            double const limit = std::strtod(value.c_str(), &end);
            if (end == value.c_str() || !(limit > 0) || !std::isfinite(limit) ||
                (dim != "rpm" && dim != "tpm"))
                continue;
            auto& learnt = learnt_[key];
            auto& slot = dim == "tpm" ? learnt.tokens_per_minute : learnt.requests_per_minute;
            if (!slot || limit < *slot)
                slot = limit;
        }
    }

    rp::script_call make_call(rp::script_op op, budget_scope const& scope, bool with_nested,
                              std::vector<std::int64_t> args) const {
        rp::script_call c;
        c.op = op;
        c.latency_allowance = microseconds{rp::ceil_micros(opts_.limits.latency_allowance)};
        auto const keys = budget_keys(scope);
        for (auto const& key : keys) {
            c.scopes.push_back(rp::make_scope_ref(redis_key(key), limits_for(key)));
            if (!with_nested)
                break;
        }
        auto const primary = redis_key(keys.front());
        c.pause_key = primary + ":pause";
        c.share_key = primary + ":share";
        c.args = std::move(args);
        return c;
    }

    // ---- timers (strand) ---------------------------------------------------------------------------

    template <class F>
    void arm(timer_slot& slot, time_point at, F on_fire) {
        if (slot.armed && slot.at == at)
            return;
        auto const generation = ++slot.generation;
        slot.armed = true;
        slot.at = at;
        slot.timer.expires_at(at);
        slot.timer.async_wait([weak = weak_from_this(), s = &slot, generation,
                               on_fire = std::move(on_fire)](boost::system::error_code) mutable {
            auto self = weak.lock();
            if (!self || s->generation != generation)
                return;
            s->armed = false;
            on_fire(*self);
        });
    }

    static void disarm(timer_slot& slot) {
        if (!slot.armed)
            return;
        slot.armed = false;
        ++slot.generation;
        slot.timer.cancel();
    }

    /// When the earliest queue head asks Redis again, published for next_admission() (any thread). Called
    /// wherever a head's wait is armed, fired or dropped.
    void publish_next_admission() {
        std::optional<time_point> first;
        for (auto const& [key, q] : queues_)
            if (q->timer.armed && !q->waiters.empty() && (!first || q->timer.at < *first))
                first = q->timer.at;
        next_ask_ns_.store(first ? first->time_since_epoch().count() : no_next_ask,
                           std::memory_order_relaxed);
    }

    // ---- queues (strand) ---------------------------------------------------------------------------

    redis_scope_queue& queue_for(budget_scope const& scope) {
        auto key = std::make_pair(scope.model, scope.endpoint);
        auto it = queues_.find(key);
        if (it == queues_.end())
            it = queues_.emplace(std::move(key), std::make_unique<redis_scope_queue>(strand_, scope)).first;
        return *it->second;
    }

    void enqueue(budget_scope const& scope, std::shared_ptr<redis_waiter> const& node) {
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

    void cancel_on_strand(std::shared_ptr<redis_waiter> const& node) {
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

    void fail(redis_scope_queue& q, std::shared_ptr<redis_waiter> node, boost::system::error_code code,
              std::string message) {
        q.waiters.erase(node->position);
        node->message = std::move(message);
        node->complete(code);
    }

    // Lets the head of `q` ask Redis, unless it is asking, sleeping, or Redis is not there.
    void pump(redis_scope_queue& q) {
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

    void on_acquire_answer(redis_scope_queue& q, std::optional<rp::reply> r) {
        auto node = std::exchange(q.asking, nullptr);
        if (closed_ || !r)
            return; // the connection failed: link_failed re-pumps or fails the waiters
        auto const answer = rp::decode_acquire(*r);
        if (!answer) {
            link_failed(
                "the budget script gave an unexpected answer (is another program using the keys under '" +
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

    void pump_all() {
        for (auto& [key, q] : queues_)
            pump(*q);
    }

    bool has_demand() const {
        if (!pending_pauses_.empty() || !pending_adjusts_.empty())
            return true;
        for (auto const& [key, q] : queues_)
            if (!q->waiters.empty())
                return true;
        return false;
    }

    // ---- holding while Redis is away (strand) ------------------------------------------------------

    time_point hold_deadline(redis_waiter const& w) const {
        auto const since = std::max(down_since_.value_or(w.enqueued), w.enqueued);
        return since + opts_.reconnect_deadline;
    }

    void arm_hold_timer() {
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

    void expire_holds() {
        if (state_ == link_state::ready)
            return;
        auto const now = clock_type::now();
        for (auto& [key, q] : queues_)
            while (!q->waiters.empty() && hold_deadline(*q->waiters.front()) <= now) {
                counters_.unavailable++;
                fail(*q, q->waiters.front(), make_error_code(errc::budget_unavailable),
                     unavailable_message());
            }
        arm_hold_timer();
    }

    std::string unavailable_message() const {
        return "budget: Redis at " + url_.host + ":" + std::to_string(url_.port) + " unavailable" +
               (last_error_.empty() ? std::string{} : " (" + last_error_ + ")") + "; nothing was sent";
    }

    void fail_all(boost::system::error_code code, std::string const& message) {
        for (auto& [key, q] : queues_) {
            disarm(q->timer);
            while (!q->waiters.empty())
                fail(*q, q->waiters.front(), code, message);
        }
    }

    // ---- operations without a waiter (strand) -------------------------------------------------------

    void send_op(rp::script_op op, budget_scope const& scope, bool with_endpoint,
                 std::vector<std::int64_t> args, std::function<void(redis_budget_impl&, bool)> done = {}) {
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

    void do_pause(std::string const& model, time_point until, bool lower_share) {
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

    void do_adjust(budget_scope const& scope, std::int64_t delta) {
        auto keep = [scope, delta](redis_budget_impl& self, bool ok) {
            if (ok) {
                if (delta < 0) // a refund may let the head in sooner
                    if (auto it = self.queues_.find({scope.model, scope.endpoint});
                        it != self.queues_.end()) {
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

    void flush_pending() {
        auto pauses = std::exchange(pending_pauses_, {});
        auto adjusts = std::exchange(pending_adjusts_, {});
        for (auto const& [model, p] : pauses)
            do_pause(model, p.until, p.lower_share);
        for (auto const& [key, delta] : adjusts)
            if (delta != 0)
                do_adjust(budget_scope{key.first, key.second}, delta);
    }

    // ---- the connection (strand) --------------------------------------------------------------------

    using answer_handler = std::function<void(redis_budget_impl&, std::optional<rp::reply>)>;

    /// EVALSHA, re-loading the script once on NOSCRIPT. `done` gets the answer, or nothing when the
    /// connection failed (link_failed is then under way). Not called at all for a stale connection.
    void run_script(rp::script_call call, answer_handler done, bool reloaded = false) {
        auto cmd = rp::evalsha_command(sha_, call);
        send(cmd, [call = std::move(call), done = std::move(done), reloaded](redis_budget_impl& self,
                                                                             rp::reply r) mutable {
            if (rp::is_noscript(r) && !reloaded) {
                self.send({"SCRIPT", "LOAD", std::string{rp::gcra_script()}},
                          [](redis_budget_impl& s, rp::reply loaded) {
                              if (loaded.what == rp::reply::kind::string)
                                  s.sha_ = loaded.str;
                          });
                self.run_script(std::move(call), std::move(done), true);
                return;
            }
            if (r.lost() || r.is_error()) {
                auto const why = r.lost() ? std::string{"connection lost"} : "Redis answered: " + r.str;
                done(self, std::nullopt);
                self.link_failed(why);
                return;
            }
            self.counters_.round_trips++;
            done(self, std::move(r));
        });
    }

    /// Sends one command on the current connection; `on_reply` runs on the strand, only if the connection
    /// is still the current one.
    void send(std::vector<std::string> const& cmd,
              std::function<void(redis_budget_impl&, rp::reply)> on_reply) {
        auto const generation = link_gen_;
        bool const sent = link_ && link_->send(cmd, [weak = weak_from_this(), generation,
                                                     on_reply = std::move(on_reply)](rp::reply r) {
            auto self = weak.lock();
            if (!self || self->closed_ || generation != self->link_gen_)
                return;
            self->watch();
            on_reply(*self, std::move(r));
        });
        if (!sent) {
            link_failed("the connection is not usable");
            return;
        }
        watch();
    }

    /// A connection that stops answering counts as lost: no progress within connect_timeout.
    void watch() {
        if (!link_ || link_->pending() == 0) {
            disarm(watchdog_);
            return;
        }
        watchdog_.armed = false; // re-arm from now: progress was made
        arm(watchdog_, clock_type::now() + opts_.connect_timeout, [](redis_budget_impl& self) {
            if (self.link_ && self.link_->pending() > 0)
                self.link_failed("no answer within " + std::to_string(self.opts_.connect_timeout.count()) +
                                 " ms");
        });
    }

    void ensure_connecting() {
        if (closed_ || state_ != link_state::down)
            return;
        auto const now = clock_type::now();
        if (now >= next_attempt_) {
            start_connect();
            return;
        }
        state_ = link_state::backoff;
        arm(connect_timer_, next_attempt_, [](redis_budget_impl& self) {
            self.state_ = link_state::down;
            self.start_connect();
        });
    }

    void start_connect() {
        if (closed_)
            return;
        state_ = link_state::connecting;
        auto const generation = ++link_gen_;
        arm(connect_timer_, clock_type::now() + opts_.connect_timeout, [generation](redis_budget_impl& self) {
            if (generation == self.link_gen_ && self.state_ == link_state::connecting)
                self.link_failed("connecting timed out after " +
                                 std::to_string(self.opts_.connect_timeout.count()) + " ms");
        });
        resolver_.async_resolve(
            url_.host, std::to_string(url_.port),
            [weak = weak_from_this(), generation](boost::system::error_code ec,
                                                  asio::ip::tcp::resolver::results_type results) {
                auto self = weak.lock();
                if (!self || self->closed_ || generation != self->link_gen_)
                    return;
                if (ec || results.empty())
                    return self->link_failed("cannot resolve '" + self->url_.host + "': " + ec.message());
                auto const ep = results.begin()->endpoint();
                self->link_ = std::make_unique<rp::link>(self->strand_);
                self->link_->connect(
                    ep.address().to_string(), ep.port(),
                    [weak, generation](bool ok, std::string why) {
                        auto s = weak.lock();
                        if (s && !s->closed_ && generation == s->link_gen_)
                            s->on_connected(ok, std::move(why));
                    },
                    [weak, generation](std::string why) {
                        auto s = weak.lock();
                        if (s && !s->closed_ && generation == s->link_gen_)
                            s->link_failed(std::move(why));
                    });
            });
    }

    void on_connected(bool ok, std::string why) {
        if (!ok)
            return link_failed("cannot connect to " + url_.host + ":" + std::to_string(url_.port) + ": " +
                               why);
        // Pipelined: an AUTH refusal fails the later commands too, and the first failure is reported.
        auto expect_ok = [](char const* what) {
            return [what](redis_budget_impl& self, rp::reply r) {
                if (r.lost() || r.is_error())
                    self.link_failed(std::string{what} +
                                     (r.lost() ? ": connection lost" : " refused: " + r.str));
            };
        };
        if (!url_.password.empty()) {
            if (url_.username.empty())
                send({"AUTH", url_.password}, expect_ok("AUTH"));
            else
                send({"AUTH", url_.username, url_.password}, expect_ok("AUTH"));
        }
        if (url_.db != 0)
            send({"SELECT", std::to_string(url_.db)}, expect_ok("SELECT"));
        send({"SCRIPT", "LOAD", std::string{rp::gcra_script()}}, [](redis_budget_impl& self, rp::reply r) {
            if (r.what != rp::reply::kind::string)
                return self.link_failed("SCRIPT LOAD: " +
                                        (r.lost() ? std::string{"connection lost"} : r.str));
            self.sha_ = r.str;
            self.on_ready();
        });
    }

    void on_ready() {
        state_ = link_state::ready;
        connected_ = true;
        counters_.connects++;
        disarm(connect_timer_);
        disarm(hold_timer_);
        backoff_ = opts_.backoff_initial;
        down_since_.reset();
        last_error_.clear();
        fallback_active_ = false;
        last_layout_read_.reset(); // what the others learnt while we were away
        flush_pending();
        pump_all();
    }

    void link_failed(std::string why) {
        if (closed_)
            return;
        counters_.connect_failures++;
        last_error_ = std::move(why);
        ++link_gen_; // every late answer of this connection is now stale
        if (auto l = std::exchange(link_, nullptr))
            l->close();
        resolver_.cancel();
        connected_ = false;
        disarm(watchdog_);
        disarm(connect_timer_);
        for (auto& [key, q] : queues_)
            q->asking = nullptr; // their answers are lost: the heads ask again later
        auto const now = clock_type::now();
        if (!down_since_)
            down_since_ = now;
        std::uniform_real_distribution<double> jitter{0.5, 1.0};
        next_attempt_ = now + std::chrono::duration_cast<nanoseconds>(backoff_ * jitter(rng_));
        backoff_ = std::min(backoff_ * 2, opts_.backoff_max);
        state_ = link_state::down;
        if (fallback_) {
            fallback_active_ = true;
            fail_all(make_error_code(errc::budget_unavailable),
                     unavailable_message()); // they go to the fallback
        }
        if (has_demand())
            ensure_connecting();
        arm_hold_timer();
    }

    void close() {
        if (closed_)
            return;
        closed_ = true;
        ++link_gen_;
        fail_all(asio::error::operation_aborted, "budget: destroyed");
        for (auto& [key, q] : queues_)
            q->asking = nullptr;
        disarm(connect_timer_);
        disarm(hold_timer_);
        disarm(watchdog_);
        resolver_.cancel();
        link_.reset();
        connected_ = false;
    }

    asio::any_io_executor ex_;
    asio::strand<asio::any_io_executor> strand_;
    redis_budget_options opts_;
    redis_url url_;
    std::unique_ptr<local_budget> fallback_;

    mutable std::mutex limits_mutex_;
    pacing::budget_book layout_; // the layout only: the budgets' state is in Redis
    std::map<pacing::budget_key, rate_limits> learnt_;

    // Written on the strand, read by next_admission() on any thread.
    static constexpr std::int64_t no_next_ask = std::numeric_limits<std::int64_t>::min();
    std::atomic<std::int64_t> next_ask_ns_{no_next_ask};

    // Strand state.
    bool closed_ = false;
    link_state state_ = link_state::down;
    std::unique_ptr<rp::link> link_;
    std::uint64_t link_gen_ = 0;
    std::string sha_;
    asio::ip::tcp::resolver resolver_;
    timer_slot connect_timer_; // connect timeout, or the backoff before the next attempt
    timer_slot hold_timer_;    // the earliest hold deadline of a waiter
    timer_slot watchdog_;      // an answer overdue
    milliseconds backoff_;
    time_point next_attempt_{};
    std::optional<time_point> down_since_;
    std::string last_error_;
    std::minstd_rand rng_;
    std::map<std::pair<std::string, std::string>, std::unique_ptr<redis_scope_queue>> queues_;
    std::optional<time_point> last_layout_read_; // the last HGETALL of the layout hash
    struct pending_pause {
        time_point until{};
        bool lower_share = false;
    };
    std::map<std::string, pending_pause> pending_pauses_;
    std::map<std::pair<std::string, std::string>, std::int64_t> pending_adjusts_;

    std::atomic<bool> connected_{false};
    std::atomic<bool> fallback_active_{false};
    struct {
        std::atomic<std::uint64_t> acquired{0}, acquired_local{0}, waited{0}, round_trips{0}, cancelled{0},
            too_large{0}, unavailable{0}, connects{0}, connect_failures{0}, limits_learnt{0},
            budgets_merged{0}, share_lowered{0};
    } counters_;
};

namespace {

asio::awaitable<void> acquire_in(std::shared_ptr<redis_budget_impl> impl, budget_scope scope,
                                 budget_cost cost) {
    impl->precheck(scope, cost);
    if (impl->fallback_now()) {
        co_await impl->acquire_fallback(scope, cost);
        co_return;
    }
    auto node = std::make_shared<redis_waiter>();
    node->cost = cost;
    auto const ec =
        co_await pacing::suspend(impl, node, impl->executor(), [&] { impl->post_enqueue(scope, node); });
    if (ec == errc::request_too_large)
        throw_error(errc::request_too_large, node->message);
    if (ec == errc::budget_unavailable) {
        if (impl->has_fallback()) {
            co_await impl->acquire_fallback(scope, cost);
            co_return;
        }
        throw_error(errc::budget_unavailable, node->message);
    }
    if (ec)
        throw boost::system::system_error(ec, "redis budget acquire");
    if (node->cancel_requested.load()) {
        // Granted at the moment it was cancelled: give the units back to everybody.
        impl->post_refund(scope, cost);
        throw boost::system::system_error(asio::error::operation_aborted, "redis budget acquire");
    }
}

} // namespace

} // namespace paced::detail

namespace paced {

redis_budget::redis_budget(boost::asio::any_io_executor ex, redis_budget_options options)
    : impl_(std::make_shared<detail::redis_budget_impl>(std::move(ex), std::move(options))) {
    impl_->start();
}

redis_budget::~redis_budget() {
    impl_->shutdown();
}

boost::asio::awaitable<void> redis_budget::acquire(budget_scope scope, budget_cost cost) {
    // Not a coroutine: the scope is the caller's copy, moved into a coroutine that owns it, and the
    // budget's state is shared with it, so neither depends on the caller's objects after this returns.
    return detail::acquire_in(impl_, std::move(scope), cost);
}

void redis_budget::adjust_tokens(budget_scope const& scope, std::int64_t delta) {
    impl_->adjust_tokens(scope, delta);
}

void redis_budget::observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) {
    impl_->observe(scope, snapshot);
}

void redis_budget::pause(budget_scope const& scope, std::chrono::nanoseconds duration) {
    impl_->pause(scope, duration);
}

void redis_budget::refused(budget_scope const& scope, rate_limit_refusal const& refusal) {
    impl_->refused(scope, refusal);
}

redis_budget_counters redis_budget::counters() const {
    return impl_->counters();
}

std::optional<std::chrono::steady_clock::time_point> redis_budget::next_admission() const {
    return impl_->next_admission();
}

bool redis_budget::connected() const noexcept {
    return impl_->connected();
}

redis_budget_options const& redis_budget::options() const noexcept {
    return impl_->options();
}

} // namespace paced
