// See completion_watch.hpp.

#include "webhooks/completion_watch.hpp"

namespace paced::detail {

boost::asio::awaitable<void> completion_watch::wait(std::string id) {
    auto const event = co_await receiver_->wait(id, longest_wait_);
    if (event)
        seen_ = std::move(id);
    // Else a timeout: the delivery is late or lost, and the retrieval that follows looks anyway.
}

} // namespace paced::detail
