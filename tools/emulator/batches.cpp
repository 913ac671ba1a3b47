// The Batch API: create, list, retrieve and cancel batches (their state in batch_jobs.cpp).

#include "context.hpp"
#include "lists.hpp"

namespace paced::emulator {

void handle_batches(request_context& c) {
    c.batches.settle_all(c.now);
    switch (c.route.id) {
    case route::jobs_create: {
        auto b = parse_body(c.req.body);
        check_known(b,
                    {"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"});
        const std::string file_id = require_string(b, "input_file_id");
        const std::string endpoint = require_string(b, "endpoint");
        const std::string window = require_string(b, "completion_window");
        // CreateBatchRequest's endpoints; the emulator runs the Responses one.
        static constexpr std::string_view endpoints[] = {
            "/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions", "/v1/moderations"};
        if (std::find(std::begin(endpoints), std::end(endpoints), endpoint) == std::end(endpoints))
            bad_request("Invalid value for 'endpoint': '" + endpoint + "'.", "endpoint", "invalid_value");
        if (endpoint != "/v1/responses")
            bad_request("This emulator runs batches of /v1/responses only. (emulator wording)", "endpoint",
                        "invalid_value");
        if (window != "24h")
            bad_request("Invalid value for 'completion_window': '" + window +
                            "'. Supported values are: '24h'.",
                        "completion_window", "invalid_value");
        auto& f = c.need_file(file_id);
        if (f.purpose != "batch")
            bad_request("File " + file_id + " has purpose '" + f.purpose +
                            "'; a batch's input file must have purpose 'batch'. (emulator wording)",
                        "input_file_id", "invalid_value");
        auto metadata = metadata_of(b);
        return c.ok(c.batches.render(c.batches.create(endpoint, f, std::move(metadata), c.now), c.now));
    }
    case route::jobs_list: {
        auto p = parse_list(c.route.query, 100, 20, false);
        auto newest = c.batches.newest_first();
        std::vector<batch_job*> in_order(newest.rbegin(), newest.rend()); // creation order, listed desc
        c.res.body = list_body(in_order, p, [&](const batch_job& j) { return c.batches.render(j, c.now); });
        return;
    }
    case route::jobs_get: {
        auto* j = c.batches.find(c.p0);
        if (!j)
            not_found("batch", c.p0);
        return c.ok(c.batches.render(*j, c.now));
    }
    case route::jobs_cancel: {
        auto* j = c.batches.find(c.p0);
        if (!j)
            not_found("batch", c.p0);
        const auto st = j->status_at(c.now);
        if (st == batch_job_status::completed || st == batch_job_status::failed ||
            st == batch_job_status::expired)
            bad_request("Cannot cancel a batch with status '" + std::string(to_string(st)) +
                        "'. (emulator wording)");
        if (st != batch_job_status::cancelling && st != batch_job_status::cancelled)
            c.batches.cancel(*j, c.now);
        return c.ok(c.batches.render(*j, c.now));
    }
    }
    throw api_failure{404, "Invalid URL"};
}

} // namespace paced::emulator
