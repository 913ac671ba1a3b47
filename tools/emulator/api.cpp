#include "api.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>

namespace paced::emulator {

namespace {

// ---- route table -----------------------------------------------------------------------------------------

enum route_id : int {
    files_create,
    files_list,
    files_get,
    files_delete,
    files_content,
    asst_create,
    asst_list,
    asst_get,
    asst_modify,
    asst_delete,
    thread_create,
    thread_and_run,
    thread_get,
    thread_modify,
    thread_delete,
    msg_create,
    msg_list,
    msg_get,
    msg_modify,
    msg_delete,
    run_create,
    run_list,
    run_get,
    run_modify,
    run_cancel,
    run_submit,
    step_list,
    step_get,
    vs_create,
    vs_list,
    vs_get,
    vs_modify,
    vs_delete,
    vs_search,
    vsf_create,
    vsf_list,
    vsf_get,
    vsf_update,
    vsf_delete,
    vsf_content,
    batch_create,
    batch_get,
    batch_cancel,
    batch_files,
    emu_stats,
    emu_reset,
    route_total
};

struct route_def {
    route_id id;
    http::verb method;
    std::string_view pattern;
};

constexpr route_def routes[] = {
    {files_create, http::verb::post, "/v1/files"},
    {files_list, http::verb::get, "/v1/files"},
    {files_get, http::verb::get, "/v1/files/{file_id}"},
    {files_delete, http::verb::delete_, "/v1/files/{file_id}"},
    {files_content, http::verb::get, "/v1/files/{file_id}/content"},
    {asst_create, http::verb::post, "/v1/assistants"},
    {asst_list, http::verb::get, "/v1/assistants"},
    {asst_get, http::verb::get, "/v1/assistants/{assistant_id}"},
    {asst_modify, http::verb::post, "/v1/assistants/{assistant_id}"},
    {asst_delete, http::verb::delete_, "/v1/assistants/{assistant_id}"},
    {thread_create, http::verb::post, "/v1/threads"},
    {thread_and_run, http::verb::post, "/v1/threads/runs"},
    {thread_get, http::verb::get, "/v1/threads/{thread_id}"},
    {thread_modify, http::verb::post, "/v1/threads/{thread_id}"},
    {thread_delete, http::verb::delete_, "/v1/threads/{thread_id}"},
    {msg_create, http::verb::post, "/v1/threads/{thread_id}/messages"},
    {msg_list, http::verb::get, "/v1/threads/{thread_id}/messages"},
    {msg_get, http::verb::get, "/v1/threads/{thread_id}/messages/{message_id}"},
    {msg_modify, http::verb::post, "/v1/threads/{thread_id}/messages/{message_id}"},
    {msg_delete, http::verb::delete_, "/v1/threads/{thread_id}/messages/{message_id}"},
    {run_create, http::verb::post, "/v1/threads/{thread_id}/runs"},
    {run_list, http::verb::get, "/v1/threads/{thread_id}/runs"},
    {run_get, http::verb::get, "/v1/threads/{thread_id}/runs/{run_id}"},
    {run_modify, http::verb::post, "/v1/threads/{thread_id}/runs/{run_id}"},
    {run_cancel, http::verb::post, "/v1/threads/{thread_id}/runs/{run_id}/cancel"},
    {run_submit, http::verb::post, "/v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs"},
    {step_list, http::verb::get, "/v1/threads/{thread_id}/runs/{run_id}/steps"},
    {step_get, http::verb::get, "/v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}"},
    {vs_create, http::verb::post, "/v1/vector_stores"},
    {vs_list, http::verb::get, "/v1/vector_stores"},
    {vs_get, http::verb::get, "/v1/vector_stores/{vector_store_id}"},
    {vs_modify, http::verb::post, "/v1/vector_stores/{vector_store_id}"},
    {vs_delete, http::verb::delete_, "/v1/vector_stores/{vector_store_id}"},
    {vs_search, http::verb::post, "/v1/vector_stores/{vector_store_id}/search"},
    {vsf_create, http::verb::post, "/v1/vector_stores/{vector_store_id}/files"},
    {vsf_list, http::verb::get, "/v1/vector_stores/{vector_store_id}/files"},
    {vsf_get, http::verb::get, "/v1/vector_stores/{vector_store_id}/files/{file_id}"},
    {vsf_update, http::verb::post, "/v1/vector_stores/{vector_store_id}/files/{file_id}"},
    {vsf_delete, http::verb::delete_, "/v1/vector_stores/{vector_store_id}/files/{file_id}"},
    {vsf_content, http::verb::get, "/v1/vector_stores/{vector_store_id}/files/{file_id}/content"},
    {batch_create, http::verb::post, "/v1/vector_stores/{vector_store_id}/file_batches"},
    {batch_get, http::verb::get, "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}"},
    {batch_cancel, http::verb::post, "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel"},
    {batch_files, http::verb::get, "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files"},
    {emu_stats, http::verb::get, "/v1/emulator/stats"},
    {emu_reset, http::verb::post, "/v1/emulator/reset"},
};
static_assert(std::size(routes) == route_total);

// Splits "/a/b/c" into segments; false when there are more than `max` of them.
template <std::size_t N>
bool split_path(std::string_view path, std::array<std::string_view, N>& out, std::size_t& n) {
    n = 0;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        std::size_t e = path.find('/', i);
        if (e == std::string_view::npos)
            e = path.size();
        if (n == N)
            return false;
        out[n++] = path.substr(i, e - i);
        i = e;
    }
    return true;
}

std::string route_name(const route_def& r) {
    return std::string(http::to_string(r.method)) + " " + std::string(r.pattern);
}

// By route id: what endpoint budgets (--endpoint-rpm) are keyed by.
const std::vector<std::string> route_names = [] {
    std::vector<std::string> names;
    for (const auto& r : routes)
        names.push_back(route_name(r));
    return names;
}();

// ---- errors ------------------------------------------------------------------------------------------

struct api_failure {
    api_failure(unsigned s, std::string m, std::string t = "invalid_request_error", std::string p = {},
                std::string c = {})
        : status(s), message(std::move(m)), type(std::move(t)), param(std::move(p)), code(std::move(c)) {}
    unsigned status;
    std::string message;
    std::string type;
    std::string param;
    std::string code;
};

[[noreturn]] void bad_request(std::string message, std::string param = {}, std::string code = {}) {
    throw api_failure{400, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
}
[[noreturn]] void not_found(std::string_view what, std::string_view id) {
    throw api_failure{404,
                      "No " + std::string(what) + " found with id '" + std::string(id) + "'.",
                      "invalid_request_error",
                      {},
                      {}};
}

std::string percent_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::string r;
    r.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            r += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            r += s[i] == '+' ? ' ' : s[i];
        }
    }
    return r;
}

