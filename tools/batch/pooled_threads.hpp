#pragma once
// --threads pool: API threads created once and lent to one file at a time, so that a file costs one
// request (its run, which brings the file's message along) instead of a thread and a run.

#include <paced/client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace paced::batch_tool {

/** @brief The batch's reusable threads.
 *
 * A file borrows a thread for its runs and gives it back once its last run has ended, so a thread never
 * has two runs at once (the API allows one active run per thread) and never waits for one. A thread
 * comes back only when its run is known to have ended; one whose run's fate is unknown (the file failed
 * or was cancelled while following it) is retired instead, and replaced when needed.
 *
 * The pool grows on demand, one creation at a time: a thread is created when a file waits for one,
 * fewer than `max_size` exist, and `runs_have_room()` says the runs' budget is not the bottleneck. While
 * requests queue for that budget another thread would only spend a request; so the pool settles near
 * the number of runs the budget keeps in flight (about 12 for runs of 1 s at 600 requests per minute),
 * not at the batch's concurrency. Threads are created with
 * `metadata {"paced_batch_pool": "<pool id>-<n>"}` (threads cannot be listed, so the tag is for people
 * looking at the server); a creation whose answer was lost is sent again by the SDK (at worst an unused
 * thread is left).
 *
 * Thread safety: single-threaded, on the client's executor. The pool must outlive its leases and the
 * io_context's run (its creations and timer refer to it).
 */
class pooled_threads {
public:
    /// A borrowed thread: given back when destroyed, unless retired.
    class lease {
    public:
        lease() = default;
        lease(lease&& other) noexcept;
        lease& operator=(lease&& other) noexcept;
        lease(lease const&) = delete;
        lease& operator=(lease const&) = delete;
        ~lease();

        std::string const& thread_id() const noexcept { return thread_id_; }
        /// Requests the thread's creation took, when this is its first lease (else 0): a file's line
        /// counts them, so that the lines add up to every request the batch sent.
        std::uint64_t creation_requests() const noexcept { return creation_requests_; }
        /// The thread's last run may still be live: never lend it again.
        void retire() noexcept;

    private:
        friend class pooled_threads;
        lease(pooled_threads* pool, std::string thread_id, std::uint64_t creation_requests)
            : pool_(pool), thread_id_(std::move(thread_id)), creation_requests_(creation_requests) {}
        pooled_threads* pool_ = nullptr;
        std::string thread_id_;
        std::uint64_t creation_requests_ = 0;
    };

    /// `max_size` >= 1: the most threads that exist at once. `runs_have_room()` is asked before each
    /// creation (and again every 50 ms while files wait): whether a run created now would be admitted
    /// without waiting behind other requests.
    pooled_threads(paced::client& client, std::size_t max_size, std::function<bool()> runs_have_room);
    pooled_threads(pooled_threads const&) = delete;
    pooled_threads& operator=(pooled_threads const&) = delete;

    /** @brief A thread to run one file on, created if the rules above allow, else the next one given
     * back.
     * @par Errors
     * The creation's error (a paced::error) when no thread exists and creating one failed; each file
     * waiting then gets it, and the next call tries again. When a creation fails while threads exist,
     * the pool keeps the size it has (trying again at once could fail again, a request each time), and
     * the files wait for its threads.
     * @par Per-operation cancellation
     * terminal: the wait ends with asio::error::operation_aborted and leaves nothing behind.
     */
    boost::asio::awaitable<lease> acquire();

    /// Threads created so far (retired ones included).
    std::size_t created() const noexcept { return created_; }

private:
    struct waiter;

    void give(std::string thread_id, std::uint64_t creation_requests);
    void retire_one();
    bool anyone_waiting();
    void maybe_grow();
    boost::asio::awaitable<void> create_one();

    paced::client& client_;
    std::size_t max_size_;
    std::function<bool()> runs_have_room_;
    std::string pool_id_;
    std::size_t live_ = 0;    ///< threads that exist and are not retired, creations under way included
    std::size_t created_ = 0; ///< creations started
    bool creating_ = false;
    std::vector<std::string> idle_;
    std::deque<std::shared_ptr<waiter>> waiters_;
    boost::asio::steady_timer recheck_; ///< looks at the budget again while files wait
    bool recheck_armed_ = false;
};

} // namespace paced::batch_tool
