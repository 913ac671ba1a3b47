#include "sansio/run_status.hpp"

#include <algorithm>
#include <array>

namespace paced::sansio {
namespace {

constexpr std::array<std::string_view, 3> run_active{"queued", "in_progress", "cancelling"};
constexpr std::array<std::string_view, 1> run_action{"requires_action"};
constexpr std::array<std::string_view, 5> run_terminal{"completed", "cancelled", "failed", "incomplete",
                                                       "expired"};

constexpr std::array<std::string_view, 2> response_active{"queued", "in_progress"};
constexpr std::array<std::string_view, 4> response_terminal{"completed", "failed", "cancelled", "incomplete"};

bool contains(std::span<std::string_view const> list, std::string_view s) noexcept {
    return std::find(list.begin(), list.end(), s) != list.end();
}

} // namespace

status_table const& assistants_run_statuses() noexcept {
    static constexpr status_table table{run_active, run_action, run_terminal, run_status_kind::active};
    return table;
}

status_table const& response_statuses() noexcept {
    static constexpr status_table table{response_active, {}, response_terminal, run_status_kind::terminal};
    return table;
}

status_class classify_status(std::string_view status, status_table const& table) noexcept {
    if (contains(table.active, status))
        return {run_status_kind::active, true};
    if (contains(table.requires_action, status))
        return {run_status_kind::requires_action, true};
    if (contains(table.terminal, status))
        return {run_status_kind::terminal, true};
    return {table.unknown, false};
}

} // namespace paced::sansio
