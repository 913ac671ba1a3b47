#pragma once
// Internal JSON codec of the models and request bodies: the readers and writers of the leaf types, and one
// generic reader and writer for every struct described with BOOST_DESCRIBE_STRUCT (the descriptions are in
// types/descriptions.hpp, what they may say in types/json_rules.hpp).
//
// Reading takes the path of the value it reads, so an error names the exact member
// ("run.required_action.submit_tool_outputs.tool_calls[0].id: expected string, got number"). A described
// struct is read member by member in the order of its description, so of several faults the first
// member's is reported; members it does not describe are kept in its `extra`.

#include "types/json_path.hpp"
#include "types/json_rules.hpp"

#include <paced/error.hpp>
#include <paced/types/assistant.hpp>
#include <paced/types/batch.hpp>
#include <paced/types/common.hpp>
#include <paced/types/conversation.hpp>
#include <paced/types/file.hpp>
#include <paced/types/message.hpp>
#include <paced/types/response.hpp>
#include <paced/types/response_event.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>
#include <paced/types/stream_delta.hpp>
#include <paced/types/thread.hpp>
#include <paced/types/vector_store.hpp>

#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace paced::detail {

// ---- enums -------------------------------------------------------------------------------------------
void enum_from_string(std::string_view s, batch_status& out) noexcept;
void enum_from_string(std::string_view s, file_purpose& out) noexcept;
void enum_from_string(std::string_view s, file_status& out) noexcept;
void enum_from_string(std::string_view s, message_role& out) noexcept;
void enum_from_string(std::string_view s, message_status& out) noexcept;
void enum_from_string(std::string_view s, response_status& out) noexcept;
void enum_from_string(std::string_view s, run_status& out) noexcept;
void enum_from_string(std::string_view s, run_step_status& out) noexcept;
void enum_from_string(std::string_view s, run_step_type& out) noexcept;
void enum_from_string(std::string_view s, vector_store_status& out) noexcept;
void enum_from_string(std::string_view s, vector_store_file_status& out) noexcept;

/// Index-ordered name table lookup; values not in the table map to E::unknown.
template <class E, std::size_t N>
E enum_lookup(std::string_view const (&names)[N], std::string_view s) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s)
            return static_cast<E>(i);
    return E::unknown;
}
template <class E, std::size_t N>
std::string_view enum_name(std::string_view const (&names)[N], E v) noexcept {
    auto const i = static_cast<std::size_t>(v);
    return i < N ? names[i] : std::string_view{};
}

/// Responses keep the shape the server sends (nullable members written as null); requests leave out what
/// they do not set.
enum class json_mode { response, request };

// ---- readers ---------------------------------------------------------------------------------------------
// All declared before any is defined: the templates call one another, and a model's members are found by
// ordinary lookup here (argument-dependent lookup would search namespace paced, not detail).

void read(json::value const& v, std::string& out, json_path& p);
void read(json::value const& v, std::int64_t& out, json_path& p);
void read(json::value const& v, double& out, json_path& p);
void read(json::value const& v, bool& out, json_path& p);
void read(json::value const& v, json::object& out, json_path& p);
void read(json::value const& v, json::value& out, json_path& p);
void read(json::value const& v, metadata_map& out, json_path& p);
// Models with a hand-written reader: an object of any type, or a bare string for the simple values.
void read(json::value const& v, unknown_part& out, json_path& p);
void read(json::value const& v, response_format& out, json_path& p);
void read(json::value const& v, tool_choice& out, json_path& p);

template <class T>
void read(json::value const& v, std::optional<T>& out, json_path& p);
template <class T>
void read(json::value const& v, heap_optional<T>& out, json_path& p);
template <class T>
void read(json::value const& v, std::vector<T>& out, json_path& p);
template <class E>
void read(json::value const& v, open_enum<E>& out, json_path& p);
template <class... A>
void read(json::value const& v, std::variant<A...>& out, json_path& p);
template <described T>
void read(json::value const& v, T& out, json_path& p);

// ---- writers ---------------------------------------------------------------------------------------------

