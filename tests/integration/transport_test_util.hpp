#pragma once
// Shared helpers of the transport integration tests.

#include "common/run_coro.hpp"
#include "common/test_certs.hpp"
#include "common/test_server.hpp"
#include "transport/connection_pool.hpp"

#include <paced/error.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <chrono>

namespace paced::test::transport_tests {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

inline transport::request get(std::string target = "/") {
    transport::request r;
    r.target = std::move(target);
    return r;
}

inline steady_clock::time_point in(std::chrono::milliseconds d = 30s) {
    return steady_clock::now() + d;
}

inline transport::pool_options trusting_options() {
    transport::pool_options o;
    o.ca_file = certs().ca_cert.string();
    return o;
}

/// The errc of a paced::error thrown by `f` (fails the test when nothing or something else is thrown).
template <class F>
boost::system::error_code error_of(F&& f, std::string* message = nullptr) {
    try {
        f();
    } catch (paced::error const& e) {
        if (message)
            *message = e.what();
        return e.code();
    }
    FAIL("no paced::error was thrown");
    return {};
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t{co_await asio::this_coro::executor, d};
    co_await t.async_wait(asio::use_awaitable);
}

} // namespace paced::test::transport_tests
