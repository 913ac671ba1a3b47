#pragma once
// The class behind paced::redis_budget (FIFO queues of waiting coroutines in this process, the rate rule
// in Redis), shared by the files that define it:
//   redis_budget.cpp            the public class and what any thread calls (acquire's front, observe, ...)
//   redis_budget_layout.cpp     limits, and the layout learnt from refusals and shared through Redis
//   redis_budget_queues.cpp     the waiters' queues, holding while Redis is away, ops without a waiter
//   redis_budget_connection.cpp the connection's state machine and the script calls
//
// All state lives on one strand. Per scope (model, endpoint) one queue: only its head asks Redis (one
// EVALSHA of the budget script); the answer admits it, or names the exact wait, after which the head asks
// again (a timer per queue). The connection is a small state machine: down -> connecting (resolve,
// non-blocking connect, AUTH, SELECT, SCRIPT LOAD, pipelined) -> ready; any failure (refused, lost,
// timed out, an error answer) goes back to down with a doubling, jittered backoff. While it is not ready,
// waiters hold (each at most `reconnect_deadline`) or, with the fallback policy, go to a local budget.
//
// Every callback carries the connection generation it was made for: a late answer of a connection that
// has since failed is ignored (its charge counts as spent; the waiter asks again: never unpaced).

#include <paced/pacing/redis_budget.hpp>

#include "pacing/budget_book.hpp"
#include "pacing/redis_link.hpp"
#include "pacing/redis_protocol.hpp"
#include "pacing/waiter.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace paced::detail {

namespace asio = boost::asio;
namespace rp = pacing::redis;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

struct redis_scope_queue;

struct redis_waiter : pacing::waiter {
    budget_cost cost;
    time_point enqueued{};
    bool waited = false;
    std::string message; // why it failed (budget_unavailable, request_too_large)
    redis_scope_queue* queue = nullptr;
    std::list<std::shared_ptr<redis_waiter>>::iterator position;
};

/// A timer with a generation: a wait superseded by a re-arm or disarm finds nothing to do.
struct timer_slot {
    explicit timer_slot(asio::any_io_executor const& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::uint64_t generation = 0;
    bool armed = false;
    time_point at{};
};

struct redis_scope_queue {
    redis_scope_queue(asio::any_io_executor const& ex, budget_scope s) : scope(std::move(s)), timer(ex) {}
    budget_scope scope;
    std::list<std::shared_ptr<redis_waiter>> waiters;
    timer_slot timer;                     // the head's next ask
    std::shared_ptr<redis_waiter> asking; // the head whose acquire is in flight (null: none)
};

class redis_budget_impl : public std::enable_shared_from_this<redis_budget_impl> {
public:
    redis_budget_impl(asio::any_io_executor ex, redis_budget_options opts);

    redis_budget_options const& options() const noexcept { return opts_; }
    asio::any_io_executor const& executor() const noexcept { return ex_; }
    bool connected() const noexcept { return connected_.load(); }

    std::optional<time_point> next_admission() const;
    redis_budget_counters counters() const;
    void start();
    void shutdown();

    // ---- called from any thread -------------------------------------------------------------------

    /// Throws request_too_large when the cost can never fit (no round trip needed).
    void precheck(budget_scope const& scope, budget_cost cost);
    bool fallback_now() const noexcept { return fallback_ && fallback_active_.load(); }
    bool has_fallback() const noexcept { return fallback_ != nullptr; }

    asio::awaitable<void> acquire_fallback(budget_scope const& scope, budget_cost cost);
    void post_enqueue(budget_scope const& scope, std::shared_ptr<redis_waiter> const& node);

    /// From the waiter's cancellation slot (any thread).
    void cancel(std::shared_ptr<redis_waiter> const& node);