json::value write(std::string const& s, json_mode);
json::value write(std::int64_t i, json_mode);
json::value write(double d, json_mode);
json::value write(bool b, json_mode);
json::value write(json::object const& o, json_mode);
json::value write(json::value const& v, json_mode);
json::value write(metadata_map const& m, json_mode);
json::value write(char const*, json_mode) = delete; // would silently convert to bool
json::value write(unknown_part const& x, json_mode);
json::value write(response_format const& x, json_mode mode);
json::value write(tool_choice const& x, json_mode mode);

template <class T>
json::value write(std::optional<T> const& x, json_mode mode);
template <class T>
json::value write(heap_optional<T> const& x, json_mode mode);
template <class T>
json::value write(std::vector<T> const& xs, json_mode mode);
template <class E>
json::value write(open_enum<E> const& e, json_mode);
template <class... A>
json::value write(std::variant<A...> const& x, json_mode mode);
template <described T>
json::value write(T const& x, json_mode mode);

// ---- described structs -----------------------------------------------------------------------------------

/// Reads one member by the rules of its field F, in the path of the enclosing object.
template <class F, class M>
void read_field_value(json::value const* v, M& m, json_path& p) {
    constexpr std::string_view key = F::inner.empty() ? F::key : F::inner;
    if (!v) {
        if constexpr (F::required) {
            path_scope s(p, key);
            p.fail("missing required field");
        }
        return;
    }
    if constexpr (!F::required) {
        if (v->is_null()) {
            m = M{};
            return;
        }
    }
    path_scope s(p, key);
    if constexpr (F::optional && F::required)
        read(*v, m.emplace(), p); // required: null is an error of the value type
    else
        read(*v, m, p);
}

/// Reads member D of `out` from `v`, the value of its key (nullptr when absent).
template <class T, class D>
void read_field(json::value const* v, T& out, json_path& p) {
    using F = field<T, D>;
    auto& m = out.*D::pointer;
    if constexpr (requires { read_member(v, out, member<D::pointer>{}, p); }) {
        read_member(v, out, member<D::pointer>{}, p);
    } else if constexpr (!F::inner.empty()) {
        if (!v || v->is_null())
            return;
        path_scope outer(p, F::key);
        auto const& nested = object_at(*v, p);
        auto const* inner = nested.if_contains(F::inner);
        read_field_value<F>(inner, m, p);
        if (nested.size() > (inner ? 1u : 0u)) // keep what else it holds rather than drop it
            out.extra[F::key] = *v;
    } else {
        read_field_value<F>(v, m, p);
    }
}

/// Reads a described struct: each JSON member goes to the field of its key (or to `extra`), then each field
/// is read in description order.
template <class T>
void read_members(json::value const& v, T& out, json_path& p) {
    static_assert(describes_every_member<T>, "the description of T must list every member, in order");
    static_assert(rules_name_members<T>(), "a json_rules list names a member the description leaves out");
    using table = key_table<T>;
    auto const& o = object_at(v, p);
    std::array<json::value const*, table::count> found{};
    // The positions of the unknown members: a mask for the first 64, a flag for any later one.
    std::uint64_t unknown = 0;
    bool unknown_beyond = false;
    std::size_t hint = 0;
    std::size_t at = 0;
    for (auto const& kv : o) {
        auto const i = table::find(kv.key(), hint);
        if (i < table::count) {
            found[i] = &kv.value();
            hint = i + 1;
        } else if (i == table::not_found) {
            if (at < 64)
                unknown |= std::uint64_t{1} << at;
            else
                unknown_beyond = true;
        }
        ++at;
    }
    boost::mp11::mp_for_each<boost::mp11::mp_iota_c<table::count>>(
        [&](auto I) { read_field<T, boost::mp11::mp_at_c<fields_of<T>, I>>(found[I], out, p); });
    if constexpr (requires { out.extra; }) {
        // After the fields: a member of a nested object (see json_rules::renamed) may have put its object
        // in `extra` first.
        for (; unknown != 0; unknown &= unknown - 1) {
            auto const& kv = o.begin()[std::countr_zero(unknown)];
            out.extra.emplace(kv.key(), kv.value());
        }
        if (unknown_beyond) {
            for (auto it = o.begin() + 64; it != o.end(); ++it)
                if (table::find(it->key(), table::count) == table::not_found)
                    out.extra.emplace(it->key(), it->value());
        }
    }
}

