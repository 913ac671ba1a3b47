#pragma once
// Query strings and list pages, shared by every list endpoint: the query parameters, the validated
// `limit`/`order`/`after`/`before`, and the list envelope.

#include "store.hpp"
#include "util.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace paced::emulator {

/** @brief The percent-decoded value of query parameter `name` (empty when absent or without a value). */
std::string query_param(std::string_view query, std::string_view name);
/** @brief Whether the query names parameter `name`, with or without a value. */
bool has_query_param(std::string_view query, std::string_view name);

/** @brief `limit` (1..max_limit, default_limit when absent), `order`, `after` and, when allowed, `before`;
 * 400 with OpenAI's codes for a bad one. */
list_params parse_list(std::string_view query, std::int64_t max_limit, std::int64_t default_limit,
                       bool allow_before = true);

/** @brief The list envelope {object:"list", data, first_id, last_id, has_more} of one page of `items`
 * (pointers to records with an `id`, in creation order), each rendered by `render`. */
template <class Items, class Render>
std::string list_body(const Items& items, const list_params& p, Render render) {
    auto slice = paginate(
        items.size(), [&](std::size_t i) -> const std::string& { return items[i]->id; }, p);
    json::array data;
    data.reserve(slice.indexes.size());
    for (auto i : slice.indexes)
        data.push_back(render(*items[i]));
    json::object o;
    o["object"] = "list";
    o["data"] = std::move(data);
    o["first_id"] =
        slice.indexes.empty() ? json::value(nullptr) : json::value(items[slice.indexes.front()]->id);
    o["last_id"] =
        slice.indexes.empty() ? json::value(nullptr) : json::value(items[slice.indexes.back()]->id);
    o["has_more"] = slice.has_more;
    return json::serialize(o);
}

} // namespace paced::emulator
