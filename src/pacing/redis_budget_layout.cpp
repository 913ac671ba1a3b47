// The Redis budget's limits (configured, and learnt from the server's headers and refusals) and the
// learnt layout it shares with the other processes through one Redis hash; the script calls they make.

#include "pacing/redis_budget_impl.hpp"

#include <boost/asio/post.hpp>

#include <cmath>
#include <cstdlib>

namespace paced::detail {

void redis_budget_impl::post_pause(budget_scope const& scope, nanoseconds d, bool lower_share) {
    if (d.count() <= 0)
        return;
    auto const until = clock_type::now() + d;
    asio::post(strand_, [self = shared_from_this(), model = scope.model, until, lower_share] {
        self->do_pause(model, until, lower_share);
    });
}

std::vector<pacing::budget_key> redis_budget_impl::budget_keys(budget_scope const& scope) const {
    std::lock_guard lock{limits_mutex_};
    return layout_.keys_of(scope);
}

rp::scope_limits redis_budget_impl::limits_for(pacing::budget_key const& key) const {
    std::lock_guard lock{limits_mutex_};
    return limits_locked(key);
}

rp::scope_limits redis_budget_impl::limits_locked(pacing::budget_key const& key) const {
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

pacing::budget_key const& redis_budget_impl::refusal_target(std::vector<pacing::budget_key> const& keys,
                                                            std::optional<std::uint64_t> limit,
                                                            bool tokens) const {
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

void redis_budget_impl::learn(budget_scope const& scope, rate_limit_snapshot const& s) {
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

std::string redis_budget_impl::redis_key(pacing::budget_key const& key) const {
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

std::string redis_budget_impl::layout_field(pacing::budget_key const& key, bool tokens) {
    return std::string{key.kind_name()} + ":" + key.name + (tokens ? ":tpm" : ":rpm");
}

void redis_budget_impl::publish(std::vector<std::pair<std::string, std::string>> const& lesson) {
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
        send({"EVAL", keep_lowest, "1", layout_key(), field, value}, [](redis_budget_impl&, rp::reply) {});
}

void redis_budget_impl::refresh_layout() {
    auto const now = clock_type::now();
    if (last_layout_read_ && now - *last_layout_read_ < opts_.layout_refresh)
        return;
    last_layout_read_ = now;
    send({"HGETALL", layout_key()}, [](redis_budget_impl& self, rp::reply r) { self.adopt_layout(r); });
}

void redis_budget_impl::adopt_layout(rp::reply const& r) {
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
        if (end == value.c_str() || !(limit > 0) || !std::isfinite(limit) || (dim != "rpm" && dim != "tpm"))
            continue;
        auto& learnt = learnt_[key];
        auto& slot = dim == "tpm" ? learnt.tokens_per_minute : learnt.requests_per_minute;
        if (!slot || limit < *slot)
            slot = limit;
    }
}

rp::script_call redis_budget_impl::make_call(rp::script_op op, budget_scope const& scope, bool with_nested,
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

} // namespace paced::detail
