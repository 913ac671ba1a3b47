#pragma once
// Runs a coroutine to completion on an io_context with a hard timeout, rethrowing its exception.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

namespace paced::test {

template <class T>
T run_coro(boost::asio::io_context& ioc, boost::asio::awaitable<T> coro,
           std::chrono::steady_clock::duration timeout = std::chrono::seconds(60)) {
    std::exception_ptr failure;
    std::optional<T> value;
    bool done = false;
    boost::asio::co_spawn(ioc, std::move(coro), [&](std::exception_ptr e, T v) {
        failure = e;
        if (!e)
            value.emplace(std::move(v));
        done = true;
        ioc.stop(); // idle pools and timers may keep the context busy; the test is over
    });
    ioc.restart();
    ioc.run_for(timeout);
    if (!done)
        throw std::runtime_error("run_coro: coroutine did not finish before the test timeout");
    if (failure)
        std::rethrow_exception(failure);
    return std::move(*value);
}

inline void run_coro(boost::asio::io_context& ioc, boost::asio::awaitable<void> coro,
                     std::chrono::steady_clock::duration timeout = std::chrono::seconds(60)) {
    std::exception_ptr failure;
    bool done = false;
    boost::asio::co_spawn(ioc, std::move(coro), [&](std::exception_ptr e) {
        failure = e;
        done = true;
        ioc.stop();
    });
    ioc.restart();
    ioc.run_for(timeout);
    if (!done)
        throw std::runtime_error("run_coro: coroutine did not finish before the test timeout");
    if (failure)
        std::rethrow_exception(failure);
}

} // namespace paced::test
