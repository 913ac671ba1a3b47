#pragma once
/** @file Building blocks shared by every model: metadata, open enums, usage, errors, list pages, and the
 * JSON entry points (`from_json`, `to_json`, `parse_json`) with the validation helpers.
 *
 * @par How the models map JSON
 * - Timestamps are `std::int64_t` Unix seconds; nullable or optional fields are `std::optional`, or
 *   `heap_optional` (the same interface, one pointer in size) for a run's large, rarely present parts.
 * - A field the server sends that the SDK does not know is kept in the model's `extra` object and
 *   written back by the encoder, so a newer server never loses data in an older SDK. Encoders write
 *   `extra` last: a key there replaces a known field of the same name.
 * - Enumerations are `open_enum<E>`: an unknown server value decodes to `E::unknown` with the string kept
 *   in `raw`, and re-encodes unchanged.
 * - A variant alternative the SDK does not know (a new content part, tool or step type) decodes to
 *   `unknown_part`, which keeps the whole JSON object.
 * - Missing required fields, wrong JSON types and malformed bodies throw
 *   `paced::error(errc::unexpected_json, "<path>: <reason>")`, e.g.
 *   `run.required_action.submit_tool_outputs.tool_calls[0].id: expected string, got number`.
 * - A `null` or missing nullable field decodes to `std::nullopt`; encoders write `null` for the nullable
 *   fields OpenAI always sends (so re-encoded objects keep their shape) and omit the others.
 *
 * @par Request parameters
 * Every `*_params` aggregate is meant for designated initialisers. Its encoder (`encode`) writes only the
 * fields that are set (an empty vector, map or optional is left out) and then merges `extra_body`, the
 * escape hatch for fields the SDK does not model yet. `validate` throws `errc::invalid_argument` with
 * "<field>: <reason>" for inputs the API would reject, before anything is sent.
 */

#include <paced/error.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Declares the conversions of a model: `from_json<T>`, `to_json`, and Boost.JSON's `value_to<T>` /
/// `value_from` (through tag_invoke).
#define PACED_JSON_CONVERSIONS(T)                                                                            \
    T decode(::paced::detail::type_tag<T>, ::boost::json::value const& jv);                                  \
    ::boost::json::value to_json(T const& x);                                                                \
    T tag_invoke(::boost::json::value_to_tag<T> const&, ::boost::json::value const& jv);                     \
    void tag_invoke(::boost::json::value_from_tag const&, ::boost::json::value& jv, T const& x)

namespace paced {

namespace detail {
/// Selects the decoder of T by overload (keeps Boost.JSON's conversion machinery out of the headers).
template <class T>
struct type_tag {};
} // namespace detail

/** @brief Up to 16 string pairs attached to an object (keys <= 64 chars, values <= 512 chars).
 *
 * A `null` metadata from the server decodes to an empty map.
 */
using metadata_map = std::map<std::string, std::string>;

/** @brief An optional value kept on the heap: `std::optional`'s interface in the size of one pointer.
 *
 * Used for the parts of a run that are absent most of the time and large when present (required
 * action, last error, response format...). A service follows thousands of runs at once, and each
 * awaited run is held in at least two coroutine frames (the one that returns it and the caller's), so
 * those parts would cost hundreds of bytes per run while empty.
 *
 * Copies are deep; a moved-from object is empty. Comparisons compare the values (empty == empty).
 * Accessing an empty one with `*` or `->` is undefined, like `std::optional`; `value()` throws
 * `std::bad_optional_access`. Setting or copying a value allocates (`std::bad_alloc`); moves never do.
 * Thread safety: that of a plain value (copies share nothing).
 */
template <class T>
class heap_optional {
public:
    using value_type = T;

