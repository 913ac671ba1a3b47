// The layout of a key's budgets and what refusals teach about it, with a manual clock: no sleeping.

#include "pacing/budget_book.hpp"

#include <paced/error.hpp>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using paced::budget_cost;
using paced::budget_options;
using paced::budget_scope;
using paced::rate_layout;
using paced::rate_limit_refusal;
using paced::rate_limit_snapshot;
using paced::pacing::budget_book;
using paced::pacing::refusal_lesson;
using paced::pacing::time_point;

namespace {

time_point const t0 = time_point{} + 1000s;
budget_scope const upload{"", "files.create"};
budget_scope const retrieve{"", ""};
budget_scope const run_4o{"gpt-4o", ""};
budget_scope const run_mini{"gpt-4o-mini", ""};

budget_options limits(double rpm, rate_layout layout = rate_layout::global) {
    budget_options o;
    o.defaults.requests_per_minute = rpm;
    o.layout = layout;
    o.latency_allowance = 0ns; // the server's rule exactly: the arithmetic below is the rate model's
    return o;
}

/// Spends requests of `scope` for as long as the book admits them at `now`; returns how many.
int spend_burst(budget_book& book, budget_scope const& scope, time_point now) {
    int n = 0;
    for (auto set = book.budgets_of(scope); book.check(set, {}, now).admitted();
         set = book.budgets_of(scope)) {
        book.commit(set, {}, now);
        ++n;
    }
    return n;
}

rate_limit_refusal refusal(std::optional<std::uint64_t> limit, std::string name = {}) {
    rate_limit_refusal r;
    r.cool_down = 1s;
    r.what = rate_limit_refusal::dimension::requests;
    r.limit = limit;
    r.budget_name = std::move(name);
    return r;
}

} // namespace

TEST_CASE("budget book: by default every request draws from one global budget", "[pacing][layout]") {
    budget_book book(limits(300)); // B = 5
    // Uploads, polls and two models' runs all spend the same five.
    CHECK(spend_burst(book, upload, t0) == 5);
    CHECK(spend_burst(book, retrieve, t0) == 0);
    CHECK(spend_burst(book, run_4o, t0) == 0);
    CHECK(spend_burst(book, run_mini, t0) == 0);
    CHECK(&book.budgets_of(upload).primary() == &book.budgets_of(run_4o).primary());
    CHECK(book.budgets_of(run_4o).size == 1); // no model budget unless configured
    CHECK_FALSE(book.models_apart());
}

TEST_CASE("budget book: a configured model or endpoint budget nests in the global one", "[pacing][layout]") {
    auto o = limits(600);                                     // B = 10
    o.per_model["gpt-4o"].requests_per_minute = 240;          // B = 4
    o.per_endpoint["files.create"].requests_per_minute = 120; // B = 2
    budget_book book(o);
    CHECK(book.budgets_of(run_4o).size == 2);
    CHECK(book.budgets_of(upload).size == 2);
    CHECK(book.budgets_of(retrieve).size == 1);
    CHECK(spend_burst(book, run_4o, t0) == 4);   // the model's own limit binds
    CHECK(spend_burst(book, upload, t0) == 2);   // the endpoint's
    CHECK(spend_burst(book, run_mini, t0) == 4); // the rest of the global ten
    CHECK(spend_burst(book, retrieve, t0) == 0);
    auto const s = book.describe(run_4o, t0);
    REQUIRE(s.nested_model);
    CHECK(s.nested_model->requests.limit_per_minute == 240);
    CHECK(s.model.requests.limit_per_minute == 600);
}

TEST_CASE("budget book: the per-model layout gives each model a budget apart", "[pacing][layout]") {
    budget_book book(limits(300, rate_layout::per_model));
    CHECK(book.models_apart());
    CHECK(spend_burst(book, run_4o, t0) == 5);
    CHECK(spend_burst(book, run_mini, t0) == 5);
    CHECK(spend_burst(book, upload, t0) == 5); // the requests that name no model
}

TEST_CASE("budget book: a 429 naming another budget merges the per-model layout", "[pacing][layout]") {
    budget_book book(limits(300, rate_layout::per_model));
    auto const before = book.generation();
    book.commit(book.budgets_of(run_4o), {}, t0);
    // An upload refused, the message naming gpt-4o: the server charged it to the model's budget.
    CHECK(book.refused(upload, refusal(300, "gpt-4o"), t0) == refusal_lesson::shared_budget);
    CHECK_FALSE(book.models_apart());
    CHECK(book.generation() != before);
    CHECK(&book.budgets_of(upload).primary() == &book.budgets_of(run_4o).primary());
    // The layout fix is no sign of another client: the share stays whole, the cool-down holds.
    auto const s = book.describe(run_4o, t0);
    CHECK(s.model.share == 1.0);
    CHECK(s.model.paused_until == t0 + 1s);
    // After the cool-down: one request, then one per T (200 ms), for every scope together.
    CHECK(spend_burst(book, retrieve, t0 + 1s) == 1);
    CHECK(spend_burst(book, run_mini, t0 + 1s) == 0);
    CHECK(spend_burst(book, run_mini, t0 + 1s + 200ms) == 1);
}

