// Responses and Conversations models: their conversions, output_text, and the checks of their requests.

#include "types/descriptions.hpp"
#include "types/validation.hpp"

namespace paced {
namespace detail {

namespace {
template <class P>
void write_input_text(json::object& o, P const& x) {
    if (x.input_text)
        o.insert_or_assign("input", json::string(*x.input_text));
}
} // namespace

void write_member(json::object& o, response_create_params const& x,
                  member<&response_create_params::input_text>, json_mode) {
    write_input_text(o, x);
}
void write_member(json::object& o, input_tokens_params const& x, member<&input_tokens_params::input_text>,
                  json_mode) {
    write_input_text(o, x);
}

} // namespace detail

PACED_DEFINE_JSON_CONVERSIONS(output_text_part, "content")
PACED_DEFINE_JSON_CONVERSIONS(refusal_part, "content")
PACED_DEFINE_JSON_CONVERSIONS(output_content, "content")
PACED_DEFINE_JSON_CONVERSIONS(output_message, "item")
PACED_DEFINE_JSON_CONVERSIONS(function_call_item, "item")
PACED_DEFINE_JSON_CONVERSIONS(reasoning_item, "item")
PACED_DEFINE_JSON_CONVERSIONS(file_search_call_item, "item")
PACED_DEFINE_JSON_CONVERSIONS(web_search_call_item, "item")
PACED_DEFINE_JSON_CONVERSIONS(output_item, "item")
PACED_DEFINE_JSON_CONVERSIONS(input_tokens_details, "input_tokens_details")
PACED_DEFINE_JSON_CONVERSIONS(output_tokens_details, "output_tokens_details")
PACED_DEFINE_JSON_CONVERSIONS(response_usage, "usage")
PACED_DEFINE_JSON_CONVERSIONS(response_conversation, "conversation")
PACED_DEFINE_JSON_CONVERSIONS(response, "response")
PACED_DEFINE_JSON_CONVERSIONS(input_message, "item")
PACED_DEFINE_JSON_CONVERSIONS(function_call_output_item, "item")
PACED_DEFINE_JSON_CONVERSIONS(input_item, "item")
PACED_DEFINE_JSON_CONVERSIONS(response_function_tool, "tool")
PACED_DEFINE_JSON_CONVERSIONS(response_tool, "tool")
PACED_DEFINE_JSON_CONVERSIONS(input_tokens_count, "input_tokens")
PACED_DEFINE_JSON_CONVERSIONS(response_lifecycle_event, "event")
PACED_DEFINE_JSON_CONVERSIONS(response_output_item_event, "event")
PACED_DEFINE_JSON_CONVERSIONS(response_text_delta_event, "event")
PACED_DEFINE_JSON_CONVERSIONS(response_text_done_event, "event")
PACED_DEFINE_JSON_CONVERSIONS(response_function_arguments_event, "event")
PACED_DEFINE_JSON_CONVERSIONS(conversation, "conversation")
PACED_DEFINE_JSON_CONVERSIONS(conversation_item, "item")

std::string output_text(response const& r) {
    std::string out;
    for (auto const& item : r.output)
        if (auto const* m = std::get_if<output_message>(&item))
            for (auto const& part : m->content)
                if (auto const* t = std::get_if<output_text_part>(&part))
                    out += t->text;
    return out;
}

std::vector<function_call_item const*> function_calls(response const& r) {
    std::vector<function_call_item const*> calls;
    for (auto const& item : r.output)
        if (auto const* c = std::get_if<function_call_item>(&item))
            calls.push_back(c);
    return calls;
}

namespace {
/// The `id` of an item of any of the variants' alternatives.
struct id_of_item {
    static std::string id_in(boost::json::object const& o) {
        auto const* id = o.if_contains("id");
        return id && id->is_string() ? std::string{id->get_string()} : std::string{};
    }
    std::string operator()(unknown_part const& u) const { return id_in(u.raw); }
    std::string operator()(input_message const& m) const { return id_in(m.extra); } // sent without one
    template <class T>
    std::string operator()(T const& x) const {
        if constexpr (requires { x.id.value_or(""); })
            return x.id.value_or("");
        else
            return x.id;
    }
};
} // namespace

std::string item_id(input_item const& item) {
    return std::visit(id_of_item{}, item);
}

std::string item_id(conversation_item const& item) {
    return std::visit(id_of_item{}, item);
}

// ---- requests ------------------------------------------------------------------------------------------

PACED_DEFINE_ENCODE(response_create_params)
PACED_DEFINE_ENCODE(input_tokens_params)
PACED_DEFINE_TO_QUERY(item_list_params)
PACED_DEFINE_ENCODE(conversation_create_params)
PACED_DEFINE_ENCODE(conversation_update_params)
PACED_DEFINE_ENCODE(conversation_items_create_params)

namespace {

/// The input items of a request: messages with content, outputs that name their call (1..64 characters).
void check_input_items(std::string_view field, std::vector<input_item> const& items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto const at = detail::field_index(field, i);
        if (auto const* m = std::get_if<input_message>(&items[i])) {
            if (m->role != "user" && m->role != "assistant" && m->role != "system" && m->role != "developer")
                detail::invalid(at + ".role", "must be user, assistant, system or developer");
            if (!m->content.is_string() && !m->content.is_array())
                detail::invalid(at + ".content", "must be a string or an array of content parts");
        } else if (auto const* o = std::get_if<function_call_output_item>(&items[i])) {
            detail::check_not_empty(at + ".call_id", o->call_id);
            detail::check_max_length(at + ".call_id", o->call_id, 64);
            detail::check_max_length(at + ".output", o->output, 10'485'760);
        } else if (auto const* c = std::get_if<function_call_item>(&items[i])) {
            detail::check_not_empty(at + ".call_id", c->call_id);
            detail::check_function_name(at + ".name", c->name);
        } else if (std::get<unknown_part>(items[i]).type.empty()) {
            detail::invalid(at + ".type", "must not be empty");
        }
    }
}

void check_response_tools(std::vector<response_tool> const& tools) {
    for (std::size_t i = 0; i < tools.size(); ++i) {
        auto const at = detail::field_index("tools", i);
        if (auto const* f = std::get_if<response_function_tool>(&tools[i]))
            detail::check_function_name(at + ".name", f->name);
        else if (std::get<unknown_part>(tools[i]).type.empty())
            detail::invalid(at + ".type", "must not be empty");
    }
}

/// What a create and an input-token count share: one form of input, one way of chaining.
template <class P>
void check_turn(P const& p) {
    if (p.model)
        detail::check_not_empty("model", *p.model);
    if (p.input_text && !p.input.empty())
        detail::invalid("input", "give input_text or input items, not both");
    check_input_items("input", p.input);
    if (p.previous_response_id && p.conversation)
        detail::invalid("previous_response_id", "cannot be used together with conversation");
    if (p.previous_response_id)
        validate_id("previous_response_id", *p.previous_response_id);
    if (p.conversation)
        validate_id("conversation", *p.conversation);
    check_response_tools(p.tools);
}

} // namespace

