#pragma once
// How a coroutine waits in a pacing queue (budget or semaphore), shared by both.
//
// A waiter is a node in its owner's FIFO queue that holds the suspended coroutine's completion handler.
// The owner completes it (posted to the waiter's own executor, never inline, so that nothing resumes
// inside the owner's lock). A cancellation delivered through the coroutine's cancellation slot asks the
// owner to take the node out of its queue. Cancellation and completion may race (thread-safe owners):
// the node records the request, and the coroutine, once resumed, gives back what it was granted.
//
// The slot handler is installed once, in the coroutine's own context, and never touched by the owner,
// whose methods may run on other threads: Asio's slots are not thread-safe. A stale handler (its node
// already granted) finds nothing to do; the coroutine's next operation replaces it.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <paced/pacing/budget.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paced::pacing {

/// "model 'gpt-4o', endpoint 'files'": how both budgets' errors name the scope a waiter waited in.
inline std::string describe_scope(budget_scope const& scope) {
    std::string s = "model '" + scope.model + "'";
    if (!scope.endpoint.empty())
        s += ", endpoint '" + scope.endpoint + "'";
    return s;
}

/// One budget's per-minute limits as the budgets' errors name them (0: not limited), with what it is:
/// "global", "model" or "endpoint".
struct per_minute_limits {
    std::string_view budget;
    double requests = 0;
    double tokens = 0;
};

/// Both budgets' request_too_large message: the cost, the scope, and the limits of every budget it draws
/// from (the one it can never fit among them).
inline std::string too_large_message(budget_scope const& scope, budget_cost cost,
                                     std::vector<per_minute_limits> const& budgets) {
    std::string m = "budget: a request of " + std::to_string(cost.requests) + " request(s) and " +
                    std::to_string(cost.tokens) + " token(s) can never fit the per-minute limits of " +
                    describe_scope(scope);
    for (auto const& l : budgets) {
        if (l.requests > 0)
            m += "; " + std::string{l.budget} + " requests/min " + std::to_string(l.requests);
        if (l.tokens > 0)
            m += "; " + std::string{l.budget} + " tokens/min " + std::to_string(l.tokens);
    }
    return m;
}

using completion_handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

/// One suspended coroutine in a queue. Shared by the coroutine and, while queued, by the queue.
struct waiter {
    /// Optional and emplaced: Boost 1.81's any_completion_handler move assignment recurses without end.
    std::optional<completion_handler> handler;
    /// The waiter's executor with outstanding work tracked: its io_context keeps running while we wait.
    boost::asio::any_io_executor executor;
    /// Set by the cancellation slot handler (any thread); read by the resumed coroutine.
    std::atomic<bool> cancel_requested{false};
    /// In its owner's queue; guarded by the owner's lock.
    bool queued = false;

    /// Resumes the coroutine with `ec`, through its executor (never inline).
    void complete(boost::system::error_code ec) {
        queued = false;
        auto ex = std::move(executor);
        // A lambda that owns the handler rather than asio::append: in Boost 1.81, append hands the
        // any_completion_handler on as an lvalue, which any_completion_handler then wraps in itself
        // without end.
        boost::asio::post(ex, [h = std::move(*handler), ec]() mutable { std::move(h)(ec); });
        handler.reset();
    }
};

/// A mutex that locks only when the object was made thread-safe.
class optional_mutex {
public:
    explicit optional_mutex(bool enabled) : enabled_(enabled) {}
    std::unique_lock<std::mutex> lock() const {
        return enabled_ ? std::unique_lock<std::mutex>(mutex_) : std::unique_lock<std::mutex>();
    }
    bool enabled() const noexcept { return enabled_; }

private:
    bool enabled_;
    mutable std::mutex mutex_;
};

/// The cancellation slot handler: forwards terminal, partial and total cancellation to the owner.
template <class Owner, class Node>
struct cancel_forwarder {
    std::weak_ptr<Owner> owner;
    std::weak_ptr<Node> node;

    cancel_forwarder(std::weak_ptr<Owner> o, std::weak_ptr<Node> n)
        : owner(std::move(o)), node(std::move(n)) {}

    void operator()(boost::asio::cancellation_type_t type) {
        if (type == boost::asio::cancellation_type::none)
            return;
        auto n = node.lock();
        if (!n)
            return;
        n->cancel_requested.store(true);
        if (auto o = owner.lock())
            o->cancel(n);
    }
};

/** Suspends the calling coroutine until the owner completes `node`.
 *
 * `enqueue()` runs once the node holds the handler and the slot handler is installed; it must put the
 * node into the owner's queue (or complete it at once). The owner must provide `cancel(shared_ptr<Node>)`.
 */
template <class Owner, class Node, class Enqueue>
boost::asio::awaitable<boost::system::error_code>
suspend(std::shared_ptr<Owner> const& owner, std::shared_ptr<Node> const& node,
        boost::asio::any_io_executor const& fallback, Enqueue const& enqueue) {
    boost::system::error_code ec;
    auto token = boost::asio::redirect_error(boost::asio::use_awaitable, ec);
    co_await boost::asio::async_initiate<decltype(token), void(boost::system::error_code)>(
        [&](auto handler) {
            auto slot = boost::asio::get_associated_cancellation_slot(handler);
            node->executor = boost::asio::prefer(boost::asio::get_associated_executor(handler, fallback),
                                                 boost::asio::execution::outstanding_work.tracked);
            node->handler.emplace(std::move(handler));
            if (slot.is_connected())
                slot.template emplace<cancel_forwarder<Owner, Node>>(owner, node);
            enqueue();
        },
        token);
    co_return ec;
}

} // namespace paced::pacing