TEST_CASE("budget book: a 429 our own traffic in the other budgets explains merges them",
          "[pacing][layout]") {
    budget_book book(limits(300, rate_layout::per_model)); // B = 5 each
    CHECK(spend_burst(book, upload, t0) == 5);
    CHECK(spend_burst(book, run_4o, t0) == 5);
    // A run refused by a server that keeps one budget for both: the message names the run's own model.
    CHECK(book.refused(run_4o, refusal(300, "gpt-4o"), t0) == refusal_lesson::shared_budget);
    CHECK_FALSE(book.models_apart());
    // What the model budget had spent was charged in the global one too: after the cool-down the
    // merged budget is still full, and refills at one request per T (200 ms).
    CHECK(book.describe(retrieve, t0 + 1s).model.requests.available == 0);
    CHECK(book.describe(retrieve, t0 + 1s + 200ms).model.requests.available == 1);
}

TEST_CASE("budget book: a 429 nothing of ours explains lowers the share, and keeps the layout",
          "[pacing][layout]") {
    budget_book book(limits(300, rate_layout::per_model));
    book.commit(book.budgets_of(run_4o), {}, t0); // one request: far from any burst
    CHECK(book.refused(run_4o, refusal(300, "gpt-4o"), t0) == refusal_lesson::other_client);
    CHECK(book.models_apart());
    CHECK(book.describe(run_4o, t0).model.share == 0.75);
    CHECK(book.describe(run_mini, t0).model.share == 1.0);
}

TEST_CASE("budget book: a lower limit in a 429 body is adopted without the share back-off",
          "[pacing][layout]") {
    budget_book book(limits(300));
    CHECK(book.refused(run_4o, refusal(3), t0) == refusal_lesson::lower_limit);
    auto const s = book.describe(retrieve, t0);
    CHECK(s.model.requests.limit_per_minute == 3);
    CHECK(s.model.share == 1.0);
    // The same limit again is no lesson: another client.
    CHECK(book.refused(run_4o, refusal(3), t0 + 30s) == refusal_lesson::other_client);
    CHECK(book.describe(retrieve, t0 + 30s).model.share == 0.75);
}

TEST_CASE("budget book: a lower limit goes to the budget it speaks of", "[pacing][layout]") {
    auto o = limits(600);
    o.per_model["gpt-4o"].requests_per_minute = 120;
    budget_book book(o);
    // 100 is below the model's 120: the model's budget is the one that is smaller than believed.
    CHECK(book.refused(run_4o, refusal(100), t0) == refusal_lesson::lower_limit);
    CHECK(book.describe(run_4o, t0).nested_model->requests.limit_per_minute == 100);
    CHECK(book.describe(run_4o, t0).model.requests.limit_per_minute == 600);
    // An upload's refusal with a limit below the global one lowers the global one.
    CHECK(book.refused(upload, refusal(300), t0) == refusal_lesson::lower_limit);
    CHECK(book.describe(retrieve, t0).model.requests.limit_per_minute == 300);
}

TEST_CASE("budget book: a lower limit in the headers is adopted by the budget they speak of",
          "[pacing][layout]") {
    auto o = limits(600);
    o.per_model["gpt-4o"].requests_per_minute = 120;
    budget_book book(o);
    rate_limit_snapshot same_as_model;
    same_as_model.limit_requests = 120; // the model's budget, as configured: nothing to learn
    same_as_model.remaining_requests = 0;
    CHECK(book.observe(run_4o, same_as_model, t0));
    CHECK(book.describe(run_4o, t0).model.requests.limit_per_minute == 600);
    CHECK(book.describe(run_4o, t0).nested_model->requests.available == 0);
    rate_limit_snapshot lower;
    lower.limit_requests = 60;
    CHECK(book.observe(upload, lower, t0));
    CHECK(book.describe(retrieve, t0).model.requests.limit_per_minute == 60);
}

TEST_CASE("budget book: the tokens of a refusal are their own dimension", "[pacing][layout]") {
    auto o = limits(600);
    o.defaults.tokens_per_minute = 60000;
    budget_book book(o);
    auto r = refusal(30000);
    r.what = rate_limit_refusal::dimension::tokens;
    CHECK(book.refused(run_4o, r, t0) == refusal_lesson::lower_limit);
    auto const s = book.describe(run_4o, t0);
    CHECK(s.model.tokens.limit_per_minute == 30000);
    CHECK(s.model.requests.limit_per_minute == 600);
}

TEST_CASE("budget book: limits are validated when the book is made", "[pacing][layout]") {
    auto o = limits(300);
    o.per_model["bad"].requests_per_minute = -1;
    CHECK_THROWS_AS(budget_book(o), paced::error);
    auto e = limits(300);
    e.per_endpoint["bad"].burst_requests = 0;
    CHECK_THROWS_AS(budget_book(e), paced::error);
}