    /// A grant that nobody will use: give it back to everybody.
    void post_refund(budget_scope const& scope, budget_cost cost);
    void adjust_tokens(budget_scope const& scope, std::int64_t delta);
    void observe(budget_scope const& scope, rate_limit_snapshot const& snapshot);
    void pause(budget_scope const& scope, nanoseconds d);

    /// What a refusal teaches (see local_budget::refused); the lesson is this process's, the cool-down
    /// everybody's.
    void refused(budget_scope const& scope, rate_limit_refusal const& refusal);

private:
    enum class link_state { down, backoff, connecting, ready };
    static redis_url check(redis_budget_options const& o);

    // ---- limits and layout (any thread; guarded by limits_mutex_) -----------------------------------

    void post_pause(budget_scope const& scope, nanoseconds d, bool lower_share);
    std::vector<pacing::budget_key> budget_keys(budget_scope const& scope) const;
    rp::scope_limits limits_for(pacing::budget_key const& key) const;
    rp::scope_limits limits_locked(pacing::budget_key const& key) const;

    /// The budget among `keys` that a server limit speaks of: as budget_book::observe_target.
    pacing::budget_key const& refusal_target(std::vector<pacing::budget_key> const& keys,
                                             std::optional<std::uint64_t> limit, bool tokens) const;
    void learn(budget_scope const& scope, rate_limit_snapshot const& s);
    std::string redis_key(pacing::budget_key const& key) const;

    // ---- the learnt layout, shared through Redis ------------------------------------------------------
    // One hash, <prefix>:layout: "merged" once any process merged the per-model layout, and
    // "<global|model|endpoint>:<name>:<rpm|tpm>" the lowest limit a refusal taught for that budget. Each
    // process writes its lessons and reads the others' before an acquire, at most once per
    // layout_refresh (no timer of its own: an idle budget keeps no io_context busy).

    std::string layout_key() const { return opts_.key_prefix + ":layout"; }

    static std::string layout_field(pacing::budget_key const& key, bool tokens);

    /// Strand. Lessons written while Redis is away are not kept: each process learns them again.
    void publish(std::vector<std::pair<std::string, std::string>> const& lesson);

    /// Strand, before an acquire: asks for the others' lessons when the last look is older than
    /// layout_refresh. Pipelined ahead of the acquire on the same connection.
    void refresh_layout();
    void adopt_layout(rp::reply const& r);
    rp::script_call make_call(rp::script_op op, budget_scope const& scope, bool with_nested,
                              std::vector<std::int64_t> args) const;

    // ---- timers (strand) ---------------------------------------------------------------------------

    template <class F>
    void arm(timer_slot& slot, time_point at, F on_fire) {
        if (slot.armed && slot.at == at)
            return;
        auto const generation = ++slot.generation;
        slot.armed = true;
        slot.at = at;
        slot.timer.expires_at(at);
        slot.timer.async_wait([weak = weak_from_this(), s = &slot, generation,
                               on_fire = std::move(on_fire)](boost::system::error_code) mutable {
            auto self = weak.lock();
            if (!self || s->generation != generation)
                return;
            s->armed = false;
            on_fire(*self);
        });
    }

    static void disarm(timer_slot& slot) {
        if (!slot.armed)
            return;
        slot.armed = false;
        ++slot.generation;
        slot.timer.cancel();
    }

    /// When the earliest queue head asks Redis again, published for next_admission() (any thread). Called
    /// wherever a head's wait is armed, fired or dropped.
    void publish_next_admission();

    // ---- queues (strand) ---------------------------------------------------------------------------

    redis_scope_queue& queue_for(budget_scope const& scope);
    void enqueue(budget_scope const& scope, std::shared_ptr<redis_waiter> const& node);
    void cancel_on_strand(std::shared_ptr<redis_waiter> const& node);
    void fail(redis_scope_queue& q, std::shared_ptr<redis_waiter> node, boost::system::error_code code,
              std::string message);