/// Writes member D of `x` into `o` by the rules of its field.
template <class T, class D>
void write_field(json::object& o, T const& x, json_mode mode) {
    using F = field<T, D>;
    auto const& m = x.*D::pointer;
    if constexpr (requires { write_member(o, x, member<D::pointer>{}, mode); }) {
        write_member(o, x, member<D::pointer>{}, mode);
    } else if constexpr (!F::inner.empty()) {
        static_assert(F::optional, "a member of a nested object is an optional");
        if (m) {
            json::object nested;
            nested.emplace(F::inner, write(*m, mode));
            o.emplace(F::key, std::move(nested));
        }
    } else if constexpr (F::optional) {
        if (m)
            o.emplace(F::key, write(*m, mode));
        else if (F::nullable && mode == json_mode::response)
            o.emplace(F::key, nullptr);
    } else if constexpr (F::omit_empty) {
        if (!m.empty())
            o.emplace(F::key, write(m, mode));
    } else {
        o.emplace(F::key, write(m, mode));
    }
}

/// Writes the members of `extra` over `o` (extra wins).
void merge_extra(json::object& o, json::object const& extra);

/// Writes a described struct: its tag, its fields in description order, then its unknown members.
template <class T>
json::object write_members(T const& x, json_mode mode) {
    static_assert(describes_every_member<T>, "the description of T must list every member, in order");
    static_assert(rules_name_members<T>(), "a json_rules list names a member the description leaves out");
    using table = key_table<T>;
    using tag = json_tag<T>;
    constexpr bool tag_after_id = table::count > 0 && table::key_at(0) == "id";
    json::object o;
    if constexpr (!tag::key.empty() && !tag_after_id)
        o.emplace(tag::key, tag::value);
    boost::mp11::mp_for_each<boost::mp11::mp_iota_c<table::count>>([&](auto I) {
        write_field<T, boost::mp11::mp_at_c<fields_of<T>, I>>(o, x, mode);
        if constexpr (!tag::key.empty() && tag_after_id && I == 0)
            o.emplace(tag::key, tag::value);
    });
    if constexpr (requires { x.extra; })
        merge_extra(o, x.extra);
    else if constexpr (request_body<T>)
        merge_extra(o, x.extra_body);
    return o;
}

// ---- generic readers and writers -----------------------------------------------------------------------

template <class T>
void read(json::value const& v, std::optional<T>& out, json_path& p) {
    if (v.is_null()) {
        out.reset();
        return;
    }
    read(v, out.emplace(), p);
}

template <class T>
void read(json::value const& v, heap_optional<T>& out, json_path& p) {
    if (v.is_null()) {
        out.reset();
        return;
    }
    read(v, out.emplace(), p);
}

template <class T>
void read(json::value const& v, std::vector<T>& out, json_path& p) {
    auto const* a = v.if_array();
    if (!a)
        type_error(p, "array", v);
    out.clear();
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        path_scope s(p, i);
        read((*a)[i], out.emplace_back(), p);
    }
}

template <class E>
void read(json::value const& v, open_enum<E>& out, json_path& p) {
    auto const* s = v.if_string();
    if (!s)
        type_error(p, "string", v);
    out.raw.assign(s->data(), s->size());
    enum_from_string(out.raw, out.value);
}

/// A variant of described alternatives read by the object's `type`: the alternative whose rules name that
/// type, or the one that names none (unknown_part, which keeps the whole object).
template <class... A>
void read(json::value const& v, std::variant<A...>& out, json_path& p) {
    static_assert(((rules_of<A>.type.empty() ? 1 : 0) + ...) == 1,
                  "one alternative (unknown_part) takes the other types");
    auto const type = type_of(v, p);
    auto const read_as = [&]<class Alternative>(std::type_identity<Alternative>) {
        read(v, out.template emplace<Alternative>(), p);
        return true;
    };
    bool const known =
        ((!rules_of<A>.type.empty() && type == rules_of<A>.type && read_as(std::type_identity<A>{})) || ...);
    if (!known)
        (void)((rules_of<A>.type.empty() && read_as(std::type_identity<A>{})) || ...);
}

