#pragma once
// Internal JSON codec of the models and request bodies: paths, the readers and writers of the leaf
// types, and one generic reader and writer for every struct described with BOOST_DESCRIBE_STRUCT (the
// descriptions and their rules are in types/descriptions.hpp).
//
// Reading takes the path of the value it reads, so an error names the exact member
// ("run.required_action.submit_tool_outputs.tool_calls[0].id: expected string, got number"). A described
// struct is read member by member in the order of its description, so of several faults the first
// member's is reported; members it does not describe are kept in its `extra`.

#include <paced/error.hpp>
#include <paced/types/assistant.hpp>
#include <paced/types/common.hpp>
#include <paced/types/file.hpp>
#include <paced/types/message.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>
#include <paced/types/stream_delta.hpp>
#include <paced/types/thread.hpp>
#include <paced/types/vector_store.hpp>

#include <boost/describe/members.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace paced::detail {

namespace json = boost::json;

/// The path of the value being decoded, e.g. `run.tools[2].function.name`.
///
/// Every field read pushes and pops a segment, so the first segments live inline: a decode then costs
/// no allocation for its path (the models nest about six deep; deeper paths spill to the heap).
class json_path {
public:
    explicit json_path(std::string_view root) { push_segment({root, 0, false}); }

    void push(std::string_view key) { push_segment({key, 0, false}); }
    void push(std::size_t index) { push_segment({{}, index, true}); }
    void pop() noexcept {
        --depth_;
        if (depth_ >= inline_depth)
            deeper_.pop_back();
    }

    std::string str() const;
    /// Throws errc::unexpected_json "<path>: <reason>".
    [[noreturn]] void fail(std::string_view reason) const;

private:
    struct segment {
        std::string_view key; // points into a literal or the JSON being decoded
        std::size_t index;
        bool is_index;
    };
    static constexpr std::size_t inline_depth = 12;

    void push_segment(segment s) {
        if (depth_ < inline_depth)
            inline_[depth_] = s;
        else
            deeper_.push_back(s);
        ++depth_;
    }
    segment const& at(std::size_t i) const noexcept {
        return i < inline_depth ? inline_[i] : deeper_[i - inline_depth];
    }

    std::array<segment, inline_depth> inline_{};
    std::vector<segment> deeper_;
    std::size_t depth_ = 0;
};

/// Pushes a path segment for the lifetime of the scope.
class path_scope {
public:
    template <class Segment>
    path_scope(json_path& p, Segment s) : p_(p) {
        p_.push(s);
    }
    ~path_scope() { p_.pop(); }
    path_scope(path_scope const&) = delete;
    path_scope& operator=(path_scope const&) = delete;

private:
    json_path& p_;
};

/// "null", "boolean", "number", "string", "array" or "object".
std::string_view kind_name(json::value const& v) noexcept;
[[noreturn]] void type_error(json_path const& p, std::string_view expected, json::value const& got);
/// `v` as an object; throws "<path>: expected object, got ..." when it is not one.
json::object const& object_at(json::value const& v, json_path& p);
/// The `type` member of an object ("" when absent); throws when it is not a string.
std::string_view type_of(json::value const& v, json_path& p);

// ---- enums -------------------------------------------------------------------------------------------
void enum_from_string(std::string_view s, file_purpose& out) noexcept;
void enum_from_string(std::string_view s, file_status& out) noexcept;
void enum_from_string(std::string_view s, message_role& out) noexcept;
void enum_from_string(std::string_view s, message_status& out) noexcept;
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

// ---- the rules of a described struct -------------------------------------------------------------------

/** @brief What a struct's JSON needs beyond its member list; every field defaults to nothing special.
 *
 * The lists name members by their C++ names, separated by spaces; a name that is not described is a
 * compile error. Without rules, a described struct maps like this:
 * - each member is the JSON member of the same name;
 * - reading: `std::optional`/`heap_optional` members and containers (vectors, maps, objects) may be absent
 *   or null (null gives an empty one), every other member is required; unknown members go to `extra`;
 * - writing: in the description's order, an unset optional is left out, the rest is written; then
 *   `extra` is merged over it (extra wins). A request body (a struct with `extra_body`) also leaves out
 *   empty containers.
 */
