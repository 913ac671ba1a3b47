// The connection pool over TLS: verification against the trust store and ca_file, host names, the
// connect timeout, and HTTPS through a CONNECT proxy.

#include "transport_test_util.hpp"

using namespace paced;
using namespace paced::test;
using namespace paced::test::transport_tests;
using transport::connection_pool;

TEST_CASE("transport: HTTPS with the test CA as ca_file is accepted and kept alive", "[transport][tls]") {
    test_server server{{.tls = true}};
    asio::io_context ioc;
    connection_pool pool{ioc.get_executor(), trusting_options()};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) {
            auto r = co_await pool.exchange(server.origin(), get("/tls"), in());
            CHECK(r.status == 200);
            CHECK(r.body == "ok");
        }
    }());
    CHECK(server.connections() == 1);
    CHECK(server.received().at(0).headers.find("Host") == "127.0.0.1:" + std::to_string(server.port()));
}

TEST_CASE("transport: HTTPS by host name (SNI) verifies the DNS name of the certificate",
          "[transport][tls]") {
    test_server server{{.tls = true}};
    asio::io_context ioc;
    connection_pool pool{ioc.get_executor(), trusting_options()};
    auto r = run_coro(ioc, pool.exchange(transport::origin{true, "localhost", server.port()}, get(), in()));
    CHECK(r.status == 200);
}

TEST_CASE("transport: a certificate from an untrusted CA is rejected with tls_verification_failed",
          "[transport][tls]") {
    test_server server{{.tls = true}};
    asio::io_context ioc;
    connection_pool pool{ioc.get_executor(), {}}; // system store only: the throw-away CA is unknown
    std::string message;
    auto const code = error_of([&] { run_coro(ioc, pool.exchange(server.origin(), get(), in())); }, &message);
    CHECK(code == errc::tls_verification_failed);
    CHECK(message.find("certificate") != std::string::npos);
    CHECK(server.requests() == 0);
}

TEST_CASE("transport: a trusted certificate for another host name is rejected", "[transport][tls]") {
    test_server server{
        {.tls = true, .cert_file = certs().wrong_host_cert, .key_file = certs().wrong_host_key}};
    asio::io_context ioc;
    connection_pool pool{ioc.get_executor(), trusting_options()};
    std::string message;
    SECTION("by IP address") {
        auto const code =
            error_of([&] { run_coro(ioc, pool.exchange(server.origin(), get(), in())); }, &message);
        CHECK(code == errc::tls_verification_failed);
        CHECK(message.find("mismatch") != std::string::npos);
    }
    SECTION("by host name") {
        auto const code = error_of(
            [&] {
                run_coro(ioc,
                         pool.exchange(transport::origin{true, "localhost", server.port()}, get(), in()));
            },
            &message);
        CHECK(code == errc::tls_verification_failed);
        CHECK(message.find("mismatch") != std::string::npos);
    }
    CHECK(server.requests() == 0);
}

TEST_CASE("transport: an unreadable ca_file is reported when the pool is made", "[transport][tls]") {
    asio::io_context ioc;
    transport::pool_options o;
    o.ca_file = (certs().dir / "missing.pem").string();
    try {
        connection_pool pool{ioc.get_executor(), o};
        FAIL("accepted");
    } catch (paced::error const& e) {
        CHECK(e.code() == errc::invalid_argument);
    }
}

TEST_CASE("transport: a TLS handshake that never completes fires the connect timeout", "[transport][tls]") {
    test_server server{{.tls = true, .silent = true}};
    asio::io_context ioc;
    auto o = trusting_options();
    o.connect_timeout = 200ms;
    connection_pool pool{ioc.get_executor(), o};
    std::string message;
    auto const code =
        error_of([&] { run_coro(ioc, pool.exchange(server.origin(), get(), in(30s))); }, &message);
    CHECK(code == errc::timeout);
    CHECK(message.find("connect") != std::string::npos);
}

TEST_CASE("transport: a TLS connection the server closed while idle is retried once", "[transport][tls]") {
    test_server server{{.tls = true}};
    asio::io_context ioc;
    connection_pool pool{ioc.get_executor(), trusting_options()};
    CHECK(run_coro(ioc, pool.exchange(server.origin(), get(), in())).status == 200);
    server.close_idle_connections();
    CHECK(run_coro(ioc, pool.exchange(server.origin(), get(), in())).status == 200);
    CHECK(pool.stats().stale_retries == 1);
    CHECK(server.connections() == 2);
}

TEST_CASE("transport: HTTPS goes through the CONNECT proxy, one tunnel per connection",
          "[transport][proxy]") {
    test_server server{{.tls = true}};
    test_proxy proxy;
    asio::io_context ioc;
    auto o = trusting_options();
    o.proxy = transport::proxy_config{"127.0.0.1", proxy.port(), "Basic dXNlcjpwYXNz"};
    connection_pool pool{ioc.get_executor(), o};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 2; ++i) {
            auto const r = co_await pool.exchange(server.origin(), get("/via-proxy"), in());
            CHECK(r.status == 200);
        }
    }());
    CHECK(proxy.tunnels() == 1);
    CHECK(proxy.targets() == std::vector<std::string>{"127.0.0.1:" + std::to_string(server.port())});
    CHECK(proxy.authorizations() == std::vector<std::string>{"Basic dXNlcjpwYXNz"});
    CHECK(server.requests() == 2);
    CHECK(server.received().at(0).target == "/via-proxy");
}

TEST_CASE("transport: a proxy that refuses the tunnel gives proxy_failed", "[transport][proxy]") {
    test_server server{{.tls = true}};
    test_proxy proxy{{.refuse_status = 403}};
    asio::io_context ioc;
    auto o = trusting_options();
    o.proxy = transport::proxy_config{"127.0.0.1", proxy.port(), ""};
    connection_pool pool{ioc.get_executor(), o};
    std::string message;
    auto const code = error_of([&] { run_coro(ioc, pool.exchange(server.origin(), get(), in())); }, &message);
    CHECK(code == errc::proxy_failed);
    CHECK(message.find("403") != std::string::npos);
    CHECK(server.connections() == 0);
}

TEST_CASE("transport: no_proxy and plain-http origins bypass the proxy", "[transport][proxy]") {
    test_proxy proxy;
    asio::io_context ioc;
    SECTION("a TLS origin matched by no_proxy") {
        test_server server{{.tls = true}};
        auto o = trusting_options();
        o.proxy = transport::proxy_config{"127.0.0.1", proxy.port(), ""};
        o.no_proxy = "example.com, 127.0.0.1";
        connection_pool pool{ioc.get_executor(), o};
        CHECK(run_coro(ioc, pool.exchange(server.origin(), get(), in())).status == 200);
    }
    SECTION("a plain-http origin") {
        test_server server;
        transport::pool_options o;
        o.proxy = transport::proxy_config{"127.0.0.1", proxy.port(), ""};
        connection_pool pool{ioc.get_executor(), o};
        CHECK(run_coro(ioc, pool.exchange(server.origin(), get(), in())).status == 200);
    }
    CHECK(proxy.tunnels() == 0);
}
