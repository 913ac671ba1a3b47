#pragma once
// An allocator that asks for exactly the memory it needs, for the handlers of long waits.

#include <cstddef>
#include <memory>

namespace paced::detail {

/** Asio recycles the memory of finished operations for the next ones (a handler without an allocator of
 * its own gets asio's recycling allocator), reusing any cached block that is large enough. A wait that
 * lasts seconds then often sits in a block left by a socket operation several times its size: with
 * thousands of such waits at once (requests queued for a connection, runs between two polls) that was
 * about half a KiB each. Bound to a handler with `asio::bind_allocator`, this allocator gives the wait's
 * operation exactly its size. */
template <class T>
struct plain_allocator {
    using value_type = T;

    plain_allocator() noexcept = default;
    template <class U>
    plain_allocator(plain_allocator<U> const&) noexcept {}

    T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }

    template <class U>
    bool operator==(plain_allocator<U> const&) const noexcept {
        return true;
    }
};

} // namespace paced::detail