struct json_rules {
    /// The constant `object` member (e.g. "thread.run"): written after `id` (or first), skipped when read.
    std::string_view object{};
    /// The constant `type` member of a variant alternative (e.g. "function"): selects the alternative when a
    /// variant is read, and is written like `object`.
    std::string_view type{};
    /// "member:name ...": the JSON name of a member when it is not its C++ name (e.g. a C++ keyword). A
    /// name "outer.inner" maps the member to `inner` of the nested object `outer`; when that object holds
    /// other members too, it is kept whole in `extra`.
    std::string_view renamed{};
    /// Members that are neither optionals nor containers but may be absent (they keep their default) or
    /// null (they become value-initialised).
    std::string_view optional{};
    /// Containers, or optionals, that must be present (an optional then also must not be null).
    std::string_view required{};
    /// Optionals written as null when unset, in responses: the members OpenAI always sends. Requests leave
    /// them out like any unset optional.
    std::string_view nullable{};
    /// Members written only when not empty (containers, strings, open enums).
    std::string_view omit_empty{};
    /// Containers of a request body written even when empty.
    std::string_view always{};
};

/// The rules of types that declare none.
constexpr json_rules paced_json_rules(void const*) noexcept {
    return {};
}
/// The rules of T: its `paced_json_rules(T const*)` overload, found by argument-dependent lookup.
template <class T>
inline constexpr json_rules rules_of = paced_json_rules(static_cast<T const*>(nullptr));

/// Declares the rules of T (next to its description, in namespace paced).
#define PACED_JSON_RULES(T, ...)                                                                             \
    constexpr ::paced::detail::json_rules paced_json_rules(T const*) noexcept {                              \
        return {__VA_ARGS__};                                                                                \
    }

/// Calls f(word) for each space-separated word of `words` until f returns true; true if one did.
template <class F>
constexpr bool any_word(std::string_view words, F f) {
    while (!words.empty()) {
        auto const end = words.find(' ');
        if (f(words.substr(0, end)))
            return true;
        if (end == std::string_view::npos)
            break;
        words.remove_prefix(end + 1);
    }
    return false;
}
constexpr bool lists(std::string_view words, std::string_view name) {
    return any_word(words, [name](std::string_view w) { return w == name; });
}
/// The JSON name of member `name` under the `renamed` list.
constexpr std::string_view json_name(std::string_view renamed, std::string_view name) {
    std::string_view out = name;
    any_word(renamed, [&](std::string_view w) {
        auto const colon = w.find(':');
        if (w.substr(0, colon) != name)
            return false;
        out = w.substr(colon + 1);
        return true;
    });
    return out;
}

// ---- traits of members ---------------------------------------------------------------------------------

template <class T>
struct is_optional_like : std::false_type {};
template <class T>
struct is_optional_like<std::optional<T>> : std::true_type {};
template <class T>
struct is_optional_like<heap_optional<T>> : std::true_type {};

template <class T>
struct is_container : std::false_type {};
template <class T, class A>
struct is_container<std::vector<T, A>> : std::true_type {};
template <class K, class V, class C, class A>
struct is_container<std::map<K, V, C, A>> : std::true_type {};
template <>
struct is_container<json::object> : std::true_type {};

/// A struct with a BOOST_DESCRIBE_STRUCT line visible here.
template <class T>
concept described = boost::describe::has_describe_members<T>::value;

/// A request body: its unknown members are `extra_body`, and it writes empty containers only on request.
template <class T>
concept request_body = requires(T const& x) {
    x.extra_body;
};

template <class D>
using is_bag =
    boost::mp11::mp_bool<std::string_view(D::name) == "extra" || std::string_view(D::name) == "extra_body">;
/// The described members of T that map to JSON members (all but `extra` / `extra_body`).
template <class T>
using fields_of =
    boost::mp11::mp_remove_if<boost::describe::describe_members<T, boost::describe::mod_public>, is_bag>;

template <class P>
struct member_pointer_traits;
template <class C, class M>
struct member_pointer_traits<M C::*> {
    using type = M;
};

