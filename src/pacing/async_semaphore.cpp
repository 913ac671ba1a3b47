// The counting async semaphore: a FIFO queue of waiting coroutines; a release hands the unit straight
// to the first waiter, so that a late try_acquire cannot steal it.

#include <paced/pacing/async_semaphore.hpp>

#include "pacing/waiter.hpp"

#include <paced/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>

#include <list>

namespace asio = boost::asio;

namespace paced::detail {

namespace {

struct semaphore_waiter : pacing::waiter {
    std::list<std::shared_ptr<semaphore_waiter>>::iterator position;
};

} // namespace

class semaphore_impl : public std::enable_shared_from_this<semaphore_impl> {
public:
    semaphore_impl(std::size_t permits, bool thread_safe)
        : capacity_(permits), available_(permits), mutex_(thread_safe) {}

    static async_semaphore::permit make_permit(std::shared_ptr<semaphore_impl> impl) noexcept {
        return async_semaphore::permit(std::move(impl));
    }

    bool try_take() {
        auto lock = mutex_.lock();
        if (available_ == 0 || !waiters_.empty())
            return false;
        --available_;
        return true;
    }

    void enqueue(std::shared_ptr<semaphore_waiter> const& node) {
        auto lock = mutex_.lock();
        if (closed_ || node->cancel_requested.load()) {
            node->complete(asio::error::operation_aborted);
            return;
        }
        if (available_ > 0 && waiters_.empty()) { // released since the caller looked
            --available_;
            node->complete({});
            return;
        }
        node->position = waiters_.insert(waiters_.end(), node);
        node->queued = true;
    }

    void cancel(std::shared_ptr<semaphore_waiter> const& node) {
        auto lock = mutex_.lock();
        if (!node->queued)
            return; // granted already: the resumed coroutine passes the unit on
        waiters_.erase(node->position);
        node->complete(asio::error::operation_aborted);
    }

    void release() noexcept {
        auto lock = mutex_.lock();
        if (waiters_.empty()) {
            ++available_;
            return;
        }
        auto node = std::move(waiters_.front());
        waiters_.pop_front();
        node->complete({}); // the unit changes hands without becoming available
    }

    void close() {
        auto lock = mutex_.lock();
        closed_ = true;
        while (!waiters_.empty()) {
            auto node = std::move(waiters_.front());
            waiters_.pop_front();
            node->complete(asio::error::operation_aborted);
        }
    }

    std::size_t available() const {
        auto lock = mutex_.lock();
        return available_;
    }
    std::size_t waiters() const {
        auto lock = mutex_.lock();
        return waiters_.size();
    }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    std::size_t const capacity_;
    std::size_t available_;
    pacing::optional_mutex mutex_;
    bool closed_ = false;
    std::list<std::shared_ptr<semaphore_waiter>> waiters_;
};

namespace {

asio::awaitable<async_semaphore::permit> acquire_in(std::shared_ptr<semaphore_impl> impl) {
    if (impl->try_take())
        co_return semaphore_impl::make_permit(std::move(impl));
    auto node = std::make_shared<semaphore_waiter>();
    auto const ex = co_await asio::this_coro::executor;
    auto const ec = co_await pacing::suspend(impl, node, ex, [&] { impl->enqueue(node); });
    if (ec)
        throw boost::system::system_error(ec, "semaphore acquire");
    auto granted = semaphore_impl::make_permit(impl);
    if (node->cancel_requested.load()) // granted as it was cancelled: `granted` passes the unit on
        throw boost::system::system_error(asio::error::operation_aborted, "semaphore acquire");
    co_return granted;
}

} // namespace

} // namespace paced::detail

namespace paced {

async_semaphore::permit& async_semaphore::permit::operator=(permit&& other) noexcept {
    if (this != &other) {
        release();
        impl_ = std::move(other.impl_);
    }
    return *this;
}

async_semaphore::permit::~permit() {
    release();
}

void async_semaphore::permit::release() noexcept {
    if (auto impl = std::move(impl_))
        impl->release();
}

async_semaphore::async_semaphore(std::size_t permits, semaphore_options options) {
    if (permits == 0)
        throw_error(errc::invalid_argument, "async_semaphore: the number of permits must be > 0");
    impl_ = std::make_shared<detail::semaphore_impl>(permits, options.thread_safe);
}

async_semaphore::~async_semaphore() {
    impl_->close();
}

boost::asio::awaitable<async_semaphore::permit> async_semaphore::acquire() {
    return detail::acquire_in(impl_);
}

async_semaphore::permit async_semaphore::try_acquire() {
    if (impl_->try_take())
        return detail::semaphore_impl::make_permit(impl_);
    return permit{};
}

std::size_t async_semaphore::available() const {
    return impl_->available();
}

std::size_t async_semaphore::waiters() const {
    return impl_->waiters();
}

std::size_t async_semaphore::capacity() const noexcept {
    return impl_->capacity();
}

} // namespace paced
