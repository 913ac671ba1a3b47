#include <paced/error.hpp>

#include <string>

namespace paced {
namespace {

class category_impl final : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "paced"; }

    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::invalid_argument:
            return "invalid argument";
        case errc::missing_api_key:
            return "no API key: set OPENAI_API_KEY or client_options::api_key";
        case errc::unexpected_json:
            return "unexpected JSON from the server";
        case errc::body_too_large:
            return "response body exceeds the configured limit";
        case errc::headers_too_large:
            return "response headers exceed the limit";
        case errc::invalid_response:
            return "invalid response from the server";
        case errc::request_too_large:
            return "request costs more tokens than the rate limit allows";
        case errc::redirect_refused:
            return "redirect refused";
        case errc::connect_failed:
            return "could not connect";
        case errc::tls_verification_failed:
            return "TLS certificate verification failed";
        case errc::connection_lost:
            return "connection lost";
        case errc::timeout:
            return "request timed out";
        case errc::proxy_failed:
            return "proxy refused the tunnel";
        case errc::bad_request:
            return "bad request";
        case errc::authentication_failed:
            return "authentication failed";
        case errc::permission_denied:
            return "permission denied";
        case errc::not_found:
            return "not found";
        case errc::conflict:
            return "conflict";
        case errc::unprocessable_entity:
            return "unprocessable entity";
        case errc::rate_limited:
            return "rate limited";
        case errc::insufficient_quota:
            return "insufficient quota";
        case errc::server_error:
            return "server error";
        case errc::http_status:
            return "unexpected HTTP status";
        case errc::run_failed:
            return "run failed";
        case errc::run_cancelled:
            return "run cancelled";
        case errc::run_expired:
            return "run expired";
        case errc::run_incomplete:
            return "run incomplete";
        case errc::run_deadline:
            return "run deadline exceeded";
        case errc::stream_truncated:
            return "stream ended before its terminal event";
        case errc::stream_error:
            return "error event in stream";
        case errc::tool_failed:
            return "tool handler failed";
        case errc::budget_unavailable:
            return "shared budget unavailable";
        }
        return "unknown paced error";
    }
};

std::string describe(api_error const& d) {
    std::string out = d.message;
    if (d.status != 0 || !d.request_id.empty()) {
        out += " [";
        if (d.status != 0)
            out += "status " + std::to_string(d.status);
        if (!d.request_id.empty()) {
            if (d.status != 0)
                out += ", ";
            out += "request_id " + d.request_id;
        }
        out += "]";
    }
    return out;
}

} // namespace

boost::system::error_category const& error_category() noexcept {
    static category_impl const instance;
    return instance;
}

error::error(boost::system::error_code ec, std::string message)
    : boost::system::system_error(ec, message), details_{} {
    details_.message = std::move(message);
}

error::error(boost::system::error_code ec, api_error details)
    : boost::system::system_error(ec, describe(details)), details_(std::move(details)) {}

errc classify_http_error(unsigned status, std::string_view code, std::string_view message) noexcept {
    switch (status) {
    case 400:
        return errc::bad_request;
    case 401:
        return errc::authentication_failed;
    case 403:
        return errc::permission_denied;
    case 404:
        return errc::not_found;
    case 409:
        return errc::conflict;
    case 422:
        return errc::unprocessable_entity;
    case 429:
        // Two kinds of 429 share the status: a limit to wait out, and conditions waiting cannot fix.
        // Older quota answers carry `code: null`: recognise them by their message too.
        if (code == "insufficient_quota" || code == "credit_balance_exhausted" ||
            message.find("exceeded your current quota") != std::string_view::npos)
            return errc::insufficient_quota;
        if (message.starts_with("Request too large"))
            return errc::request_too_large;
        return errc::rate_limited;
    default:
        break;
    }
    if (status >= 500)
        return errc::server_error;
    return errc::http_status;
}

void throw_error(errc e, std::string message) {
    throw error(make_error_code(e), std::move(message));
}

} // namespace paced
