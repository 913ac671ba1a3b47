#pragma once
// Small helpers shared by the emulator's parts: ids, clocks, Go durations, hashing, JSON errors.

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace paced::emulator {

namespace json = boost::json;

/** @brief Unix time in milliseconds: every object timeline is kept in this unit. */
using ms_t = std::int64_t;
inline constexpr ms_t never = INT64_MAX / 4;

/** @brief Wall clock now, in Unix milliseconds. */
inline ms_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/** @brief Monotonic nanoseconds since an arbitrary epoch, for the rate limiter. */
inline std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/** @brief SplitMix64 finaliser: a cheap, good 64-bit mixer for ids and seeded decisions. */
inline std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/** @brief FNV-1a 64 over bytes, continuing from `h` (the reply function documents this hash). */
inline std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL) {
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/** @brief Deterministic id generator: prefix + 24 base62 characters derived from seed and a counter. */
class id_generator {
public:
    explicit id_generator(std::uint64_t seed) : seed_(seed) {}
    std::string next(std::string_view prefix);
    /** @brief `req_` + 32 hex digits. */
    std::string request_id();
    void reset() { counter_ = 0; }

private:
    std::uint64_t seed_;
    std::uint64_t counter_ = 0;
    std::uint64_t req_counter_ = 0;
};

/** @brief A duration in nanoseconds formatted like Go's time.Duration.String() ("1s", "6m0s", "20ms"). */
std::string go_duration(std::int64_t ns);

/** @brief OpenAI's error body `{"error":{"message","type","param","code"}}`; empty param/code give null. */
std::string error_body(std::string_view message, std::string_view type, std::string_view param = {},
                       std::string_view code = {});

/** @brief Serialises a JSON value (thin wrapper so call sites read clearly). */
inline std::string to_text(const json::value& v) {
    return json::serialize(v);
}

/** @brief ceil(a / b) for non-negative integers. */
inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

} // namespace paced::emulator
