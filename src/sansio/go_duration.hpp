#pragma once
/// @file Go `time.Duration` strings, the format of OpenAI's `x-ratelimit-reset-*` headers and of the
/// "Please try again in 1.146s" hint in 429 messages.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace paced::sansio {

/** @brief Parses a Go `time.Duration` string such as `1s`, `6m0s`, `12ms`, `2m52.8s`, `1h2m`, `1.5us`,
 * `1µs`, `300ns` or `0`.
 *
 * Grammar (Go's `time.ParseDuration`, minus negative values): an optional `+`, then one or more
 * `<decimal><unit>` pairs where the decimal is `12`, `1.5`, `.5` or `1.` and the unit is one of `h`, `m`,
 * `s`, `ms`, `us`, `µs` (U+00B5), `μs` (U+03BC) or `ns`. A bare `0` is accepted without a unit. Fractions
 * finer than a nanosecond are truncated, as Go does.
 *
 * @par Errors
 * Never throws. Returns nullopt for an empty string, garbage, a missing or unknown unit, a negative
 * sign, whitespace, or a total that does not fit a signed 64-bit count of nanoseconds (about 292 years).
 */
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) noexcept;

/** @brief Formats a duration the way Go's `Duration.String()` does: `0s`, `300ns`, `1.5µs`, `20ms`,
 * `1s`, `6m0s`, `2m52.8s`, `1h0m0s`; negative durations get a leading `-`.
 *
 * `parse_go_duration(format_go_duration(d)) == d` for every non-negative `d`.
 */
std::string format_go_duration(std::chrono::nanoseconds d);

} // namespace paced::sansio
