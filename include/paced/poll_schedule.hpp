#pragma once
/// @file How long a poll loop waits between retrievals: one rule for `poll_until`, `client.run` and
/// (next) Responses background mode. No I/O here, so the rule is tested without timers.

#include <paced/response.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>

namespace paced {

/** @brief How a poll loop waits between retrievals. */
struct poll_options {
    /// Wait between retrievals when the server sends no `openai-poll-after-ms`.
    std::chrono::milliseconds interval{1000};
    /// Obey the server's `openai-poll-after-ms` on every answer (it wins over `interval`).
    bool use_server_hint = true;
    /// Multiply the interval by this after each poll (1.0 = constant). Long runs then cost fewer
    /// requests: 1.25 from 1 s reaches the 10 s cap after ~11 polls.
    double growth = 1.0;
    /// Upper bound for the grown interval.
    std::chrono::milliseconds max_interval{std::chrono::seconds(10)};
};

/// Parses `openai-poll-after-ms` (a non-negative integer); nullopt when absent or malformed.
inline std::optional<std::chrono::milliseconds> poll_after_hint(header_list const& headers) {
    auto v = headers.find("openai-poll-after-ms");
    if (!v)
        return std::nullopt;
    long long ms = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), ms);
    if (ec != std::errc{} || p != v->data() + v->size() || ms < 0)
        return std::nullopt;
    return std::chrono::milliseconds(std::min<long long>(ms, 3'600'000));
}

/** @brief The waits of one poll loop, from its `poll_options` and the answers' headers.
 *
 * After each answer that does not end the loop, `next_wait(headers)` is the server's
 * `openai-poll-after-ms` when `use_server_hint` is set and the answer carries it; otherwise it is the
 * current interval, which then grows by `growth` (capped at `max_interval`) for the wait after. A hint
 * leaves the interval as it was: the server, not the loop, set that wait.
 *
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class poll_schedule {
public:
    explicit poll_schedule(poll_options const& opts = poll_options()) noexcept
        : opts_(opts), interval_(opts.interval) {}

    /// The wait before the next retrieval, after an answer with `headers`.
    std::chrono::milliseconds next_wait(header_list const& headers) {
        if (auto hint = opts_.use_server_hint ? poll_after_hint(headers) : std::nullopt)
            return *hint;
        auto const wait = interval_;
        if (opts_.growth > 1.0)
            interval_ =
                std::min(opts_.max_interval,
                         std::chrono::duration_cast<std::chrono::milliseconds>(interval_ * opts_.growth));
        return wait;
    }

    /// Starts again from `interval`, as a new loop does (after a creation or a tool-output submission).
    void restart() noexcept { interval_ = opts_.interval; }

    poll_options const& options() const noexcept { return opts_; }

private:
    poll_options opts_;
    std::chrono::milliseconds interval_;
};

} // namespace paced
