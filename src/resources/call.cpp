#include "resources/call.hpp"

namespace paced::detail {

api_request json_request(verb method, std::string path, std::string_view route, bool beta,
                         boost::json::object const& body) {
    api_request r;
    r.method = method;
    r.path = std::move(path);
    r.route = route;
    r.assistants_beta = beta;
    r.body = transport::buffer_body{.content_type = "application/json", .data = detail::serialize_json(body)};
    return r;
}

api_request plain_request(verb method, std::string path, std::string_view route, bool beta,
                          query_params query) {
    api_request r;
    r.method = method;
    r.path = std::move(path);
    r.route = route;
    r.assistants_beta = beta;
    r.query = std::move(query);
    return r;
}

bool is_ambiguous(boost::system::error_code ec) noexcept {
    return ec == errc::timeout || ec == errc::connection_lost;
}

std::string tag_request(client_impl& impl, metadata_map& metadata) {
    if (auto it = metadata.find(std::string{request_tag_key}); it != metadata.end())
        return it->second; // the caller chose its own id: use it
    if (metadata.size() >= 16)
        return {}; // no room: such a create is not re-sent after an ambiguous failure
    auto tag = impl.random_tag();
    metadata.emplace(std::string{request_tag_key}, tag);
    return tag;
}

} // namespace paced::detail
