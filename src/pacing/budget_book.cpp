// The budgets of one key, their layout and what refusals teach about it (see budget_book.hpp).

#include "pacing/budget_book.hpp"

#include <paced/error.hpp>

#include <algorithm>

namespace paced::pacing {

namespace {

budget_key global_key() {
    return {};
}

budget_key model_key(std::string const& model) {
    return {budget_key::kind::model, model};
}

budget_key endpoint_key(std::string const& endpoint) {
    return {budget_key::kind::endpoint, endpoint};
}

} // namespace

budget_book::budget_book(budget_options const& options)
    : opts_(options), models_apart_(options.layout == rate_layout::per_model) {
    if (opts_.latency_allowance.count() < 0)
        throw_error(errc::invalid_argument, "budget_options::latency_allowance: must be >= 0");
    // Every configured limit is validated now, not at the first request that meets it.
    budget(global_key());
    for (auto const& [model, limits] : opts_.per_model)
        budget(model_key(model));
    for (auto const& [endpoint, limits] : opts_.per_endpoint)
        budget(endpoint_key(endpoint));
}

scope_state budget_book::make_state(rate_limits const& l) const {
    return scope_state({l.requests_per_minute, l.burst_requests}, {l.tokens_per_minute, l.burst_tokens},
                       opts_.latency_allowance);
}

rate_limits budget_book::limits_of(budget_key const& key) const {
    switch (key.what) {
    case budget_key::kind::model:
        if (auto it = opts_.per_model.find(key.name); it != opts_.per_model.end())
            return it->second;
        return opts_.defaults;
    case budget_key::kind::endpoint:
        if (auto it = opts_.per_endpoint.find(key.name); it != opts_.per_endpoint.end())
            return it->second;
        return {};
    case budget_key::kind::global:
        break;
    }
    return opts_.defaults;
}

scope_state& budget_book::budget(budget_key const& key) {
    auto it = budgets_.find(key);
    if (it == budgets_.end())
        it = budgets_.emplace(key, std::make_unique<scope_state>(make_state(limits_of(key)))).first;
    return *it->second;
}

std::vector<budget_key> budget_book::keys_of(budget_scope const& scope) const {
    std::vector<budget_key> keys;
    bool const configured_model = !scope.model.empty() && opts_.per_model.contains(scope.model);
    if (models_apart_ && !scope.model.empty()) {
        keys.push_back(model_key(scope.model)); // the model's own budget
    } else {
        keys.push_back(global_key());
        if (configured_model)
            keys.push_back(model_key(scope.model));
    }
    if (!scope.endpoint.empty() && opts_.per_endpoint.contains(scope.endpoint))
        keys.push_back(endpoint_key(scope.endpoint));
    return keys;
}

budget_set budget_book::budgets_of(budget_scope const& scope) {
    budget_set set;
    for (auto const& key : keys_of(scope))
        set.members[set.size++] = &budget(key);
    return set;
}

verdict budget_book::check(budget_set const& set, budget_cost cost, time_point now) noexcept {
    auto v = verdict::admit();
    for (auto* b : set)
        v = both(v, b->check(cost, now));
    return v;
}

void budget_book::commit(budget_set const& set, budget_cost cost, time_point now) noexcept {
    for (auto* b : set)
        b->commit(cost, now);
}

void budget_book::refund(budget_set const& set, budget_cost cost, time_point now) noexcept {
    for (auto* b : set)
        b->refund(cost, now);
}

void budget_book::adjust_tokens(budget_set const& set, std::int64_t delta, time_point now) noexcept {
    for (auto* b : set)
        b->adjust_tokens(delta, now);
}

scope_state& budget_book::observe_target(budget_set const& set, std::optional<std::uint64_t> limit,
                                         bool tokens) noexcept {
    auto limit_of = [tokens](scope_state const* b) {
        auto const& g = tokens ? b->tokens() : b->requests();
        return g.limited() ? std::optional(g.limit()) : std::nullopt;
    };
    // Headers and messages speak of the budget that charged the request; where ours has the same limit,
    // that is the one. Otherwise the one that binds the request (lowest limit) is the server's best match.
    scope_state* best = set.members[0];
    for (auto* b : set) {
        auto const l = limit_of(b);
        if (limit && l && *l == static_cast<double>(*limit))
            return *b;
        auto const best_limit = limit_of(best);
        if (l && (!best_limit || *l <= *best_limit))
            best = b;
    }
    return *best;
}

bool budget_book::observe(budget_scope const& scope, rate_limit_snapshot const& snapshot, time_point now) {
    auto const set = budgets_of(scope);
    bool changed = false;
    // Each dimension's headers go to the budget they speak of, which may differ (a model's token budget
    // nested in the key's request budget).
    rate_limit_snapshot requests_part;
    requests_part.limit_requests = snapshot.limit_requests;
    requests_part.remaining_requests = snapshot.remaining_requests;
    requests_part.reset_requests = snapshot.reset_requests;
    rate_limit_snapshot tokens_part;
    tokens_part.limit_tokens = snapshot.limit_tokens;
    tokens_part.remaining_tokens = snapshot.remaining_tokens;
    tokens_part.reset_tokens = snapshot.reset_tokens;
    if (!requests_part.empty())
        changed = observe_target(set, snapshot.limit_requests, false)
                      .observe(requests_part, now, opts_.learn_from_headers) ||
                  changed;
    if (!tokens_part.empty())
        changed = observe_target(set, snapshot.limit_tokens, true)
                      .observe(tokens_part, now, opts_.learn_from_headers) ||
                  changed;
    return changed;
}

bool budget_book::own_traffic_explains(budget_set const& set, std::optional<std::uint64_t> limit,
                                       time_point now) const {
    auto const& primary = set.primary().requests();
    double const server_limit = limit ? static_cast<double>(*limit) : primary.limit();
    if (server_limit <= 0)
        return false;
    double outstanding = 0;
    bool others = false;
    for (auto const& [key, b] : budgets_) {
        if (key.what == budget_key::kind::endpoint)
            continue; // nested: its charges are in a primary already
        auto const& g = b->requests();
        if (!g.limited())
            continue;
        // Outstanding units of a budget of limit l take (tat - now) at l's pace: in units of the
        // server's limit, what they weigh there.
        double const units = g.outstanding(now) * server_limit / g.limit();
        outstanding += units;
        if (b.get() != &set.primary() && units > 0)
            others = true;
    }
    // One more request (the refused one) did not fit a bucket of the server's burst.
    return others && outstanding + 1 > default_burst(server_limit);
}

void budget_book::merge_models(time_point now) {
    if (!models_apart_)
        return;
    // The server keeps one budget for the key: what the model budgets have outstanding was charged
    // there too. Models configured in per_model keep their budget, nested from now on.
    auto& global = budget(global_key());
    for (auto it = budgets_.begin(); it != budgets_.end();) {
        if (it->first.what != budget_key::kind::model) {
            ++it;
            continue;
        }
        auto const units = it->second->requests().outstanding(now);
        if (units > 0 && global.requests().limited()) {
            auto const whole = static_cast<std::uint64_t>(units);
            global.commit({.requests = static_cast<std::uint32_t>(std::min<std::uint64_t>(whole, 1u << 20)),
                           .tokens = 0},
                          now);
        }
        if (opts_.per_model.contains(it->first.name))
            ++it;
        else
            it = budgets_.erase(it);
    }
    models_apart_ = false;
    ++generation_;
}

refusal_lesson budget_book::refused(budget_scope const& scope, rate_limit_refusal const& refusal,
                                    time_point now) {
    auto set = budgets_of(scope);
    bool const tokens = refusal.what == rate_limit_refusal::dimension::tokens;
    auto& target = observe_target(set, refusal.limit, tokens);
    // A lower limit than the budget that binds the request: the server's budget is smaller.
    if (refusal.limit && *refusal.limit > 0) {
        auto const believed =
            tokens ? (target.tokens().limited() ? std::optional(target.tokens().limit()) : std::nullopt)
                   : target.nominal_requests();
        if (!believed || static_cast<double>(*refusal.limit) < *believed) {
            rate_limit_snapshot lesson;
            (tokens ? lesson.limit_tokens : lesson.limit_requests) = refusal.limit;
            target.observe(lesson, now, true);
            target.cool_down(refusal.cool_down, now);
            return refusal_lesson::lower_limit;
        }
    }
    // Budgets believed apart, one on the server: it names another budget than the request's model, or
    // our own traffic in the other budgets would have filled a shared one.
    if (models_apart_) {
        bool const names_other =
            !refusal.budget_name.empty() && !scope.model.empty() && refusal.budget_name != scope.model;
        bool const names_known_model = !refusal.budget_name.empty() && scope.model.empty() &&
                                       budgets_.contains(model_key(refusal.budget_name));
        if (names_other || names_known_model || own_traffic_explains(set, refusal.limit, now)) {
            merge_models(now);
            budgets_of(scope).primary().cool_down(refusal.cool_down, now);
            return refusal_lesson::shared_budget;
        }
    }
    target.pause(refusal.cool_down, now);
    return refusal_lesson::other_client;
}

void budget_book::pause(budget_scope const& scope, nanoseconds d, time_point now) {
    budgets_of(scope).primary().pause(d, now);
}

namespace {

budget_dimension_state describe_dimension(gcra const& g, time_point now) {
    budget_dimension_state d;
    if (g.limited()) {
        d.limit_per_minute = g.limit();
        d.burst = g.burst();
        d.available = g.available(now);
        d.until_full = g.until_full(now);
    }
    return d;
}

budget_limits_state describe_budget(scope_state const& s, time_point now) {
    budget_limits_state l{describe_dimension(s.requests(), now), describe_dimension(s.tokens(), now),
                          std::nullopt, s.share()};
    if (s.paused_until() > now)
        l.paused_until = s.paused_until();
    return l;
}

} // namespace

budget_state budget_book::describe(budget_scope const& scope, time_point now) const {
    budget_state s;
    s.models_apart = models_apart_;
    auto const keys = keys_of(scope);
    auto describe_key = [&](budget_key const& key) {
        if (auto it = budgets_.find(key); it != budgets_.end())
            return describe_budget(*it->second, now);
        return describe_budget(make_state(limits_of(key)), now);
    };
    s.model = describe_key(keys.front());
    for (std::size_t i = 1; i < keys.size(); ++i) {
        if (keys[i].what == budget_key::kind::model)
            s.nested_model = describe_key(keys[i]);
        else
            s.endpoint = describe_key(keys[i]);
    }
    return s;
}

} // namespace paced::pacing
