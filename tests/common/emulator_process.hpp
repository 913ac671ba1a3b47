#pragma once
// Starts paced-emulator as a child process for a test and stops it afterwards.

#include <paced/client_options.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <sys/types.h>
#include <vector>

namespace paced::test {

/**
 * @brief A running paced-emulator (the binary at PACED_EMULATOR_PATH) on a free loopback port.
 *
 * The constructor spawns it with `--port 0` plus `extra_flags` and waits for its
 * "listening on URL" line; the destructor sends SIGTERM and reaps it (SIGKILL after 5 s).
 * @par Errors
 * The constructor throws std::runtime_error when the binary cannot be started or never announces its URL.
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class emulator_process {
public:
    explicit emulator_process(const std::vector<std::string>& extra_flags = {});
    ~emulator_process();
    emulator_process(const emulator_process&) = delete;
    emulator_process& operator=(const emulator_process&) = delete;

    /** @brief "http://127.0.0.1:PORT" */
    const std::string& url() const { return url_; }
    /** @brief url() + "/v1", what OPENAI_BASE_URL would be. */
    std::string base_url() const { return url_ + "/v1"; }
    pid_t pid() const { return pid_; }
    /** @brief GET /v1/emulator/stats, parsed. */
    boost::json::value stats() const;
    /** @brief POST /v1/emulator/reset. */
    void reset() const;

    /**
     * @brief Runs the emulator with `flags` to completion (for command-line tests) and returns its exit
     * code; its stdout and stderr go to `output` when given. Gives up (SIGKILL, returns -1) after 10 s.
     */
    static int run_to_exit(const std::vector<std::string>& flags, std::string* output = nullptr);

private:
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    std::string url_;
};

/// Options of a client of `emu`: its base URL and a test key, every other option its default.
inline paced::client_options options_for(emulator_process const& emu) {
    paced::client_options o;
    o.api_key = "sk-test-key-0123456789";
    o.base_url = emu.base_url();
    return o;
}

} // namespace paced::test
