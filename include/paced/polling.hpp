#pragma once
/// @file One generic polling coroutine for everything that is created and then polled: runs,
/// vector store files, file batches, and (next) Responses background mode.

#include <paced/response.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <concepts>
#include <optional>

namespace paced {

/** @brief How a poll loop waits between retrievals. */
struct poll_options {
    /// Wait between retrievals when the server sends no `openai-poll-after-ms`.
    std::chrono::milliseconds interval{1000};
    /// Obey the server's `openai-poll-after-ms` on every answer (it wins over `interval`).
    bool use_server_hint = true;
    /// Multiply the interval by this after each poll (1.0 = constant). Long runs then cost fewer
    /// requests: 1.25 from 1 s reaches the 10 s cap after ~11 polls.
    double growth = 1.0;
    /// Upper bound for the grown interval.
    std::chrono::milliseconds max_interval{std::chrono::seconds(10)};
};

/// Parses `openai-poll-after-ms` (a non-negative integer); nullopt when absent or malformed.
inline std::optional<std::chrono::milliseconds> poll_after_hint(header_list const& headers) {
    auto v = headers.find("openai-poll-after-ms");
    if (!v)
        return std::nullopt;
    long long ms = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), ms);
    if (ec != std::errc{} || p != v->data() + v->size() || ms < 0)
        return std::nullopt;
    return std::chrono::milliseconds(std::min<long long>(ms, 3'600'000));
}

/** @brief Calls `fetch` until `done(value)` holds, waiting on an asio timer between calls.
 *
 * `fetch(response_metadata*)` returns `awaitable<T>` and fills the metadata it is given (every SDK
 * operation does, through `request_options::metadata`), so the loop can read the server's hint.
 * The first call happens at once.
 *
 * @par Errors
 * Whatever `fetch` throws; the loop does not retry by itself (the request executor already did).
 * @par Per-operation cancellation
 * terminal (partial and total too when the caller enabled them): the wait or the fetch in progress
 * is abandoned; nothing is left behind but the cancelled fetch's connection, which is closed.
 * @par Thread safety
 * Runs on the awaiting coroutine's executor.
 */
template <class T, class Fetch, class Done>
requires std::invocable<Fetch, response_metadata*> && std::predicate<Done, T const&> boost::asio::awaitable<T>
poll_until(Fetch fetch, Done done, poll_options opts = poll_options()) {
    auto interval = opts.interval;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        response_metadata meta;
        T value = co_await fetch(&meta);
        if (done(value))
            co_return value;
        auto wait = interval;
        if (auto hint = opts.use_server_hint ? poll_after_hint(meta.headers) : std::nullopt)
            wait = *hint;
        else if (opts.growth > 1.0)
            interval =
                std::min(opts.max_interval,
                         std::chrono::duration_cast<std::chrono::milliseconds>(interval * opts.growth));
        timer.expires_after(wait);
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

} // namespace paced
