#pragma once
// Runs several coroutines concurrently and waits for all of them (results in input order).
// The children share their state through a shared_ptr, so the parent may be cancelled and leave
// first: it then cancels the children (terminal) and they finish on their own.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace paced::detail {

template <class T>
struct join_result {
    std::optional<T> value;
    std::exception_ptr failure;
};

template <class T>
boost::asio::awaitable<std::vector<join_result<T>>>
join_all(std::vector<std::function<boost::asio::awaitable<T>()>> tasks) {
    namespace asio = boost::asio;
    auto ex = co_await asio::this_coro::executor;
    struct state {
        explicit state(asio::any_io_executor ex, std::size_t n)
            : results(n), signals(n), pending(n), done(ex, asio::steady_timer::time_point::max()) {}
        std::vector<join_result<T>> results;
        std::vector<asio::cancellation_signal> signals;
        std::size_t pending;
        asio::steady_timer done; // a timer used as a condition variable: cancelled when the last child ends
    };
    auto st = std::make_shared<state>(ex, tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        asio::co_spawn(
            ex, std::move(tasks[i]),
            asio::bind_cancellation_slot(st->signals[i].slot(), [st, i](std::exception_ptr e, T v) {
                if (e)
                    st->results[i].failure = e;
                else
                    st->results[i].value.emplace(std::move(v));
                if (--st->pending == 0)
                    st->done.cancel();
            }));
    }
    if (st->pending > 0) {
        boost::system::error_code ec;
        try {
            co_await st->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        } catch (...) {
            for (auto& s : st->signals)
                s.emit(asio::cancellation_type::terminal);
            throw;
        }
        // The wait ends either because the last child finished (cancel on the timer) or because the
        // parent was cancelled: in the second case stop the children and report the cancellation.
        if (st->pending > 0) {
            for (auto& s : st->signals)
                s.emit(asio::cancellation_type::terminal);
            throw boost::system::system_error(asio::error::operation_aborted);
        }
    }
    co_return std::move(st->results);
}

} // namespace paced::detail