    // Lets the head of `q` ask Redis, unless it is asking, sleeping, or Redis is not there.
    void pump(redis_scope_queue& q);
    void on_acquire_answer(redis_scope_queue& q, std::optional<rp::reply> r);
    void pump_all();
    bool has_demand() const;

    // ---- holding while Redis is away (strand) ------------------------------------------------------

    time_point hold_deadline(redis_waiter const& w) const;
    void arm_hold_timer();
    void expire_holds();
    std::string unavailable_message() const;
    void fail_all(boost::system::error_code code, std::string const& message);

    // ---- operations without a waiter (strand) -------------------------------------------------------

    void send_op(rp::script_op op, budget_scope const& scope, bool with_endpoint,
                 std::vector<std::int64_t> args, std::function<void(redis_budget_impl&, bool)> done = {});
    void do_pause(std::string const& model, time_point until, bool lower_share);
    void do_adjust(budget_scope const& scope, std::int64_t delta);
    void flush_pending();

    // ---- the connection (strand) --------------------------------------------------------------------

    using answer_handler = std::function<void(redis_budget_impl&, std::optional<rp::reply>)>;

    /// EVALSHA, re-loading the script once on NOSCRIPT. `done` gets the answer, or nothing when the
    /// connection failed (link_failed is then under way). Not called at all for a stale connection.
    void run_script(rp::script_call call, answer_handler done, bool reloaded = false);

    /// Sends one command on the current connection; `on_reply` runs on the strand, only if the connection
    /// is still the current one.
    void send(std::vector<std::string> const& cmd,
              std::function<void(redis_budget_impl&, rp::reply)> on_reply);

    /// A connection that stops answering counts as lost: no progress within connect_timeout.
    void watch();
    void ensure_connecting();
    void start_connect();
    void on_connected(bool ok, std::string why);
    void on_ready();
    void link_failed(std::string why);
    void close();

    asio::any_io_executor ex_;
    asio::strand<asio::any_io_executor> strand_;
    redis_budget_options opts_;
    redis_url url_;
    std::unique_ptr<local_budget> fallback_;

    mutable std::mutex limits_mutex_;
    pacing::budget_book layout_; // the layout only: the budgets' state is in Redis
    std::map<pacing::budget_key, rate_limits> learnt_;

    // Written on the strand, read by next_admission() on any thread.
    static constexpr std::int64_t no_next_ask = std::numeric_limits<std::int64_t>::min();
    std::atomic<std::int64_t> next_ask_ns_{no_next_ask};

    // Strand state.
    bool closed_ = false;
    link_state state_ = link_state::down;
    std::unique_ptr<rp::link> link_;
    std::uint64_t link_gen_ = 0;
    std::string sha_;
    asio::ip::tcp::resolver resolver_;
    timer_slot connect_timer_; // connect timeout, or the backoff before the next attempt
    timer_slot hold_timer_;    // the earliest hold deadline of a waiter
    timer_slot watchdog_;      // an answer overdue
    milliseconds backoff_;
    time_point next_attempt_{};
    std::optional<time_point> down_since_;
    std::string last_error_;
    std::minstd_rand rng_;
    std::map<std::pair<std::string, std::string>, std::unique_ptr<redis_scope_queue>> queues_;
    std::optional<time_point> last_layout_read_; // the last HGETALL of the layout hash
    struct pending_pause {
        time_point until{};
        bool lower_share = false;
    };
    std::map<std::string, pending_pause> pending_pauses_;
    std::map<std::pair<std::string, std::string>, std::int64_t> pending_adjusts_;
    std::atomic<bool> connected_{false};
    std::atomic<bool> fallback_active_{false};
    struct {
        std::atomic<std::uint64_t> acquired{0}, acquired_local{0}, waited{0}, round_trips{0}, cancelled{0},
            too_large{0}, unavailable{0}, connects{0}, connect_failures{0}, limits_learnt{0},
            budgets_merged{0}, share_lowered{0};
    } counters_;
};

} // namespace paced::detail
