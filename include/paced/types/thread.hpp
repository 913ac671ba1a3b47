#pragma once
/// @file Threads and their request parameters.

#include <paced/types/assistant.hpp>
#include <paced/types/common.hpp>
#include <paced/types/message.hpp>

namespace paced {

/** @brief A thread (`ThreadObject`). */
struct thread {
    std::string id{};
    std::int64_t created_at = 0;
    std::optional<paced::tool_resources> tool_resources{};
    metadata_map metadata{};
    boost::json::object extra{};
};

PACED_JSON_CONVERSIONS(thread);

/** @brief Body of POST /threads (and the `thread` of POST /threads/runs). */
struct thread_create_params {
    std::vector<message_create_params> messages{};
    std::optional<paced::tool_resources> tool_resources{};
    metadata_map metadata{};
    boost::json::object extra_body{};
};

/** @brief Body of POST /threads/{id}. */
struct thread_update_params {
    std::optional<paced::tool_resources> tool_resources{};
    metadata_map metadata{}; ///< Written when not empty.
    boost::json::object extra_body{};
};

boost::json::object encode(thread_create_params const& p);
boost::json::object encode(thread_update_params const& p);

/// @name Validation (errc::invalid_argument, "<field>: <reason>")
/// @{
/// `field` prefixes the messages, e.g. "thread".
void validate(thread_create_params const& p, std::string_view field = "");
void validate(thread_update_params const& p);
/// @}

} // namespace paced