void validate(response_create_params const& p) {
    check_turn(p);
    if (p.background.value_or(false) && !p.store.value_or(true))
        detail::invalid("background", "requires store (background responses are stored)");
    if (p.max_output_tokens && *p.max_output_tokens < 16)
        detail::invalid("max_output_tokens",
                        "must be at least 16, got " + std::to_string(*p.max_output_tokens));
    if (p.max_tool_calls && *p.max_tool_calls < 1)
        detail::invalid("max_tool_calls", "must be at least 1, got " + std::to_string(*p.max_tool_calls));
    if (p.truncation && *p.truncation != "auto" && *p.truncation != "disabled")
        detail::invalid("truncation", "must be \"auto\" or \"disabled\"");
    detail::check_each_not_empty("include", p.include);
    detail::check_sampling(p);
    validate_metadata("metadata", p.metadata);
}

void validate(input_tokens_params const& p) {
    check_turn(p);
}

void validate(item_list_params const& p) {
    detail::check_page(p, 100);
    detail::check_each_not_empty("include", p.include);
}

void validate(conversation_create_params const& p) {
    if (p.items.size() > 20)
        detail::invalid("items", "at most 20 items, got " + std::to_string(p.items.size()));
    check_input_items("items", p.items);
    validate_metadata("metadata", p.metadata);
}

void validate(conversation_update_params const& p) {
    validate_metadata("metadata", p.metadata);
}

void validate(conversation_items_create_params const& p) {
    if (p.items.empty() || p.items.size() > 20)
        detail::invalid("items", "1 to 20 items, got " + std::to_string(p.items.size()));
    check_input_items("items", p.items);
}

} // namespace paced
