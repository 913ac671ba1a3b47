#include <paced/client_options.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace paced {
namespace {

std::string env(char const* name) {
    char const* v = std::getenv(name);
    return v ? std::string{v} : std::string{};
}

char const* level_name(log_level l) {
    switch (l) {
    case log_level::trace:
        return "trace";
    case log_level::debug:
        return "debug";
    case log_level::info:
        return "info";
    case log_level::warning:
        return "warning";
    case log_level::error:
        return "error";
    case log_level::off:
        break;
    }
    return "off";
}

} // namespace

logger logger_from_env() {
    auto name = env("PACED_LOG");
    logger out;
    if (name == "trace")
        out.level = log_level::trace;
    else if (name == "debug")
        out.level = log_level::debug;
    else if (name == "info")
        out.level = log_level::info;
    else if (name == "warning" || name == "warn")
        out.level = log_level::warning;
    else if (name == "error")
        out.level = log_level::error;
    else
        return out; // unset or unknown: silent
    out.sink = [](log_level level, std::string_view message) {
        static std::mutex m; // several io_context threads may log at once
        std::lock_guard lock(m);
        std::timespec ts{};
        std::timespec_get(&ts, TIME_UTC);
        std::fprintf(stderr, "[paced %ld.%03ld %s] %.*s\n", static_cast<long>(ts.tv_sec),
                     ts.tv_nsec / 1000000, level_name(level), static_cast<int>(message.size()),
                     message.data());
    };
    return out;
}

client_options client_options::from_env() {
    client_options o;
    o.api_key = env("OPENAI_API_KEY");
    if (auto url = env("OPENAI_BASE_URL"); !url.empty())
        o.base_url = url;
    o.organization = env("OPENAI_ORG_ID");
    o.project = env("OPENAI_PROJECT_ID");
    o.log = logger_from_env();
    return o;
}

} // namespace paced
