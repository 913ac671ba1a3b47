#pragma once
// Shared plumbing of the resources: build an api_request, execute it, decode the answer.

#include <paced/pagination.hpp>
#include <paced/types/common.hpp>

#include "core/client_impl.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <concepts>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paced {
class runs_resource;
struct run;
} // namespace paced

namespace paced::detail {

using verb = boost::beast::http::verb;

/// "/threads/{a}/runs/{b}": joins segments; ids were checked with validate_id beforehand.
/// (Variadic rather than an initializer_list: g++ 12 rejects braced lists of literals in coroutines.)
template <class... Segments>
std::string make_path(Segments const&... segments) {
    std::string out;
    ((out += '/', out += std::string_view{segments}), ...);
    return out;
}

/// The `beta` argument below: the Assistants endpoints want `OpenAI-Beta: assistants=v2`; /files does not.
inline constexpr bool assistants_beta = true;
inline constexpr bool not_assistants_beta = false;

/// An api_request with a JSON body.
api_request json_request(verb method, std::string path, std::string_view route, bool beta,
                         boost::json::object const& body);
/// An api_request without a body.
api_request plain_request(verb method, std::string path, std::string_view route, bool beta,
                          query_params query = {});

/// Awaits an executed request and decodes its JSON answer as T.
template <class T>
boost::asio::awaitable<T> decode_answer(boost::asio::awaitable<api_response> answer) {
    auto resp = co_await std::move(answer);
    co_return parse_json<T>(resp.body);
}

/// Executes and decodes the JSON answer as T. Not a coroutine: the request moves straight into the
/// executor's frame, so a waiting request is not held twice.
template <class T>
boost::asio::awaitable<T> call_json(client_impl& impl, api_request req, request_options const& opts) {
    return decode_answer<T>(impl.execute(std::move(req), opts));
}

/// What most operations learn from their answer: nothing.
struct learn_nothing {
    template <class T>
    void operator()(client_impl&, T const&) const noexcept {}
};

/** The shape of most operations: one request whose JSON answer decodes as T. A coroutine that owns all
 * it uses (the client's state, and `prepare`, which holds the operation's own copies of its arguments),
 * so that an operation's caller may drop its arguments, its resource handle and its client as soon as it
 * holds the awaitable. `prepare()` validates those copies and builds the request when the operation first
 * runs, so that a bad argument is thrown where the operation is awaited; `learn(impl, value)` notes what
 * the answer tells the client (an assistant's model, a run's usage). */
template <class T, class Prepare, class Learn = learn_nothing>
boost::asio::awaitable<T> request_op(std::shared_ptr<client_impl> impl, request_options opts, Prepare prepare,
                                     Learn learn = {}) {
    auto answer = call_json<T>(*impl, prepare(), opts);
    auto value = co_await std::move(answer);
    learn(*impl, value);
    co_return value;
}

/// Per-page options: the caller's metadata pointer is for the first page only.
inline request_options next_page_options(request_options opts) {
    opts.metadata = nullptr;
    return opts;
}

/** A list call returning a page that can fetch the next ones (after the last item's id). */
template <class T, class Params>
boost::asio::awaitable<page<T>> list_call(std::shared_ptr<client_impl> impl, std::string path,
                                          std::string_view route, bool beta, Params params,
                                          request_options opts) {
    validate(params);
    auto lp = co_await call_json<list_page<T>>(
        *impl, plain_request(verb::get, path, route, beta, to_query(params)), opts);
    // Not a coroutine lambda: it only prepares the next call, whose coroutine owns copies of everything
    // (a coroutine lambda would read its captures from the std::function, and g++ 12 mishandles its
    // by-value parameter).
    typename page<T>::fetch_after fetch = [impl, path, route, beta, params,
                                           o = next_page_options(opts)](std::string after) {
        auto next = params;
        next.after = std::move(after);
        if constexpr (requires { next.before; })
            next.before.reset();
        return list_call<T>(impl, path, route, beta, std::move(next), o);
    };
    co_return page<T>{std::move(lp.data), std::move(lp.first_id), std::move(lp.last_id), lp.has_more,
                      std::move(fetch)};
}

/** list_call for a list below an object: `path_of()` validates the ids it holds (copies of the caller's)
 * and builds the path when the first page is awaited, so that a bad id is thrown there. */
template <class T, class Params, std::invocable PathOf>
boost::asio::awaitable<page<T>> list_call(std::shared_ptr<client_impl> impl, PathOf path_of,
                                          std::string_view route, bool beta, Params params,
                                          request_options opts) {
    co_return co_await list_call<T>(std::move(impl), path_of(), route, beta, std::move(params),
                                    std::move(opts));
}

/// Options of a streaming call: the caller's, asking for server-sent events.
inline request_options stream_options(request_options opts) {
    opts.extra_headers.set("Accept", "text/event-stream");
    return opts;
}

/// True when a failure left it unknown whether the server acted on a POST.
bool is_ambiguous(boost::system::error_code ec) noexcept;

/// True for failures of the connection rather than answers of the server.
inline bool is_transport_failure(boost::system::error_code ec) noexcept {
    return ec == errc::timeout || ec == errc::connection_lost || ec == errc::connect_failed;
}

/// The metadata key of the client-generated id that makes creates safe to re-send.
inline constexpr std::string_view request_tag_key = "paced_request_id";

/// Adds a request tag to `metadata` when there is room; returns it (empty when no room).
std::string tag_request(client_impl& impl, metadata_map& metadata);

/// The item of `items` whose metadata carries the request tag `tag`, moved out; nullopt when none does.
template <class T>
std::optional<T> take_tagged(std::vector<T>& items, std::string const& tag) {
    for (auto& item : items) {
        auto it = item.metadata.find(std::string{request_tag_key});
        if (it != item.metadata.end() && it->second == tag)
            return std::move(item);
    }
    return std::nullopt;
}

/// The run of `thread_id` that carries the request tag `tag`, among its 20 newest; nullopt when none does.
boost::asio::awaitable<std::optional<run>> find_tagged_run(runs_resource& runs, std::string_view thread_id,
                                                           std::string const& tag);

/** Sends a create that carries the request tag `tag` (empty when there was no room for one). When a
 * failure leaves it unknown whether the server acted (is_ambiguous), it looks for what an earlier attempt
 * created before sending again, so that one call never creates two; at most `max_resends` re-sends.
 *
 * `send()` returns an `awaitable<T>` for one attempt; `find()` an `awaitable<std::optional<T>>` (it may
 * throw instead, to report what it found in another form). Both are called while this coroutine runs, so
 * they may refer to the caller's frame. `what` and `created` name the call and its object in the log.
 */
template <class T, class Send, class Find>
boost::asio::awaitable<T> create_once(client_impl& impl, char const* what, char const* created,
                                      std::string tag, int max_resends, Send send, Find find) {
    for (int resend = 0;; ++resend) {
        boost::system::error_code failure;
        try {
            co_return co_await send();
        } catch (paced::error const& e) {
            if (tag.empty() || !is_ambiguous(e.code()) || resend >= max_resends)
                throw;
            failure = e.code();
        }
        // The server may have created it before the connection failed: look before re-sending.
        impl.log(log_level::info, std::string{what} + ": " + failure.message() + "; checking for " + created);
        auto found = co_await find();
        if (found)
            co_return std::move(*found);
    }
}

/** The create of an object that can be listed (an assistant, a batch): tags `params.metadata` (see
 * tag_request), POSTs the encoded parameters to `path`, and after an ambiguous failure looks for the
 * object with `find(tag)` before sending it again (create_once). `route` names the call in logs and
 * metrics, `created` its object. The parameters must have been validated. */
template <class T, class Params, class Find>
boost::asio::awaitable<T> create_tagged(client_impl& impl, Params& params, char const* path,
                                        char const* route, bool beta, request_options const& opts,
                                        char const* created, Find find) {
    auto const tag = tag_request(impl, params.metadata);
    auto const body = encode(params);
    int const max_resends = opts.max_retries.value_or(impl.options().max_retries);
    co_return co_await create_once<T>(
        impl, route, created, tag, max_resends,
        [&] { return call_json<T>(impl, json_request(verb::post, path, route, beta, body), opts); },
        [&] { return find(tag); });
}

} // namespace paced::detail