/// How member D of T maps to JSON, from its type and T's rules.
template <class T, class D>
struct field {
    using type = typename member_pointer_traits<std::remove_cv_t<decltype(D::pointer)>>::type;
    static constexpr std::string_view name = D::name;
    static constexpr std::string_view json = json_name(rules_of<T>.renamed, name);
    static constexpr std::size_t dot = json.find('.');
    /// The key in T's object.
    static constexpr std::string_view key = json.substr(0, dot);
    /// For "outer.inner": the key in the nested object; empty otherwise.
    static constexpr std::string_view inner =
        dot == std::string_view::npos ? std::string_view{} : json.substr(dot + 1);
    static constexpr bool optional = is_optional_like<type>::value;
    static constexpr bool container = is_container<type>::value;
    static constexpr bool required =
        lists(rules_of<T>.required, name) || (!optional && !container && !lists(rules_of<T>.optional, name));
    static constexpr bool nullable = lists(rules_of<T>.nullable, name);
    static constexpr bool omit_empty = lists(rules_of<T>.omit_empty, name) ||
                                       (request_body<T> && container && !lists(rules_of<T>.always, name));
};

/// The constant member of T's JSON: `object` or `type`; empty key when it has none.
template <class T>
struct json_tag {
    static constexpr std::string_view key = !rules_of<T>.object.empty() ? "object"
                                            : !rules_of<T>.type.empty() ? "type"
                                                                        : "";
    static constexpr std::string_view value =
        !rules_of<T>.object.empty() ? rules_of<T>.object : rules_of<T>.type;
};

template <class T, class L>
struct keys_of;
template <class T, template <class...> class L, class... D>
struct keys_of<T, L<D...>> {
    static constexpr std::array<std::string_view, sizeof...(D)> keys{field<T, D>::key...};
    static constexpr std::array<std::string_view, sizeof...(D)> names{field<T, D>::name...};
};

/// A cheap hash of a member name for key_table: its length and three of its characters.
constexpr std::size_t key_hash(std::string_view k) noexcept {
    std::size_t h = k.size();
    if (!k.empty()) {
        h = h * 31 + static_cast<unsigned char>(k[0]);
        h = h * 31 + static_cast<unsigned char>(k[k.size() / 2]);
        h = h * 31 + static_cast<unsigned char>(k[k.size() - 1]);
    }
    return h;
}

/** @brief The JSON keys of T's fields (in description order) and of its tag, with a lookup table built at
 * compile time.
 *
 * Servers write an object's members in a fixed order, mostly the order of the description: find() tries
 * the field after the last one found first (one comparison), then an open-addressing table of at least
 * twice as many slots as keys (one hash of three characters, about one comparison).
 */
template <class T>
struct key_table {
    using keys_type = keys_of<T, fields_of<T>>;
    static constexpr std::size_t count = keys_type::keys.size();
    static constexpr std::size_t tag_index = count;                        ///< find() of the tag key
    static constexpr std::size_t not_found = static_cast<std::size_t>(-1); ///< find() of an unknown key
    static_assert(count < 255, "key_table indexes fields with one byte");

    static constexpr std::size_t slot_count = [] {
        std::size_t n = 8;
        while (n < 2 * (count + 1))
            n *= 2;
        return n;
    }();
    static constexpr std::uint8_t empty_slot = 255;

    static constexpr std::string_view key_at(std::size_t i) noexcept {
        return i < count ? keys_type::keys[i] : json_tag<T>::key;
    }

    static constexpr std::array<std::uint8_t, slot_count> slots = [] {
        std::array<std::uint8_t, slot_count> s{};
        for (auto& x : s)
            x = empty_slot;
        for (std::size_t i = 0; i <= count; ++i) {
            if (i == count && json_tag<T>::key.empty())
                break;
            std::size_t at = key_hash(key_at(i)) & (slot_count - 1);
            while (s[at] != empty_slot)
                at = (at + 1) & (slot_count - 1);
            s[at] = static_cast<std::uint8_t>(i);
        }
        return s;
    }();

    static constexpr bool keys_are_unique() {
        for (std::size_t i = 0; i <= count; ++i)
            for (std::size_t j = i + 1; j <= count; ++j)
                if (key_at(i) == key_at(j) && !key_at(i).empty())
                    return false;
        return true;
    }
    static_assert(keys_are_unique(), "two members of a described struct map to the same JSON key");

