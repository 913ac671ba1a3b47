#pragma once
/// @file ASCII character classes for the parsers of the sans-io core: the protocol's texts are ASCII, and
/// <cctype> depends on the locale.

namespace paced::sansio {

constexpr bool is_ascii_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

constexpr bool is_ascii_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

} // namespace paced::sansio
