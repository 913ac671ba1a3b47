#include "faults.hpp"

namespace paced::emulator {

fault_plan fault_injector::draw() {
    fault_plan f;
    if (!any())
        return f;
    // Always draw every value, so one fault's probability never shifts another's sequence.
    const double a = uniform(), b = uniform(), c = uniform(), d = uniform(), e = uniform(), g = uniform();
    f.server_error = a < cfg_.fault_5xx;
    f.reset = b < cfg_.fault_reset;
    f.reset_mid = e < 0.5;
    f.slow = c < cfg_.fault_slow;
    f.truncate = d < cfg_.fault_truncate;
    f.cut = 0.1 + 0.8 * g;
    return f;
}

} // namespace paced::emulator
