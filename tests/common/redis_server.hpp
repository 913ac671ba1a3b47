#pragma once
// Starts redis-server as a child process for a test, on a free loopback port, and stops it afterwards.

#include "test_skip.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace paced::test {

/**
 * @brief A running redis-server (from PATH; from /usr/bin when PATH is unset, as execvp does) on 127.0.0.1
 * and a free port, without persistence (`--save "" --appendonly no`), in its own temporary directory.
 *
 * It can be stopped and started again on the same port (a restart loses every key, as a real restart of
 * a cache without persistence does). The destructor stops it and removes the directory.
 * @par Errors
 * The constructor and `start` throw std::runtime_error when the binary is missing or never answers PING.
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class redis_server {
public:
    /// Starts the server with `extra_args` (e.g. {"--requirepass", "secret"}).
    explicit redis_server(std::vector<std::string> extra_args = {});
    ~redis_server();
    redis_server(redis_server const&) = delete;
    redis_server& operator=(redis_server const&) = delete;

    /// Whether a redis-server binary can be found (tests that need one skip otherwise:
    /// PACED_SKIP_WITHOUT_REDIS).
    static bool available();

    std::uint16_t port() const { return port_; }
    /// "redis://127.0.0.1:PORT/db".
    std::string url(unsigned db = 0) const;
    bool running() const { return pid_ > 0; }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s). No-op when stopped.
    void stop();
    /// Starts it again on the same port and waits until it answers PING.
    void start();

    /**
     * @brief Sends one command over a fresh blocking connection and returns the reply as text: simple and
     * bulk strings as they are, integers in decimal, nil as "(nil)", errors as "ERR ...", arrays as their
     * elements joined by spaces. `auth` is sent first when not empty.
     */
    std::string command(std::vector<std::string> const& args, std::string const& auth = {}) const;

private:
    void spawn();
    std::vector<std::string> extra_args_;
    std::string dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

} // namespace paced::test

/// Ends the current test case, reported to ctest as skipped, when no redis-server is on PATH. For a test
/// case's body (it returns).
#define PACED_SKIP_WITHOUT_REDIS()                                                                           \
    do {                                                                                                     \
        if (!::paced::test::redis_server::available())                                                       \
            PACED_SKIP("redis-server not found on PATH");                                                    \
    } while (false)
