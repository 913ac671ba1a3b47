#pragma once
// The path of a value being decoded, and the errors that name it
// ("run.required_action.submit_tool_outputs.tool_calls[0].id: expected string, got number").

#include <boost/json/fwd.hpp>

#include <array>
#include <cstddef>
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
/// `v` as an object; throws "<path>: expected object, got ..." when it is not one.
json::object const& object_at(json::value const& v, json_path& p);
/// The `type` member of an object ("" when absent); throws when it is not a string.
std::string_view type_of(json::value const& v, json_path& p);

} // namespace paced::detail
