#pragma once
// What following any server-side object to its end shares (an Assistants run, a Responses response):
// the coroutines that perform the sans-io follow machine's steps around the object's own ones. The
// object's driver derives from `follower<Driver, Result>` and provides, as plain functions returning
// awaitables (so that each step has a frame of its own, sized to what it holds while it waits):
//   void prepare();                                         checks before the first step
//   bool named() const;                                     the object exists and can be cancelled
//   request_options const& requests() const;                the options of the caller's requests
//   void drop_current();                                    frees the object's last state (waits)
// and may provide, to wait for an event instead of a timer before a retrieval (a webhook):
//   bool waits_for_completion() const;  awaitable<void> wait_for_completion();
//   awaitable<detail::api_response> begin_retrieve(request_options const&);
//   void take_retrieved(detail::api_response const&);       sets next_ from the machine
//   awaitable<void> run_step();                             create, streams, tools, submissions...
//   awaitable<void> fetch_reply();                          sets next_ (on_reply_fetched)
//   awaitable<void> cancel_on_server();                     shielded; failures ignored
//   [[noreturn]] void throw_failure(std::exception_ptr const& cancelled) const;
//   Result take_result();

#include <paced/error.hpp>
#include <paced/request_options.hpp>

#include "core/client_impl.hpp"
#include "core/join.hpp"
#include "core/plain_allocator.hpp"
#include "sansio/follow_machine.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace paced::detail {

/** Runs every call of a round concurrently with `handler`; all outputs in order, or errc::tool_failed
 * naming the call (`describe(call)`) and what its handler threw. */
template <class Call, class Handler, class Describe>
boost::asio::awaitable<std::vector<std::string>> answer_calls(std::vector<Call const*> const& calls,
                                                              Handler const& handler, Describe describe) {
    std::vector<std::function<boost::asio::awaitable<std::string>()>> tasks;
    for (auto const* call : calls)
        tasks.push_back([&handler, call]() { return handler(*call); });
    auto results = co_await join_all(std::move(tasks));
    std::vector<std::string> outputs;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i].failure) {
            std::string what = "unknown exception";
            try {
                std::rethrow_exception(results[i].failure);
            } catch (std::exception const& e) {
                what = e.what();
            } catch (...) {
            }
            throw_error(errc::tool_failed, "tool call " + describe(*calls[i]) + " failed: " + what);
        }
        outputs.push_back(std::move(*results[i].value));
    }
    co_return outputs;
}

/// Runs `send()` (an awaitable<void> factory) shielded from the cancellation tearing the caller down;
/// a paced::error is swallowed: the object may have ended meanwhile, and the failure that led to the
/// cancel matters more.
template <class Send>
boost::asio::awaitable<void> send_shielded(Send send) {
    co_await boost::asio::this_coro::reset_cancellation_state();
    auto ex = co_await boost::asio::this_coro::executor;
    try {
        co_await boost::asio::co_spawn(
            ex, [&]() -> boost::asio::awaitable<void> { co_await send(); },
            boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot{},
                                                boost::asio::use_awaitable));
    } catch (paced::error const&) {
    }
}

template <class Driver, class Result>
class follower {
public:
    /** Follows the object to its end and returns it. The one coroutine of a follow that holds a whole
     * object (its result slot), so it keeps nothing else: the object's steps are in drive(), and the rare
     * endings (the reply, a cancel sent to the server, the failure thrown) in conclude(), a frame that
     * exists only once the object's course is decided. */
    static boost::asio::awaitable<Result> follow_owned(std::unique_ptr<Driver> self) {
        co_await boost::asio::this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
        self->prepare();
        self->next_ = self->machine_.start();
        std::exception_ptr cancelled;
        try {
            co_await self->follow_main();
        } catch (boost::system::system_error const& e) {
            if (e.code() != boost::asio::error::operation_aborted)
                throw;
            cancelled = std::current_exception(); // the caller cancelled us
            self->next_ = self->machine_.on_caller_cancelled(self->named());
        }
        if (self->next_.step != sansio::follow_step::finish)
            co_await self->conclude(cancelled);
        co_return self->take_result();
    }

protected:
    follower(sansio::follow_config const& config, std::optional<std::chrono::milliseconds> deadline)
        : machine_(config), deadline_(deadline) {}

    /// By default a retrieval waits on the timer for the machine's wait (a driver hides these two).
    bool waits_for_completion() const noexcept { return false; }
    boost::asio::awaitable<void> wait_for_completion() { co_return; }

    sansio::follow_machine machine_;
    sansio::follow_action next_; // the machine's last answer: the step in progress, or the one to come
    std::optional<std::chrono::milliseconds> deadline_;

private:
    Driver& driver() noexcept { return static_cast<Driver&>(*this); }

    /// Not a coroutine: drive() is the frame that follows the object, with or without a deadline.
    boost::asio::awaitable<void> follow_main() {
        if (deadline_)
            return follow_with_deadline();
        return drive();
    }

    boost::asio::awaitable<void> follow_with_deadline() {
        using namespace boost::asio::experimental::awaitable_operators;
        boost::asio::steady_timer deadline(co_await boost::asio::this_coro::executor, *deadline_);
        auto outcome = co_await (drive() || deadline.async_wait(boost::asio::use_awaitable));
        if (outcome.index() != 0)
            next_ = machine_.on_deadline(driver().named()); // the step in progress is gone
    }

    /** Performs the machine's steps until the object's course is decided. One frame for the whole follow,
     * which every object between two polls holds: the waits and retrievals are awaited here, not in
     * frames of their own, and the object's state is dropped while waiting. */
    boost::asio::awaitable<void> drive() {
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        request_options polls = driver().requests();
        polls.metadata = nullptr; // the caller's metadata describes the creation, not the polls
        while (!sansio::is_ending(next_.step)) {
            if (next_.step != sansio::follow_step::retrieve) {
                co_await driver().run_step();
                continue;
            }
            driver().drop_current(); // not held while waiting, nor while queued for the budget
            if (driver().waits_for_completion()) {
                co_await driver().wait_for_completion(); // an event says when to look, not the timer
            } else if (next_.wait.count() > 0) {
                timer.expires_after(next_.wait);
                // Thousands of objects may wait here at once: the wait's operation gets its exact size.
                co_await timer.async_wait(
                    boost::asio::bind_allocator(plain_allocator<void>(), boost::asio::use_awaitable));
            }
            // A retrieval in place of a lost stream answers to the caller's options, as the stream would.
            auto answer = driver().begin_retrieve(next_.replaces_stream ? driver().requests() : polls);
            auto resp = co_await std::move(answer);
            driver().take_retrieved(resp);
        }
    }

    /// The end of an object whose course is decided: fetches the reply, cancels the object on the server,
    /// throws the failure. Outside the deadline: the object has ended, or is being given up.
    boost::asio::awaitable<void> conclude(std::exception_ptr cancelled) {
        for (;;) {
            switch (next_.step) {
            case sansio::follow_step::finish:
                co_return;
            case sansio::follow_step::fetch_reply:
                co_await driver().fetch_reply();
                break;
            case sansio::follow_step::cancel_on_server:
                co_await driver().cancel_on_server();
                next_ = machine_.on_cancel_sent();
                break;
            case sansio::follow_step::fail:
                driver().throw_failure(cancelled);
            default:
                throw std::logic_error("follow: step " + std::to_string(static_cast<int>(next_.step)) +
                                       " is not an ending step");
            }
        }
    }
};

} // namespace paced::detail
