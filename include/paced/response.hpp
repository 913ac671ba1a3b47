#pragma once
/// @file Response metadata every call can return: status, headers and `x-request-id`.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paced {

/** @brief An ordered list of HTTP header fields with case-insensitive lookup.
 *
 * Kept as a plain vector: responses carry a dozen fields, so a linear search is faster than a map
 * and preserves the order and duplicates the server sent.
 */
class header_list {
public:
    using value_type = std::pair<std::string, std::string>;

    header_list() = default;
    header_list(std::initializer_list<value_type> fields) : fields_(fields) {}

    /// Value of the first field named `name` (ASCII case-insensitive), or nullopt.
    std::optional<std::string_view> find(std::string_view name) const noexcept;
    /// Appends a field; duplicates are kept.
    void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
    /// Replaces every field named `name` by one field with `value`.
    void set(std::string_view name, std::string value);
    /// Removes every field named `name`.
    void erase(std::string_view name);

    std::vector<value_type> const& fields() const noexcept { return fields_; }
    auto begin() const noexcept { return fields_.begin(); }
    auto end() const noexcept { return fields_.end(); }
    std::size_t size() const noexcept { return fields_.size(); }
    bool empty() const noexcept { return fields_.empty(); }

private:
    std::vector<value_type> fields_;
};

/// ASCII case-insensitive comparison of header names.
bool iequals(std::string_view a, std::string_view b) noexcept;

/** @brief What the server answered besides the body: the final attempt's status and headers. */
struct response_metadata {
    unsigned status = 0;
    header_list headers;
    /// The `x-request-id` header, empty when absent. Quote it in support requests.
    std::string request_id;
    /// Attempts made for this logical request (1 = no retry).
    int attempts = 0;
    /// Time spent waiting for the rate-limit budget across all attempts.
    std::chrono::nanoseconds budget_wait{0};
    /// Wall time from the first attempt to the final answer.
    std::chrono::nanoseconds elapsed{0};
};

/** @brief A value together with the metadata of the response that produced it. */
template <class T>
struct with_metadata {
    T value;
    response_metadata metadata;
};

} // namespace paced
