#pragma once
/// @file What every resource shares: a handle to the client's state.
///
/// @par Every operation of every resource
/// - returns `boost::asio::awaitable<T>` and takes `request_options` as its last, defaulted, argument;
/// - validates its inputs first: `errc::invalid_argument` naming the field, before anything is sent;
/// - draws each HTTP attempt (retries included) from the client's budget;
/// - **Errors**: `paced::error`, whose `code()` is a `paced::errc` (`not_found`, `bad_request`,
///   `rate_limited` after the retries allowed, `timeout`, `connection_lost`, `unexpected_json`...) and whose
///   `api()` holds the server's message, type, code, param and `x-request-id`;
/// - **Per-operation cancellation**: terminal. A wait for the budget or between retries leaves nothing
///   behind; an HTTP exchange in flight is abandoned and its connection closed (the server may still
///   have acted on it);
/// - **Thread safety**: like the client: distinct objects safe; shared objects safe when the client's
///   executor is a strand or its io_context runs on one thread.
///
/// @par Object lifetimes
/// An operation copies what it needs before it returns its awaitable: its arguments (each
/// `std::string_view` into a `std::string` of its own) and a share of the client's state. The strings
/// passed in, the resource handle it was called on (`client.threads()` is a temporary) and the client
/// itself may be destroyed before the operation starts or while it runs: the operation keeps the
/// client's state (connection pool, budget) alive until it ends, and so does a `run_stream` it returns.
/// So `co_spawn(ex, client.threads().retrieve(std::string(id)), token)` is safe, as are awaitables built
/// in a loop and awaited later. The checks of the arguments still run when the operation starts, so a
/// bad argument is thrown where the operation is awaited. What an argument only points to is not copied:
/// `request_options::metadata` and `request_options::attempts` must outlive the operation.

#include <paced/request_options.hpp>

#include <memory>

namespace paced {
namespace detail {
class client_impl;
}

/// Base of the resource handles: cheap to copy, they share the client's state. A handle need not outlive
/// the operations called on it (see Object lifetimes above).
class resource_base {
public:
    explicit resource_base(std::shared_ptr<detail::client_impl> impl) noexcept : impl_(std::move(impl)) {}

protected:
    std::shared_ptr<detail::client_impl> impl_;
};

} // namespace paced
