#include "redis_server.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <netinet/in.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace paced::test {

namespace {

// When PATH is set, only PATH is searched (as by `command -v` in tests/tools/paced_batch_test.sh), so that
// a PATH without redis-server makes the Redis tests skip: that is how their skipping is tried out.
std::string find_binary() {
    if (char const* path = std::getenv("PATH")) {
        std::string p = path;
        std::size_t start = 0;
        while (start <= p.size()) {
            auto end = p.find(':', start);
            if (end == std::string::npos)
                end = p.size();
            auto candidate = std::filesystem::path(p.substr(start, end - start)) / "redis-server";
            if (end > start && ::access(candidate.c_str(), X_OK) == 0)
                return candidate.string();
            start = end + 1;
        }
        return {};
    }
    if (::access("/usr/bin/redis-server", X_OK) == 0)
        return "/usr/bin/redis-server";
    return {};
}

std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd >= 0)
            ::close(fd);
        throw std::runtime_error(std::string("redis_server: no free port: ") + std::strerror(errno));
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

int connect_to(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

// A minimal RESP reader over a blocking socket.
class reader {
public:
    explicit reader(int fd) : fd_(fd) {}

    std::string line() {
        for (;;) {
            auto pos = buf_.find("\r\n");
            if (pos != std::string::npos) {
                auto l = buf_.substr(0, pos);
                buf_.erase(0, pos + 2);
                return l;
            }
            fill();
        }
    }

    std::string bytes(std::size_t n) {
        while (buf_.size() < n + 2)
            fill();
        auto b = buf_.substr(0, n);
        buf_.erase(0, n + 2);
        return b;
    }

    std::string reply() {
        auto l = line();
        if (l.empty())
            throw std::runtime_error("redis_server: empty reply line");
        switch (l[0]) {
        case '+':
        case ':':
            return l.substr(1);
        case '-':
            return l.substr(1);
        case '$': {
            auto n = std::stol(l.substr(1));
            return n < 0 ? std::string{"(nil)"} : bytes(static_cast<std::size_t>(n));
        }
        case '*': {
            auto n = std::stol(l.substr(1));
            std::string joined;
            for (long i = 0; i < n; ++i)
                joined += (i ? " " : "") + reply();
            return n < 0 ? std::string{"(nil)"} : joined;
        }
        default:
            throw std::runtime_error("redis_server: unexpected reply: " + l);
        }
    }

private:
    void fill() {
        char tmp[4096];
        auto n = ::read(fd_, tmp, sizeof tmp);
        if (n <= 0)
            throw std::runtime_error("redis_server: connection closed while reading a reply");
        buf_.append(tmp, static_cast<std::size_t>(n));
    }
    int fd_;
    std::string buf_;
};

std::string encode(std::vector<std::string> const& args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (auto const& a : args)
        out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

void write_all(int fd, std::string const& s) {
    std::size_t done = 0;
    while (done < s.size()) {
        auto n = ::write(fd, s.data() + done, s.size() - done);
        if (n <= 0)
            throw std::runtime_error("redis_server: write failed");
        done += static_cast<std::size_t>(n);
    }
}

} // namespace

bool redis_server::available() {
    return !find_binary().empty();
}

redis_server::redis_server(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
    char tmpl[] = "/tmp/paced-redis-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
        throw std::runtime_error(std::string("redis_server: mkdtemp: ") + std::strerror(errno));
    dir_ = tmpl;
    port_ = free_port();
    try {
        start();
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        throw;
    }
}

redis_server::~redis_server() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string redis_server::url(unsigned db) const {
    return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

void redis_server::spawn() {
    auto const binary = find_binary();
    if (binary.empty())
        throw std::runtime_error("redis_server: redis-server not found on PATH");
    std::vector<std::string> args{binary,   "--port",       std::to_string(port_),
                                  "--bind", "127.0.0.1",    "--save",
                                  "",       "--appendonly", "no",
                                  "--dir",  dir_,           "--daemonize",
                                  "no",     "--logfile",    dir_ + "/redis.log"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    // Its output goes to its log file; its stdout must not hold the test's own pipes open.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    int const rc = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        throw std::runtime_error("redis_server: cannot start " + binary + ": " + std::strerror(rc));
    pid_ = pid;
}

void redis_server::start() {
    if (pid_ > 0)
        return;
    spawn();
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("redis_server: redis-server exited at start (port " +
                                     std::to_string(port_) + "; see its log in " + dir_ + ")");
        }
        if (int fd = connect_to(port_); fd >= 0) {
            ::close(fd);
            try {
                // The password, when required, answers NOAUTH: the server is up either way.
                auto r = command({"PING"});
                if (r == "PONG" || r.starts_with("NOAUTH"))
                    return;
            } catch (std::exception const&) {
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("redis_server: redis-server did not answer PING within 20 s");
}

void redis_server::stop() {
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::string redis_server::command(std::vector<std::string> const& args, std::string const& auth) const {
    int fd = connect_to(port_);
    if (fd < 0)
        throw std::runtime_error("redis_server: cannot connect to port " + std::to_string(port_));
    try {
        reader r{fd};
        if (!auth.empty()) {
            write_all(fd, encode({"AUTH", auth}));
            (void)r.reply();
        }
        write_all(fd, encode(args));
        auto out = r.reply();
        ::close(fd);
        return out;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

} // namespace paced::test
