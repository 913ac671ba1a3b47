// Name tables of the open enumerations (index order = enumerator order; `unknown` has no name).

#include "types/codec.hpp"

#define PACED_ENUM_NAMES(E, ...)                                                                             \
    namespace {                                                                                              \
    constexpr std::string_view E##_names[] = {__VA_ARGS__};                                                  \
    }                                                                                                        \
    std::string_view to_string(E v) noexcept {                                                               \
        return detail::enum_name(E##_names, v);                                                              \
    }                                                                                                        \
    void detail::enum_from_string(std::string_view s, E& out) noexcept {                                     \
        out = detail::enum_lookup<E>(E##_names, s);                                                          \
    }

namespace paced {

PACED_ENUM_NAMES(batch_status, "validating", "failed", "in_progress", "finalizing", "completed", "expired",
                 "cancelling", "cancelled")
PACED_ENUM_NAMES(file_purpose, "assistants", "assistants_output", "batch", "batch_output", "fine-tune",
                 "fine-tune-results", "vision", "user_data", "evals")
PACED_ENUM_NAMES(file_status, "uploaded", "processed", "error")
PACED_ENUM_NAMES(message_role, "user", "assistant")
PACED_ENUM_NAMES(message_status, "in_progress", "incomplete", "completed")
PACED_ENUM_NAMES(response_status, "queued", "in_progress", "completed", "failed", "cancelled", "incomplete")
PACED_ENUM_NAMES(run_status, "queued", "in_progress", "requires_action", "cancelling", "cancelled", "failed",
                 "completed", "incomplete", "expired")
PACED_ENUM_NAMES(run_step_status, "in_progress", "cancelled", "failed", "completed", "expired")
PACED_ENUM_NAMES(run_step_type, "message_creation", "tool_calls")
PACED_ENUM_NAMES(vector_store_status, "expired", "in_progress", "completed")
PACED_ENUM_NAMES(vector_store_file_status, "in_progress", "completed", "cancelled", "failed")

// The tables must name every enumerator before `unknown`.
static_assert(std::size(batch_status_names) == static_cast<std::size_t>(batch_status::unknown));
static_assert(std::size(file_purpose_names) == static_cast<std::size_t>(file_purpose::unknown));
static_assert(std::size(file_status_names) == static_cast<std::size_t>(file_status::unknown));
static_assert(std::size(message_role_names) == static_cast<std::size_t>(message_role::unknown));
static_assert(std::size(message_status_names) == static_cast<std::size_t>(message_status::unknown));
static_assert(std::size(response_status_names) == static_cast<std::size_t>(response_status::unknown));
static_assert(std::size(run_status_names) == static_cast<std::size_t>(run_status::unknown));
static_assert(std::size(run_step_status_names) == static_cast<std::size_t>(run_step_status::unknown));
static_assert(std::size(run_step_type_names) == static_cast<std::size_t>(run_step_type::unknown));
static_assert(std::size(vector_store_status_names) == static_cast<std::size_t>(vector_store_status::unknown));
static_assert(std::size(vector_store_file_status_names) ==
              static_cast<std::size_t>(vector_store_file_status::unknown));

} // namespace paced
