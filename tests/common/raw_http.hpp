#pragma once
// A tiny blocking HTTP/1.1 client for tests that check the emulator byte for byte (status, headers,
// body), without going through the SDK.

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paced::test {

/** @brief A complete answer. Header names are lower-case; a repeated header keeps its last value. */
struct raw_response {
    unsigned status = 0;
    std::map<std::string, std::string> headers;
    std::string body;

    /** @brief The header's value, or "" when absent. */
    std::string header(const std::string& lower_name) const;
    bool has_header(const std::string& lower_name) const { return headers.count(lower_name) != 0; }
    /** @brief The body parsed as JSON. @par Errors Throws std::system_error when it is not JSON. */
    boost::json::value json() const;
};

using raw_headers = std::vector<std::pair<std::string, std::string>>;

/**
 * @brief Sends one request on a fresh connection and reads the whole answer (a chunked SSE stream is
 * read to its end).
 * @param url "http://127.0.0.1:PORT" (no path)
 * @par Errors
 * Throws boost::system::system_error on connection or protocol errors (e.g. a reset connection).
 */
raw_response raw_http(const std::string& url, boost::beast::http::verb method, std::string_view target,
                      const raw_headers& headers = {}, std::string_view body = {});

/** @brief The headers every Assistants call carries: a Bearer key, the beta header and a JSON body type. */
raw_headers api_headers();

/** @brief Convenience: raw_http with api_headers(). */
raw_response api_get(const std::string& url, std::string_view target);
raw_response api_post(const std::string& url, std::string_view target, std::string_view json_body);
raw_response api_delete(const std::string& url, std::string_view target);

} // namespace paced::test
