#include <paced/client.hpp>

#include "core/client_impl.hpp"

#include <algorithm>

namespace paced {

client::client(boost::asio::any_io_executor executor, client_options options)
    : impl_(std::make_shared<detail::client_impl>(std::move(executor), std::move(options))) {}

client_metrics client::metrics() const {
    auto& c = impl_->counters();
    auto pool = impl_->pool().stats();
    // The waits under way count for the time they have lasted: n * now - (sum of their starts).
    auto const waiting = c.budget_waiting.load();
    auto const now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto const ongoing = waiting == 0 ? std::int64_t{0}
                                      : std::max<std::int64_t>(0, static_cast<std::int64_t>(waiting) * now -
                                                                      c.budget_waiting_since_ns.load());
    return client_metrics{
        .requests = c.requests.load(),
        .responses = c.responses.load(),
        .rate_limited = c.rate_limited.load(),
        .retries = c.retries.load(),
        .failures = c.failures.load(),
        .budget_wait = std::chrono::nanoseconds(static_cast<std::int64_t>(c.budget_wait_ns.load()) + ongoing),
        .connections_opened = pool.connections_opened,
        .connections_reused = pool.connections_reused,
        .waiting_for_budget = waiting,
        .next_admission = waiting == 0 ? std::nullopt : impl_->pacing().next_admission(),
    };
}

budget& client::pacing() const {
    return impl_->pacing();
}
std::shared_ptr<budget> client::pacing_ptr() const {
    return impl_->pacing_ptr();
}
boost::asio::any_io_executor client::get_executor() const {
    return impl_->executor();
}

namespace {
/// The typed error of an object (a run, a response) that ended without completing.
[[noreturn]] void fail_ended(std::string_view kind, std::string const& id, last_error const* last,
                             paced::incomplete_details const* incomplete, errc e, std::string const& what) {
    api_error details;
    details.message = std::string{kind} + " " + id + " " + what;
    if (last) {
        details.message += ": " + last->message;
        details.code = last->code;
    }
    if (incomplete && !incomplete->reason.empty())
        details.message += " (" + incomplete->reason + ")";
    throw error(make_error_code(e), std::move(details));
}

[[noreturn]] void fail_run(paced::run const& r, errc e, std::string const& what) {
    fail_ended("run", r.id, r.last_error ? &*r.last_error : nullptr,
               r.incomplete_details ? &*r.incomplete_details : nullptr, e, what);
}

[[noreturn]] void fail_response(paced::response const& r, errc e, std::string const& what) {
    fail_ended("response", r.id, r.error ? &*r.error : nullptr,
               r.incomplete_details ? &*r.incomplete_details : nullptr, e, what);
}
} // namespace

void check_run(paced::run const& r) {
    switch (r.status.value) {
    case run_status::completed:
        return;
    case run_status::failed:
        fail_run(r, errc::run_failed, "failed");
    case run_status::cancelled:
        fail_run(r, errc::run_cancelled, "was cancelled");
    case run_status::expired:
        fail_run(r, errc::run_expired, "expired");
    case run_status::incomplete:
        fail_run(r, errc::run_incomplete, "is incomplete");
    default:
        fail_run(r, errc::invalid_argument, "has not ended (status " + std::string{r.status.str()} + ")");
    }
}

void check_response(paced::response const& r) {
    switch (r.status.value) {
    case response_status::completed:
        return;
    case response_status::failed:
        fail_response(r, errc::run_failed, "failed");
    case response_status::cancelled:
        fail_response(r, errc::run_cancelled, "was cancelled");
    case response_status::incomplete:
        fail_response(r, errc::run_incomplete, "is incomplete");
    default:
        fail_response(r, errc::invalid_argument,
                      "has not ended (status " + std::string{r.status.str()} + ")");
    }
}

} // namespace paced