std::string query_param(std::string_view query, std::string_view name) {
    std::size_t i = 0;
    while (i <= query.size()) {
        std::size_t e = query.find('&', i);
        if (e == std::string_view::npos)
            e = query.size();
        std::string_view kv = query.substr(i, e - i);
        std::size_t eq = kv.find('=');
        if (kv.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string() : percent_decode(kv.substr(eq + 1));
        i = e + 1;
    }
    return {};
}

bool has_query_param(std::string_view query, std::string_view name) {
    std::size_t i = 0;
    while (i <= query.size()) {
        std::size_t e = query.find('&', i);
        if (e == std::string_view::npos)
            e = query.size();
        std::string_view kv = query.substr(i, e - i);
        if (kv.substr(0, kv.find('=')) == name)
            return true;
        i = e + 1;
    }
    return false;
}

list_params parse_list(std::string_view query, std::int64_t max_limit, std::int64_t default_limit,
                       bool allow_before = true) {
    list_params p;
    p.limit = default_limit;
    if (has_query_param(query, "limit")) {
        const std::string v = query_param(query, "limit");
        std::int64_t n = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || ptr != v.data() + v.size())
            bad_request("Invalid 'limit': expected an integer, but got '" + v + "' instead.", "limit",
                        "invalid_type");
        if (n < 1)
            bad_request("Invalid 'limit': integer below minimum value. Expected a value >= 1, but got " +
                            std::to_string(n) + " instead.",
                        "limit", "integer_below_min_value");
        if (n > max_limit)
            bad_request("Invalid 'limit': integer above maximum value. Expected a value <= " +
                            std::to_string(max_limit) + ", but got " + std::to_string(n) + " instead.",
                        "limit", "integer_above_max_value");
        p.limit = n;
    }
    if (has_query_param(query, "order")) {
        const std::string v = query_param(query, "order");
        if (v != "asc" && v != "desc")
            bad_request("Invalid value for 'order': expected one of 'asc' or 'desc', but got '" + v + "'.",
                        "order", "invalid_value");
        p.desc = v == "desc";
    }
    p.after = query_param(query, "after");
    if (allow_before)
        p.before = query_param(query, "before");
    return p;
}

// The list envelope {object:"list", data, first_id, last_id, has_more}.
template <class Items, class Render>
std::string list_body(const Items& items, const list_params& p, Render render) {
    auto slice = paginate(
        items.size(), [&](std::size_t i) -> const std::string& { return items[i]->id; }, p);
    json::array data;
    data.reserve(slice.indexes.size());
    for (auto i : slice.indexes)
        data.push_back(render(*items[i]));
    json::object o;
    o["object"] = "list";
    o["data"] = std::move(data);
    o["first_id"] =
        slice.indexes.empty() ? json::value(nullptr) : json::value(items[slice.indexes.front()]->id);
    o["last_id"] =
        slice.indexes.empty() ? json::value(nullptr) : json::value(items[slice.indexes.back()]->id);
    o["has_more"] = slice.has_more;
    return json::serialize(o);
}

// ---- body validation ---------------------------------------------------------------------------------

const char* type_name(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
        return "an integer";
    case json::kind::double_:
        return "a decimal";
    case json::kind::string:
        return "a string";
    case json::kind::array:
        return "an array";
    case json::kind::object:
        return "an object";
    }
    return "a value";
}

[[noreturn]] void invalid_type(std::string_view field, std::string_view expected, const json::value& got) {
    bad_request("Invalid type for '" + std::string(field) + "': expected " + std::string(expected) +
                    ", but got " + type_name(got) + " instead.",
                std::string(field), "invalid_type");
}

void check_known(const json::object& o, std::initializer_list<std::string_view> allowed) {
    for (const auto& kv : o) {
        if (std::find(allowed.begin(), allowed.end(), std::string_view(kv.key())) == allowed.end())
            bad_request("Unrecognized request argument supplied: " + std::string(kv.key()));
    }
}

std::string require_string(const json::object& o, std::string_view field) {
    const auto* v = o.if_contains(field);
    if (!v)
        bad_request("Missing required parameter: '" + std::string(field) + "'.", std::string(field),
                    "missing_required_parameter");
    if (!v->is_string())
        invalid_type(field, "a string", *v);
    return std::string(v->as_string());
}

// Optional string-or-null; returns the value as stored (null when absent and `absent_null`).
json::value opt_string(const json::object& o, std::string_view field, json::value fallback = nullptr) {
    const auto* v = o.if_contains(field);
    if (!v)
        return fallback;
    if (!v->is_string() && !v->is_null())
        invalid_type(field, "a string", *v);
    return *v;
}

json::value opt_number(const json::object& o, std::string_view field, double lo, double hi,
                       json::value fallback = nullptr) {
    const auto* v = o.if_contains(field);
    if (!v)
        return fallback;
    if (v->is_null())
        return fallback;
    if (!v->is_number())
        invalid_type(field, "a number", *v);
    const double d = v->to_number<double>();
    if (d < lo || d > hi)
        bad_request("Invalid '" + std::string(field) + "': number out of range.", std::string(field),
                    "invalid_value");
    return *v;
}

json::value opt_tokens(const json::object& o, std::string_view field) {
    const auto* v = o.if_contains(field);
    if (!v || v->is_null())
        return nullptr;
    if (!v->is_int64())
        invalid_type(field, "an integer", *v);
    if (v->as_int64() < 256)
        bad_request("Invalid '" + std::string(field) +
                        "': integer below minimum value. Expected a value >= 256, "
                        "but got " +
                        std::to_string(v->as_int64()) + " instead.",
                    std::string(field), "integer_below_min_value");
    return *v;
}

json::value metadata_of(const json::object& o, json::value fallback = json::object()) {
    const auto* v = o.if_contains("metadata");
    if (!v)
        return fallback;
    if (v->is_null())
        return json::object();
    if (!v->is_object())
        invalid_type("metadata", "an object", *v);
    const auto& m = v->as_object();
    if (m.size() > 16)
        bad_request("Invalid 'metadata': too many properties. Expected an object with at most 16 properties, "
                    "but got an object with " +
                        std::to_string(m.size()) + " properties instead.",
                    "metadata", "object_above_max_properties");
    for (const auto& kv : m) {
        if (kv.key().size() > 64)
            bad_request("Invalid 'metadata': keys must be at most 64 characters.", "metadata",
                        "invalid_value");
        if (!kv.value().is_string())
            invalid_type("metadata." + std::string(kv.key()), "a string", kv.value());
        if (kv.value().as_string().size() > 512)
            bad_request("Invalid 'metadata': values must be at most 512 characters.", "metadata",
                        "invalid_value");
    }
    return *v;
}

json::array tools_of(const json::value& v, std::string_view field, std::size_t max) {
    if (!v.is_array())
        invalid_type(field, "an array", v);
    const auto& a = v.as_array();
    if (a.size() > max)
        bad_request("Invalid '" + std::string(field) +
                        "': array too long. Expected an array with maximum length " + std::to_string(max) +
                        ", but got an array with length " + std::to_string(a.size()) + " instead.",
                    std::string(field), "array_above_max_length");
    json::array out;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string here = std::string(field) + "[" + std::to_string(i) + "]";
        if (!a[i].is_object())
            invalid_type(here, "an object", a[i]);
        const auto& t = a[i].as_object();
        const auto* type = t.if_contains("type");
        if (!type || !type->is_string())
            bad_request("Missing required parameter: '" + here + ".type'.", here + ".type",
                        "missing_required_parameter");
        if (*type != "code_interpreter" && *type != "file_search" && *type != "function")
            bad_request("Invalid value: '" + std::string(type->as_string()) +
                            "'. Supported values are: 'code_interpreter', 'file_search', and 'function'.",
                        here + ".type", "invalid_value");
        if (*type == "function") {
            const auto* fn = t.if_contains("function");
            if (!fn || !fn->is_object())
                bad_request("Missing required parameter: '" + here + ".function'.", here + ".function",
                            "missing_required_parameter");
            const auto* name = fn->as_object().if_contains("name");
            if (!name || !name->is_string() || name->as_string().empty())
                bad_request("Missing required parameter: '" + here + ".function.name'.",
                            here + ".function.name", "missing_required_parameter");
            json::object f = fn->as_object();
            if (!f.contains("description"))
                f["description"] = nullptr;
            if (!f.contains("parameters"))
                f["parameters"] = json::object{{"type", "object"}, {"properties", json::object()}};
            if (!f.contains("strict"))
                f["strict"] = false;
            out.push_back(json::object{{"type", "function"}, {"function", std::move(f)}});
        } else {
            out.push_back(t);
        }
    }
    return out;
}

