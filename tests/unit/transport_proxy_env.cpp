#include "transport/proxy_env.hpp"

#include <paced/error.hpp>

#include <catch2/catch.hpp>

#include <map>

using paced::transport::no_proxy_matches;
using paced::transport::origin;
using paced::transport::parse_proxy_url;
using paced::transport::proxy_config;
using paced::transport::proxy_for;

namespace {

paced::transport::env_lookup env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        if (auto it = vars.find(std::string{name}); it != vars.end())
            return it->second;
        return std::nullopt;
    };
}

origin const api{true, "api.openai.com", 443};

} // namespace

TEST_CASE("proxy env: no proxy variable means a direct connection", "[transport][proxy]") {
    CHECK_FALSE(proxy_for(api, env({})));
    CHECK_FALSE(proxy_for(api, env({{"HTTPS_PROXY", ""}})));
}

TEST_CASE("proxy env: HTTPS_PROXY is used for TLS origins", "[transport][proxy]") {
    auto p = proxy_for(api, env({{"HTTPS_PROXY", "http://proxy.corp:8080"}}));
    REQUIRE(p);
    CHECK(p->host == "proxy.corp");
    CHECK(p->port == 8080);
    CHECK(p->authorization.empty());
}

TEST_CASE("proxy env: lower-case https_proxy wins over HTTPS_PROXY", "[transport][proxy]") {
    auto p = proxy_for(api, env({{"HTTPS_PROXY", "http://upper:1"}, {"https_proxy", "http://lower:2"}}));
    REQUIRE(p);
    CHECK(p->host == "lower");
    CHECK(p->port == 2);
}

TEST_CASE("proxy env: plain-http origins never use the proxy", "[transport][proxy]") {
    origin const local{false, "localhost", 8080};
    CHECK_FALSE(
        proxy_for(local, env({{"HTTPS_PROXY", "http://proxy:3128"}, {"HTTP_PROXY", "http://proxy:3128"}})));
}

TEST_CASE("proxy env: user:pass in the URL becomes Basic Proxy-Authorization", "[transport][proxy]") {
    auto p = proxy_for(api, env({{"https_proxy", "http://alice:s%40cret@proxy:3128"}}));
    REQUIRE(p);
    // base64("alice:s@cret")
    CHECK(p->authorization == "Basic YWxpY2U6c0BjcmV0");
    CHECK(parse_proxy_url("http://bob@proxy:1").authorization == "Basic Ym9iOg==");
}

TEST_CASE("proxy env: proxy URLs without a scheme or port get curl's defaults", "[transport][proxy]") {
    CHECK(parse_proxy_url("proxy.corp") == proxy_config{"proxy.corp", 3128, ""});
    CHECK(parse_proxy_url("proxy.corp:9000") == proxy_config{"proxy.corp", 9000, ""});
    CHECK(parse_proxy_url("http://proxy.corp") == proxy_config{"proxy.corp", 80, ""});
    CHECK(parse_proxy_url("http://[::1]:3128") == proxy_config{"::1", 3128, ""});
    CHECK(parse_proxy_url("HTTP://Proxy:1").port == 1);
}

TEST_CASE("proxy env: an unusable proxy URL is an invalid_argument that hides the password",
          "[transport][proxy]") {
    for (auto url : {"https://user:hunter2@proxy:443", "socks5://user:hunter2@proxy:1080",
                     "http://user:hunter2@:80", "http://user:hunter2@proxy:99999"}) {
        CAPTURE(url);
        try {
            parse_proxy_url(url);
            FAIL("accepted");
        } catch (paced::error const& e) {
            CHECK(e.code() == paced::errc::invalid_argument);
            CHECK(std::string{e.what()}.find("hunter2") == std::string::npos);
        }
    }
}

TEST_CASE("proxy env: NO_PROXY bare and leading-dot domains match the domain and its subdomains",
          "[transport][proxy]") {
    CHECK(no_proxy_matches("openai.com", api));
    CHECK(no_proxy_matches(".openai.com", api));
    CHECK(no_proxy_matches("*.openai.com", api));
    CHECK(no_proxy_matches("api.openai.com", api));
    CHECK(no_proxy_matches("API.OpenAI.com", api));
    CHECK_FALSE(no_proxy_matches("ai.com", api)); // a suffix match must stop at a dot
    CHECK_FALSE(no_proxy_matches("other.com", api));
    CHECK_FALSE(no_proxy_matches("x.api.openai.com", api));
}

TEST_CASE("proxy env: NO_PROXY is a comma list with spaces, '*' and host:port entries",
          "[transport][proxy]") {
    CHECK(no_proxy_matches("localhost, 127.0.0.1 ,openai.com", api));
    CHECK(no_proxy_matches("*", api));
    CHECK(no_proxy_matches("example.org,*", api));
    CHECK(no_proxy_matches("api.openai.com:443", api));
    CHECK_FALSE(no_proxy_matches("api.openai.com:8443", api));
    CHECK_FALSE(no_proxy_matches("", api));
    CHECK_FALSE(no_proxy_matches(" , ,", api));
}

TEST_CASE("proxy env: NO_PROXY matches IP literals, IPv6 with or without brackets", "[transport][proxy]") {
    origin const v4{true, "127.0.0.1", 8443};
    origin const v6{true, "::1", 8443};
    CHECK(no_proxy_matches("127.0.0.1", v4));
    CHECK(no_proxy_matches("127.0.0.1:8443", v4));
    CHECK_FALSE(no_proxy_matches("127.0.0.2", v4));
    CHECK(no_proxy_matches("::1", v6));
    CHECK(no_proxy_matches("[::1]", v6));
    CHECK(no_proxy_matches("[::1]:8443", v6));
    CHECK_FALSE(no_proxy_matches("[::1]:443", v6));
}

TEST_CASE("proxy env: NO_PROXY / no_proxy bypass the proxy for matching origins only", "[transport][proxy]") {
    auto const vars = env({{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", "localhost,.internal"}});
    CHECK_FALSE(proxy_for(origin{true, "localhost", 443}, vars));
    CHECK_FALSE(proxy_for(origin{true, "svc.internal", 443}, vars));
    CHECK(proxy_for(api, vars));
    CHECK_FALSE(proxy_for(api, env({{"https_proxy", "http://proxy:3128"}, {"no_proxy", "*"}})));
}

TEST_CASE("proxy env: a bad proxy URL in the environment is reported, not ignored", "[transport][proxy]") {
    CHECK_THROWS_AS(proxy_for(api, env({{"HTTPS_PROXY", "socks5://proxy:1080"}})), paced::error);
    // ... unless NO_PROXY exempts the origin anyway.
    CHECK_FALSE(proxy_for(api, env({{"HTTPS_PROXY", "socks5://proxy:1080"}, {"NO_PROXY", "*"}})));
}
