// The Conversations endpoints (SPEC CreateConversationBody, UpdateConversationBody, ConversationResource,
// ConversationItemList): a conversation is a list of items that responses created with `conversation`
// read before their input and extend with their input and output once they have ended.

#include "api.hpp"
#include "context.hpp"
#include "lists.hpp"
#include "responses.hpp"
#include "validate.hpp"

#include <algorithm>

namespace paced::emulator {

namespace {
constexpr std::size_t max_conversation_items = 20; // CreateConversationBody.items, items create: maxItems 20

[[noreturn]] void conversation_not_found(std::string_view id) {
    throw api_failure{404, "Conversation with id '" + std::string(id) + "' not found.",
                      "invalid_request_error"};
}

std::string item_list_body(const std::vector<item_ptr>& items) {
    json::array data;
    for (const auto& i : items)
        data.push_back(i->body);
    json::object o;
    o["object"] = "list";
    o["data"] = std::move(data);
    o["first_id"] = items.empty() ? json::value(nullptr) : json::value(items.front()->id);
    o["last_id"] = items.empty() ? json::value(nullptr) : json::value(items.back()->id);
    o["has_more"] = false;
    return json::serialize(o);
}
} // namespace

api_response responses_api::conversations(std::string_view route, api_request& req, const route_match& m,
                                          ms_t now, api_response& res) {
    auto ok = [&](const json::value& v) {
        res.status = 200;
        res.body = json::serialize(v);
        return std::move(res);
    };
    if (route == "POST /v1/conversations") {
        auto b = parse_body(req.body);
        check_known(b, {"metadata", "items"});
        auto metadata = metadata_of(b);
        std::vector<item_ptr> items;
        if (const auto* v = b.if_contains("items"); v && !v->is_null()) {
            if (!v->is_array())
                invalid_type("items", "an array", *v);
            items = input_items_of(*v, "items", store_, max_conversation_items);
        }
        return ok(store_.render(store_.add_conversation(std::move(metadata), std::move(items), now)));
    }
    const std::string id(m.params[0]);
    auto* c = store_.find_conversation(id);
    if (!c)
        conversation_not_found(id);
    store_.settle(*c, now);
    if (route == "GET /v1/conversations/{conversation_id}")
        return ok(store_.render(*c));
    if (route == "POST /v1/conversations/{conversation_id}") {
        auto b = parse_body(req.body);
        check_known(b, {"metadata"});
        if (!b.contains("metadata"))
            bad_request("Missing required parameter: 'metadata'.", "metadata", "missing_required_parameter");
        c->metadata = metadata_of(b);
        return ok(store_.render(*c));
    }
    if (route == "DELETE /v1/conversations/{conversation_id}") {
        store_.delete_conversation(id);
        return ok(deleted_body(id, "conversation.deleted"));
    }
    if (route == "POST /v1/conversations/{conversation_id}/items") {
        auto b = parse_body(req.body);
        check_known(b, {"items"});
        const auto* v = b.if_contains("items");
        if (!v)
            bad_request("Missing required parameter: 'items'.", "items", "missing_required_parameter");
        if (!v->is_array())
            invalid_type("items", "an array", *v);
        auto items = input_items_of(*v, "items", store_, max_conversation_items);
        c->items.insert(c->items.end(), items.begin(), items.end());
        res.status = 200;
        res.body = item_list_body(items);
        return std::move(res);
    }
    if (route == "GET /v1/conversations/{conversation_id}/items") {
        auto p = parse_list(m.query, 100, 20, false);
        res.status = 200;
        res.body = list_body(c->items, p, [](const item_rec& i) { return i.body; });
        return std::move(res);
    }
    const std::string item_id(m.params[1]);
    auto it =
        std::find_if(c->items.begin(), c->items.end(), [&](const item_ptr& i) { return i->id == item_id; });
    if (it == c->items.end())
        throw api_failure{404, "Item with id '" + item_id + "' not found.", "invalid_request_error"};
    if (route == "GET /v1/conversations/{conversation_id}/items/{item_id}")
        return ok((*it)->body);
    // DELETE .../items/{item_id} answers the conversation, not a deleted-object (SPEC).
    c->items.erase(it);
    return ok(store_.render(*c));
}

} // namespace paced::emulator
