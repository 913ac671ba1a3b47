#pragma once
/// @file `client.threads()`: threads, create-thread-and-run, and the messages and runs below them.

#include <paced/resources/messages.hpp>
#include <paced/resources/runs.hpp>
#include <paced/types/thread.hpp>

namespace paced {

/** @brief Threads: `/threads`. See resource_base.hpp for errors, cancellation and thread safety. */
class threads_resource : public resource_base {
public:
    using resource_base::resource_base;

    /** @brief POST /threads.
     * Re-sent after a failure that leaves its fate unknown (connection lost or timeout after sending),
     * like an idempotent request: at worst an orphan thread stays on the server, never used by a run.
     * So `threads().create()` followed by `client.run(thread.id, ...)` recovers from every transient
     * fault, whereas create_and_run() cannot. */
    boost::asio::awaitable<thread> create(thread_create_params params = thread_create_params(),
                                          request_options opts = request_options());
    boost::asio::awaitable<thread> retrieve(std::string_view thread_id,
                                            request_options opts = request_options());
    boost::asio::awaitable<thread> update(std::string_view thread_id, thread_update_params params,
                                          request_options opts = request_options());
    boost::asio::awaitable<deleted_object> del(std::string_view thread_id,
                                               request_options opts = request_options());

    /** @brief POST /threads/runs: creates a thread and runs it in one request.
     * Not re-sent after an ambiguous failure (a timeout after sending): there is no way to find the
     * thread it may have created, so the error reaches the caller. */
    boost::asio::awaitable<run> create_and_run(thread_and_run_create_params params,
                                               request_options opts = request_options());
    /// create_and_run() then runs().poll().
    boost::asio::awaitable<run> create_and_run_poll(thread_and_run_create_params params,
                                                    poll_options poll = poll_options(),
                                                    request_options opts = request_options());

    /// create_and_run() with `stream: true`: a thread, its run and every event in one request.
    boost::asio::awaitable<run_stream> create_and_run_stream(thread_and_run_create_params params,
                                                             request_options opts = request_options());

    messages_resource messages() const { return messages_resource{impl_}; }
    runs_resource runs() const { return runs_resource{impl_}; }
};

} // namespace paced
