#pragma once
/// @file The `x-ratelimit-*` response headers as a `rate_limit_snapshot`.

#include <paced/pacing/budget.hpp>
#include <paced/response.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paced::sansio {

/** @brief Reads `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` from an answer's headers.
 *
 * Counts are unsigned decimal integers. Resets are Go durations (`1s`, `6m0s`, `12ms`); a bare decimal
 * number (`20`, `0.5`) is also read as seconds, because other OpenAI-compatible servers send that and its
 * meaning is unambiguous. Surrounding spaces and tabs are ignored. The first field of each name wins.
 * The `_usage_based` variants are not read (their meaning is unconfirmed).
 *
 * @par Errors
 * Never throws: a missing or malformed value leaves just that field empty, the others are still read.
 */
rate_limit_snapshot parse_rate_limit_headers(header_list const& headers) noexcept;

/** @brief What a refusal for rate says about the budget that refused: from its error `type`
 * (`requests` or `tokens`) and its message, "Rate limit reached for <budget> in [project ...]
 * organization ... on requests per min (RPM): Limit L, Used U, Requested R. ...". The cool-down and the
 * headers are left to the caller.
 *
 * The message's dimension wins over `type` (a day limit, "requests per day (RPD)", is reported as
 * requests with its daily limit left out: it is not a per-minute limit). The budget's name is the text
 * between "Rate limit reached for " and " in ", without quotes.
 *
 * @par Errors
 * Throws only `std::bad_alloc`: a message of another form gives a refusal with only what `type` tells.
 */
rate_limit_refusal parse_rate_limit_refusal(std::string_view message, std::string_view type);

/// An unsigned decimal integer with optional surrounding whitespace; nullopt on garbage or overflow.
std::optional<std::uint64_t> parse_header_uint(std::string_view value) noexcept;

/// Strips leading and trailing spaces and horizontal tabs (HTTP's optional whitespace).
std::string_view trim_ows(std::string_view value) noexcept;

} // namespace paced::sansio
