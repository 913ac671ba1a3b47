#include "raw_http.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <cctype>
#include <stdexcept>

namespace paced::test {

namespace http = boost::beast::http;
using boost::asio::ip::tcp;

std::string raw_response::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

boost::json::value raw_response::json() const {
    return boost::json::parse(body);
}

raw_response raw_http(const std::string& url, http::verb method, std::string_view target,
                      const raw_headers& headers, std::string_view body) {
    const std::string prefix = "http://";
    if (url.rfind(prefix, 0) != 0)
        throw std::invalid_argument("raw_http: only http:// URLs are supported: " + url);
    const std::string hostport = url.substr(prefix.size());
    const auto colon = hostport.rfind(':');
    const std::string host = hostport.substr(0, colon);
    const std::string port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);

    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    tcp::socket socket(ioc);
    boost::asio::connect(socket, resolver.resolve(host, port));

    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, hostport);
    for (const auto& h : headers)
        req.set(h.first, h.second);
    if (!body.empty() || method == http::verb::post) {
        req.body() = std::string(body);
        req.prepare_payload();
    }
    http::write(socket, req);

    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 30);
    http::read(socket, buffer, parser);
    const auto& res = parser.get();
    raw_response out;
    out.status = res.result_int();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    return out;
}

raw_headers api_headers() {
    return {{"Authorization", "Bearer sk-emulator-test"},
            {"OpenAI-Beta", "assistants=v2"},
            {"Content-Type", "application/json"}};
}

raw_response api_get(const std::string& url, std::string_view target) {
    return raw_http(url, http::verb::get, target, api_headers());
}

raw_response api_post(const std::string& url, std::string_view target, std::string_view json_body) {
    return raw_http(url, http::verb::post, target, api_headers(), json_body);
}

raw_response api_delete(const std::string& url, std::string_view target) {
    return raw_http(url, http::verb::delete_, target, api_headers());
}

} // namespace paced::test
