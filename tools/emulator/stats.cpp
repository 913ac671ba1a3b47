#include "stats.hpp"

#include <algorithm>
#include <stdexcept>

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

request_log::request_log(const std::string& path) : out_(path, std::ios::trunc | std::ios::binary) {
    if (!out_)
        throw std::runtime_error("cannot write the request log " + path);
    buffer_.reserve(1 << 20);
}

request_log::~request_log() {
    write_out();
}

void request_log::add(unsigned status, std::string_view route, std::string_view run_id) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_)
            .count();
    buffer_ += std::to_string(ms);
    buffer_ += ' ';
    buffer_ += std::to_string(status);
    buffer_ += ' ';
    buffer_ += route;
    if (!run_id.empty()) {
        buffer_ += ' ';
        buffer_ += run_id;
    }
    buffer_ += '\n';
    if (buffer_.size() >= (1 << 20) - 512)
        write_out();
}

void request_log::write_out() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    out_.flush();
    buffer_.clear();
}

} // namespace paced::emulator
