// Vector stores, their files and their file batches; the search of a vector store.

#include "context.hpp"
#include "lists.hpp"

#include <algorithm>
#include <tuple>

namespace paced::emulator {

void handle_vector_stores(request_context& c) {
    switch (c.route.id) {
    case route::vs_create: {
        auto b = parse_body(c.req.body);
        check_known(b, {"file_ids", "name", "description", "expires_after", "chunking_strategy", "metadata"});
        std::vector<file_rec*> files;
        if (const auto* ids = b.if_contains("file_ids"); ids && !ids->is_null()) {
            if (!ids->is_array())
                invalid_type("file_ids", "an array", *ids);
            for (const auto& id : ids->as_array()) {
                if (!id.is_string())
                    invalid_type("file_ids[]", "a string", id);
                files.push_back(&c.need_file(std::string(id.as_string())));
            }
        }
        auto expires = object_or_null(b, "expires_after", nullptr);
        if (expires.is_object()) {
            const auto* days = expires.as_object().if_contains("days");
            if (!days || !days->is_int64() || days->as_int64() < 1 || days->as_int64() > 365)
                bad_request("Invalid 'expires_after.days': expected an integer between 1 and 365.",
                            "expires_after.days", "invalid_value");
        }
        auto chunking = object_or_null(b, "chunking_strategy", nullptr);
        auto& v = c.st.add_vector_store(opt_string(b, "name"), opt_string(b, "description"),
                                        std::move(expires), metadata_of(b), c.now);
        for (auto* f : files)
            c.st.attach_file(v, *f, nullptr, chunking, {}, c.now);
        return c.ok(c.st.render(v, c.now));
    }
    case route::vs_list: {
        auto p = parse_list(c.route.query, 100, 20);
        c.res.body = list_body(c.st.vector_stores(), p,
                               [&](const vector_store_rec& v) { return c.st.render(v, c.now); });
        return;
    }
    case route::vs_get:
        return c.ok(c.st.render(c.need_vector_store(c.p0), c.now));
    case route::vs_modify: {
        auto& v = c.need_vector_store(c.p0);
        auto b = parse_body(c.req.body);
        check_known(b, {"name", "expires_after", "metadata"});
        v.name = opt_string(b, "name", v.name);
        v.expires_after = object_or_null(b, "expires_after", v.expires_after);
        v.metadata = metadata_of(b, v.metadata);
        return c.ok(c.st.render(v, c.now));
    }
    case route::vs_delete:
        c.need_vector_store(c.p0);
        c.st.delete_vector_store(c.p0);
        return c.ok(deleted_body(c.p0, "vector_store.deleted"));
    case route::vs_search: {
        auto& v = c.need_vector_store(c.p0);
        auto b = parse_body(c.req.body);
        check_known(b, {"query", "rewrite_query", "max_num_results", "filters", "ranking_options"});
        const auto* q = b.if_contains("query");
        if (!q)
            bad_request("Missing required parameter: 'query'.", "query", "missing_required_parameter");
        std::vector<std::string> terms;
        if (q->is_string())
            terms.emplace_back(q->as_string());
        else if (q->is_array())
            for (const auto& x : q->as_array())
                if (x.is_string())
                    terms.emplace_back(x.as_string());
        std::int64_t max_results = 10;
        if (const auto* m = b.if_contains("max_num_results"); m && m->is_int64())
            max_results = std::clamp<std::int64_t>(m->as_int64(), 1, 50);
        json::array data;
        auto lower = [](std::string s) {
            for (auto& c : s)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return s;
        };
        // A plain case-insensitive substring search: score 1 when every term occurs, else the share
        // found.
        for (const auto* vf : v.files) {
            if (static_cast<std::int64_t>(data.size()) >= max_results || vf->status_at(c.now) != "completed")
                continue;
            const auto* f = c.st.find_file(vf->id);
            if (!f)
                continue;
            const std::string hay = lower(f->data);
            std::size_t hits = 0;
            for (const auto& t : terms)
                if (hay.find(lower(t)) != std::string::npos)
                    ++hits;
            if (hits == 0)
                continue;
            json::object r;
            r["file_id"] = f->id;
            r["filename"] = f->filename;
            r["score"] = static_cast<double>(hits) / static_cast<double>(terms.size());
            r["attributes"] = vf->attributes.is_null() ? json::value(json::object()) : vf->attributes;
            r["content"] = json::array{json::object{{"type", "text"}, {"text", f->data.substr(0, 800)}}};
            data.push_back(std::move(r));
        }
        json::array sq;
        for (const auto& t : terms)
            sq.push_back(json::value(t));
        json::object o;
        o["object"] = "vector_store.search_results.page";
        o["search_query"] = std::move(sq);
        o["data"] = std::move(data);
        o["has_more"] = false;
        o["next_page"] = nullptr;
        return c.ok(o);
    }
    case route::vsf_create: {
        auto& v = c.need_vector_store(c.p0);
        auto b = parse_body(c.req.body);
        check_known(b, {"file_id", "chunking_strategy", "attributes"});
        auto& f = c.need_file(require_string(b, "file_id"));
        auto& vf = c.st.attach_file(v, f, object_or_null(b, "attributes", nullptr),
                                    object_or_null(b, "chunking_strategy", nullptr), {}, c.now);
        return c.ok(c.st.render(vf, c.now));
    }
    case route::vsf_list:
    case route::batch_files: {
        auto& v = c.need_vector_store(c.p0);
        batch_rec* batch = nullptr;
        if (c.route.id == route::batch_files) {
            auto it = v.batches.find(c.p1);
            if (it == v.batches.end())
                not_found("file batch", c.p1);
            batch = it->second.get();
        }
        auto p = parse_list(c.route.query, 100, 20);
        const std::string filter = query_param(c.route.query, "filter");
        if (!filter.empty() && filter != "in_progress" && filter != "completed" && filter != "failed" &&
            filter != "cancelled")
            bad_request("Invalid value for 'filter': expected one of 'in_progress', 'completed', 'failed' or "
                        "'cancelled'.",
                        "filter", "invalid_value");
        std::vector<vs_file_rec*> items;
        for (auto* f : v.files)
            if ((!batch || f->batch_id == batch->id) && (filter.empty() || f->status_at(c.now) == filter))
                items.push_back(f);
        c.res.body = list_body(items, p, [&](const vs_file_rec& f) { return c.st.render(f, c.now); });
        return;
    }
    case route::vsf_get:
    case route::vsf_update:
    case route::vsf_delete:
    case route::vsf_content: {
        auto& v = c.need_vector_store(c.p0);
        auto it = v.file_map.find(c.p1);
        if (it == v.file_map.end())
            not_found("file", c.p1);
        auto& vf = *it->second;
        if (c.route.id == route::vsf_delete) {
            c.st.detach_file(v, c.p1);
            return c.ok(deleted_body(c.p1, "vector_store.file.deleted"));
        }
        if (c.route.id == route::vsf_update) {
            auto b = parse_body(c.req.body);
            check_known(b, {"attributes"});
            if (!b.contains("attributes"))
                bad_request("Missing required parameter: 'attributes'.", "attributes",
                            "missing_required_parameter");
            vf.attributes = object_or_null(b, "attributes", nullptr);
        }
        if (c.route.id == route::vsf_content) {
            const auto* f = c.st.find_file(c.p1);
            json::object o;
            o["object"] = "vector_store.file_content.page";
            o["data"] = json::array{json::object{{"type", "text"}, {"text", f ? f->data : std::string()}}};
            o["has_more"] = false;
            o["next_page"] = nullptr;
            return c.ok(o);
        }
        c.suggest_poll_interval();
        return c.ok(c.st.render(vf, c.now));
    }
    case route::batch_create: {
        auto& v = c.need_vector_store(c.p0);
        auto b = parse_body(c.req.body);
        check_known(b, {"file_ids", "files", "chunking_strategy", "attributes"});
        const auto* ids = b.if_contains("file_ids");
        const auto* files = b.if_contains("files");
        if ((ids != nullptr) == (files != nullptr))
            bad_request("Exactly one of 'file_ids' or 'files' must be provided.", "file_ids",
                        "invalid_value");
        const auto* list = ids ? ids : files;
        if (!list->is_array())
            invalid_type(ids ? "file_ids" : "files", "an array", *list);
        const auto& arr = list->as_array();
        if (arr.empty() || arr.size() > 2000)
            bad_request("Invalid '" + std::string(ids ? "file_ids" : "files") +
                            "': expected between 1 and 2000 items.",
                        ids ? "file_ids" : "files", "invalid_value");
        auto attributes = object_or_null(b, "attributes", nullptr);
        auto chunking = object_or_null(b, "chunking_strategy", nullptr);
        std::vector<std::tuple<file_rec*, json::value, json::value>> todo;
        for (const auto& x : arr) {
            if (ids) {
                if (!x.is_string())
                    invalid_type("file_ids[]", "a string", x);
                todo.emplace_back(&c.need_file(std::string(x.as_string())), attributes, chunking);
            } else {
                if (!x.is_object())
                    invalid_type("files[]", "an object", x);
                const auto& o = x.as_object();
                todo.emplace_back(&c.need_file(require_string(o, "file_id")),
                                  object_or_null(o, "attributes", attributes),
                                  object_or_null(o, "chunking_strategy", chunking));
            }
        }
        auto& batch = c.st.add_batch(v, c.now);
        for (auto& [f, attr, chunk] : todo) {
            c.st.attach_file(v, *f, std::move(attr), std::move(chunk), batch.id, c.now);
            batch.file_ids.push_back(f->id);
        }
        return c.ok(c.st.render(batch, v, c.now));
    }
    case route::batch_get:
    case route::batch_cancel: {
        auto& v = c.need_vector_store(c.p0);
        auto it = v.batches.find(c.p1);
        if (it == v.batches.end())
            not_found("file batch", c.p1);
        auto& batch = *it->second;
        if (c.route.id == route::batch_cancel && batch.cancelled == never) {
            batch.cancelled = c.now;
            for (const auto& id : batch.file_ids)
                if (auto f = v.file_map.find(id); f != v.file_map.end() && f->second->done > c.now)
                    f->second->cancelled = c.now;
        }
        if (c.route.id == route::batch_get)
            c.suggest_poll_interval();
        return c.ok(c.st.render(batch, v, c.now));
    }
    }
    throw api_failure{404, "Invalid URL"};
}

} // namespace paced::emulator
