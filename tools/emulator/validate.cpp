// The checks every area's handlers share: OpenAI's error answers and the request-body field checks.

#include "validate.hpp"

#include <algorithm>

namespace paced::emulator {

namespace {

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

} // namespace

[[noreturn]] void bad_request(std::string message, std::string param, std::string code) {
    throw api_failure{400, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
}
[[noreturn]] void not_found(std::string_view what, std::string_view id) {
    throw api_failure{404,
                      "No " + std::string(what) + " found with id '" + std::string(id) + "'.",
                      "invalid_request_error",
                      {},
                      {}};
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

json::value opt_string(const json::object& o, std::string_view field, json::value fallback) {
    const auto* v = o.if_contains(field);
    if (!v)
        return fallback;
    if (!v->is_string() && !v->is_null())
        invalid_type(field, "a string", *v);
    return *v;
}

json::value opt_number(const json::object& o, std::string_view field, double lo, double hi,
                       json::value fallback) {
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

json::value metadata_of(const json::object& o, json::value fallback) {
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

} // namespace paced::emulator
