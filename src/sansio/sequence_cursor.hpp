#pragma once
/// @file The resumption cursor of an event stream whose events carry increasing sequence numbers (a
/// streamed background response): which events are new, and where a resumed stream starts.

#include <cstdint>
#include <optional>

namespace paced::sansio {

/** @brief Tracks the last sequence number delivered, so that a resumed stream (`starting_after`) hands
 * over no event twice and loses none.
 *
 * A server asked to resume after N should send only events after N; one that replays from the start
 * (what the official SDKs expect of it: they filter on the client) is handled the same way, since every
 * event at or below the cursor is a replay and is dropped. An event without a sequence number cannot be
 * placed: it is delivered, and from then on the stream cannot be resumed exactly (`resumable()` false),
 * so a break is followed by polling instead.
 *
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class sequence_cursor {
public:
    /// Judges one event: true to deliver it (new, or without a number), false to drop it (a replay).
    bool accept(std::int64_t sequence_number) noexcept {
        if (sequence_number < 0) {
            unnumbered_ = true;
            return true;
        }
        if (last_ && sequence_number <= *last_)
            return false;
        last_ = sequence_number;
        return true;
    }

    /// The last sequence number delivered: the `starting_after` of a resumption (nullopt: none yet).
    std::optional<std::int64_t> last() const noexcept { return last_; }

    /// False once an event without a sequence number was delivered.
    bool resumable() const noexcept { return !unnumbered_; }

private:
    std::optional<std::int64_t> last_;
    bool unnumbered_ = false;
};

} // namespace paced::sansio
