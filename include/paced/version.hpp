#pragma once
/// @file The library version, as sent in `User-Agent: paced/<version>`.
namespace paced {
inline constexpr int version_major = 0;
inline constexpr int version_minor = 1;
inline constexpr int version_patch = 0;
inline constexpr char const* version_string = "0.1.0";
} // namespace paced
