#include "util.hpp"

#include <cstdio>

namespace paced::emulator {

namespace {
constexpr char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Formats v (< 1000 * 10^digits) as "int.frac" with trailing zeros of the fraction removed.
std::string fixed_trimmed(std::int64_t v, int digits) {
    std::int64_t scale = 1;
    for (int i = 0; i < digits; ++i)
        scale *= 10;
    std::string s = std::to_string(v / scale);
    std::int64_t frac = v % scale;
    if (frac != 0) {
        std::string f(static_cast<std::size_t>(digits), '0');
        for (int i = digits - 1; i >= 0; --i) {
            f[static_cast<std::size_t>(i)] = static_cast<char>('0' + frac % 10);
            frac /= 10;
        }
        while (!f.empty() && f.back() == '0')
            f.pop_back();
        s += '.';
        s += f;
    }
    return s;
}
} // namespace

std::string id_generator::next(std::string_view prefix) {
    std::string id(prefix);
    std::uint64_t a = mix64(seed_ * 0x632be59bd9b4e019ULL + ++counter_);
    std::uint64_t b = mix64(a ^ 0x5851f42d4c957f2dULL);
    for (int i = 0; i < 24; ++i) {
        std::uint64_t& src = i < 12 ? a : b;
        id += base62[src % 62];
        src /= 62;
    }
    return id;
}

std::string id_generator::request_id() {
    char buf[40];
    std::uint64_t a = mix64(seed_ ^ (++req_counter_ * 0x9e3779b97f4a7c15ULL));
    std::uint64_t b = mix64(a);
    std::snprintf(buf, sizeof buf, "req_%016llx%016llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b));
    return buf;
}

std::string go_duration(std::int64_t ns) {
    if (ns <= 0)
        return "0s";
    if (ns < 1000)
        return std::to_string(ns) + "ns";
    if (ns < 1000000)
        return fixed_trimmed(ns, 3) + "\xC2\xB5s";
    if (ns < 1000000000)
        return fixed_trimmed(ns, 6) + "ms";
    std::int64_t h = ns / 3600000000000LL;
    ns -= h * 3600000000000LL;
    std::int64_t m = ns / 60000000000LL;
    ns -= m * 60000000000LL;
    std::string s;
    if (h > 0)
        s += std::to_string(h) + "h";
    if (h > 0 || m > 0)
        s += std::to_string(m) + "m";
    s += fixed_trimmed(ns, 9) + "s";
    return s;
}

std::string error_body(std::string_view message, std::string_view type, std::string_view param,
                       std::string_view code) {
    json::object e;
    e["message"] = message;
    e["type"] = type;
    e["param"] = param.empty() ? json::value(nullptr) : json::value(param);
    e["code"] = code.empty() ? json::value(nullptr) : json::value(code);
    json::object o;
    o["error"] = std::move(e);
    return json::serialize(o);
}

} // namespace paced::emulator
