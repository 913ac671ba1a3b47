#pragma once
// How a described struct maps to JSON: the rules a model may declare beyond its member list, the traits of
// its members derived from their types and those rules, and the table that finds a member by its key.
// All of it is computed at compile time; types/codec.hpp reads and writes by it.

#include <paced/types/common.hpp>

#include <boost/describe/members.hpp>
#include <boost/json/object.hpp>
#include <boost/mp11/algorithm.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

namespace paced::detail {

namespace json = boost::json;

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
 * Servers write an object's members in a fixed order, which is often the description's: find() tries the
 * field after the last one found first (one comparison), then an open-addressing table of at least twice as
 * many slots as keys (a hash of three characters, then about one comparison).
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

} // namespace paced::detail
