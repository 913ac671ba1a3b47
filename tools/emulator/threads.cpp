// Threads and their messages: create, retrieve, modify and delete, and the list of a thread's messages.

#include "context.hpp"
#include "lists.hpp"

namespace paced::emulator {

void handle_threads(request_context& c) {
    switch (c.route.id) {
    case route::thread_create: {
        auto b = parse_body(c.req.body);
        check_known(b, {"messages", "tool_resources", "metadata"});
        std::vector<message_input> msgs;
        if (const auto* m = b.if_contains("messages"); m && !m->is_null()) {
            if (!m->is_array())
                invalid_type("messages", "an array", *m);
            for (std::size_t i = 0; i < m->as_array().size(); ++i)
                msgs.push_back(message_of(m->as_array()[i], "messages[" + std::to_string(i) + "]", c.st));
        }
        auto& t = c.st.add_thread(object_or_null(b, "tool_resources", json::object()), metadata_of(b), c.now);
        for (auto& m : msgs)
            c.st.add_message(t, m.role, std::move(m.content), std::move(m.attachments), std::move(m.metadata),
                             c.now);
        return c.ok(c.st.render(t));
    }
    case route::thread_get:
        return c.ok(c.st.render(c.need_thread(c.p0)));
    case route::thread_modify: {
        auto& t = c.need_thread(c.p0);
        auto b = parse_body(c.req.body);
        check_known(b, {"tool_resources", "metadata"});
        t.tool_resources = object_or_null(b, "tool_resources", t.tool_resources);
        t.metadata = metadata_of(b, t.metadata);
        return c.ok(c.st.render(t));
    }
    case route::thread_delete:
        c.need_thread(c.p0);
        c.st.delete_thread(c.p0);
        return c.ok(deleted_body(c.p0, "thread.deleted"));
    // ---- messages --------------------------------------------------------------------------------
    case route::msg_create: {
        auto& t = c.need_thread(c.p0);
        auto m = message_of(parse_body(c.req.body), "", c.st);
        if (t.active)
            bad_request("Can't add messages to " + t.id + " while a run " + t.active->id + " is active.");
        return c.ok(c.st.render(c.st.add_message(t, m.role, std::move(m.content), std::move(m.attachments),
                                                 std::move(m.metadata), c.now),
                                c.now));
    }
    case route::msg_list: {
        auto& t = c.need_thread(c.p0);
        auto p = parse_list(c.route.query, 100, 20);
        const std::string run_id = query_param(c.route.query, "run_id");
        auto render = [&](const message_rec& m) { return c.st.render(m, c.now); };
        if (run_id.empty()) {
            c.res.body = list_body(t.messages, p, render);
        } else {
            std::vector<message_rec*> items;
            for (auto* m : t.messages)
                if (m->run && m->run->id == run_id)
                    items.push_back(m);
            c.res.body = list_body(items, p, render);
        }
        return;
    }
    case route::msg_get:
    case route::msg_modify:
    case route::msg_delete: {
        auto& t = c.need_thread(c.p0);
        auto* m = c.st.find_message(c.p1);
        if (!m || m->thread != &t)
            not_found("message", c.p1);
        if (c.route.id == route::msg_delete) {
            c.st.delete_message(c.p1);
            return c.ok(deleted_body(c.p1, "thread.message.deleted"));
        }
        if (c.route.id == route::msg_modify) {
            auto b = parse_body(c.req.body);
            check_known(b, {"metadata"});
            m->metadata = metadata_of(b, m->metadata);
        }
        return c.ok(c.st.render(*m, c.now));
    }
    }
    throw api_failure{404, "Invalid URL"};
}

} // namespace paced::emulator