    /// The index of the field whose key is `key`, tag_index for the tag, not_found for any other key.
    static std::size_t find(std::string_view key, std::size_t hint) noexcept {
        if (hint < count && keys_type::keys[hint] == key)
            return hint;
        for (std::size_t at = key_hash(key) & (slot_count - 1);; at = (at + 1) & (slot_count - 1)) {
            auto const i = slots[at];
            if (i == empty_slot)
                return not_found;
            if (key_at(i) == key)
                return i;
        }
    }
};

/// True when every name in T's rules is a described member (checked where T's codec is instantiated).
template <class T>
constexpr bool rules_name_members() {
    auto const& names = key_table<T>::keys_type::names;
    auto const described_name = [&](std::string_view w) {
        auto const name = w.substr(0, w.find(':'));
        for (auto const& n : names)
            if (n == name)
                return false;
        return true; // not described: stops the search and reports it
    };
    auto const& r = rules_of<T>;
    for (auto list : {r.renamed, r.optional, r.required, r.nullable, r.omit_empty, r.always})
        if (any_word(list, described_name))
            return false;
    return true;
}

template <class T, class L>
struct layout_of;
template <class T, template <class...> class L, class... D>
struct layout_of<T, L<D...>> {
    /// sizeof(T) if T's members were exactly those of the description, in its order.
    static constexpr std::size_t size() {
        std::size_t end = 0;
        auto const place = [&end](std::size_t size, std::size_t align) {
            end = (end + align - 1) / align * align + size;
        };
        (place(sizeof(typename field<T, D>::type), alignof(typename field<T, D>::type)), ...);
        return (end + alignof(T) - 1) / alignof(T) * alignof(T);
    }
};
/// A description that leaves a member out gives another size: that member would be silently dropped.
template <class T>
inline constexpr bool describes_every_member =
    layout_of<T, boost::describe::describe_members<T, boost::describe::mod_public>>::size() == sizeof(T);

/// Selects the read_member / write_member overload of one member: `member<&attachment::tools>`.
template <auto Pointer>
struct member {};

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

// ---- the hand-written codec of the models not described yet ----------------------------------------------
json::value to_value(std::string const& s);
json::value to_value(std::int64_t i);
json::value to_value(double d);
json::value to_value(bool b);
json::value to_value(json::object const& o);
json::value to_value(json::value const& v);
json::value to_value(metadata_map const& m);
json::value to_value(char const*) = delete; // would silently convert to bool

#define PACED_CODEC(T)                                                                                       \
    void read(json::value const& v, T& out, json_path& p);                                                   \
    json::value to_value(T const& x)

PACED_CODEC(unknown_part);
PACED_CODEC(file);
PACED_CODEC(function_definition);
PACED_CODEC(code_interpreter_tool);
PACED_CODEC(file_search_ranking_options);
PACED_CODEC(file_search_settings);
PACED_CODEC(file_search_tool);
PACED_CODEC(function_tool);
PACED_CODEC(tool);
PACED_CODEC(code_interpreter_resources);
PACED_CODEC(vector_store_seed);
PACED_CODEC(file_search_resources);
PACED_CODEC(tool_resources);
PACED_CODEC(json_schema_format);
PACED_CODEC(response_format);
PACED_CODEC(assistant);
PACED_CODEC(thread);
PACED_CODEC(image_file);
PACED_CODEC(image_url);
PACED_CODEC(file_reference);
PACED_CODEC(file_citation_annotation);
PACED_CODEC(file_path_annotation);
PACED_CODEC(text_annotation);
PACED_CODEC(message_text);
PACED_CODEC(image_file_content);
PACED_CODEC(image_url_content);
PACED_CODEC(text_content);
PACED_CODEC(refusal_content);
PACED_CODEC(message_content);
PACED_CODEC(attachment);
PACED_CODEC(message);
PACED_CODEC(function_call);
PACED_CODEC(run_tool_call);
PACED_CODEC(submit_tool_outputs_action);
PACED_CODEC(required_action);
PACED_CODEC(truncation_strategy);
PACED_CODEC(tool_choice);
PACED_CODEC(run);
PACED_CODEC(message_creation);
PACED_CODEC(message_creation_step_details);
PACED_CODEC(code_logs_output);
PACED_CODEC(code_output_image);
PACED_CODEC(code_image_output);
PACED_CODEC(code_interpreter_output);
PACED_CODEC(code_interpreter_call);
PACED_CODEC(code_interpreter_tool_call);
PACED_CODEC(file_search_result_content);
PACED_CODEC(file_search_result);
PACED_CODEC(file_search_call);
PACED_CODEC(file_search_tool_call);
PACED_CODEC(function_call_details);
PACED_CODEC(function_tool_call);
PACED_CODEC(step_tool_call);
PACED_CODEC(tool_calls_step_details);
PACED_CODEC(step_details);
PACED_CODEC(run_step);
PACED_CODEC(file_reference_delta);
PACED_CODEC(annotation_delta);
PACED_CODEC(text_delta);
PACED_CODEC(image_delta);
PACED_CODEC(message_content_delta);
PACED_CODEC(message_delta);
PACED_CODEC(message_delta_object);
PACED_CODEC(code_output_delta);
PACED_CODEC(code_interpreter_delta);
PACED_CODEC(function_delta);
PACED_CODEC(tool_call_delta);
PACED_CODEC(step_details_delta);
PACED_CODEC(run_step_delta);
PACED_CODEC(run_step_delta_object);
#undef PACED_CODEC

