// The Redis URL of a redis_budget, parsed without I/O.

#include <paced/error.hpp>
#include <paced/pacing/redis_budget.hpp>

#include <catch2/catch.hpp>

#if PACED_HAS_REDIS

namespace {

paced::errc error_of(std::string_view url) {
    try {
        (void)paced::parse_redis_url(url);
    } catch (paced::error const& e) {
        return static_cast<paced::errc>(e.code().value());
    }
    FAIL("no error for " << url);
    return paced::errc::invalid_argument;
}

} // namespace

TEST_CASE("redis url: host, port and database are read", "[redis][url]") {
    auto const u = paced::parse_redis_url("redis://cache.internal:6380/3");
    CHECK(u.host == "cache.internal");
    CHECK(u.port == 6380);
    CHECK(u.db == 3);
    CHECK(u.password.empty());
    CHECK(u.username.empty());
}

TEST_CASE("redis url: port 6379 and database 0 are the defaults", "[redis][url]") {
    CHECK(paced::parse_redis_url("redis://127.0.0.1") == paced::redis_url{.host = "127.0.0.1"});
    CHECK(paced::parse_redis_url("redis://127.0.0.1/") == paced::redis_url{.host = "127.0.0.1"});
    CHECK(paced::parse_redis_url("redis://127.0.0.1:6379/0") == paced::redis_url{.host = "127.0.0.1"});
}

TEST_CASE("redis url: ':password@' gives the password alone, percent-decoded", "[redis][url]") {
    auto const u = paced::parse_redis_url("redis://:s%40cr%3At@localhost:7000/1");
    CHECK(u.password == "s@cr:t");
    CHECK(u.username.empty());
    CHECK(u.host == "localhost");
    CHECK(u.port == 7000);
    CHECK(u.db == 1);
}

TEST_CASE("redis url: 'user:password@' gives an ACL user and its password", "[redis][url]") {
    auto const u = paced::parse_redis_url("redis://worker:pw@h:1");
    CHECK(u.username == "worker");
    CHECK(u.password == "pw");
}

TEST_CASE("redis url: a lone userinfo is the password, as redis-cli reads it", "[redis][url]") {
    auto const u = paced::parse_redis_url("redis://secret@h");
    CHECK(u.username.empty());
    CHECK(u.password == "secret");
}

TEST_CASE("redis url: an IPv6 host loses its brackets", "[redis][url]") {
    auto const u = paced::parse_redis_url("redis://[::1]:6390");
    CHECK(u.host == "::1");
    CHECK(u.port == 6390);
}

TEST_CASE("redis url: other schemes, bad ports, bad databases and queries are invalid arguments",
          "[redis][url]") {
    using paced::errc;
    CHECK(error_of("rediss://h:6379") == errc::invalid_argument);
    CHECK(error_of("http://h:6379") == errc::invalid_argument);
    CHECK(error_of("redis:/h") == errc::invalid_argument);
    CHECK(error_of("redis://") == errc::invalid_argument);
    CHECK(error_of("redis://h:0") == errc::invalid_argument);
    CHECK(error_of("redis://h:65536") == errc::invalid_argument);
    CHECK(error_of("redis://h:12ab") == errc::invalid_argument);
    CHECK(error_of("redis://h:6379/x") == errc::invalid_argument);
    CHECK(error_of("redis://h:6379/1/2") == errc::invalid_argument);
    CHECK(error_of("redis://h:6379/-1") == errc::invalid_argument);
    CHECK(error_of("redis://h:6379/0?timeout=1") == errc::invalid_argument);
    CHECK(error_of("redis://h:6379/0#x") == errc::invalid_argument);
    CHECK(error_of("not a url") == errc::invalid_argument);
}

TEST_CASE("redis url: the message of a bad URL never contains its password", "[redis][url]") {
    try {
        (void)paced::parse_redis_url("rediss://:hunter2@h:6379");
        FAIL("no error");
    } catch (paced::error const& e) {
        CHECK(std::string{e.what()}.find("hunter2") == std::string::npos);
    }
}

#endif