json::value object_or_null(const json::object& o, std::string_view field, json::value fallback) {
    const auto* v = o.if_contains(field);
    if (!v)
        return fallback;
    if (!v->is_object() && !v->is_null())
        invalid_type(field, "an object", *v);
    return v->is_null() ? fallback : *v;
}

json::object parse_body(const std::string& body) {
    if (body.empty())
        return {};
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec)
        bad_request(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
            "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was "
            "not valid JSON. If you have trouble figuring out how to fix this, please contact us through "
            "our help center at help.openai.com.)");
    if (!v.is_object())
        bad_request("Invalid type for request body: expected an object, but got " +
                    std::string(type_name(v)) + " instead.");
    return std::move(v.as_object());
}

// A message in CreateMessageRequest form, validated and normalised.
struct message_input {
    std::string role;
    json::array content;
    json::value attachments = nullptr;
    json::value metadata = json::object();
    std::size_t user_bytes = 0; ///< text + attached file bytes when role is user (for the token estimate)
};

message_input message_of(const json::value& v, std::string_view where, store& st) {
    if (!v.is_object())
        invalid_type(where.empty() ? "body" : where, "an object", v);
    const auto& o = v.as_object();
    check_known(o, {"role", "content", "attachments", "metadata"});
    const std::string prefix = where.empty() ? "" : std::string(where) + ".";
    message_input m;
    const auto* role = o.if_contains("role");
    if (!role)
        bad_request("Missing required parameter: '" + prefix + "role'.", prefix + "role",
                    "missing_required_parameter");
    if (*role != "user" && *role != "assistant")
        bad_request("Invalid value: '" +
                        (role->is_string() ? std::string(role->as_string()) : json::serialize(*role)) +
                        "'. Supported values are: 'user' and 'assistant'.",
                    prefix + "role", "invalid_value");
    m.role = std::string(role->as_string());
    const auto* content = o.if_contains("content");
    if (!content)
        bad_request("Missing required parameter: '" + prefix + "content'.", prefix + "content",
                    "missing_required_parameter");
    std::string text;
    auto text_part = [&](std::string_view value) {
        text += value;
        json::object t;
        t["value"] = value;
        t["annotations"] = json::array();
        m.content.push_back(json::object{{"type", "text"}, {"text", std::move(t)}});
    };
    if (content->is_string()) {
        text_part(content->as_string());
    } else if (content->is_array()) {
        for (const auto& part : content->as_array()) {
            if (!part.is_object())
                invalid_type(prefix + "content[]", "an object", part);
            const auto& p = part.as_object();
            const auto* type = p.if_contains("type");
            if (type && *type == "text" && p.contains("text") && p.at("text").is_string()) {
                text_part(p.at("text").as_string());
            } else if (type && *type == "image_file" && p.contains("image_file")) {
                m.content.push_back(p);
            } else if (type && *type == "image_url" && p.contains("image_url")) {
                m.content.push_back(p);
            } else {
                bad_request("Invalid content part in '" + prefix + "content'.", prefix + "content",
                            "invalid_value");
            }
        }
    } else {
        invalid_type(prefix + "content", "a string or an array", *content);
    }
    std::size_t file_bytes = 0;
    if (const auto* att = o.if_contains("attachments"); att && !att->is_null()) {
        if (!att->is_array())
            invalid_type(prefix + "attachments", "an array", *att);
        for (const auto& a : att->as_array()) {
            if (!a.is_object())
                invalid_type(prefix + "attachments[]", "an object", a);
            const auto* fid = a.as_object().if_contains("file_id");
            if (!fid || !fid->is_string())
                bad_request("Missing required parameter: '" + prefix + "attachments[].file_id'.",
                            prefix + "attachments[].file_id", "missing_required_parameter");
            const auto* f = st.find_file(std::string(fid->as_string()));
            if (!f)
                not_found("file", fid->as_string());
            file_bytes += f->data.size();
        }
        json::array normalised;
        for (const auto& a : att->as_array()) {
            json::object n = a.as_object();
            if (!n.contains("tools"))
                n["tools"] = json::array();
            normalised.push_back(std::move(n));
        }
        m.attachments = std::move(normalised);
    }
    m.metadata = metadata_of(o);
    if (m.role == "user")
        m.user_bytes = text.size() + file_bytes;
    return m;
}

json::object deleted(std::string_view id, std::string_view object) {
    json::object o;
    o["id"] = id;
    o["object"] = object;
    o["deleted"] = true;
    return o;
}

const json::value default_truncation = json::object{{"type", "auto"}, {"last_messages", nullptr}};

// TruncationObject: `type` (required) `auto` or `last_messages`, `last_messages` an integer >= 1 or null.
json::value truncation_of(const json::object& b) {
    const auto* v = b.if_contains("truncation_strategy");
    if (!v || v->is_null())
        return default_truncation;
    if (!v->is_object())
        invalid_type("truncation_strategy", "an object", *v);
    const auto& t = v->as_object();
    check_known(t, {"type", "last_messages"});
    const auto* type = t.if_contains("type");
    if (!type)
        bad_request("Missing required parameter: 'truncation_strategy.type'.", "truncation_strategy.type",
                    "missing_required_parameter");
    if (!type->is_string())
        invalid_type("truncation_strategy.type", "a string", *type);
    if (*type != "auto" && *type != "last_messages")
        bad_request("Invalid value: '" + std::string(type->as_string()) +
                        "'. Supported values are: 'auto' and 'last_messages'.",
                    "truncation_strategy.type", "invalid_value");
    json::object out;
    out["type"] = *type;
    out["last_messages"] = nullptr;
    if (const auto* n = t.if_contains("last_messages"); n && !n->is_null()) {
        if (!n->is_int64())
            invalid_type("truncation_strategy.last_messages", "an integer", *n);
        if (n->as_int64() < 1)
            bad_request(
                "Invalid 'truncation_strategy.last_messages': integer below minimum value. Expected a "
                "value >= 1, but got " +
                    std::to_string(n->as_int64()) + " instead.",
                "truncation_strategy.last_messages", "integer_below_min_value");
        out["last_messages"] = *n;
    }
    return out;
}

} // namespace

std::string api::route_label(const route_match& route) {
    return route.id < 0 ? std::string("unknown") : route_name(routes[route.id]);
}

std::size_t api::route_count() {
    return route_total + 1;
} // the last slot counts unknown routes

api::api(const config& cfg)
    : cfg_(cfg), stats_(route_count()), store_(cfg, stats_),
      limiter_(cfg.rpm, cfg.tpm,
               cfg.rate_layout == "per-model" ? rate_layout::per_model : rate_layout::global,
               cfg.endpoint_rpm, cfg.rate_limit_headers) {}

