#pragma once
// The rate-limit model the emulator enforces, each budget a GCRA with a requests and a tokens dimension.
// The real service's layout is not documented (../shared/docs/protocol.md section 4 documents the headers
// and 429 bodies, not which requests share a budget), so each plausible one is an option:
//   global     one budget for every request of the key (the problem report's server: the polls counted
//              against the model's "RPM: Limit 3"); 429 bodies name the request's model;
//   per_model  one budget per model for the requests that name one, one more for the others;
// plus optional endpoint budgets, charged on top of the layout's for one route.
// Sans-io: every call takes `now` (steady nanoseconds).

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paced::emulator {

/** @brief A response header the server copies verbatim. */
struct header_pair {
    std::string name;
    std::string value;
};

/** @brief One dimension (requests or tokens) of a budget: GCRA state plus a 60 s usage log. */
class gcra_dimension {
public:
    explicit gcra_dimension(std::int64_t limit_per_minute);

    bool unlimited() const { return limit_ == 0; }
    std::int64_t limit() const { return limit_; }
    /** @brief Whether a charge of n units is admissible at `now` (never when n exceeds the limit). */
    bool admits(std::int64_t n, std::int64_t now) const;
    /** @brief Records an admitted charge: tat = max(tat, now) + n*T. */
    void commit(std::int64_t n, std::int64_t now);
    /** @brief Records a refused request: it still counts, advancing tat by T but not beyond now + 60 s. */
    void count_refused(std::int64_t now);
    /** @brief Units admissible right now as one burst, clamped to 0..limit. */
    std::int64_t remaining(std::int64_t now) const;
    /** @brief max(0, tat - now) in nanoseconds. */
    std::int64_t reset_ns(std::int64_t now) const;
    /** @brief Nanoseconds until a charge of n units becomes admissible. */
    std::int64_t wait_ns(std::int64_t n, std::int64_t now) const;
    /** @brief Units charged in the last 60 s (refused requests included). */
    std::int64_t used(std::int64_t now);

private:
    std::int64_t limit_;
    std::int64_t interval_ = 0; // T, ns per unit
    std::int64_t burst_ = 0;    // B units
    std::int64_t tat_ = 0;
    std::deque<std::pair<std::int64_t, std::int64_t>> log_;
};

/** @brief The verdict on one charge, with the headers to send and, on refusal, the 429 body. */
struct rate_decision {
    bool admitted = true;
    std::string body;                 ///< the 429 error body when refused
    std::vector<header_pair> headers; ///< x-ratelimit-* (and retry-after on refusal)
};

/** @brief Which requests share a budget (see the file comment). */
enum class rate_layout { global, per_model };

/** @brief All budgets of the emulator. Thread safety: single-threaded (the server's io_context). */
class rate_limiter {
public:
    /// `endpoint_rpm`: requests per minute of an endpoint budget, by route name ("POST /v1/files").
    /// `send_headers`: whether answers carry `x-ratelimit-*` (not every server sends them).
    rate_limiter(std::int64_t rpm, std::int64_t tpm, rate_layout layout = rate_layout::global,
                 std::map<std::string, std::int64_t, std::less<>> endpoint_rpm = {}, bool send_headers = true)
        : rpm_(rpm), tpm_(tpm), layout_(layout), endpoint_rpm_(std::move(endpoint_rpm)),
          send_headers_(send_headers) {}

    bool enabled() const { return rpm_ > 0 || tpm_ > 0 || !endpoint_rpm_.empty(); }
    /**
     * @brief Charges 1 request and `tokens` tokens to the budget the layout gives a request of `model`
     * (empty: the request names none) and to the endpoint budget of `route`, when one is configured. A
     * refusal by either charges neither; the headers are those of the budget that refused, else of the
     * layout's budget.
     * @par Errors
     * A refusal is a decision, not an exception: `admitted` false, `body` the exact 429 body.
     */
    rate_decision charge(std::string_view model, std::int64_t tokens, std::int64_t now,
                         std::string_view route = {});
    /** @brief The x-ratelimit-* headers of a budget without charging it. */
    void headers(std::string_view model, std::int64_t now, std::vector<header_pair>& out);
    void reset() { budgets_.clear(); }

private:
    struct budget {
        gcra_dimension requests;
        gcra_dimension tokens;
    };
    budget& get(std::string_view model);
    budget* endpoint(std::string_view route);
    void append_headers(budget& b, std::int64_t now, std::vector<header_pair>& out);
    rate_decision refuse(budget& b, std::string_view model_text, bool requests_ran_out, std::int64_t tokens,
                         std::int64_t now);

    std::int64_t rpm_;
    std::int64_t tpm_;
    rate_layout layout_;
    std::map<std::string, std::int64_t, std::less<>> endpoint_rpm_;
    bool send_headers_;
    std::map<std::string, budget, std::less<>> budgets_; // key: model ("" = no model), or "route:" + route
};

} // namespace paced::emulator
