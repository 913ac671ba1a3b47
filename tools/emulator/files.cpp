// Files: upload (multipart), list, retrieve, delete and content.

#include "context.hpp"
#include "lists.hpp"

#include <algorithm>
#include <charconv>

namespace paced::emulator {

void handle_files(request_context& c) {
    switch (c.route.id) {
    case route::files_create: {
        if (!c.req.upload) {
            auto ct = (*c.req.headers)[http::field::content_type];
            throw api_failure{400, "Invalid Content-Type header (" + std::string(ct) +
                                       "), expected multipart/form-data."};
        }
        if (!c.req.upload_error.empty())
            bad_request(c.req.upload_error);
        auto& up = *c.req.upload;
        for (const auto& kv : up.fields)
            if (kv.first != "purpose" && kv.first != "expires_after[anchor]" &&
                kv.first != "expires_after[seconds]")
                bad_request("Unrecognized request argument supplied: " + kv.first);
        if (up.has_file && up.file_field != "file")
            bad_request("Unrecognized request argument supplied: " + up.file_field);
        auto purpose = up.fields.find("purpose");
        if (purpose == up.fields.end())
            bad_request("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter");
        static constexpr std::string_view purposes[] = {"assistants", "batch",     "fine-tune",
                                                        "vision",     "user_data", "evals"};
        if (std::find(std::begin(purposes), std::end(purposes), purpose->second) == std::end(purposes))
            bad_request("'" + purpose->second +
                            "' is not one of ['fine-tune', 'assistants', 'batch', 'user_data', 'vision', "
                            "'evals'] - 'purpose'",
                        "purpose", "invalid_value");
        if (!up.has_file)
            bad_request("Missing required parameter: 'file'.", "file", "missing_required_parameter");
        std::int64_t expires_at = 0;
        if (auto anchor = up.fields.find("expires_after[anchor]"); anchor != up.fields.end()) {
            if (anchor->second != "created_at")
                bad_request("Invalid value for 'expires_after.anchor': expected 'created_at'.",
                            "expires_after.anchor", "invalid_value");
            auto secs = up.fields.find("expires_after[seconds]");
            std::int64_t s = 0;
            if (secs == up.fields.end() ||
                std::from_chars(secs->second.data(), secs->second.data() + secs->second.size(), s).ec !=
                    std::errc() ||
                s < 3600 || s > 2592000)
                bad_request("Invalid 'expires_after.seconds': expected an integer between 3600 and 2592000.",
                            "expires_after.seconds", "invalid_value");
            expires_at = c.now / 1000 + s;
        }
        auto& f = c.st.add_file(up.filename, purpose->second, std::move(up.file_data), expires_at, c.now);
        return c.ok(c.st.render(f));
    }
    case route::files_list: {
        auto p = parse_list(c.route.query, 10000, 10000, false);
        const std::string purpose = query_param(c.route.query, "purpose");
        std::vector<file_rec*> items;
        for (auto* f : c.st.files())
            if (purpose.empty() || f->purpose == purpose)
                items.push_back(f);
        c.res.body = list_body(items, p, [&](const file_rec& f) { return c.st.render(f); });
        return;
    }
    case route::files_get:
        return c.ok(c.st.render(c.need_file(c.p0)));
    case route::files_delete:
        c.need_file(c.p0);
        c.st.delete_file(c.p0);
        return c.ok(deleted_body(c.p0, "file"));
    case route::files_content: {
        auto& f = c.need_file(c.p0);
        c.res.content_type = "application/octet-stream";
        c.res.body = f.data;
        return;
    }
    }
    throw api_failure{404, "Invalid URL"};
}

} // namespace paced::emulator
