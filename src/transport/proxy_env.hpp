#pragma once
// Which proxy (if any) a request to an origin goes through: HTTPS_PROXY / NO_PROXY, as curl and the
// official SDKs read them. Pure functions: the environment is injected so that the rules are unit-tested.

#include "transport/http_message.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace paced::transport {

/** @brief An HTTP proxy reached with CONNECT (from HTTPS_PROXY / https_proxy). */
struct proxy_config {
    std::string host{};
    std::uint16_t port = 3128;
    std::string authorization{}; ///< Value for Proxy-Authorization (from user:pass in the URL), or empty.

    bool operator==(proxy_config const&) const = default;
};

/// Reads one environment variable; nullopt when it is not set.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment (std::getenv), for production use of proxy_for.
std::optional<std::string> getenv_lookup(std::string_view name);

/** @brief Parses a proxy URL such as `http://user:pass@proxy.corp:8080` or `proxy.corp:3128`.
 *
 * The scheme may be `http` or omitted (the tunnel to the proxy itself is plain TCP); the port defaults
 * to 80 with `http://` and to 3128 without a scheme, like curl. Credentials (percent-decoded) become a
 * `Basic` Proxy-Authorization value.
 *
 * @par Errors
 * `paced::error(errc::invalid_argument)` for an unparsable URL or another scheme (e.g. `https://`,
 * `socks5://`), naming the URL without its credentials.
 */
proxy_config parse_proxy_url(std::string_view url);

/** @brief Whether a NO_PROXY list exempts `o` from the proxy.
 *
 * Entries are separated by commas (spaces ignored, case-insensitive): `*` matches every host; `example.com`
 * and `.example.com` match that domain and its subdomains; `host:port` matches only that port; IP
 * addresses match literally (no CIDR ranges). IPv6 literals may be written with or without brackets.
 */
bool no_proxy_matches(std::string_view no_proxy, origin const& o);

/** @brief The proxy a request to `o` goes through, from the environment `env`.
 *
 * For TLS origins: `HTTPS_PROXY`, else `https_proxy` (the lower-case name wins when both are set, as
 * in curl), unless `NO_PROXY` / `no_proxy` matches the origin. Plain-http origins are always reached
 * directly (HTTP_PROXY is not used: the SDK talks HTTP only to local test servers and emulators).
 * An empty variable counts as unset.
 *
 * @par Errors
 * `paced::error(errc::invalid_argument)` when the proxy variable holds an unparsable URL.
 */
std::optional<proxy_config> proxy_for(origin const& o, env_lookup const& env);

} // namespace paced::transport
