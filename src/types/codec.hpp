#pragma once
// Internal JSON codec of the models: path-tracking readers, writers and validation helpers.
// Every reader takes the path of the value it reads, so an error names the exact field
// ("run.required_action.submit_tool_outputs.tool_calls[0].id: expected string, got number").

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

#include <boost/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
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

// ---- leaf readers and writers --------------------------------------------------------------------------
void read(json::value const& v, std::string& out, json_path& p);
void read(json::value const& v, std::int64_t& out, json_path& p);
void read(json::value const& v, double& out, json_path& p);
void read(json::value const& v, bool& out, json_path& p);
void read(json::value const& v, json::object& out, json_path& p);
void read(json::value const& v, json::value& out, json_path& p);
void read(json::value const& v, metadata_map& out, json_path& p);

json::value to_value(std::string const& s);
json::value to_value(std::int64_t i);
json::value to_value(double d);
json::value to_value(bool b);
json::value to_value(json::object const& o);
json::value to_value(json::value const& v);
json::value to_value(metadata_map const& m);
json::value to_value(char const*) = delete; // would silently convert to bool

// ---- model readers and writers (defined next to each model) -------------------------------------------
#define PACED_CODEC(T)                                                                                       \
    void read(json::value const& v, T& out, json_path& p);                                                   \
    json::value to_value(T const& x)

PACED_CODEC(unknown_part);
PACED_CODEC(usage);
PACED_CODEC(last_error);
PACED_CODEC(incomplete_details);
PACED_CODEC(deleted_object);
PACED_CODEC(error_body);
PACED_CODEC(file);
PACED_CODEC(file_counts);
PACED_CODEC(vector_store_expires_after);
PACED_CODEC(static_chunking_config);
PACED_CODEC(chunking_strategy);
PACED_CODEC(vector_store);
PACED_CODEC(vector_store_file);
PACED_CODEC(vector_store_file_batch);
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

// ---- generic readers and writers -----------------------------------------------------------------------
template <class T>
void read(json::value const& v, std::optional<T>& out, json_path& p) {
    if (v.is_null()) {
        out.reset();
        return;
    }
    out.emplace();
    read(v, *out, p);
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

/// The `type` member of an object ("" when absent); throws when it is not a string.
std::string_view type_of(json::value const& v, json_path& p);

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
/// Writes the members of `extra` over `o` (extra wins).
void merge_extra(json::object& o, json::object const& extra);

/// Decodes a whole document whose root is named `root`.
template <class T>
T decode_root(json::value const& v, std::string_view root) {
    json_path p(root);
    T out{};
    read(v, out, p);
    return out;
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
void check_max_length(std::string_view field, std::string_view s, std::size_t max);
void check_cursor(std::string_view field, std::optional<std::string> const& cursor);
/// Attributes of vector store files: at most 16, keys <= 64, values string (<= 512) / number / boolean.
void check_attributes(std::string_view field, json::object const& attributes);

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
