#include "stats.hpp"

#include <algorithm>

namespace paced::emulator {

void sliding_max::add(std::int64_t now_ms) {
    const auto w = static_cast<std::int64_t>(ring_.size());
    if (last_ms_ < 0) {
        last_ms_ = now_ms;
    } else if (now_ms > last_ms_) {
        // Slots between the last event and now fall out of the window.
        std::int64_t steps = std::min(now_ms - last_ms_, w);
        for (std::int64_t i = 1; i <= steps; ++i) {
            auto& slot = ring_[static_cast<std::size_t>((last_ms_ + i) % w)];
            sum_ -= slot;
            slot = 0;
        }
        last_ms_ = now_ms;
    }
    ++ring_[static_cast<std::size_t>(last_ms_ % w)];
    ++sum_;
    max_ = std::max(max_, sum_);
}

void sliding_max::reset() {
    std::fill(ring_.begin(), ring_.end(), 0);
    last_ms_ = -1;
    sum_ = 0;
    max_ = 0;
}

void stats::count_request(std::size_t route, std::int64_t steady_ms) {
    ++requests_total;
    if (route < per_route.size())
        ++per_route[route];
    window_60s.add(steady_ms);
    window_1s.add(steady_ms);
}

void stats::reset() {
    const auto connections = connections_accepted;
    const auto routes = per_route.size();
    *this = stats(routes);
    connections_accepted = connections;
}

} // namespace paced::emulator
