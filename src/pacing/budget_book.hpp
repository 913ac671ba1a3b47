#pragma once
// The budgets of one key as the client knows them: which of the server's budgets each request draws
// from (the layout), their state, and what refusals teach about them. Sans-io: every call takes `now`.
//
// Both budgets build on it: local_budget keeps its queues over this book, redis_budget asks it which
// budgets (and so which Redis keys) a request draws from, so that the two cannot disagree on the layout.
//
// The layout, as configured (budget_options::layout) and as learnt:
//   global:    every request draws from the key's one budget ("primary"); a model in per_model and an
//              endpoint in per_endpoint add a budget the request must fit as well ("nested").
//   per_model: each model's requests draw from the model's own budget, requests that name no model from
//              the global one; configured endpoints nest as above. A refusal that the client's own traffic
//              in its other budgets explains (or whose message names another budget) shows that the
//              server shares them: the book folds every model into the global budget ("merged"), once.
// A refusal whose limit is lower than the budget believed lowers that budget's limit. Both are mistakes
// about the server, corrected at once and without the share back-off, which is kept for the one signal
// left: another client spends the same key.

#include "pacing/gcra.hpp"

#include <paced/pacing/local_budget.hpp>

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace paced::pacing {

/// The budgets a request must fit, the one that paces it first (primary), then at most two nested ones.
struct budget_set {
    std::array<scope_state*, 3> members{};
    std::size_t size = 0;

    scope_state& primary() const noexcept { return *members[0]; }
    scope_state* const* begin() const noexcept { return members.data(); }
    scope_state* const* end() const noexcept { return members.data() + size; }
};

/// What a refusal taught (see the file comment).
enum class refusal_lesson {
    lower_limit,   ///< A budget's limit was lower than believed; it is lowered.
    shared_budget, ///< Budgets believed apart are one on the server; they are merged.
    other_client,  ///< Nothing about the layout: someone else spends the key; the share drops.
};

/// The names of the budgets of a book, as redis_budget keys them.
struct budget_key {
    enum class kind { global, model, endpoint };
    kind what = kind::global;
    std::string name; ///< The model or endpoint; empty for the global budget.
    auto operator<=>(budget_key const&) const = default;

    /// "global", "model" or "endpoint", as errors name a budget.
    std::string_view kind_name() const noexcept {
        return what == kind::model ? "model" : what == kind::endpoint ? "endpoint" : "global";
    }
};

class budget_book {
public:
    /// Throws `errc::invalid_argument` for a configured limit, burst or allowance out of range.
    explicit budget_book(budget_options const& options);

    budget_options const& options() const noexcept { return opts_; }

    /// The budgets a request of `scope` draws from. The pointers stay valid as long as the book; the
    /// set changes only when `generation()` does.
    budget_set budgets_of(budget_scope const& scope);
    /// The keys of the same budgets, primary first (for a budget whose state lives elsewhere).
    std::vector<budget_key> keys_of(budget_scope const& scope) const;
    /// Limits of a budget as configured or learnt (configured limits are those of `budget_options`).
    rate_limits limits_of(budget_key const& key) const;
    /// Changes whenever the layout does (a merge): callers that keep a budget_set re-ask then.
    std::uint64_t generation() const noexcept { return generation_; }
    /// Whether models still have budgets apart from the global one (the per-model layout, not merged).
    bool models_apart() const noexcept { return models_apart_; }

    static verdict check(budget_set const& set, budget_cost cost, time_point now) noexcept;
    static void commit(budget_set const& set, budget_cost cost, time_point now) noexcept;
    static void refund(budget_set const& set, budget_cost cost, time_point now) noexcept;
    static void adjust_tokens(budget_set const& set, std::int64_t delta, time_point now) noexcept;

    /// Syncs the budget an answer's headers speak of (the request's binding one: see observe_target).
    /// Returns whether anything changed.
    bool observe(budget_scope const& scope, rate_limit_snapshot const& snapshot, time_point now);

    /// A refusal for rate: learns what it shows, and pauses the budget that refused for its cool-down
    /// (lowering the share only for `other_client`).
    refusal_lesson refused(budget_scope const& scope, rate_limit_refusal const& refusal, time_point now);

    /// Folds every model into the global budget (the server keeps one): what the model budgets have
    /// outstanding is charged there, models in `per_model` keep their budget, nested. Once.
    void merge_models(time_point now);

    /// A plain cool-down of the scope's primary budget, with the share back-off of scope_state::pause.
    void pause(budget_scope const& scope, nanoseconds d, time_point now);

    /// The budget `observe` and `refused` apply to among `set`, for a server limit `limit` (when known)
    /// of dimension `tokens` or requests: the member whose limit equals it, else the one with the
    /// lowest limit (the most specific on ties), else the primary.
    static scope_state& observe_target(budget_set const& set, std::optional<std::uint64_t> limit,
                                       bool tokens) noexcept;

    /// What the book knows of a scope, without creating its budgets.
    budget_state describe(budget_scope const& scope, time_point now) const;

private:
    scope_state& budget(budget_key const& key);
    scope_state make_state(rate_limits const& limits) const;
    /// True when the client's own charges outstanding in the budgets other than `set`'s primary, with
    /// those in the primary, exceed the burst of a budget of `limit` per minute: a server budget shared
    /// by them would have refused.
    bool own_traffic_explains(budget_set const& set, std::optional<std::uint64_t> limit,
                              time_point now) const;

    budget_options opts_;
    bool models_apart_;
    std::uint64_t generation_ = 0;
    std::map<budget_key, std::unique_ptr<scope_state>> budgets_;
};

} // namespace paced::pacing
