// JSON codec core (paths, leaf readers and writers), the common models, and common validation.

#include "types/descriptions.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace paced {
namespace detail {

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

// ---- the hand-written codec of the models not described yet ------------------------------------------

json::value to_value(std::string const& s) {
    return json::string(s);
}
json::value to_value(std::int64_t i) {
    return i;
}
json::value to_value(double d) {
    return d;
}
json::value to_value(bool b) {
    return b;
}
json::value to_value(json::object const& o) {
    return o;
}
json::value to_value(json::value const& v) {
    return v;
}
json::value to_value(metadata_map const& m) {
    json::object o;
    o.reserve(m.size());
    for (auto const& [k, v] : m)
        o[k] = v;
    return o;
}

json::value to_value(unknown_part const& x) {
    return x.raw;
}

// ---- object reader -------------------------------------------------------------------------------------

namespace {
json::object const& require_object(json::value const& v, json_path& p) {
    auto const* o = v.if_object();
    if (!o)
        type_error(p, "object", v);
    return *o;
}
} // namespace

object_reader::object_reader(json::value const& v, json_path& p) : obj_(require_object(v, p)), p_(p) {}

json::value const* object_reader::find(std::string_view key) {
    // Servers write an object's members in a fixed order, and the decoders read them in much the same
    // order: the member after the last one found is tried first, one comparison instead of a search
    // (json::object::find hashes the key, or compares it with each member of a small object).
    json::object::const_iterator it;
    if (next_ < obj_.size() && obj_.begin()[next_].key() == key)
        it = obj_.begin() + static_cast<std::ptrdiff_t>(next_);
    else if (it = obj_.find(key); it == obj_.end())
        return nullptr;
    auto const index = static_cast<std::size_t>(it - obj_.begin());
    next_ = index + 1;
    if (!consumed(index)) {
        if (index < 64)
            consumed_mask_ |= std::uint64_t{1} << index;
        else
            consumed_beyond_.push_back(index);
        ++consumed_count_;
    }
    return &it->value();
}

bool object_reader::consumed(std::size_t index) const noexcept {
    if (index < 64)
        return (consumed_mask_ >> index) & 1u;
    return std::find(consumed_beyond_.begin(), consumed_beyond_.end(), index) != consumed_beyond_.end();
}

void object_reader::rest(json::object& extra) const {
    extra.clear();
    if (consumed_count_ == obj_.size())
        return;
    std::size_t index = 0;
    for (auto const& kv : obj_) {
        if (!consumed(index++))
            extra.emplace(kv.key(), kv.value());
    }
}

void append_list_query(query_params& q, std::optional<std::int64_t> const& limit,
                       std::optional<sort_order> const& order, std::optional<std::string> const& after,
                       std::optional<std::string> const& before) {
    if (limit)
        q.emplace_back("limit", std::to_string(*limit));
    if (order)
        q.emplace_back("order", std::string(to_string(*order)));
    if (after)
        q.emplace_back("after", *after);
    if (before)
        q.emplace_back("before", *before);
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

// ---- validation helpers --------------------------------------------------------------------------------

void invalid(std::string_view field, std::string_view reason) {
    std::string msg(field);
    msg += ": ";
    msg += reason;
    throw_error(errc::invalid_argument, std::move(msg));
}

std::string field_name(std::string_view prefix, std::string_view name) {
    if (prefix.empty())
        return std::string(name);
    std::string out(prefix);
    out += '.';
    out += name;
    return out;
}

std::string field_index(std::string_view prefix, std::size_t i) {
    std::string out(prefix);
    out += '[';
    out += std::to_string(i);
    out += ']';
    return out;
}

namespace {
std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
} // namespace

void check_range(std::string_view field, double v, double lo, double hi) {
    if (!(v >= lo && v <= hi)) // also rejects NaN
        invalid(field,
                "must be between " + number_text(lo) + " and " + number_text(hi) + ", got " + number_text(v));
}

void check_range(std::string_view field, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi)
        invalid(field, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                           std::to_string(v));
}

void check_limit(std::string_view field, std::optional<std::int64_t> const& limit, std::int64_t max) {
    if (limit)
        check_range(field, *limit, 1, max);
}

void check_not_empty(std::string_view field, std::string_view s) {
    if (s.empty())
        invalid(field, "must not be empty");
}

void check_each_not_empty(std::string_view field, std::vector<std::string> const& items) {
    for (std::size_t i = 0; i < items.size(); ++i)
        check_not_empty(field_index(field, i), items[i]);
}

void check_max_length(std::string_view field, std::string_view s, std::size_t max) {
    if (s.size() > max)
        invalid(field,
                "longer than " + std::to_string(max) + " characters (" + std::to_string(s.size()) + ")");
}

void check_cursor(std::string_view field, std::optional<std::string> const& cursor) {
    if (cursor && cursor->empty())
        invalid(field, "must not be empty when set");
}

void check_attributes(std::string_view field, json::object const& attributes) {
    if (attributes.size() > 16)
        invalid(field, "at most 16 attributes, got " + std::to_string(attributes.size()));
    for (auto const& kv : attributes) {
        std::string_view const key = kv.key();
        std::string const f = std::string(field) + "[" + std::string(key) + "]";
        if (key.size() > 64)
            invalid(f, "key longer than 64 characters");
        auto const& v = kv.value();
        if (auto const* s = v.if_string()) {
            if (s->size() > 512)
                invalid(f, "value longer than 512 characters");
        } else if (!v.is_number() && !v.is_bool()) {
            invalid(f, "value must be a string, number or boolean");
        }
    }
}

} // namespace detail

// ---- public API ----------------------------------------------------------------------------------------

PACED_DEFINE_JSON_CONVERSIONS(unknown_part, "object")
PACED_DEFINE_JSON_CONVERSIONS(usage, "usage")
PACED_DEFINE_JSON_CONVERSIONS(last_error, "last_error")
PACED_DEFINE_JSON_CONVERSIONS(incomplete_details, "incomplete_details")
PACED_DEFINE_JSON_CONVERSIONS(deleted_object, "deleted")
PACED_DEFINE_JSON_CONVERSIONS(error_body, "error")

std::string_view to_string(sort_order o) noexcept {
    return o == sort_order::asc ? "asc" : "desc";
}

query_params to_query(list_params const& p) {
    return detail::query_of(p);
}

void validate(list_params const& p) {
    detail::check_page(p, 100);
}

void validate_id(std::string_view field, std::string_view id) {
    if (id.empty())
        detail::invalid(field, "must not be empty");
    if (id == "." || id == "..")
        detail::invalid(field, "'" + std::string(id) + "' is not a valid id");
    for (unsigned char c : id) {
        if (c == '/' || c == '?' || c == '#' || c == '%')
            detail::invalid(field, std::string("must not contain '") + static_cast<char>(c) + "'");
        if (c <= 0x20 || c == 0x7f)
            detail::invalid(field, "must not contain whitespace or control characters");
    }
}

void validate_metadata(std::string_view field, metadata_map const& m) {
    if (m.size() > 16)
        detail::invalid(field, "at most 16 pairs, got " + std::to_string(m.size()));
    for (auto const& [k, v] : m) {
        std::string const f = std::string(field) + "[" + k + "]";
        if (k.size() > 64)
            detail::invalid(f, "key longer than 64 characters");
        if (v.size() > 512)
            detail::invalid(f, "value longer than 512 characters");
    }
}

} // namespace paced
