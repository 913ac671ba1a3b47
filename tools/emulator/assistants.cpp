// Assistants: create, list, retrieve, modify and delete.

#include "context.hpp"
#include "lists.hpp"

namespace paced::emulator {

void handle_assistants(request_context& c) {
    switch (c.route.id) {
    case route::asst_create:
    case route::asst_modify: {
        auto b = parse_body(c.req.body);
        check_known(b, {"model", "name", "description", "instructions", "reasoning_effort", "tools",
                        "tool_resources", "metadata", "temperature", "top_p", "response_format"});
        assistant_rec* existing = c.route.id == route::asst_modify ? &c.need_assistant(c.p0) : nullptr;
        json::object f;
        if (existing)
            f = existing->fields;
        if (!existing || b.contains("model"))
            f["model"] = require_string(b, "model");
        for (auto k : {"name", "description", "instructions"})
            f[k] = opt_string(b, k, existing ? f[k] : json::value(nullptr));
        if (const auto* t = b.if_contains("tools"))
            f["tools"] = tools_of(*t, "tools", 128);
        else if (!existing)
            f["tools"] = json::array();
        f["tool_resources"] =
            object_or_null(b, "tool_resources", existing ? f["tool_resources"] : json::object());
        f["metadata"] = metadata_of(b, existing ? f["metadata"] : json::object());
        f["temperature"] = opt_number(b, "temperature", 0, 2, existing ? f["temperature"] : json::value(1.0));
        f["top_p"] = opt_number(b, "top_p", 0, 1, existing ? f["top_p"] : json::value(1.0));
        if (const auto* rf = b.if_contains("response_format"))
            f["response_format"] = rf->is_null() ? json::value("auto") : *rf;
        else if (!existing)
            f["response_format"] = "auto";
        if (const auto* re = b.if_contains("reasoning_effort"))
            f["reasoning_effort"] = *re;
        if (existing) {
            existing->fields = std::move(f);
            return c.ok(c.st.render(*existing));
        }
        return c.ok(c.st.render(c.st.add_assistant(std::move(f), c.now)));
    }
    case route::asst_list: {
        auto p = parse_list(c.route.query, 100, 20);
        c.res.body = list_body(c.st.assistants(), p, [&](const assistant_rec& a) { return c.st.render(a); });
        return;
    }
    case route::asst_get:
        return c.ok(c.st.render(c.need_assistant(c.p0)));
    case route::asst_delete:
        c.need_assistant(c.p0);
        c.st.delete_assistant(c.p0);
        return c.ok(deleted_body(c.p0, "assistant.deleted"));
    }
    throw api_failure{404, "Invalid URL"};
}

} // namespace paced::emulator