template <described T>
void read(json::value const& v, T& out, json_path& p) {
    read_members(v, out, p);
}

template <class T>
json::value write(std::optional<T> const& x, json_mode mode) {
    return x ? write(*x, mode) : json::value(nullptr);
}

template <class T>
json::value write(heap_optional<T> const& x, json_mode mode) {
    return x ? write(*x, mode) : json::value(nullptr);
}

template <class T>
json::value write(std::vector<T> const& xs, json_mode mode) {
    json::array a;
    a.reserve(xs.size());
    for (auto const& x : xs)
        a.push_back(write(x, mode));
    return a;
}

template <class E>
json::value write(open_enum<E> const& e, json_mode) {
    auto const s = e.str();
    return json::string(s.data(), s.size());
}

template <class... A>
json::value write(std::variant<A...> const& x, json_mode mode) {
    return std::visit([mode](auto const& a) { return write(a, mode); }, x);
}

template <described T>
json::value write(T const& x, json_mode mode) {
    return write_members(x, mode);
}

/// Decodes a whole document whose root is named `root`.
template <class T>
T decode_root(json::value const& v, std::string_view root) {
    json_path p(root);
    T out{};
    read(v, out, p);
    return out;
}

/// A request body as JSON: the members it sets, then `extra_body`.
template <class T>
json::object encode_body(T const& x) {
    return write_members(x, json_mode::request);
}

// ---- query strings -------------------------------------------------------------------------------------

void append_query(query_params& q, std::string_view name, std::string const& value);
void append_query(query_params& q, std::string_view name, std::int64_t value);
template <class E>
requires std::is_enum_v<E>
void append_query(query_params& q, std::string_view name, E value) {
    q.emplace_back(name, to_string(value));
}
template <class T>
void append_query(query_params& q, std::string_view name, std::optional<T> const& value) {
    if (value)
        append_query(q, name, *value);
}
/// One pair per element, all of the same name.
template <class T>
void append_query(query_params& q, std::string_view name, std::vector<T> const& values) {
    for (auto const& v : values)
        append_query(q, name, v);
}

/// The query of a described list request: one pair per set member, in description order.
template <class T>
query_params query_of(T const& x) {
    static_assert(describes_every_member<T>, "the description of T must list every member, in order");
    query_params q;
    boost::mp11::mp_for_each<fields_of<T>>(
        [&](auto D) { append_query(q, field<T, decltype(D)>::key, x.*decltype(D)::pointer); });
    return q;
}

} // namespace paced::detail

/// Defines the public Boost.JSON conversions of T through the internal codec (inside namespace paced).
#define PACED_DEFINE_JSON_CONVERSIONS(T, root)                                                               \
    T decode(::paced::detail::type_tag<T>, ::boost::json::value const& jv) {                                 \
        return ::paced::detail::decode_root<T>(jv, root);                                                    \
    }                                                                                                        \
    ::boost::json::value to_json(T const& x) {                                                               \
        return ::paced::detail::write(x, ::paced::detail::json_mode::response);                              \
    }                                                                                                        \
    T tag_invoke(::boost::json::value_to_tag<T> const&, ::boost::json::value const& jv) {                    \
        return ::paced::detail::decode_root<T>(jv, root);                                                    \
    }                                                                                                        \
    void tag_invoke(::boost::json::value_from_tag const&, ::boost::json::value& jv, T const& x) {            \
        jv = ::paced::detail::write(x, ::paced::detail::json_mode::response);                                \
    }

/// Defines the public `encode` of a request body through the codec (inside namespace paced).
#define PACED_DEFINE_ENCODE(T)                                                                               \
    ::boost::json::object encode(T const& p) {                                                               \
        return ::paced::detail::encode_body(p);                                                              \
    }

/// Defines the public `to_query` of a list request through the codec (inside namespace paced).
#define PACED_DEFINE_TO_QUERY(T)                                                                             \
    ::paced::query_params to_query(T const& p) {                                                             \
        return ::paced::detail::query_of(p);                                                                 \
    }
