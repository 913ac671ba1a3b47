#pragma once
/// @file What a status string means for a poller: keep polling, act, or stop.

#include <span>
#include <string_view>

namespace paced::sansio {

/// The three things a poller can do with a status.
enum class run_status_kind {
    active,          ///< Keep polling (queued, in_progress, cancelling).
    requires_action, ///< Paused for the client: submit tool outputs.
    terminal,        ///< Done: completed, cancelled, failed, incomplete, expired.
};

/** @brief The status vocabulary of one kind of object, so that the same poller serves Assistants runs
 * and Responses background mode.
 *
 * `unknown` is the kind of a status in none of the lists. The server may add statuses; for a run,
 * `active` is the safe reading (treating an unknown status as terminal could abandon a live run and
 * lose its result), so the poller keeps polling but sees `status_class::known == false` and gives up
 * with `errc::unexpected_json` after a few unknown answers in a row (`follow_machine`, which client.run
 * drives: `follow_machine::unknown_status_limit`, 3), instead of spinning forever as the Node SDK does.
 * Responses background mode documents "anything not queued/in_progress is terminal", so its table says
 * `unknown = terminal`.
 */
struct status_table {
    std::span<std::string_view const> active;
    std::span<std::string_view const> requires_action;
    std::span<std::string_view const> terminal;
    run_status_kind unknown = run_status_kind::active;
};

/// Assistants v2 runs: queued, in_progress, cancelling are active; requires_action; completed,
/// cancelled, failed, incomplete, expired are terminal; unknown strings are active (see status_table).
status_table const& assistants_run_statuses() noexcept;

/// Responses background mode: queued and in_progress are active, everything else is terminal.
status_table const& response_statuses() noexcept;

/// The classification of one status string.
struct status_class {
    run_status_kind kind;
    bool known; ///< The string is in one of the table's lists; false means `kind` is `table.unknown`.
    bool operator==(status_class const&) const = default;
};

/// Classifies `status` (exact, case-sensitive match, as the API sends lower case) with `table`.
status_class classify_status(std::string_view status,
                             status_table const& table = assistants_run_statuses()) noexcept;

/// Shorthands over `classify_status` with the Assistants run table.
inline run_status_kind run_status_kind_of(std::string_view status) noexcept {
    return classify_status(status).kind;
}
inline bool is_terminal_run_status(std::string_view status) noexcept {
    return run_status_kind_of(status) == run_status_kind::terminal;
}
inline bool is_known_run_status(std::string_view status) noexcept {
    return classify_status(status).known;
}

} // namespace paced::sansio
