#include "transport/proxy_env.hpp"

#include <paced/error.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cstdlib>

namespace paced::transport {
namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view s) {
    std::string out{s};
    for (auto& c : out)
        c = lower(c);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::string base64(std::string_view in) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        auto const n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (auto const rest = in.size() - i; rest > 0) {
        unsigned n = static_cast<unsigned char>(in[i]) << 16;
        if (rest == 2)
            n |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string_view strip_brackets(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        return host.substr(1, host.size() - 2);
    return host;
}

// First non-empty value among the names, in order.
std::optional<std::string> first_set(env_lookup const& env, std::initializer_list<std::string_view> names) {
    for (auto name : names)
        if (auto v = env(name); v && !trim(*v).empty())
            return std::string{trim(*v)};
    return std::nullopt;
}

} // namespace

std::optional<std::string> getenv_lookup(std::string_view name) {
    std::string const n{name};
    if (char const* v = std::getenv(n.c_str()))
        return std::string{v};
    return std::nullopt;
}

proxy_config parse_proxy_url(std::string_view url) {
    bool const has_scheme = url.find("://") != std::string_view::npos;
    std::string const text = has_scheme ? std::string{url} : "http://" + std::string{url};
    auto parsed = boost::urls::parse_uri(text);
    // Never echo the credentials of a proxy URL into an error message.
    auto describe = [&] {
        auto at = url.rfind('@');
        auto scheme_end = url.find("://");
        if (at == std::string_view::npos)
            return std::string{url};
        auto prefix =
            scheme_end == std::string_view::npos ? std::string{} : std::string{url.substr(0, scheme_end + 3)};
        return prefix + "***@" + std::string{url.substr(at + 1)};
    };
    if (!parsed)
        throw_error(errc::invalid_argument, "proxy URL is not valid: " + describe());
    boost::urls::url_view const u = *parsed;
    if (to_lower(u.scheme()) != "http")
        throw_error(errc::invalid_argument,
                    "proxy URL scheme must be http (CONNECT over plain TCP): " + describe());
    proxy_config out;
    out.host = std::string{strip_brackets(u.encoded_host().decode())};
    if (out.host.empty())
        throw_error(errc::invalid_argument, "proxy URL has no host: " + describe());
    if (u.has_port()) {
        // port_number() wraps values above 65535: check the digits themselves.
        auto const digits = std::string{u.port()};
        unsigned long port = 0;
        try {
            port = digits.empty() ? 0 : std::stoul(digits);
        } catch (std::exception const&) {
            port = 0;
        }
        if (port == 0 || port > 65535)
            throw_error(errc::invalid_argument, "proxy URL has an invalid port: " + describe());
        out.port = static_cast<std::uint16_t>(port);
    } else {
        out.port = has_scheme ? 80 : 3128;
    }
    if (u.has_userinfo() && !u.user().empty())
        out.authorization =
            "Basic " + base64(u.user() + ":" + (u.has_password() ? u.password() : std::string{}));
    return out;
}

bool no_proxy_matches(std::string_view no_proxy, origin const& o) {
    std::string const host = to_lower(strip_brackets(o.host));
    while (!no_proxy.empty()) {
        auto const comma = no_proxy.find(',');
        auto entry = trim(no_proxy.substr(0, comma));
        no_proxy = comma == std::string_view::npos ? std::string_view{} : no_proxy.substr(comma + 1);
        if (entry.empty())
            continue;
        if (entry == "*")
            return true;
        std::string pattern = to_lower(entry);
        // An optional ":port" suffix; IPv6 literals carry colons, so only a bracketed or
        // single-colon entry has a port.
        std::optional<std::uint16_t> port;
        std::string_view p = pattern;
        if (p.starts_with('[')) {
            auto const close = p.find(']');
            if (close == std::string_view::npos)
                continue;
            auto const rest = p.substr(close + 1);
            if (rest.starts_with(':')) {
                try {
                    port = static_cast<std::uint16_t>(std::stoul(std::string{rest.substr(1)}));
                } catch (std::exception const&) {
                    continue;
                }
            }
            p = p.substr(1, close - 1);
        } else if (auto const colon = p.find(':'); colon != std::string_view::npos && p.rfind(':') == colon) {
            try {
                port = static_cast<std::uint16_t>(std::stoul(std::string{p.substr(colon + 1)}));
            } catch (std::exception const&) {
                continue;
            }
            p = p.substr(0, colon);
        }
        if (port && *port != o.port)
            continue;
        if (p.starts_with("*."))
            p.remove_prefix(1); // "*.example.com" is a common spelling of ".example.com"
        if (p.starts_with('.'))
            p.remove_prefix(1);
        if (p.empty())
            continue;
        if (host == p)
            return true;
        if (host.size() > p.size() && host.ends_with(p) && host[host.size() - p.size() - 1] == '.')
            return true;
    }
    return false;
}

std::optional<proxy_config> proxy_for(origin const& o, env_lookup const& env) {
    if (!o.tls)
        return std::nullopt;
    auto const url = first_set(env, {"https_proxy", "HTTPS_PROXY"});
    if (!url)
        return std::nullopt;
    if (auto const no_proxy = first_set(env, {"no_proxy", "NO_PROXY"});
        no_proxy && no_proxy_matches(*no_proxy, o))
        return std::nullopt;
    return parse_proxy_url(*url);
}

} // namespace paced::transport
