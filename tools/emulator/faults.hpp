#pragma once
// Seeded fault injection: one draw per fault kind per request, in arrival order, so that a run with the
// same --seed and the same request sequence injects the same faults.

#include "config.hpp"

#include <cstdint>
#include <random>

namespace paced::emulator {

/** @brief What goes wrong with one answer. */
struct fault_plan {
    bool server_error = false; ///< answer 500 server_error instead of handling the request
    bool reset = false;        ///< close the connection (before or in the middle of the answer)
    bool reset_mid = false;    ///< when reset: after part of the answer rather than before it
    bool slow = false;         ///< delay the answer
    bool truncate = false;     ///< send only part of the body (or of the SSE stream), then close
    double cut = 0.5;          ///< where to cut, as a share of the answer
};

/** @brief Draws fault plans. Thread safety: single-threaded. */
class fault_injector {
public:
    explicit fault_injector(const config& cfg) : cfg_(cfg), rng_(cfg.seed ^ 0xfa017ULL) {}
    bool any() const {
        return cfg_.fault_5xx > 0 || cfg_.fault_reset > 0 || cfg_.fault_slow > 0 || cfg_.fault_truncate > 0;
    }
    fault_plan draw();
    void reset() { rng_.seed(cfg_.seed ^ 0xfa017ULL); }

private:
    double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
    const config& cfg_;
    std::mt19937_64 rng_;
};

} // namespace paced::emulator
