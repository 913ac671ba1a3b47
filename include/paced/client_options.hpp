#pragma once
/// @file Client configuration: endpoint, credentials, timeouts, retries, pool, TLS, pacing and logging.

#include <paced/response.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace paced {

class budget;

/// Severity of a log record. Records below `logger::level` are never formatted.
enum class log_level { trace, debug, info, warning, error, off };

/** @brief A pluggable logger: a level and a callback. Silent by default.
 *
 * The callback is invoked on the client's executor. Messages never contain the API key.
 * At `debug`, every attempt is logged with method, path, status, attempt number, time waited for the
 * budget and `x-request-id`.
 */
struct logger {
    log_level level = log_level::off;
    std::function<void(log_level, std::string_view)> sink;

    bool enabled(log_level l) const noexcept { return sink && l >= level && level != log_level::off; }
};

/// A logger writing to stderr at the level named by `PACED_LOG` (trace|debug|info|warning|error),
/// silent when the variable is unset. Used by the project's programs.
logger logger_from_env();

/** @brief Everything a client needs. Aggregate: set fields with designated initialisers.
 *
 * @par Example
 * @code
 * auto opts = paced::client_options::from_env();   // OPENAI_API_KEY, OPENAI_BASE_URL, ...
 * opts.max_retries = 4;
 * paced::client client{ioc.get_executor(), opts};
 * @endcode
 */
struct client_options {
    /// Secret key sent as `Authorization: Bearer`. Required (errc::missing_api_key when empty).
    std::string api_key;
    /// Base URL including the version path. http:// is allowed (emulators, local servers).
    std::string base_url = "https://api.openai.com/v1";
    /// Sent as `OpenAI-Organization` when non-empty.
    std::string organization;
    /// Sent as `OpenAI-Project` when non-empty.
    std::string project;

    /// Time allowed to resolve, connect (and tunnel, and handshake) a new connection.
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
    /// Time allowed for one attempt of a request, from sending to the last byte of the answer
    /// (10 minutes, like the official SDKs). For streams: the longest gap between two reads.
    std::chrono::milliseconds request_timeout{std::chrono::minutes(10)};
    /// Retries after the first attempt (so 3 attempts in all by default), for every failure but a 429
    /// rate_limit_exceeded.
    int max_retries = 2;
    /// Retries after 429 rate_limit_exceeded answers, counted apart from max_retries: such a request
    /// waits for the budget's shared cool-down (the server's hint) and goes back through the budget,
    /// which has lowered its rate (another client shares the key). 0 fails at the first 429.
    int max_rate_limit_retries = 8;
    /// A server retry hint longer than this fails the request at once instead of waiting.
    std::chrono::milliseconds max_retry_delay{std::chrono::seconds(120)};

    /// Open connections per origin; requests beyond it wait for a free one.
    std::size_t max_connections = 64;
    /// Idle keep-alive connections are closed after this long.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    /// Largest response body read into memory, error bodies included (errc::body_too_large beyond it).
    /// Streamed bodies are not bounded as a whole, only by what is kept of them: a run stream's events
    /// one at a time (at most 8 MiB each) and its messages' text (this limit), `files().download`
    /// nothing (it writes to disk).
    std::size_t max_response_bytes = 64 * 1024 * 1024;
    /// Extra trust anchors (PEM), added to the system store. Verification can not be turned off.
    std::string ca_file;
    /// Use HTTPS_PROXY / https_proxy and NO_PROXY from the environment.
    bool proxy_from_env = true;
    /// Added to every request (after the SDK's own headers; they cannot replace Authorization).
    header_list default_headers;

    /** @brief The shared budget every attempt draws from. When null, the client makes a `local_budget`
     * that learns the limits from the server's `x-ratelimit-*` headers. Share one budget between
     * clients (or processes, with `redis_budget`) to pace them together. */
    std::shared_ptr<budget> pacing;

    /// Where log records go (silent by default).
    logger log;

    /** @brief Reads `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID` and
     * `PACED_LOG`; other fields keep their defaults. Does not fail: a missing key is reported when the
     * client is built. */
    static client_options from_env();
};

} // namespace paced
