// `redis://[[user]:password@]host[:port][/db]`, parsed without I/O.

#include <paced/error.hpp>
#include <paced/pacing/redis_budget.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <string>

namespace paced {

namespace {

// The URL may carry a password: messages quote the faulty part only, never the whole URL.
[[noreturn]] void bad(std::string const& why) {
    throw_error(errc::invalid_argument, "redis url: " + why);
}

} // namespace

redis_url parse_redis_url(std::string_view text) {
    auto parsed = boost::urls::parse_uri(text);
    if (!parsed)
        bad("not a URL of the form redis://[:password@]host[:port][/db]");
    boost::urls::url_view const& u = *parsed;
    if (u.scheme() != "redis")
        bad("the scheme must be 'redis' (TLS and unix sockets are not supported), got '" +
            std::string{u.scheme()} + "'");
    if (!u.has_authority())
        bad("no host (expected redis://host:port)");
    if (u.has_query() || u.has_fragment())
        bad("a query or fragment is not supported");

    redis_url r;
    switch (u.host_type()) {
    case boost::urls::host_type::ipv6:
        r.host = u.host_ipv6_address().to_string();
        break;
    case boost::urls::host_type::ipvfuture:
        bad("an IPvFuture host is not supported");
    default:
        r.host = u.host();
        break;
    }
    if (r.host.empty())
        bad("the host is empty");

    if (u.has_port()) {
        auto const p = u.port();
        unsigned value = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
        if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || value == 0 || value > 65535)
            bad("the port must be a number in 1..65535, got '" + std::string{p} + "'");
        r.port = static_cast<std::uint16_t>(value);
    }

    if (u.has_userinfo()) {
        r.username = u.user();
        if (u.has_password())
            r.password = u.password();
        else if (!r.username.empty()) {
            // redis://secret@host: a lone userinfo is the password (the convention of redis-cli).
            r.password = std::move(r.username);
            r.username.clear();
        }
    }

    std::string path = u.path();
    if (!path.empty() && path != "/") {
        std::string_view db{path};
        db.remove_prefix(1);
        unsigned value = 0;
        auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), value);
        if (path[0] != '/' || db.empty() || ec != std::errc{} || end != db.data() + db.size())
            bad("the database must be a decimal number (redis://host:port/2), got '" + std::string{db} + "'");
        r.db = value;
    }
    return r;
}

} // namespace paced
