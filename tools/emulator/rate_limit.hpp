#pragma once
// The rate-limit model the emulator enforces: one GCRA budget per model plus an org-wide one, each with
// a requests and a tokens dimension. Sans-io: every call takes `now` (steady nanoseconds).

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

/** @brief All budgets of the emulator. Thread safety: single-threaded (the server's io_context). */
class rate_limiter {
public:
    rate_limiter(std::int64_t rpm, std::int64_t tpm) : rpm_(rpm), tpm_(tpm) {}

    bool enabled() const { return rpm_ > 0 || tpm_ > 0; }
    /**
     * @brief Charges 1 request and `tokens` tokens to the budget of `model` (empty = org-wide).
     * @par Errors
     * A refusal is a decision, not an exception: `admitted` false, `body` the exact 429 body.
     */
    rate_decision charge(std::string_view model, std::int64_t tokens, std::int64_t now);
    /** @brief The x-ratelimit-* headers of a budget without charging it. */
    void headers(std::string_view model, std::int64_t now, std::vector<header_pair>& out);
    void reset() { budgets_.clear(); }

private:
    struct budget {
        gcra_dimension requests;
        gcra_dimension tokens;
    };
    budget& get(std::string_view model);
    void append_headers(budget& b, std::int64_t now, std::vector<header_pair>& out);

    std::int64_t rpm_;
    std::int64_t tpm_;
    std::map<std::string, budget, std::less<>> budgets_;
};

} // namespace paced::emulator
