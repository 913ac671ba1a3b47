#pragma once
/// @file Per-call options accepted by every operation as its last argument.

#include <paced/response.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace paced {

/** @brief Per-call overrides. Every operation takes one as its last, defaulted, argument.
 *
 * @par Example: raw access to the response
 * @code
 * paced::response_metadata meta;
 * paced::request_options with_meta{.metadata = &meta}; // named: see README (g++ 12)
 * auto run = co_await client.threads().runs().retrieve(thread_id, run_id, with_meta);
 * std::cout << meta.request_id << " " << meta.headers.find("openai-processing-ms").value_or("?");
 * @endcode
 */
struct request_options {
    /// Replaces client_options::request_timeout for this call (each attempt).
    std::optional<std::chrono::milliseconds> timeout;
    /// Replaces client_options::max_retries for this call.
    std::optional<int> max_retries;
    /// Extra headers for this call only.
    header_list extra_headers;
    /// When set, receives the final attempt's status, headers, request id, attempts and waits.
    /// Must outlive the call.
    response_metadata* metadata = nullptr;
    /// When set, incremented for every HTTP attempt this call makes (retries and pages included), so a
    /// caller can count what one piece of work cost. Must outlive the call.
    std::uint64_t* attempts = nullptr;
};

} // namespace paced
