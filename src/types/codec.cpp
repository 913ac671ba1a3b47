// The codec's paths and errors, the readers and writers of the leaf types, parsing and query strings.

#include "types/codec.hpp"

#include <cmath>
#include <limits>

namespace paced::detail {

// ---- paths and errors ----------------------------------------------------------------------------------

std::string json_path::str() const {
    std::string out;
    for (std::size_t i = 0; i < depth_; ++i) {
        auto const& s = at(i);
        if (s.is_index) {
            out += '[';
            out += std::to_string(s.index);
            out += ']';
        } else {
            if (!out.empty())
                out += '.';
            out.append(s.key.data(), s.key.size());
        }
    }
    return out;
}

void json_path::fail(std::string_view reason) const {
    std::string msg = str();
    msg += ": ";
    msg.append(reason.data(), reason.size());
    throw_error(errc::unexpected_json, std::move(msg));
}

std::string_view kind_name(json::value const& v) noexcept {
    switch (v.kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
        return "number";
    case json::kind::string:
        return "string";
    case json::kind::array:
        return "array";
    case json::kind::object:
        return "object";
    }
    return "unknown";
}

void type_error(json_path const& p, std::string_view expected, json::value const& got) {
    std::string reason = "expected ";
    reason += expected;
    reason += ", got ";
    reason += kind_name(got);
    p.fail(reason);
}

json::object const& object_at(json::value const& v, json_path& p) {
    auto const* o = v.if_object();
    if (!o)
        type_error(p, "object", v);
    return *o;
}

std::string_view type_of(json::value const& v, json_path& p) {
    auto const* t = object_at(v, p).if_contains("type");
    if (!t)
        return {};
    auto const* s = t->if_string();
    if (!s) {
        path_scope sc(p, std::string_view("type"));
        type_error(p, "string", *t);
    }
    return std::string_view(s->data(), s->size());
}

// ---- leaf readers and writers --------------------------------------------------------------------------

void read(json::value const& v, std::string& out, json_path& p) {
    auto const* s = v.if_string();
    if (!s)
        type_error(p, "string", v);
    out.assign(s->data(), s->size());
}

void read(json::value const& v, std::int64_t& out, json_path& p) {
    if (auto const* i = v.if_int64()) {
        out = *i;
        return;
    }
    if (auto const* u = v.if_uint64()) {
        if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            p.fail("integer out of range");
        out = static_cast<std::int64_t>(*u);
        return;
    }
    if (auto const* d = v.if_double()) {
        // Some servers write whole numbers as 1.0; accept them, reject fractions.
        if (std::trunc(*d) == *d && std::abs(*d) < 9.2e18) {
            out = static_cast<std::int64_t>(*d);
            return;
        }
        p.fail("expected integer, got fractional number");
    }
    type_error(p, "integer", v);
}

void read(json::value const& v, double& out, json_path& p) {
    if (!v.is_number())
        type_error(p, "number", v);
    out = v.to_number<double>();
}

void read(json::value const& v, bool& out, json_path& p) {
    auto const* b = v.if_bool();
    if (!b)
        type_error(p, "boolean", v);
    out = *b;
}

void read(json::value const& v, json::object& out, json_path& p) {
    out = object_at(v, p);
}

void read(json::value const& v, json::value& out, json_path&) {
    out = v;
}

void read(json::value const& v, metadata_map& out, json_path& p) {
    out.clear();
    if (v.is_null())
        return;
    for (auto const& kv : object_at(v, p)) {
        path_scope s(p, std::string_view(kv.key()));
        std::string value;
        read(kv.value(), value, p);
        out.emplace(std::string(kv.key()), std::move(value));
    }
}

json::value write(std::string const& s, json_mode) {
    return json::string(s);
}
json::value write(std::int64_t i, json_mode) {
    return i;
}
json::value write(double d, json_mode) {
    return d;
}
json::value write(bool b, json_mode) {
    return b;
}
json::value write(json::object const& o, json_mode) {
    return o;
}
json::value write(json::value const& v, json_mode) {
    return v;
}
json::value write(metadata_map const& m, json_mode) {
    json::object o;
    o.reserve(m.size());
    for (auto const& [k, v] : m)
        o[k] = v;
    return o;
}

void merge_extra(json::object& o, json::object const& extra) {
    for (auto const& kv : extra)
        o[kv.key()] = kv.value();
}

void read(json::value const& v, unknown_part& out, json_path& p) {
    out.type = std::string(type_of(v, p));
    out.raw = v.get_object();
}
json::value write(unknown_part const& x, json_mode) {
    return x.raw;
}

// ---- query strings -------------------------------------------------------------------------------------

void append_query(query_params& q, std::string_view name, std::string const& value) {
    q.emplace_back(name, value);
}
void append_query(query_params& q, std::string_view name, std::int64_t value) {
    q.emplace_back(name, std::to_string(value));
}

// ---- parsing -------------------------------------------------------------------------------------------

json::value parse_body(std::string_view body, std::string_view what, json::storage_ptr storage) {
    boost::system::error_code ec;
    json::value v = json::parse(json::string_view(body.data(), body.size()), ec, std::move(storage));
    if (ec) {
        std::string msg(what);
        msg += ": malformed JSON: ";
        msg += ec.message();
        throw_error(errc::unexpected_json, std::move(msg));
    }
    return v;
}

std::string serialize_json(json::value const& jv) {
    return json::serialize(jv);
}

} // namespace paced::detail
