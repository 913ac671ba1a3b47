// The Redis-backed budget: the public class, and the parts of its implementation that any thread calls
// (the front of acquire, observe, pause, refused, the counters). The design: redis_budget_impl.hpp.

#include "pacing/redis_budget_impl.hpp"

#include <paced/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cmath>

namespace paced::detail {

namespace {

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

redis_budget_impl::redis_budget_impl(asio::any_io_executor ex, redis_budget_options opts)
    : ex_(std::move(ex)), strand_(asio::make_strand(ex_)), opts_(std::move(opts)), url_(check(opts_)),
      layout_(opts_.limits), resolver_(strand_), connect_timer_(strand_), hold_timer_(strand_),
      watchdog_(strand_), backoff_(opts_.backoff_initial), rng_(std::random_device{}()) {
    // The local budget validates limits, bursts and the latency allowance exactly as it would.
    (void)local_budget(ex_, opts_.limits);
    if (opts_.on_unavailable == unavailable_policy::fallback_local)
        fallback_ = std::make_unique<local_budget>(ex_, scaled(opts_.limits, opts_.fallback_share));
}

std::optional<time_point> redis_budget_impl::next_admission() const {
    if (fallback_now())
        return fallback_->next_admission();
    auto const at = next_ask_ns_.load(std::memory_order_relaxed);
    if (at == no_next_ask)
        return std::nullopt;
    return time_point{time_point::duration{at}};
}

redis_budget_counters redis_budget_impl::counters() const {
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

void redis_budget_impl::start() {
    asio::post(strand_, [self = shared_from_this()] { self->ensure_connecting(); });
}

void redis_budget_impl::shutdown() {
    asio::post(strand_, [self = shared_from_this()] { self->close(); });
}

void redis_budget_impl::precheck(budget_scope const& scope, budget_cost cost) {
    auto fits = [&](rp::scope_limits const& l) {
        return (l.requests.per_minute <= 0 || static_cast<double>(cost.requests) <= l.requests.per_minute) &&
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

asio::awaitable<void> redis_budget_impl::acquire_fallback(budget_scope const& scope, budget_cost cost) {
    // Keep trying Redis in the background while the fallback serves.
    asio::post(strand_, [self = shared_from_this()] { self->ensure_connecting(); });
    co_await fallback_->acquire(scope, cost);
    counters_.acquired_local++;
}

void redis_budget_impl::post_enqueue(budget_scope const& scope, std::shared_ptr<redis_waiter> const& node) {
    asio::post(strand_, [self = shared_from_this(), scope, node] { self->enqueue(scope, node); });
}

void redis_budget_impl::cancel(std::shared_ptr<redis_waiter> const& node) {
    asio::post(strand_, [self = shared_from_this(), node] { self->cancel_on_strand(node); });
}

void redis_budget_impl::post_refund(budget_scope const& scope, budget_cost cost) {
    counters_.acquired--;
    counters_.cancelled++;
    asio::post(strand_, [self = shared_from_this(), scope, cost] {
        self->send_op(rp::script_op::refund, scope, true,
                      {cost.requests, static_cast<std::int64_t>(cost.tokens)});
    });
}

void redis_budget_impl::adjust_tokens(budget_scope const& scope, std::int64_t delta) {
    if (delta == 0)
        return;
    if (fallback_ && delta > 0)
        fallback_->adjust_tokens(scope, delta); // extra charges only tighten
    asio::post(strand_, [self = shared_from_this(), scope, delta] { self->do_adjust(scope, delta); });
}

void redis_budget_impl::observe(budget_scope const& scope, rate_limit_snapshot const& snapshot) {
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

void redis_budget_impl::pause(budget_scope const& scope, nanoseconds d) {
    if (d.count() <= 0)
        return;
    if (fallback_)
        fallback_->pause(scope, d);
    post_pause(scope, d, true);
}

void redis_budget_impl::refused(budget_scope const& scope, rate_limit_refusal const& refusal) {
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

redis_url redis_budget_impl::check(redis_budget_options const& o) {
    validate(o);
    return parse_redis_url(o.url);
}

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
