#include "pooled_threads.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <random>

namespace asio = boost::asio;

namespace paced::batch_tool {

namespace {
/// How often the pool looks at the budget again while files wait for a thread and it did not grow.
constexpr auto recheck_interval = std::chrono::milliseconds(50);
} // namespace

/// A file waiting for a thread: woken by cancelling its timer once `thread_id` or `failure` is set.
struct pooled_threads::waiter {
    explicit waiter(asio::any_io_executor ex) : wake(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer wake;
    std::optional<std::string> thread_id;
    std::uint64_t creation_requests = 0;
    std::exception_ptr failure;
    bool gone = false; ///< its caller was cancelled
};

pooled_threads::lease::lease(lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), thread_id_(std::move(other.thread_id_)),
      creation_requests_(other.creation_requests_) {}

pooled_threads::lease& pooled_threads::lease::operator=(lease&& other) noexcept {
    if (this != &other) {
        if (pool_)
            pool_->give(std::move(thread_id_), 0);
        pool_ = std::exchange(other.pool_, nullptr);
        thread_id_ = std::move(other.thread_id_);
        creation_requests_ = other.creation_requests_;
    }
    return *this;
}

pooled_threads::lease::~lease() {
    if (pool_)
        pool_->give(std::move(thread_id_), 0);
}

void pooled_threads::lease::retire() noexcept {
    if (pool_)
        std::exchange(pool_, nullptr)->retire_one();
}

pooled_threads::pooled_threads(paced::client& client, std::size_t max_size,
                               std::function<bool()> runs_have_room)
    : client_(client), max_size_(max_size == 0 ? 1 : max_size), runs_have_room_(std::move(runs_have_room)),
      recheck_(client.get_executor()) {
    char id[17];
    std::snprintf(id, sizeof id, "%016llx",
                  static_cast<unsigned long long>(std::random_device{}()) << 32 | std::random_device{}());
    pool_id_ = id;
}

asio::awaitable<pooled_threads::lease> pooled_threads::acquire() {
    if (!idle_.empty()) {
        auto id = std::move(idle_.back());
        idle_.pop_back();
        co_return lease{this, std::move(id), 0};
    }
    auto w = std::make_shared<waiter>(co_await asio::this_coro::executor);
    waiters_.push_back(w);
    maybe_grow();
    boost::system::error_code ec;
    co_await w->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (w->thread_id)
        co_return lease{this, std::move(*w->thread_id), w->creation_requests};
    if (w->failure)
        std::rethrow_exception(w->failure);
    w->gone = true; // our caller was cancelled: give() passes us over
    throw boost::system::system_error(asio::error::operation_aborted);
}

void pooled_threads::give(std::string thread_id, std::uint64_t creation_requests) {
    while (!waiters_.empty()) {
        auto w = std::move(waiters_.front());
        waiters_.pop_front();
        if (w->gone)
            continue;
        w->thread_id = std::move(thread_id);
        w->creation_requests = creation_requests;
        w->wake.cancel();
        return;
    }
    idle_.push_back(std::move(thread_id));
}

void pooled_threads::retire_one() {
    --live_;
    maybe_grow(); // a file may be waiting for the thread that will not come back
}

bool pooled_threads::anyone_waiting() {
    while (!waiters_.empty() && waiters_.front()->gone)
        waiters_.pop_front();
    return !waiters_.empty();
}

void pooled_threads::maybe_grow() {
    if (creating_ || live_ >= max_size_ || !anyone_waiting())
        return;
    if (!runs_have_room_()) {
        // The budget is the bottleneck now; it may not be once the queued requests are admitted, while
        // the files still wait for threads: look again shortly.
        if (!recheck_armed_) {
            recheck_armed_ = true;
            recheck_.expires_after(recheck_interval);
            recheck_.async_wait([this](boost::system::error_code ec) {
                recheck_armed_ = false;
                if (!ec)
                    maybe_grow();
            });
        }
        return;
    }
    creating_ = true;
    ++live_;
    ++created_;
    asio::co_spawn(client_.get_executor(), create_one(), asio::detached);
}

asio::awaitable<void> pooled_threads::create_one() {
    std::uint64_t attempts = 0;
    std::exception_ptr failure;
    try {
        paced::thread_create_params params;
        params.metadata.emplace("paced_batch_pool", pool_id_ + "-" + std::to_string(created_));
        paced::request_options counted{.attempts = &attempts};
        auto t = co_await client_.threads().create(params, counted);
        creating_ = false;
        give(std::move(t.id), attempts);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        creating_ = false;
        --live_;
        // Trying again at once could fail again at once, a request each time: the pool keeps the size
        // it has, and the files wait for its threads.
        if (live_ > 0)
            max_size_ = live_;
        if (live_ == 0) {
            // No thread will come back to the files waiting: they fail with the creation's error.
            auto waiting = std::move(waiters_);
            waiters_.clear();
            for (auto& w : waiting) {
                w->failure = failure;
                w->wake.cancel();
            }
        }
    }
    maybe_grow();
}

} // namespace paced::batch_tool
