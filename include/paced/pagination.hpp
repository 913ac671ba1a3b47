#pragma once
/// @file Cursor pagination: a page that can fetch the next one, and an async iterator over all items.

#include <paced/error.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace paced {

namespace detail {
/// The cursor after an item: its `id`, or for a variant of items (Responses' input and conversation
/// items) what its `item_id` overload says.
template <class T>
std::string cursor_of(T const& item) {
    if constexpr (requires { std::string{item.id}; })
        return item.id;
    else
        return item_id(item);
}
} // namespace detail

/** @brief One page of a list call, able to fetch the pages after it.
 *
 * The next page starts after the `id` of the last item (as the official SDKs do). Each fetch is an
 * ordinary request: paced, retried, and counted like any other.
 *
 * @par Example
 * @code
 * paced::message_list_params oldest_first{.order = paced::sort_order::asc}; // named: see README (g++ 12)
 * auto page = co_await client.threads().messages().list(thread_id, oldest_first);
 * for (auto pager = std::move(page).all(); auto m = co_await pager.next();)
 *     std::cout << paced::text_of(*m) << "\n";
 * @endcode
 */
template <class T>
class page {
public:
    /// Fetches the page after the item with the given id.
    using fetch_after = std::function<boost::asio::awaitable<page>(std::string)>;

    std::vector<T> data;
    std::optional<std::string> first_id;
    std::optional<std::string> last_id;
    bool has_more = false;

    page() = default;
    page(std::vector<T> d, std::optional<std::string> first, std::optional<std::string> last, bool more,
         fetch_after fetch)
        : data(std::move(d)), first_id(std::move(first)), last_id(std::move(last)), has_more(more),
          fetch_(std::move(fetch)) {}

    bool has_next_page() const noexcept { return has_more && !data.empty() && fetch_; }

    /** @brief Fetches the next page.
     * @par Object lifetimes
     * What the fetch needs is copied before this returns: the page (and its client) may be destroyed
     * while the next one is fetched.
     * @par Errors `errc::invalid_argument` when `has_next_page()` is false (thrown where the result is
     * awaited); any request error.
     * @par Per-operation cancellation terminal (the request's connection is closed).
     */
    boost::asio::awaitable<page> next_page() const {
        // Not a coroutine: the fetch's own coroutine owns a copy of the cursor and of the client's state.
        if (!has_next_page())
            return no_next_page();
        return fetch_(detail::cursor_of(data.back()));
    }

    class iterator;
    /// An async iterator over the items of this page and every page after it.
    iterator all() && { return iterator{std::move(*this)}; }
    iterator all() const& { return iterator{*this}; }

private:
    static boost::asio::awaitable<page> no_next_page() {
        throw_error(errc::invalid_argument, "page: there is no next page");
        co_return page{};
    }

    fetch_after fetch_;
};

/** @brief Async iteration over every item across pages: `while (auto item = co_await it.next())`.
 * @par Object lifetimes
 * The iterator holds the position: it must outlive `next()` and `collect()`. The client may be
 * destroyed meanwhile (each page holds the client's state).
 */
template <class T>
class page<T>::iterator {
public:
    explicit iterator(page p) : current_(std::move(p)) {}

    /// The next item, fetching the next page when this one is used up; nullopt at the end.
    boost::asio::awaitable<std::optional<T>> next() {
        while (index_ >= current_.data.size()) {
            if (!current_.has_next_page())
                co_return std::nullopt;
            // Items are moved out as they are handed over, so the cursor was saved before.
            current_ = co_await current_.fetch_(std::move(cursor_));
            index_ = 0;
        }
        if (index_ + 1 == current_.data.size())
            cursor_ = detail::cursor_of(current_.data.back());
        co_return std::move(current_.data[index_++]);
    }

    /// Every remaining item, in order.
    boost::asio::awaitable<std::vector<T>> collect() {
        std::vector<T> out;
        while (auto item = co_await next())
            out.push_back(std::move(*item));
        co_return out;
    }

private:
    page current_;
    std::size_t index_ = 0;
    std::string cursor_; // id of the last item of current_, kept when the item is moved out
};

} // namespace paced
