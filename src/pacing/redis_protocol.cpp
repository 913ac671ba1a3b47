#include "pacing/redis_protocol.hpp"

#include "pacing/gcra.hpp"

#include <cstdio>

namespace paced::pacing::redis {

/// The text of src/pacing/gcra.lua, embedded by the build (cmake/embed_text.cmake).
extern std::string_view const gcra_script_source;

namespace {

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

char const* op_name(script_op op) {
    switch (op) {
    case script_op::acquire:
        return "acquire";
    case script_op::refund:
        return "refund";
    case script_op::adjust:
        return "adjust";
    case script_op::observe:
        return "observe";
    case script_op::pause:
        return "pause";
    }
    return "?";
}

dimension_limit to_dimension(std::optional<double> limit, std::optional<double> burst) {
    if (!limit)
        return {};
    return {*limit, burst ? *burst : 0.0}; // 0: the script's default for the limit in force
}

} // namespace

std::string_view gcra_script() {
    // The back-off constants are scope_state's, so that local_budget and redis_budget settle alike.
    static std::string const script = [] {
        std::string text{gcra_script_source};
        auto const set = [&text](std::string_view name, std::string const& value) {
            for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size()))
                text.replace(at, name.size(), value);
        };
        using std::chrono::microseconds;
        using std::chrono::duration_cast;
        set("@BACKOFF_FACTOR@", number(scope_state::backoff_factor));
        set("@MIN_SHARE@", number(scope_state::min_share));
        set("@RECOVERY_STEP@", number(scope_state::recovery_step));
        set("@BACKOFF_SPACING@",
            std::to_string(duration_cast<microseconds>(scope_state::backoff_spacing).count()));
        set("@RECOVERY_INTERVAL@",
            std::to_string(duration_cast<microseconds>(scope_state::recovery_interval).count()));
        return text;
    }();
    return script;
}

scope_limits to_scope_limits(rate_limits const& limits) {
    return {to_dimension(limits.requests_per_minute, limits.burst_requests),
            to_dimension(limits.tokens_per_minute, limits.burst_tokens)};
}

std::string model_scope_key(std::string_view prefix, std::string_view model) {
    if (model.empty())
        return std::string{prefix} + ":org";
    return std::string{prefix} + ":model:" + std::string{model};
}

std::string endpoint_scope_key(std::string_view prefix, std::string_view endpoint) {
    return std::string{prefix} + ":endpoint:" + std::string{endpoint};
}

scope_ref make_scope_ref(std::string const& scope_key, scope_limits limits) {
    return {scope_key + ":req", scope_key + ":tok", limits};
}

std::vector<std::string> evalsha_command(std::string_view sha, script_call const& call) {
    std::vector<std::string> cmd;
    cmd.reserve(9 + call.scopes.size() * 6 + call.args.size());
    cmd.emplace_back("EVALSHA");
    cmd.emplace_back(sha);
    cmd.push_back(std::to_string(call.scopes.size() * 2 + 2));
    for (auto const& s : call.scopes) {
        cmd.push_back(s.req_key);
        cmd.push_back(s.tok_key);
    }
    cmd.push_back(call.pause_key);
    cmd.push_back(call.share_key);
    cmd.emplace_back(op_name(call.op));
    cmd.push_back(std::to_string(call.latency_allowance.count()));
    cmd.push_back(std::to_string(call.scopes.size()));
    for (auto const& s : call.scopes) {
        cmd.push_back(number(s.limits.requests.per_minute));
        cmd.push_back(number(s.limits.requests.burst));
        cmd.push_back(number(s.limits.tokens.per_minute));
        cmd.push_back(number(s.limits.tokens.burst));
    }
    for (auto a : call.args)
        cmd.push_back(std::to_string(a));
    return cmd;
}

std::optional<acquire_answer> decode_acquire(reply const& r) {
    if (r.what != reply::kind::array || r.elements.empty())
        return std::nullopt;
    for (auto const& e : r.elements)
        if (e.what != reply::kind::integer)
            return std::nullopt;
    auto const& e = r.elements;
    switch (e[0].integer) {
    case 0:
        return acquire_answer{};
    case 1:
        if (e.size() != 2 || e[1].integer <= 0)
            return std::nullopt;
        return acquire_answer{.what = acquire_answer::kind::wait,
                              .wait = std::chrono::microseconds{e[1].integer}};
    case 2:
        if (e.size() != 4 || e[1].integer < 1 || e[1].integer > 3 ||
            (e[2].integer != 0 && e[2].integer != 1) || e[3].integer < 0)
            return std::nullopt;
        return acquire_answer{.what = acquire_answer::kind::too_large,
                              .scope_index = static_cast<int>(e[1].integer),
                              .dimension = static_cast<int>(e[2].integer),
                              .limit = static_cast<std::uint64_t>(e[3].integer)};
    default:
        return std::nullopt;
    }
}

bool is_noscript(reply const& r) noexcept {
    return r.what == reply::kind::error && std::string_view{r.str}.starts_with("NOSCRIPT");
}

std::int64_t ceil_micros(std::chrono::nanoseconds d) noexcept {
    auto const n = d.count();
    if (n <= 0)
        return 0;
    return (n + 999) / 1000;
}

} // namespace paced::pacing::redis
