#pragma once
// The HTTP API of the emulator, independent of sockets: a request in, an answer out (a JSON body or an SSE
// source). Routing is in routes.cpp, the checks every request passes in api.cpp, the endpoints in one
// file per API area.

#include "batch_jobs.hpp"
#include "config.hpp"
#include "faults.hpp"
#include "multipart.hpp"
#include "rate_limit.hpp"
#include "responses.hpp"
#include "routes.hpp"
#include "sse.hpp"
#include "stats.hpp"
#include "store.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace paced::emulator {

namespace http = boost::beast::http;

/** @brief A request as the API sees it (the server fills it; the body is complete). */
struct api_request {
    http::verb method = http::verb::get;
    std::string_view target;
    const http::fields* headers = nullptr;
    std::string body;                   ///< JSON (or empty)
    multipart_result* upload = nullptr; ///< POST /v1/files with a multipart body
    std::string upload_error;           ///< why the multipart body was rejected, if it was
};

/** @brief An answer: either `body` or, when `stream` is set, an SSE stream that follows. */
struct api_response {
    unsigned status = 200;
    std::string body;
    std::string_view content_type = "application/json";
    std::vector<header_pair> headers;
    std::unique_ptr<event_source> stream;
    ms_t send_at =
        0; ///< when > 0: the answer is written at this Unix ms, not at once (a synchronous response)
};

/** @brief Routes and handles requests. Thread safety: single-threaded (the server's io_context). */
class api {
public:
    api(const config& cfg);

    route_match match(http::verb method, std::string_view target) const;
    /** @brief Handles one request. `faults` is the plan drawn for it (only server_error is used here). */
    api_response handle(api_request& req, const route_match& route, const fault_plan& faults);

    stats& counters() { return stats_; }
    store& state() { return store_; }
    response_store& response_state() { return responses_.state(); }
    batch_jobs& batch_state() { return batches_; }
    std::string next_request_id() { return store_.ids.request_id(); }
    static std::size_t route_count();
    /** @brief "METHOD /v1/pattern" of a matched route (the stats' key), "unknown" when none matched. */
    static std::string route_label(const route_match& route);

private:
    const config& cfg_;
    stats stats_;
    store store_;
    responses_api responses_; ///< /v1/responses*, /v1/conversations* (responses.hpp)
    batch_jobs batches_;      ///< /v1/batches* (batch_jobs.hpp)
    rate_limiter limiter_;
};

} // namespace paced::emulator