template <class T>
json::value to_value(std::optional<T> const& x);
template <class T>
json::value to_value(heap_optional<T> const& x);
template <class T>
json::value to_value(std::vector<T> const& xs);
template <class E>
json::value to_value(open_enum<E> const& e);
template <described T>
json::value to_value(T const& x);

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
    std::size_t unknown = 0;
    std::size_t hint = 0;
    for (auto const& kv : o) {
        auto const i = table::find(kv.key(), hint);
        if (i < table::count) {
            found[i] = &kv.value();
            hint = i + 1;
        } else if (i == table::not_found) {
            ++unknown;
        }
    }
    boost::mp11::mp_for_each<boost::mp11::mp_iota_c<table::count>>(
        [&](auto I) { read_field<T, boost::mp11::mp_at_c<fields_of<T>, I>>(found[I], out, p); });
    if constexpr (requires { out.extra; }) {
        if (unknown != 0) {
            for (auto const& kv : o)
                if (table::find(kv.key(), table::count) == table::not_found)
                    out.extra.emplace(kv.key(), kv.value());
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
    bool const known = ((!rules_of<A>.type.empty() && type == rules_of<A>.type &&
                         (read(v, out.template emplace<A>(), p), true)) ||
                        ...);
    if (!known)
        ((rules_of<A>.type.empty() && (read(v, out.template emplace<A>(), p), true)) || ...);
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

template <described T>
json::value to_value(T const& x) {
    return write(x, json_mode::response);
}

template <class T>
json::value to_value(std::optional<T> const& x) {
    return x ? to_value(*x) : json::value(nullptr);
}

template <class T>
json::value to_value(heap_optional<T> const& x) {
    return x ? to_value(*x) : json::value(nullptr);
}

template <class T>
json::value to_value(std::vector<T> const& xs) {
    json::array a;
    a.reserve(xs.size());
    for (auto const& x : xs)
        a.push_back(to_value(x));
    return a;
}

template <class E>
json::value to_value(open_enum<E> const& e) {
    auto const s = e.str();
    return json::string(s.data(), s.size());
}

/// Reads the members of one JSON object, remembering which keys it consumed so the rest can go to `extra`.
class object_reader {
public:
    object_reader(json::value const& v, json_path& p);

    json::object const& object() const noexcept { return obj_; }
    json_path& path() noexcept { return p_; }

    /// The member `key`, marked as consumed; nullptr when absent.
    json::value const* find(std::string_view key);
    /// Marks `key` as known without reading it (e.g. the constant `object` member).
    void skip(std::string_view key) { (void)find(key); }

    /// A member that must be present (a `null` is accepted only by std::optional targets).
    template <class T>
    void req(std::string_view key, T& out) {
        auto const* v = find(key);
        path_scope s(p_, key);
        if (!v)
            p_.fail("missing required field");
        read(*v, out, p_);
    }

    /// A member that may be absent or null (out keeps its default, or becomes nullopt).
    template <class T>
    void opt(std::string_view key, T& out) {
        auto const* v = find(key);
        if (!v)
            return;
        if (v->is_null()) {
            out = T{};
            return;
        }
        path_scope s(p_, key);
        read(*v, out, p_);
    }

    /// Copies every member not consumed into `extra`.
    void rest(json::object& extra) const;

private:
    bool consumed(std::size_t index) const noexcept;

    json::object const& obj_;
    json_path& p_;
    // Which members were read, by position: a mask for the first 64 (every model's objects fit), the
    // positions of later ones in a vector.
    std::uint64_t consumed_mask_ = 0;
    std::vector<std::size_t> consumed_beyond_;
    std::size_t consumed_count_ = 0;
    std::size_t next_ = 0; // the position after the member found last: see find()
};

template <class T>
void put(json::object& o, std::string_view key, T const& x) {
    o[key] = to_value(x);
}
/// Writes the member only when set.
template <class T>
void put_opt(json::object& o, std::string_view key, std::optional<T> const& x) {
    if (x)
        o[key] = to_value(*x);
}
/// Writes the member only when the container is not empty.
template <class C>
void put_nonempty(json::object& o, std::string_view key, C const& c) {
    if (!c.empty())
        o[key] = to_value(c);
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
    query_params q;
    boost::mp11::mp_for_each<fields_of<T>>(
        [&](auto D) { append_query(q, field<T, decltype(D)>::key, x.*decltype(D)::pointer); });
    return q;
}

// ---- validation ----------------------------------------------------------------------------------------
/// Throws errc::invalid_argument "<field>: <reason>".
[[noreturn]] void invalid(std::string_view field, std::string_view reason);
/// "prefix.name", or "name" when prefix is empty.
std::string field_name(std::string_view prefix, std::string_view name);
/// "prefix[i]".
std::string field_index(std::string_view prefix, std::size_t i);

void check_range(std::string_view field, double v, double lo, double hi);
void check_range(std::string_view field, std::int64_t v, std::int64_t lo, std::int64_t hi);
void check_limit(std::string_view field, std::optional<std::int64_t> const& limit, std::int64_t max);
void check_not_empty(std::string_view field, std::string_view s);
/// Each string of `items` must not be empty ("<field>[i]: must not be empty").
void check_each_not_empty(std::string_view field, std::vector<std::string> const& items);
void check_max_length(std::string_view field, std::string_view s, std::size_t max);
void check_cursor(std::string_view field, std::optional<std::string> const& cursor);
/// Attributes of vector store files: at most 16, keys <= 64, values string (<= 512) / number / boolean.
void check_attributes(std::string_view field, json::object const& attributes);

/// The pagination members of a list request: `limit` in 1..max_limit, non-empty cursors.
template <class P>
void check_page(P const& p, std::int64_t max_limit) {
    check_limit("limit", p.limit, max_limit);
    check_cursor("after", p.after);
    if constexpr (requires { p.before; })
        check_cursor("before", p.before);
}

/// The sampling members of assistants and runs: temperature in 0..2, top_p in 0..1.
template <class P>
void check_sampling(P const& p) {
    if (p.temperature)
        check_range("temperature", *p.temperature, 0.0, 2.0);
    if (p.top_p)
        check_range("top_p", *p.top_p, 0.0, 1.0);
}

/// Appends the list parameters to a query.
void append_list_query(query_params& q, std::optional<std::int64_t> const& limit,
                       std::optional<sort_order> const& order, std::optional<std::string> const& after,
                       std::optional<std::string> const& before);

} // namespace paced::detail

/// Defines the public Boost.JSON conversions of T through the internal codec (inside namespace paced).
#define PACED_DEFINE_JSON_CONVERSIONS(T, root)                                                               \
    T decode(::paced::detail::type_tag<T>, ::boost::json::value const& jv) {                                 \
        return ::paced::detail::decode_root<T>(jv, root);                                                    \
    }                                                                                                        \
    ::boost::json::value to_json(T const& x) {                                                               \
        return ::paced::detail::to_value(x);                                                                 \
    }                                                                                                        \
    T tag_invoke(::boost::json::value_to_tag<T> const&, ::boost::json::value const& jv) {                    \
        return ::paced::detail::decode_root<T>(jv, root);                                                    \
    }                                                                                                        \
    void tag_invoke(::boost::json::value_from_tag const&, ::boost::json::value& jv, T const& x) {            \
        jv = ::paced::detail::to_value(x);                                                                   \
    }