route_match api::match(http::verb method, std::string_view target) const {
    route_match m;
    std::string_view path = target;
    if (auto q = target.find('?'); q != std::string_view::npos) {
        path = target.substr(0, q);
        m.query = target.substr(q + 1);
    }
    std::array<std::string_view, 8> segs;
    std::size_t n = 0;
    if (!split_path(path, segs, n))
        return m;
    // The patterns are split once; matching is then a few string_view comparisons per candidate.
    struct split_route {
        const route_def* def;
        std::array<std::string_view, 8> segs;
        std::size_t n;
    };
    static const std::vector<split_route> table = [] {
        std::vector<split_route> t;
        for (const auto& r : routes) {
            split_route sr{&r, {}, 0};
            split_path(r.pattern, sr.segs, sr.n);
            t.push_back(sr);
        }
        return t;
    }();
    for (const auto& sr : table) {
        const route_def& r = *sr.def;
        if (r.method != method || sr.n != n)
            continue;
        const auto& pat = sr.segs;
        std::size_t params = 0;
        bool ok = true;
        std::array<std::string_view, 3> found{};
        for (std::size_t i = 0; i < n && ok; ++i) {
            if (!pat[i].empty() && pat[i].front() == '{') {
                if (segs[i].empty() || params == found.size())
                    ok = false;
                else
                    found[params++] = segs[i];
            } else {
                ok = pat[i] == segs[i];
            }
        }
        if (!ok)
            continue;
        m.id = r.id;
        m.params = found;
        m.emulator = r.id == emu_stats || r.id == emu_reset;
        m.upload = r.id == files_create;
        return m;
    }
    return m;
}