    constexpr heap_optional() noexcept = default;
    constexpr heap_optional(std::nullopt_t) noexcept {}
    heap_optional(T const& v) : p_(new T(v)) {} // implicit, like std::optional: `.last_error = e`
    heap_optional(T&& v) : p_(new T(std::move(v))) {}
    heap_optional(std::optional<T> const& v) : p_(v ? new T(*v) : nullptr) {}
    heap_optional(heap_optional const& o) : p_(o.p_ ? new T(*o.p_) : nullptr) {}
    heap_optional(heap_optional&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    ~heap_optional() { delete p_; }

    heap_optional& operator=(heap_optional const& o) {
        if (this != &o)
            *this = o.p_ ? heap_optional(*o.p_) : heap_optional();
        return *this;
    }
    heap_optional& operator=(heap_optional&& o) noexcept {
        if (this != &o) {
            delete p_;
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    heap_optional& operator=(std::nullopt_t) noexcept {
        reset();
        return *this;
    }

    template <class... Args>
    T& emplace(Args&&... args) {
        reset();
        p_ = new T(std::forward<Args>(args)...);
        return *p_;
    }
    void reset() noexcept { delete std::exchange(p_, nullptr); }

    bool has_value() const noexcept { return p_ != nullptr; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    T& operator*() noexcept { return *p_; }
    T const& operator*() const noexcept { return *p_; }
    T* operator->() noexcept { return p_; }
    T const* operator->() const noexcept { return p_; }
    T& value() {
        if (!p_)
            throw std::bad_optional_access();
        return *p_;
    }
    T const& value() const {
        if (!p_)
            throw std::bad_optional_access();
        return *p_;
    }

    friend bool operator==(heap_optional const& a, heap_optional const& b) {
        return a.p_ && b.p_ ? *a.p_ == *b.p_ : a.p_ == b.p_;
    }
    friend bool operator==(heap_optional const& a, std::nullopt_t) noexcept { return !a.p_; }

private:
    T* p_ = nullptr;
};

/** @brief An enumeration that tolerates values a newer server may send.
 *
 * Decoding sets `value` to the matching enumerator, or `E::unknown`, and always keeps the string in
 * `raw`. Encoding writes the canonical name of `value`, or `raw` when `value` is `E::unknown`: so a value
 * set from code wins over a stale `raw`, and an unknown value survives a round trip.
 *
 * @par Example
 * @code
 * if (r.status == paced::run_status::completed) ...
 * if (r.status == paced::run_status::unknown) log("new status " + r.status.raw);
 * @endcode
 */
template <class E>
struct open_enum {
    E value = E::unknown; ///< The known enumerator, or `E::unknown`.
    std::string raw{};    ///< The string the server sent; empty when the value was set from code.

    constexpr open_enum() = default;
    constexpr open_enum(E v) : value(v) {} // implicit on purpose: `.status = run_status::queued`

    /// The string this value encodes to.
    std::string_view str() const {
        if (value == E::unknown)
            return raw;
        return to_string(value);
    }
    /// True when neither a known value nor a server string is held (a field the server left out).
    bool empty() const noexcept { return value == E::unknown && raw.empty(); }

    friend bool operator==(open_enum const& a, E b) noexcept { return a.value == b; }
    friend bool operator==(open_enum const& a, open_enum const& b) noexcept {
        return a.value == b.value && (a.value != E::unknown || a.raw == b.raw);
    }
};

/** @brief A variant alternative of a type the SDK does not know (newer content part, tool, step...).
 *
 * `raw` is the complete JSON object as received, including `type`; encoding writes it back unchanged.
 */
struct unknown_part {
    std::string type;          ///< The object's `type` member ("" when absent).
    boost::json::object raw{}; ///< The whole object.
};
/// A message content part of an unknown type.
using unknown_content = unknown_part;
/// A tool definition of an unknown type.
using unknown_tool = unknown_part;

/** @brief Token usage of a run or run step (`RunCompletionUsage`); null until the run is terminal. */
struct usage {
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    std::int64_t total_tokens = 0;
    boost::json::object extra{}; ///< Fields the SDK does not know, e.g. token details.
};

/** @brief The `last_error` of a run, run step or vector store file.
 *
 * `code` is kept as a string because every object has its own, growing set: `server_error`,
 * `rate_limit_exceeded`, `invalid_prompt`, `unsupported_file`, `invalid_file`...
 */
struct last_error {
    std::string code{};
    std::string message{};
    boost::json::object extra{};
};

/** @brief Why a run or message is incomplete, e.g. `max_completion_tokens`, `content_filter`. */
struct incomplete_details {
    std::string reason{}; ///< Empty when the server sent none.
    boost::json::object extra{};
};

/** @brief The answer of a delete: `{id, object:"<type>.deleted", deleted}`. */
struct deleted_object {
    std::string id{};
    std::string object{}; ///< e.g. `assistant.deleted`, `thread.message.deleted`, `file`.
    bool deleted = false;
    boost::json::object extra{};
};

/** @brief OpenAI's error body (`Error`): the payload of `{"error":{...}}` and of stream `error` events. */
struct error_body {
    std::string message{};
    std::string type{}; ///< e.g. `invalid_request_error`; empty when absent.
    std::optional<std::string> code{};
    std::optional<std::string> param{};
    boost::json::object extra{};
};

/** @brief One page of a cursor-paginated list: `{object:"list", data, first_id, last_id, has_more}`.
 *
 * The next page starts after the `id` of the last element of `data` (as the official SDKs do);
 * `first_id`/`last_id` are null on an empty page.
 * Decodable for every listable model: file, assistant, message, run, run_step, vector_store,
 * vector_store_file.
 */
template <class T>
struct list_page {
    std::vector<T> data{};
    std::optional<std::string> first_id{};
    std::optional<std::string> last_id{};
    bool has_more = false;
    boost::json::object extra{};
};

/// Sort order of list operations (by `created_at`); the server's default is `desc`.
enum class sort_order { asc, desc };
/// "asc" or "desc".
std::string_view to_string(sort_order o) noexcept;

/// A query string as ordered name/value pairs (not yet percent-encoded).
using query_params = std::vector<std::pair<std::string, std::string>>;

/** @brief Cursor pagination for every list operation except files (`limit` 1..100, server default 20). */
struct list_params {
    std::optional<std::int64_t> limit{}; ///< 1..100.
    std::optional<sort_order> order{};   ///< Server default `desc`.
    std::optional<std::string> after{};  ///< An object id: items after it.
    std::optional<std::string> before{}; ///< An object id: items before it.
};

/// @name JSON conversions of the common types
/// @{
PACED_JSON_CONVERSIONS(unknown_part);
PACED_JSON_CONVERSIONS(usage);
PACED_JSON_CONVERSIONS(last_error);
PACED_JSON_CONVERSIONS(incomplete_details);
PACED_JSON_CONVERSIONS(deleted_object);
PACED_JSON_CONVERSIONS(error_body);

/// Defined (explicitly instantiated) for every listable model.
template <class T>
list_page<T> decode(detail::type_tag<list_page<T>>, boost::json::value const& jv);
template <class T>
boost::json::value to_json(list_page<T> const& x);
template <class T>
list_page<T> tag_invoke(boost::json::value_to_tag<list_page<T>> const&, boost::json::value const& jv);
template <class T>
void tag_invoke(boost::json::value_from_tag const&, boost::json::value& jv, list_page<T> const& x);
/// @}

/** @brief Decodes a model from a JSON value.
 *
 * @par Errors
 * `paced::error` with `errc::unexpected_json` and a message naming the path of the bad field, e.g.
 * `run.status: expected string, got null`.
 */
template <class T>
T from_json(boost::json::value const& jv) {
    return decode(detail::type_tag<T>{}, jv);
}

// `boost::json::value to_json(T const&)` (encodes a model, unknown fields included) is declared next to
// each model.

namespace detail {
/// Parses a body into `storage` (the default resource when null); malformed JSON throws
/// `errc::unexpected_json` ("<what>: malformed JSON: ...").
boost::json::value parse_body(std::string_view body, std::string_view what,
                              boost::json::storage_ptr storage = {});

/// Stack memory for a document that lives only while a model is decoded from it.
inline constexpr std::size_t transient_json_bytes = 4096;

/// parse_json<T>, naming the text `what` in the error for malformed JSON (a stream event by its name).
template <class T>
T parse_model(std::string_view text, std::string_view what) {
    // The document dies with this call and the model owns copies of what it keeps, so the document's many
    // small nodes come from the stack (then from a few growing blocks) and are released at once.
    unsigned char scratch[transient_json_bytes];
    boost::json::monotonic_resource transient(scratch, sizeof scratch);
    return from_json<T>(parse_body(text, what, &transient));
}
/// Serialises a value to compact JSON text.
std::string serialize_json(boost::json::value const& jv);
} // namespace detail

/** @brief Parses a response body and decodes it as `T`.
 *
 * @par Errors
 * `errc::unexpected_json` for malformed JSON or a body that does not match `T` (path in the message).
 */
template <class T>
T parse_json(std::string_view body) {
    return detail::parse_model<T>(body, "body");
}

/// Encodes a model or request body to compact JSON text.
template <class T>
std::string to_json_string(T const& x) {
    return detail::serialize_json(to_json(x));
}

/// @name Request encoding and validation of the common parameters
/// @{

/** @brief Query parameters of a list call (only the set ones). */
query_params to_query(list_params const& p);

/** @brief Checks list parameters: `limit` in 1..100, non-empty cursors.
 * @par Errors `errc::invalid_argument` "limit: must be between 1 and 100, got 0".
 */
void validate(list_params const& p);

/** @brief Checks an id used as a URL path component.
 *
 * Rejects empty ids, `.` and `..`, and ids containing '/', '?', '#', '%', whitespace or control
 * characters: each would change which URL the request goes to.
 * @par Errors `errc::invalid_argument` "<field>: ...".
 */
void validate_id(std::string_view field, std::string_view id);

/** @brief Checks metadata: at most 16 pairs, keys <= 64 and values <= 512 characters.
 * @par Errors `errc::invalid_argument` naming `field` (e.g. "metadata: at most 16 pairs, got 17").
 */
void validate_metadata(std::string_view field, metadata_map const& m);

/// @}

} // namespace paced
