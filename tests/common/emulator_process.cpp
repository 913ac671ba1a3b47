#include "emulator_process.hpp"

#include "raw_http.hpp"

#include <boost/beast/http/verb.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

#ifndef PACED_EMULATOR_PATH
#define PACED_EMULATOR_PATH "paced-emulator"
#endif

namespace paced::test {

namespace {

// Spawns the emulator with stdout (and, when merge_stderr, stderr) on a pipe; returns pid and read end.
std::pair<pid_t, int> spawn(const std::vector<std::string>& flags, bool merge_stderr) {
    int fds[2];
    if (::pipe(fds) != 0)
        throw std::runtime_error(std::string("emulator_process: pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    if (merge_stderr)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::vector<std::string> args{PACED_EMULATOR_PATH};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, PACED_EMULATOR_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw std::runtime_error(std::string("emulator_process: cannot start " PACED_EMULATOR_PATH ": ") +
                                 std::strerror(rc));
    }
    return {pid, fds[0]};
}

// Reads what is available within `timeout`; false on end of file or timeout.
bool read_some(int fd, std::string& out, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
        return false;
    char buf[4096];
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0)
        return false;
    out.append(buf, static_cast<std::size_t>(n));
    return true;
}

void stop(pid_t pid, int sig) {
    if (pid <= 0)
        return;
    ::kill(pid, sig);
    for (int i = 0; i < 500; ++i) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
}

} // namespace

emulator_process::emulator_process(const std::vector<std::string>& extra_flags) {
    std::vector<std::string> flags{"--port", "0"};
    flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
    auto [pid, fd] = spawn(flags, false);
    pid_ = pid;
    stdout_fd_ = fd;
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        if (!read_some(stdout_fd_, text, std::chrono::milliseconds(200))) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                ::close(stdout_fd_);
                throw std::runtime_error("emulator_process: the emulator exited before listening: " + text);
            }
        }
    }
    const std::string prefix = "listening on ";
    const auto eol = text.find('\n');
    if (eol == std::string::npos || text.rfind(prefix, 0) != 0) {
        stop(pid_, SIGKILL);
        ::close(stdout_fd_);
        throw std::runtime_error("emulator_process: no 'listening on' line, got: " + text);
    }
    url_ = text.substr(prefix.size(), eol - prefix.size());
}

emulator_process::~emulator_process() {
    stop(pid_, SIGTERM);
    if (stdout_fd_ >= 0)
        ::close(stdout_fd_);
}

boost::json::value emulator_process::stats() const {
    return raw_http(url_, boost::beast::http::verb::get, "/v1/emulator/stats").json();
}

void emulator_process::reset() const {
    raw_http(url_, boost::beast::http::verb::post, "/v1/emulator/reset");
}

int emulator_process::run_to_exit(const std::vector<std::string>& flags, std::string* output) {
    auto [pid, fd] = spawn(flags, true);
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!read_some(fd, text, std::chrono::milliseconds(100))) {
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                while (read_some(fd, text, std::chrono::milliseconds(10))) {
                }
                ::close(fd);
                if (output)
                    *output = text;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
        }
    }
    ::close(fd);
    stop(pid, SIGKILL);
    if (output)
        *output = text;
    return -1;
}

} // namespace paced::test
