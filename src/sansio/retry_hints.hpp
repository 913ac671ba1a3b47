#pragma once
/// @file The server's "wait this long before retrying" hints: `retry-after-ms`, `retry-after` and the
/// "Please try again in 1.146s" text of OpenAI's 429 messages.

#include <paced/response.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace paced::sansio {

/** @brief The wait the server asked for, from the first source that yields one:
 * 1. `retry-after-ms`: decimal milliseconds (`250`, `1.5`);
 * 2. `retry-after`: decimal seconds (`20`, `0.5`), or an HTTP-date minus `now`;
 * 3. the "try again in <duration>" text of `error_message` (see `parse_try_again_in`).
 *
 * Hints are rounded up to whole milliseconds so that a retry never comes early, and clamped to
 * `max_retry_hint` (30 days) so that absurd values cannot overflow. A malformed value, a negative number
 * or an HTTP-date that is not in the future falls through to the next source (a date in the past says
 * nothing useful once clocks may be skewed). `0` from a numeric header is kept: the server said "now".
 * Whether the hint is acceptable (e.g. at most two minutes) is the retry policy's decision, not this one.
 *
 * @par Errors
 * Never throws; nullopt when no source gives a hint.
 */
std::optional<std::chrono::milliseconds>
parse_retry_after(header_list const& headers, std::string_view error_message,
                  std::chrono::system_clock::time_point now) noexcept;

/** @brief The duration after "try again in" (ASCII case-insensitive) in an error message.
 *
 * Accepts Go durations (`Please try again in 1.146s.`, `20s`, `84ms`, `6m0s`, `1m30.5s`) and a decimal
 * followed by a unit word (`try again in 20 seconds`, `5 ms`, `2 minutes`). A sentence's final period is
 * not part of the duration. Rounded up to whole milliseconds, clamped to `max_retry_hint`.
 *
 * @par Errors
 * Never throws; nullopt when the phrase is absent or not followed by a duration.
 */
std::optional<std::chrono::milliseconds> parse_try_again_in(std::string_view error_message) noexcept;

/** @brief An HTTP-date (RFC 9110 section 5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the
 * obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms.
 *
 * The weekday name is not checked against the date. Two-digit years below 70 are 20xx, the others 19xx.
 * @par Errors
 * Never throws; nullopt for anything else or an impossible date (31 Feb, 25:00:00).
 */
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) noexcept;

/** @brief A non-negative decimal number `12`, `1.5`, `.5` or `1.` with optional surrounding spaces.
 *
 * Stricter than `strtod`: no sign, exponent, hex, `inf` or `nan`, so that a header value like `-1` or
 * `1e999` is rejected instead of misread.
 */
std::optional<double> parse_decimal(std::string_view text) noexcept;

/// The largest hint returned; anything larger is clamped to it.
inline constexpr std::chrono::milliseconds max_retry_hint{30LL * 24 * 3600 * 1000};

} // namespace paced::sansio
