#pragma once
// A program started by a test as a separate process (workers, noisy neighbours), its output in a file.

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace paced::test {

/**
 * @brief A child process running `program args...` with stdout and stderr written to `log_path`.
 *
 * The destructor kills (SIGKILL) and reaps it if it still runs, so a failed test leaves no process behind.
 * @par Errors
 * The constructor throws std::runtime_error when the program cannot be started.
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class child_process {
public:
    child_process(std::string program, std::vector<std::string> args, std::string log_path);
    ~child_process();
    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&&) = delete;
    child_process(child_process const&) = delete;
    child_process& operator=(child_process const&) = delete;

    /** @brief Sends `signal_number` (e.g. SIGINT) if the process still runs. */
    void signal(int signal_number) const;
    /** @brief Waits until it exits; its exit code, or -1 when it was killed by a signal or had to be
     * killed at `deadline`. */
    int wait_until(std::chrono::steady_clock::time_point deadline);
    /** @brief Everything it has written so far. */
    std::string output() const;

private:
    pid_t pid_ = -1;
    std::string log_path_;
};

} // namespace paced::test
