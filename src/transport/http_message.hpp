#pragma once
// The transport's vocabulary: what the request executor hands to the connection pool and gets back.
// Internal (src/): Beast types may appear here, never in include/paced.

#include <paced/response.hpp>

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace paced::transport {

/// scheme://host:port of a request; the pool keeps one set of connections per origin.
struct origin {
    bool tls = true;
    std::string host{};
    std::uint16_t port = 443;

    std::string key() const { return (tls ? "https://" : "http://") + host + ":" + std::to_string(port); }
    bool operator==(origin const&) const = default;
};

/// A file part of a multipart/form-data body: streamed from `path`, or sent from `bytes`.
struct multipart_file {
    std::string field_name = "file";
    std::string filename{};
    std::string content_type = "application/octet-stream";
    std::filesystem::path path{}; ///< When non-empty, the file is streamed from disk in chunks.
    std::string bytes{};          ///< Used when `path` is empty.
};

/// A multipart/form-data body: plain fields, then files. The boundary is chosen by the transport.
struct multipart_form {
    std::vector<std::pair<std::string, std::string>> fields{};
    std::vector<multipart_file> files{};
};

/// A JSON (or any in-memory) body with its content type.
struct buffer_body {
    std::string content_type = "application/json";
    std::string data{};
};

struct request {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target{};  ///< origin-form: "/v1/threads/x?limit=20"
    header_list headers{}; ///< Authorization, OpenAI-Beta, User-Agent... (Host and Content-Length are added)
    std::variant<std::monostate, buffer_body, multipart_form> body{};
    /// Whether sending it twice is harmless. A request that fails on a reused keep-alive connection
    /// before any byte of the answer is re-sent once on a fresh connection only when it is: for a POST
    /// such a failure is ambiguous (the server may have acted before the connection died).
    bool replayable = true;
};

struct response {
    unsigned status = 0;
    header_list headers{};
    std::string body{};
};

} // namespace paced::transport