api_response api::handle(api_request& req, const route_match& route, const fault_plan& faults) {
    api_response res;
    const ms_t now = now_ms();
    const std::int64_t steady = steady_ns();

    if (route.emulator) {
        if (route.id == emu_reset) {
            store_.clear();
            stats_.reset();
            limiter_.reset();
            res.body = R"({"object":"emulator.reset","ok":true})";
            return res;
        }
        store_.settle_all(now);
        json::object o;
        o["requests_total"] = stats_.requests_total;
        json::object per;
        for (std::size_t i = 0; i < route_total; ++i)
            if (stats_.per_route[i])
                per[route_name(routes[i])] = stats_.per_route[i];
        if (stats_.per_route[route_total])
            per["unknown"] = stats_.per_route[route_total];
        o["requests_per_route"] = std::move(per);
        o["rate_limited_429"] = stats_.rate_limited;
        o["quota_refusals"] = stats_.quota_refusals;
        o["max_requests_60s"] = stats_.window_60s.max();
        o["max_requests_1s"] = stats_.window_1s.max();
        o["runs_created"] = stats_.runs_created;
        o["runs_completed"] = stats_.runs_completed;
        o["runs_failed"] = stats_.runs_failed;
        o["runs_cancelled"] = stats_.runs_cancelled;
        o["runs_expired"] = stats_.runs_expired;
        o["runs_open"] = store_.open_runs();
        o["active_run_conflicts"] = stats_.active_run_conflicts;
        o["connections_accepted"] = stats_.connections_accepted;
        o["runs_per_thread_max"] = stats_.runs_per_thread_max;
        o["run_inputs"] = stats_.run_inputs;
        o["inputs_completed_more_than_once"] = stats_.inputs_completed_more_than_once;
        o["live_runs_per_input_max"] = stats_.live_runs_per_input_max;
        o["streams"] = stats_.streams;
        o["faults"] = json::object{{"server_error", stats_.faults_5xx},
                                   {"reset", stats_.faults_reset},
                                   {"slow", stats_.faults_slow},
                                   {"truncate", stats_.faults_truncate}};
        res.body = json::serialize(o);
        return res;
    }

    stats_.count_request(route.id < 0 ? static_cast<std::size_t>(route_total)
                                      : static_cast<std::size_t>(route.id),
                         steady / 1'000'000);
    const http::fields& h = *req.headers;
    bool charged = false;
    auto fail = [&](const api_failure& f) {
        res = api_response{};
        if (!charged) // a refused charge here would still be an error answer
            limiter_.charge({}, 0, steady, route.id < 0 ? std::string_view{} : route_names[route.id]);
        limiter_.headers({}, steady, res.headers);
        res.status = f.status;
        res.body = error_body(f.message, f.type, f.param, f.code);
        return std::move(res);
    };

    // Authentication comes first: without a key the service cannot know whose budget to charge.
    auto auth = h[http::field::authorization];
    if (auth.size() <= 7 || !(auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
        res.status = 401;
        res.body =
            error_body("You didn't provide an API key. You need to provide your API key in an Authorization "
                       "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
                       "field (with blank username) if you're accessing the API from your browser and are "
                       "prompted for a username and password. You can obtain an API key from "
                       "https://platform.openai.com/account/api-keys.",
                       "invalid_request_error");
        return res;
    }
    if (cfg_.quota_exhausted) {
        ++stats_.quota_refusals;
        res.status = 429;
        res.body =
            error_body("You exceeded your current quota, please check your plan and billing details. For "
                       "more information on this error, read the docs: "
                       "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                       "insufficient_quota", {}, "insufficient_quota");
        return res;
    }
    try {
        if (route.id < 0)
            throw api_failure{404, "Invalid URL (" + std::string(http::to_string(req.method)) + " " +
                                       std::string(req.target.substr(0, req.target.find('?'))) + ")"};
        const std::string_view path = req.target;
        const bool beta_path = path.starts_with("/v1/assistants") || path.starts_with("/v1/threads") ||
                               path.starts_with("/v1/vector_stores");
        if (beta_path) {
            auto beta = h["OpenAI-Beta"];
            if (beta.find("assistants=v2") == std::string_view::npos)
                throw api_failure{400,
                                  beta.find("assistants=v1") != std::string_view::npos
                                      ? "The v1 Assistants API has been deprecated. Please try again by "
                                        "setting the header 'OpenAI-Beta: assistants=v2'."
                                      : "You must provide the 'OpenAI-Beta' header to access the Assistants "
                                        "API. Please try again by setting the header 'OpenAI-Beta: "
                                        "assistants=v2'."};
        }
        if (faults.server_error) {
            ++stats_.faults_5xx;
            throw api_failure{500, "The server had an error while processing your request. Sorry about that!",
                              "server_error"};
        }
        const bool run_creating = route.id == run_create || route.id == thread_and_run;
        if (!run_creating) {
            charged = true;
            auto d = limiter_.charge({}, 0, steady, route_names[route.id]);
            if (!d.admitted) {
                ++stats_.rate_limited;
                res.status = 429;
                res.body = std::move(d.body);
                res.headers = std::move(d.headers);
                return res;
            }
            res.headers = std::move(d.headers);
        }
        const auto p0 = std::string(route.params[0]);
        const auto p1 = std::string(route.params[1]);
        const auto p2 = std::string(route.params[2]);
        auto ok = [&](const json::value& v) {
            res.status = 200;
            res.body = json::serialize(v);
            return std::move(res);
        };
        auto need_thread = [&](const std::string& id) -> thread_rec& {
            auto* t = store_.find_thread(id);
            if (!t)
                not_found("thread", id);
            store_.settle(*t, now);
            return *t;
        };
        auto need_run = [&](thread_rec& t, const std::string& id) -> run_rec& {
            auto* r = store_.find_run(id);
            if (!r || r->thread != &t)
                not_found("run", id);
            store_.settle(*r, now);
            return *r;
        };
        auto need_file = [&](const std::string& id) -> file_rec& {
            auto* f = store_.find_file(id);
            if (!f)
                throw api_failure{404, "No such File object: " + id, "invalid_request_error", "id"};
            return *f;
        };
        auto need_vs = [&](const std::string& id) -> vector_store_rec& {
            auto* v = store_.find_vector_store(id);
            if (!v)
                not_found("vector store", id);
            return *v;
        };
        auto need_assistant = [&](const std::string& id) -> assistant_rec& {
            auto* a = store_.find_assistant(id);
            if (!a)
                not_found("assistant", id);
            return *a;
        };

        // Shared by createRun and createThreadAndRun: the run's parameters from the body and the assistant.
        auto run_params_of = [&](const json::object& b, const assistant_rec& a) {
            store::run_params p;
            p.assistant_id = a.id;
            const auto* model = b.if_contains("model");
            if (model && !model->is_null() && !model->is_string())
                invalid_type("model", "a string", *model);
            p.model = model && model->is_string() ? std::string(model->as_string()) : a.model();
            const auto* instr = b.if_contains("instructions");
            if (instr && !instr->is_null() && !instr->is_string())
                invalid_type("instructions", "a string", *instr);
            p.instructions = instr && instr->is_string() ? std::string(instr->as_string()) : a.instructions();
            if (const auto* add = b.if_contains("additional_instructions"); add && !add->is_null()) {
                if (!add->is_string())
                    invalid_type("additional_instructions", "a string", *add);
                p.additional_instructions = std::string(add->as_string());
            }
            if (const auto* tools = b.if_contains("tools"); tools && !tools->is_null())
                p.tools = tools_of(*tools, "tools", 20);
            else if (const auto* at = a.fields.if_contains("tools"); at && at->is_array())
                p.tools = at->as_array();
            p.metadata = metadata_of(b);
            p.temperature =
                opt_number(b, "temperature", 0, 2,
                           a.fields.contains("temperature") ? a.fields.at("temperature") : json::value(1.0));
            p.top_p = opt_number(b, "top_p", 0, 1,
                                 a.fields.contains("top_p") ? a.fields.at("top_p") : json::value(1.0));
            p.max_prompt_tokens = opt_tokens(b, "max_prompt_tokens");
            p.max_completion_tokens = opt_tokens(b, "max_completion_tokens");
            p.truncation_strategy = truncation_of(b);
            if (const auto* tc = b.if_contains("tool_choice"); tc && !tc->is_null()) {
                if (tc->is_string() && *tc != "none" && *tc != "auto" && *tc != "required")
                    bad_request("Invalid value: '" + std::string(tc->as_string()) +
                                    "'. Supported values are: 'none', 'auto', and 'required'.",
                                "tool_choice", "invalid_value");
                if (!tc->is_string() && !tc->is_object())
                    invalid_type("tool_choice", "a string or an object", *tc);
                p.tool_choice = *tc;
            } else {
                p.tool_choice = "auto";
            }
            if (const auto* ptc = b.if_contains("parallel_tool_calls"); ptc && !ptc->is_null()) {
                if (!ptc->is_bool())
                    invalid_type("parallel_tool_calls", "a boolean", *ptc);
                p.parallel_tool_calls = *ptc;
            }
            if (const auto* rf = b.if_contains("response_format"); rf && !rf->is_null())
                p.response_format = *rf;
            else
                p.response_format = a.fields.contains("response_format") ? a.fields.at("response_format")
                                                                         : json::value("auto");
            return p;
        };
        auto stream_flag = [&](const json::object& b) {
            const auto* s = b.if_contains("stream");
            if (!s || s->is_null())
                return false;
            if (!s->is_bool())
                invalid_type("stream", "a boolean", *s);
            return s->as_bool();
        };
        auto charge_run = [&](const std::string& model, std::int64_t tokens) {
            charged = true;
            auto d = limiter_.charge(model, tokens, steady, route_names[route.id]);
            if (!d.admitted) {
                ++stats_.rate_limited;
                res.status = 429;
                res.body = std::move(d.body);
                res.headers = std::move(d.headers);
                return false;
            }
            res.headers = std::move(d.headers);
            return true;
        };
        auto start_stream = [&](const run_rec& r, bool thread_created, bool resumed) {
            ++stats_.streams;
            res.status = 200;
            res.content_type = "text/event-stream; charset=utf-8";
            res.stream = std::make_unique<run_event_source>(r.id, thread_created, resumed);
            return std::move(res);
        };

        switch (static_cast<route_id>(route.id)) {
        // ---- files -------------------------------------------------------------------------------------
        case files_create: {
            if (!req.upload) {
                auto ct = h[http::field::content_type];
                throw api_failure{400, "Invalid Content-Type header (" + std::string(ct) +
                                           "), expected multipart/form-data."};
            }
            if (!req.upload_error.empty())
                bad_request(req.upload_error);
            auto& up = *req.upload;
            for (const auto& kv : up.fields)
                if (kv.first != "purpose" && kv.first != "expires_after[anchor]" &&
                    kv.first != "expires_after[seconds]")
                    bad_request("Unrecognized request argument supplied: " + kv.first);
            if (up.has_file && up.file_field != "file")
                bad_request("Unrecognized request argument supplied: " + up.file_field);
            auto purpose = up.fields.find("purpose");
            if (purpose == up.fields.end())
                bad_request("Missing required parameter: 'purpose'.", "purpose",
                            "missing_required_parameter");
            static constexpr std::string_view purposes[] = {"assistants", "batch",     "fine-tune",
                                                            "vision",     "user_data", "evals"};
            if (std::find(std::begin(purposes), std::end(purposes), purpose->second) == std::end(purposes))
                bad_request("'" + purpose->second +
                                "' is not one of ['fine-tune', 'assistants', 'batch', 'user_data', 'vision', "
                                "'evals'] - 'purpose'",
                            "purpose", "invalid_value");
            if (!up.has_file)
                bad_request("Missing required parameter: 'file'.", "file", "missing_required_parameter");
            std::int64_t expires_at = 0;
            if (auto anchor = up.fields.find("expires_after[anchor]"); anchor != up.fields.end()) {
                if (anchor->second != "created_at")
                    bad_request("Invalid value for 'expires_after.anchor': expected 'created_at'.",
                                "expires_after.anchor", "invalid_value");
                auto secs = up.fields.find("expires_after[seconds]");
                std::int64_t s = 0;
                if (secs == up.fields.end() ||
                    std::from_chars(secs->second.data(), secs->second.data() + secs->second.size(), s).ec !=
                        std::errc() ||
                    s < 3600 || s > 2592000)
                    bad_request(
                        "Invalid 'expires_after.seconds': expected an integer between 3600 and 2592000.",
                        "expires_after.seconds", "invalid_value");
                expires_at = now / 1000 + s;
            }
            auto& f = store_.add_file(up.filename, purpose->second, std::move(up.file_data), expires_at, now);
            return ok(store_.render(f));
        }
        case files_list: {
            auto p = parse_list(route.query, 10000, 10000, false);
            const std::string purpose = query_param(route.query, "purpose");
            std::vector<file_rec*> items;
            for (auto* f : store_.files())
                if (purpose.empty() || f->purpose == purpose)
                    items.push_back(f);
            res.body = list_body(items, p, [&](const file_rec& f) { return store_.render(f); });
            return res;
        }
        case files_get:
            return ok(store_.render(need_file(p0)));
        case files_delete:
            need_file(p0);
            store_.delete_file(p0);
            return ok(deleted(p0, "file"));
        case files_content: {
            auto& f = need_file(p0);
            res.content_type = "application/octet-stream";
            res.body = f.data;
            return res;
        }
        // ---- assistants ------------------------------------------------------------------------------
        case asst_create:
        case asst_modify: {
            auto b = parse_body(req.body);
            check_known(b, {"model", "name", "description", "instructions", "reasoning_effort", "tools",
                            "tool_resources", "metadata", "temperature", "top_p", "response_format"});
            assistant_rec* existing = route.id == asst_modify ? &need_assistant(p0) : nullptr;
            json::object f;
            if (existing)
                f = existing->fields;
            if (!existing || b.contains("model"))
                f["model"] = require_string(b, "model");
            for (auto k : {"name", "description", "instructions"})
                f[k] = opt_string(b, k, existing ? f[k] : json::value(nullptr));
            if (const auto* t = b.if_contains("tools"))
                f["tools"] = tools_of(*t, "tools", 128);
            else if (!existing)
                f["tools"] = json::array();
            f["tool_resources"] =
                object_or_null(b, "tool_resources", existing ? f["tool_resources"] : json::object());
            f["metadata"] = metadata_of(b, existing ? f["metadata"] : json::object());
            f["temperature"] =
                opt_number(b, "temperature", 0, 2, existing ? f["temperature"] : json::value(1.0));
            f["top_p"] = opt_number(b, "top_p", 0, 1, existing ? f["top_p"] : json::value(1.0));
            if (const auto* rf = b.if_contains("response_format"))
                f["response_format"] = rf->is_null() ? json::value("auto") : *rf;
            else if (!existing)
                f["response_format"] = "auto";
            if (const auto* re = b.if_contains("reasoning_effort"))
                f["reasoning_effort"] = *re;
            if (existing) {
                existing->fields = std::move(f);
                return ok(store_.render(*existing));
            }
            return ok(store_.render(store_.add_assistant(std::move(f), now)));
        }
        case asst_list: {
            auto p = parse_list(route.query, 100, 20);
            res.body =
                list_body(store_.assistants(), p, [&](const assistant_rec& a) { return store_.render(a); });
            return res;
        }
        case asst_get:
            return ok(store_.render(need_assistant(p0)));
        case asst_delete:
            need_assistant(p0);
            store_.delete_assistant(p0);
            return ok(deleted(p0, "assistant.deleted"));
        // ---- threads ---------------------------------------------------------------------------------
        case thread_create: {
            auto b = parse_body(req.body);
            check_known(b, {"messages", "tool_resources", "metadata"});
            std::vector<message_input> msgs;
            if (const auto* m = b.if_contains("messages"); m && !m->is_null()) {
                if (!m->is_array())
                    invalid_type("messages", "an array", *m);
                for (std::size_t i = 0; i < m->as_array().size(); ++i)
                    msgs.push_back(
                        message_of(m->as_array()[i], "messages[" + std::to_string(i) + "]", store_));
            }
            auto& t =
                store_.add_thread(object_or_null(b, "tool_resources", json::object()), metadata_of(b), now);
            for (auto& m : msgs)
                store_.add_message(t, m.role, std::move(m.content), std::move(m.attachments),
                                   std::move(m.metadata), now);
            return ok(store_.render(t));
        }
        case thread_get:
            return ok(store_.render(need_thread(p0)));
        case thread_modify: {
            auto& t = need_thread(p0);
            auto b = parse_body(req.body);
            check_known(b, {"tool_resources", "metadata"});
            t.tool_resources = object_or_null(b, "tool_resources", t.tool_resources);
            t.metadata = metadata_of(b, t.metadata);
            return ok(store_.render(t));
        }
        case thread_delete:
            need_thread(p0);
            store_.delete_thread(p0);
            return ok(deleted(p0, "thread.deleted"));
        // ---- messages --------------------------------------------------------------------------------
        case msg_create: {
            auto& t = need_thread(p0);
            auto m = message_of(parse_body(req.body), "", store_);
            if (t.active)
                bad_request("Can't add messages to " + t.id + " while a run " + t.active->id + " is active.");
            return ok(store_.render(store_.add_message(t, m.role, std::move(m.content),
                                                       std::move(m.attachments), std::move(m.metadata), now),
                                    now));
        }
        case msg_list: {
            auto& t = need_thread(p0);
            auto p = parse_list(route.query, 100, 20);
            const std::string run_id = query_param(route.query, "run_id");
            auto render = [&](const message_rec& m) { return store_.render(m, now); };
            if (run_id.empty()) {
                res.body = list_body(t.messages, p, render);
            } else {
                std::vector<message_rec*> items;
                for (auto* m : t.messages)
                    if (m->run && m->run->id == run_id)
                        items.push_back(m);
                res.body = list_body(items, p, render);
            }
            return res;
        }
        case msg_get:
        case msg_modify:
        case msg_delete: {
            auto& t = need_thread(p0);
            auto* m = store_.find_message(p1);
            if (!m || m->thread != &t)
                not_found("message", p1);
            if (route.id == msg_delete) {
                store_.delete_message(p1);
                return ok(deleted(p1, "thread.message.deleted"));
            }
            if (route.id == msg_modify) {
                auto b = parse_body(req.body);
                check_known(b, {"metadata"});
                m->metadata = metadata_of(b, m->metadata);
            }
            return ok(store_.render(*m, now));
        }
        // ---- runs ------------------------------------------------------------------------------------
        case run_create: {
            auto& t = need_thread(p0);
            auto b = parse_body(req.body);
            check_known(b, {"assistant_id", "model", "reasoning_effort", "instructions",
                            "additional_instructions", "additional_messages", "tools", "metadata",
                            "temperature", "top_p", "stream", "max_prompt_tokens", "max_completion_tokens",
                            "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format"});
            auto& a = need_assistant(require_string(b, "assistant_id"));
            auto params = run_params_of(b, a);
            const bool stream = stream_flag(b);
            std::vector<message_input> extra;
            std::vector<std::size_t> extra_bytes;
            if (const auto* am = b.if_contains("additional_messages"); am && !am->is_null()) {
                if (!am->is_array())
                    invalid_type("additional_messages", "an array", *am);
                for (std::size_t i = 0; i < am->as_array().size(); ++i) {
                    extra.push_back(message_of(am->as_array()[i],
                                               "additional_messages[" + std::to_string(i) + "]", store_));
                    extra_bytes.push_back(extra.back().user_bytes);
                }
            }
            if (t.active) {
                ++stats_.active_run_conflicts;
                bad_request("Thread " + t.id + " already has an active run " + t.active->id + ".");
            }
            if (!charge_run(params.model, store_.estimate_tokens(t, params, extra_bytes)))
                return res;
            for (auto& m : extra)
                store_.add_message(t, m.role, std::move(m.content), std::move(m.attachments),
                                   std::move(m.metadata), now);
            auto& r = store_.add_run(t, std::move(params), now);
            if (stream)
                return start_stream(r, false, false);
            // The creation answer shows the run as just queued, whatever --run-ms is.
            return ok(store_.render(r, r.created - 1));
        }
        case thread_and_run: {
            auto b = parse_body(req.body);
            check_known(b, {"assistant_id", "thread", "model", "instructions", "tools", "tool_resources",
                            "metadata", "temperature", "top_p", "stream", "max_prompt_tokens",
                            "max_completion_tokens", "truncation_strategy", "tool_choice",
                            "parallel_tool_calls", "response_format", "reasoning_effort"});
            auto& a = need_assistant(require_string(b, "assistant_id"));
            auto params = run_params_of(b, a);
            const bool stream = stream_flag(b);
            object_or_null(b, "tool_resources", nullptr);
            json::object th;
            if (const auto* tv = b.if_contains("thread"); tv && !tv->is_null()) {
                if (!tv->is_object())
                    invalid_type("thread", "an object", *tv);
                th = tv->as_object();
                check_known(th, {"messages", "tool_resources", "metadata"});
            }
            std::vector<message_input> msgs;
            std::vector<std::size_t> bytes;
            if (const auto* m = th.if_contains("messages"); m && !m->is_null()) {
                if (!m->is_array())
                    invalid_type("thread.messages", "an array", *m);
                for (std::size_t i = 0; i < m->as_array().size(); ++i) {
                    msgs.push_back(
                        message_of(m->as_array()[i], "thread.messages[" + std::to_string(i) + "]", store_));
                    bytes.push_back(msgs.back().user_bytes);
                }
            }
            auto tool_resources = object_or_null(th, "tool_resources", json::object());
            auto metadata = metadata_of(th);
            thread_rec empty;
            if (!charge_run(params.model, store_.estimate_tokens(empty, params, bytes)))
                return res;
            auto& t = store_.add_thread(std::move(tool_resources), std::move(metadata), now);
            for (auto& m : msgs)
                store_.add_message(t, m.role, std::move(m.content), std::move(m.attachments),
                                   std::move(m.metadata), now);
            auto& r = store_.add_run(t, std::move(params), now);
            if (stream)
                return start_stream(r, true, false);
            return ok(store_.render(r, r.created - 1));
        }
        case run_list: {
            auto& t = need_thread(p0);
            auto p = parse_list(route.query, 100, 20);
            res.body = list_body(t.runs, p, [&](const run_rec& r) { return store_.render(r, now); });
            return res;
        }
        case run_get: {
            auto& r = need_run(need_thread(p0), p1);
            if (cfg_.poll_after_ms > 0)
                res.headers.push_back({"openai-poll-after-ms", std::to_string(cfg_.poll_after_ms)});
            return ok(store_.render(r, now));
        }
        case run_modify: {
            auto& r = need_run(need_thread(p0), p1);
            auto b = parse_body(req.body);
            check_known(b, {"metadata"});
            r.metadata = metadata_of(b, r.metadata);
            return ok(store_.render(r, now));
        }
        case run_cancel: {
            auto& r = need_run(need_thread(p0), p1);
            const auto st = r.status_at(now);
            if (st != run_status::queued && st != run_status::in_progress &&
                st != run_status::requires_action)
                bad_request("Cannot cancel run with status '" + std::string(to_string(st)) + "'.");
            store_.cancel_run(r, now);
            return ok(store_.render(r, now));
        }
        case run_submit: {
            auto& r = need_run(need_thread(p0), p1);
            auto b = parse_body(req.body);
            check_known(b, {"tool_outputs", "stream"});
            const bool stream = stream_flag(b);
            const auto* outs = b.if_contains("tool_outputs");
            if (!outs)
                bad_request("Missing required parameter: 'tool_outputs'.", "tool_outputs",
                            "missing_required_parameter");
            if (!outs->is_array())
                invalid_type("tool_outputs", "an array", *outs);
            std::vector<std::pair<std::string, std::string>> outputs;
            for (std::size_t i = 0; i < outs->as_array().size(); ++i) {
                const auto& o = outs->as_array()[i];
                const std::string here = "tool_outputs[" + std::to_string(i) + "]";
                if (!o.is_object())
                    invalid_type(here, "an object", o);
                check_known(o.as_object(), {"tool_call_id", "output"});
                const auto* id = o.as_object().if_contains("tool_call_id");
                const auto* out = o.as_object().if_contains("output");
                if (!id || !id->is_string())
                    bad_request("Missing required parameter: '" + here + ".tool_call_id'.",
                                here + ".tool_call_id", "missing_required_parameter");
                if (out && !out->is_string())
                    invalid_type(here + ".output", "a string", *out);
                outputs.emplace_back(std::string(id->as_string()), out ? std::string(out->as_string()) : "");
            }
            const auto st = r.status_at(now);
            if (st != run_status::requires_action)
                bad_request("Runs in status \"" + std::string(to_string(st)) +
                            "\" do not accept tool outputs.");
            std::string expected, got;
            bool complete = true;
            for (const auto& c : r.calls) {
                expected += (expected.empty() ? "'" : ", '") + c.id + "'";
                if (std::none_of(outputs.begin(), outputs.end(),
                                 [&](const auto& o) { return o.first == c.id; }))
                    complete = false;
            }
            for (const auto& o : outputs) {
                got += (got.empty() ? "'" : ", '") + o.first + "'";
                if (std::none_of(r.calls.begin(), r.calls.end(),
                                 [&](const auto& c) { return c.id == o.first; }))
                    complete = false;
            }
            if (!complete)
                bad_request("Expected tool outputs for call_ids [" + expected + "], got [" + got + "]");
            store_.submit_outputs(r, outputs, now);
            if (stream)
                return start_stream(r, false, true);
            return ok(store_.render(r, now));
        }
        case step_list: {
            auto& r = need_run(need_thread(p0), p1);
            auto p = parse_list(route.query, 100, 20);
            res.body = list_body(r.steps, p, [&](const step_rec& s) { return store_.render(s, now); });
            return res;
        }
        case step_get: {
            auto& r = need_run(need_thread(p0), p1);
            auto* s = store_.find_step(p2);
            if (!s || s->run != &r)
                not_found("run step", p2);
            return ok(store_.render(*s, now));
        }
        // ---- vector stores ---------------------------------------------------------------------------
        case vs_create: {
            auto b = parse_body(req.body);
            check_known(
                b, {"file_ids", "name", "description", "expires_after", "chunking_strategy", "metadata"});
            std::vector<file_rec*> files;
            if (const auto* ids = b.if_contains("file_ids"); ids && !ids->is_null()) {
                if (!ids->is_array())
                    invalid_type("file_ids", "an array", *ids);
                for (const auto& id : ids->as_array()) {
                    if (!id.is_string())
                        invalid_type("file_ids[]", "a string", id);
                    files.push_back(&need_file(std::string(id.as_string())));
                }
            }
            auto expires = object_or_null(b, "expires_after", nullptr);
            if (expires.is_object()) {
                const auto* days = expires.as_object().if_contains("days");
                if (!days || !days->is_int64() || days->as_int64() < 1 || days->as_int64() > 365)
                    bad_request("Invalid 'expires_after.days': expected an integer between 1 and 365.",
                                "expires_after.days", "invalid_value");
            }
            auto chunking = object_or_null(b, "chunking_strategy", nullptr);
            auto& v = store_.add_vector_store(opt_string(b, "name"), opt_string(b, "description"),
                                              std::move(expires), metadata_of(b), now);
            for (auto* f : files)
                store_.attach_file(v, *f, nullptr, chunking, {}, now);
            return ok(store_.render(v, now));
        }
        case vs_list: {
            auto p = parse_list(route.query, 100, 20);
            res.body = list_body(store_.vector_stores(), p,
                                 [&](const vector_store_rec& v) { return store_.render(v, now); });
            return res;
        }
        case vs_get:
            return ok(store_.render(need_vs(p0), now));
        case vs_modify: {
            auto& v = need_vs(p0);
            auto b = parse_body(req.body);
            check_known(b, {"name", "expires_after", "metadata"});
            v.name = opt_string(b, "name", v.name);
            v.expires_after = object_or_null(b, "expires_after", v.expires_after);
            v.metadata = metadata_of(b, v.metadata);
            return ok(store_.render(v, now));
        }
        case vs_delete:
            need_vs(p0);
            store_.delete_vector_store(p0);
            return ok(deleted(p0, "vector_store.deleted"));
        case vs_search: {
            auto& v = need_vs(p0);
            auto b = parse_body(req.body);
            check_known(b, {"query", "rewrite_query", "max_num_results", "filters", "ranking_options"});
            const auto* q = b.if_contains("query");
            if (!q)
                bad_request("Missing required parameter: 'query'.", "query", "missing_required_parameter");
            std::vector<std::string> terms;
            if (q->is_string())
                terms.emplace_back(q->as_string());
            else if (q->is_array())
                for (const auto& x : q->as_array())
                    if (x.is_string())
                        terms.emplace_back(x.as_string());
            std::int64_t max_results = 10;
            if (const auto* m = b.if_contains("max_num_results"); m && m->is_int64())
                max_results = std::clamp<std::int64_t>(m->as_int64(), 1, 50);
            json::array data;
            auto lower = [](std::string s) {
                for (auto& c : s)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                return s;
            };
            // A plain case-insensitive substring search: score 1 when every term occurs, else the share
            // found.
            for (const auto* vf : v.files) {
                if (static_cast<std::int64_t>(data.size()) >= max_results ||
                    vf->status_at(now) != "completed")
                    continue;
                const auto* f = store_.find_file(vf->id);
                if (!f)
                    continue;
                const std::string hay = lower(f->data);
                std::size_t hits = 0;
                for (const auto& t : terms)
                    if (hay.find(lower(t)) != std::string::npos)
                        ++hits;
                if (hits == 0)
                    continue;
                json::object r;
                r["file_id"] = f->id;
                r["filename"] = f->filename;
                r["score"] = static_cast<double>(hits) / static_cast<double>(terms.size());
                r["attributes"] = vf->attributes.is_null() ? json::value(json::object()) : vf->attributes;
                r["content"] = json::array{json::object{{"type", "text"}, {"text", f->data.substr(0, 800)}}};
                data.push_back(std::move(r));
            }
            json::array sq;
            for (const auto& t : terms)
                sq.push_back(json::value(t));
            json::object o;
            o["object"] = "vector_store.search_results.page";
            o["search_query"] = std::move(sq);
            o["data"] = std::move(data);
            o["has_more"] = false;
            o["next_page"] = nullptr;
            return ok(o);
        }
        case vsf_create: {
            auto& v = need_vs(p0);
            auto b = parse_body(req.body);
            check_known(b, {"file_id", "chunking_strategy", "attributes"});
            auto& f = need_file(require_string(b, "file_id"));
            auto& vf = store_.attach_file(v, f, object_or_null(b, "attributes", nullptr),
                                          object_or_null(b, "chunking_strategy", nullptr), {}, now);
            return ok(store_.render(vf, now));
        }
        case vsf_list:
        case batch_files: {
            auto& v = need_vs(p0);
            batch_rec* batch = nullptr;
            if (route.id == batch_files) {
                auto it = v.batches.find(p1);
                if (it == v.batches.end())
                    not_found("file batch", p1);
                batch = it->second.get();
            }
            auto p = parse_list(route.query, 100, 20);
            const std::string filter = query_param(route.query, "filter");
            if (!filter.empty() && filter != "in_progress" && filter != "completed" && filter != "failed" &&
                filter != "cancelled")
                bad_request(
                    "Invalid value for 'filter': expected one of 'in_progress', 'completed', 'failed' or "
                    "'cancelled'.",
                    "filter", "invalid_value");
            std::vector<vs_file_rec*> items;
            for (auto* f : v.files)
                if ((!batch || f->batch_id == batch->id) && (filter.empty() || f->status_at(now) == filter))
                    items.push_back(f);
            res.body = list_body(items, p, [&](const vs_file_rec& f) { return store_.render(f, now); });
            return res;
        }
        case vsf_get:
        case vsf_update:
        case vsf_delete:
        case vsf_content: {
            auto& v = need_vs(p0);
            auto it = v.file_map.find(p1);
            if (it == v.file_map.end())
                not_found("file", p1);
            auto& vf = *it->second;
            if (route.id == vsf_delete) {
                store_.detach_file(v, p1);
                return ok(deleted(p1, "vector_store.file.deleted"));
            }
            if (route.id == vsf_update) {
                auto b = parse_body(req.body);
                check_known(b, {"attributes"});
                if (!b.contains("attributes"))
                    bad_request("Missing required parameter: 'attributes'.", "attributes",
                                "missing_required_parameter");
                vf.attributes = object_or_null(b, "attributes", nullptr);
            }
            if (route.id == vsf_content) {
                const auto* f = store_.find_file(p1);
                json::object o;
                o["object"] = "vector_store.file_content.page";
                o["data"] =
                    json::array{json::object{{"type", "text"}, {"text", f ? f->data : std::string()}}};
                o["has_more"] = false;
                o["next_page"] = nullptr;
                return ok(o);
            }
            if (cfg_.poll_after_ms > 0)
                res.headers.push_back({"openai-poll-after-ms", std::to_string(cfg_.poll_after_ms)});
            return ok(store_.render(vf, now));
        }
        case batch_create: {
            auto& v = need_vs(p0);
            auto b = parse_body(req.body);
            check_known(b, {"file_ids", "files", "chunking_strategy", "attributes"});
            const auto* ids = b.if_contains("file_ids");
            const auto* files = b.if_contains("files");
            if ((ids != nullptr) == (files != nullptr))
                bad_request("Exactly one of 'file_ids' or 'files' must be provided.", "file_ids",
                            "invalid_value");
            const auto* list = ids ? ids : files;
            if (!list->is_array())
                invalid_type(ids ? "file_ids" : "files", "an array", *list);
            const auto& arr = list->as_array();
            if (arr.empty() || arr.size() > 2000)
                bad_request("Invalid '" + std::string(ids ? "file_ids" : "files") +
                                "': expected between 1 and 2000 items.",
                            ids ? "file_ids" : "files", "invalid_value");
            auto attributes = object_or_null(b, "attributes", nullptr);
            auto chunking = object_or_null(b, "chunking_strategy", nullptr);
            std::vector<std::tuple<file_rec*, json::value, json::value>> todo;
            for (const auto& x : arr) {
                if (ids) {
                    if (!x.is_string())
                        invalid_type("file_ids[]", "a string", x);
                    todo.emplace_back(&need_file(std::string(x.as_string())), attributes, chunking);
                } else {
                    if (!x.is_object())
                        invalid_type("files[]", "an object", x);
                    const auto& o = x.as_object();
                    todo.emplace_back(&need_file(require_string(o, "file_id")),
                                      object_or_null(o, "attributes", attributes),
                                      object_or_null(o, "chunking_strategy", chunking));
                }
            }
            auto& batch = store_.add_batch(v, now);
            for (auto& [f, attr, chunk] : todo) {
                store_.attach_file(v, *f, std::move(attr), std::move(chunk), batch.id, now);
                batch.file_ids.push_back(f->id);
            }
            return ok(store_.render(batch, v, now));
        }
        case batch_get:
        case batch_cancel: {
            auto& v = need_vs(p0);
            auto it = v.batches.find(p1);
            if (it == v.batches.end())
                not_found("file batch", p1);
            auto& batch = *it->second;
            if (route.id == batch_cancel && batch.cancelled == never) {
                batch.cancelled = now;
                for (const auto& id : batch.file_ids)
                    if (auto f = v.file_map.find(id); f != v.file_map.end() && f->second->done > now)
                        f->second->cancelled = now;
            }
            if (route.id == batch_get && cfg_.poll_after_ms > 0)
                res.headers.push_back({"openai-poll-after-ms", std::to_string(cfg_.poll_after_ms)});
            return ok(store_.render(batch, v, now));
        }
        case emu_stats:
        case emu_reset:
        case route_total:
            break;
        }
        throw api_failure{404, "Invalid URL"};
    } catch (const api_failure& f) {
        return fail(f);
    } catch (const std::exception& e) {
        return fail(api_failure{
            500, std::string("The server had an error while processing your request: ") + e.what(),
            "server_error"});
    }
}

} // namespace paced::emulator
