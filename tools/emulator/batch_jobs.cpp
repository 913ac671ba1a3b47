// The Batch API's state: line checks, results, the timeline and the output and error files (see the header).

#include "batch_jobs.hpp"

#include "reply.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <set>

namespace paced::emulator {

const char* to_string(batch_job_status s) {
    switch (s) {
    case batch_job_status::validating:
        return "validating";
    case batch_job_status::failed:
        return "failed";
    case batch_job_status::in_progress:
        return "in_progress";
    case batch_job_status::finalizing:
        return "finalizing";
    case batch_job_status::completed:
        return "completed";
    case batch_job_status::expired:
        return "expired";
    case batch_job_status::cancelling:
        return "cancelling";
    case batch_job_status::cancelled:
        return "cancelled";
    }
    return "failed";
}

batch_job_status batch_job::status_at(ms_t t) const {
    // A cancel is refused once the batch has ended, so a cancelled batch never shows its planned end;
    // one cancelled while validating is `cancelling` at once, as the cancel's own answer says.
    if (cancelling != never && cancelling < end && t >= cancelling)
        return t < cancelling + (end - created) / 10 ? batch_job_status::cancelling
                                                     : batch_job_status::cancelled;
    if (t < validated)
        return batch_job_status::validating;
    if (fails)
        return batch_job_status::failed;
    if (t < finalizing)
        return batch_job_status::in_progress;
    if (t < end)
        return batch_job_status::finalizing;
    return expires ? batch_job_status::expired : batch_job_status::completed;
}

namespace {

bool ended(batch_job_status s) {
    return s == batch_job_status::failed || s == batch_job_status::completed ||
           s == batch_job_status::expired || s == batch_job_status::cancelled;
}

/// A uniform draw in [0, 1) from the seed and a counter (splitmix64): the same batches for the same seed.
double unit_draw(std::uint64_t seed, std::uint64_t n) {
    std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + n * 0xbf58476d1ce4e5b9ULL + 0x94d049bb133111ebULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) / 9007199254740992.0;
}

/// The user text of a Responses body's `input`: a string, or the text parts of its messages.
std::string input_text(const json::object& body) {
    const auto* in = body.if_contains("input");
    if (!in)
        return {};
    if (in->is_string())
        return std::string(in->get_string());
    std::string out;
    if (!in->is_array())
        return out;
    for (const auto& item : in->get_array()) {
        const auto* m = item.if_object();
        const auto* content = m ? m->if_contains("content") : nullptr;
        if (!content)
            continue;
        if (content->is_string()) {
            out += std::string(content->get_string()) + "\n";
            continue;
        }
        if (!content->is_array())
            continue;
        for (const auto& part : content->get_array())
            if (const auto* p = part.if_object(); p && p->if_contains("text") && p->at("text").is_string())
                out += std::string(p->at("text").get_string()) + "\n";
    }
    return out;
}

json::object line_error(std::int64_t line, std::string code, std::string message,
                        const char* param = nullptr) {
    json::object e{{"code", code}, {"message", message}, {"line", line}};
    e["param"] = param ? json::value(param) : json::value(nullptr);
    return e;
}

} // namespace

batch_jobs::batch_jobs(const config& cfg, stats& st, store& files) : cfg_(cfg), stats_(st), files_(files) {}

batch_job& batch_jobs::create(const std::string& endpoint, const file_rec& input, json::value metadata,
                              ms_t now) {
    auto b = std::make_unique<batch_job>();
    b->id = files_.ids.next("batch_");
    b->endpoint = endpoint;
    b->input_file_id = input.id;
    b->metadata = std::move(metadata);
    const ms_t d = std::max<ms_t>(cfg_.batch_ms, 10);
    b->created = now;
    b->validated = now + d / 10;
    b->finalizing = now + d * 9 / 10;
    b->end = now + d;
    std::set<std::string> ids;
    std::string_view rest = input.data;
    std::int64_t number = 0;
    while (!rest.empty() && b->errors.size() < 100) {
        const auto nl = rest.find('\n');
        const std::string_view text = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        ++number;
        if (text.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        const auto* o = ec ? nullptr : v.if_object();
        const auto* id = o ? o->if_contains("custom_id") : nullptr;
        const auto* method = o ? o->if_contains("method") : nullptr;
        const auto* url = o ? o->if_contains("url") : nullptr;
        const auto* body = o ? o->if_contains("body") : nullptr;
        if (!o) {
            b->errors.push_back(line_error(number, "invalid_json_line",
                                           "This line is not parseable as valid JSON. (emulator wording)"));
            continue;
        }
        if (!id || !id->is_string() || !method || !url || !body || !body->is_object()) {
            b->errors.push_back(line_error(number, "missing_required_parameter",
                                           "Each line needs custom_id, method, url and an object body.",
                                           "custom_id"));
            continue;
        }
        if (!ids.insert(std::string(id->get_string())).second) {
            b->errors.push_back(
                line_error(number, "duplicate_custom_id",
                           "The custom_id for this request is a duplicate of another request. "
                           "The custom_id parameter must be unique for each request in a batch.",
                           "custom_id"));
            continue;
        }
        if (*method != "POST" || !url->is_string() || url->get_string() != endpoint) {
            b->errors.push_back(
                line_error(number, "invalid_url",
                           "The URL provided for this request does not match the batch endpoint.", "url"));
            continue;
        }
        const auto& req = body->get_object();
        const auto* model = req.if_contains("model");
        const std::string m = model && model->is_string() ? std::string(model->get_string()) : std::string();
        if (!m.empty() && b->model.empty())
            b->model = m;
        else if (!m.empty() && m != b->model) {
            b->errors.push_back(line_error(number, "mismatched_model",
                                           "Each input file can only include requests to a single model.",
                                           "body.model"));
            continue;
        }
        batch_job::line l;
        l.custom_id = std::string(id->get_string());
        const std::string request_id = files_.ids.request_id();
        const std::string text_in = input_text(req);
        b->tokens += ceil_div(static_cast<std::int64_t>(json::serialize(req).size()), 4);
        json::object response{{"status_code", 200}, {"request_id", request_id}};
        if (m.empty() || !req.if_contains("input")) {
            response["status_code"] = 400;
            response["body"] = json::object{
                {"error", json::object{{"message", m.empty() ? "Missing required parameter: 'model'."
                                                             : "Missing required parameter: 'input'."},
                                       {"type", "invalid_request_error"},
                                       {"param", m.empty() ? "model" : "input"},
                                       {"code", "missing_required_parameter"}}}};
        } else {
            const std::string reply = classify(text_in).text;
            const std::int64_t in_tokens = ceil_div(static_cast<std::int64_t>(text_in.size()), 4);
            const std::int64_t out_tokens = ceil_div(static_cast<std::int64_t>(reply.size()), 4);
            json::array content{
                json::object{{"type", "output_text"}, {"text", reply}, {"annotations", json::array()}}};
            response["body"] = json::object{
                {"id", files_.ids.next("resp_")},
                {"object", "response"},
                {"created_at", now / 1000},
                {"status", "completed"},
                {"error", nullptr},
                {"incomplete_details", nullptr},
                {"model", m},
                {"output", json::array{json::object{{"type", "message"},
                                                    {"id", files_.ids.next("msg_")},
                                                    {"status", "completed"},
                                                    {"role", "assistant"},
                                                    {"content", std::move(content)}}}},
                {"usage", json::object{{"input_tokens", in_tokens},
                                       {"input_tokens_details", json::object{{"cached_tokens", 0}}},
                                       {"output_tokens", out_tokens},
                                       {"output_tokens_details", json::object{{"reasoning_tokens", 0}}},
                                       {"total_tokens", in_tokens + out_tokens}}},
                {"metadata", json::object()}};
            l.ok = true;
        }
        l.result = json::object{{"id", files_.ids.next("batch_req_")},
                                {"custom_id", l.custom_id},
                                {"response", std::move(response)},
                                {"error", nullptr}};
        l.done = !(cfg_.fault_batch_expire > 0 && unit_draw(cfg_.seed, ++draws_) < cfg_.fault_batch_expire);
        b->expires = b->expires || !l.done;
        b->lines.push_back(std::move(l));
    }
    if (b->lines.size() > static_cast<std::size_t>(cfg_.batch_max_lines))
        b->errors.push_back(line_error(0, "too_many_requests",
                                       "The batch input file has more than " +
                                           std::to_string(cfg_.batch_max_lines) +
                                           " requests. (emulator wording)"));
    if (b->errors.empty() && b->lines.empty())
        b->errors.push_back(line_error(0, "empty_file", "The batch input file is empty. (emulator wording)"));
    if (b->errors.empty() && cfg_.batch_queue_tokens > 0 &&
        enqueued_tokens(b->model, now) + b->tokens > cfg_.batch_queue_tokens) {
        // The message the service sends (captures quoted in responses.md section 8).
        b->errors.push_back(line_error(
            0, "token_limit_exceeded",
            "Enqueued token limit reached for " + b->model +
                " in organization org-emulator. Limit: " + std::to_string(cfg_.batch_queue_tokens) +
                " enqueued tokens. Please try again once some in_progress batches "
                "have been completed."));
    }
    b->fails = !b->errors.empty();
    ++stats_.batches_created;
    stats_.batch_lines += b->lines.size();
    auto* p = b.get();
    jobs_.emplace(p->id, std::move(b));
    order_.push_back(p);
    return *p;
}

std::int64_t batch_jobs::enqueued_tokens(const std::string& model, ms_t now) const {
    std::int64_t sum = 0;
    for (const auto* b : order_)
        if (b->model == model && !b->fails && !ended(b->status_at(now)))
            sum += b->tokens;
    return sum;
}

batch_job* batch_jobs::find(const std::string& id) {
    auto it = jobs_.find(id);
    return it == jobs_.end() ? nullptr : it->second.get();
}

std::vector<batch_job*> batch_jobs::newest_first() {
    return {order_.rbegin(), order_.rend()};
}

void batch_jobs::cancel(batch_job& b, ms_t now) {
    b.cancelling = now;
}

void batch_jobs::settle(batch_job& b, ms_t now) {
    const auto st = b.status_at(now);
    if (b.settled || !ended(st))
        return;
    b.settled = true;
    std::string output, errors;
    for (auto& l : b.lines) {
        json::object line = l.result;
        const bool done = l.done && st != batch_job_status::cancelled && st != batch_job_status::failed;
        if (!done) {
            if (st == batch_job_status::failed)
                continue; // a batch that failed validation has no results
            line["response"] = nullptr;
            line["error"] =
                st == batch_job_status::cancelled
                    ? json::object{{"code", "batch_cancelled"}, {"message", "This request was cancelled."}}
                    : json::object{{"code", "batch_expired"},
                                   {"message", "This request could not be executed before the "
                                               "completion window expired."}};
        }
        (done && l.ok ? output : errors) += json::serialize(line) + "\n";
    }
    if (!output.empty())
        b.output_file_id =
            files_.add_file(b.id + "_output.jsonl", "batch_output", std::move(output), 0, now).id;
    if (!errors.empty())
        b.error_file_id =
            files_.add_file(b.id + "_error.jsonl", "batch_output", std::move(errors), 0, now).id;
    ++(st == batch_job_status::completed ? stats_.batches_completed : stats_.batches_not_completed);
    if (!cfg_.webhook_url.empty())
        webhooks_.push_back({std::string("batch.") + to_string(st), b.id, now});
}

void batch_jobs::settle_all(ms_t now) {
    for (auto* b : order_)
        settle(*b, now);
}

json::object batch_jobs::render(const batch_job& b, ms_t t) const {
    const auto st = b.status_at(t);
    auto sec = [](ms_t ms) { return json::value(ms / 1000); };
    json::object o{
        {"id", b.id},
        {"object", "batch"},
        {"endpoint", b.endpoint},
        {"errors", b.errors.empty() ? json::value(nullptr)
                                    : json::value(json::object{{"object", "list"}, {"data", b.errors}})},
        {"input_file_id", b.input_file_id},
        {"completion_window", "24h"},
        {"status", to_string(st)},
        {"output_file_id", b.output_file_id.empty() ? json::value(nullptr) : json::value(b.output_file_id)},
        {"error_file_id", b.error_file_id.empty() ? json::value(nullptr) : json::value(b.error_file_id)},
        {"created_at", sec(b.created)},
        {"in_progress_at", b.fails || t < b.validated ? json::value(nullptr) : sec(b.validated)},
        {"expires_at", sec(b.created + 24LL * 3600 * 1000)},
        {"finalizing_at", t >= b.finalizing && !b.fails ? sec(b.finalizing) : json::value(nullptr)},
        {"completed_at", st == batch_job_status::completed ? sec(b.end) : json::value(nullptr)},
        {"failed_at", st == batch_job_status::failed ? sec(b.validated) : json::value(nullptr)},
        {"expired_at", st == batch_job_status::expired ? sec(b.end) : json::value(nullptr)},
        {"cancelling_at",
         b.cancelling != never && t >= b.cancelling ? sec(b.cancelling) : json::value(nullptr)},
        {"cancelled_at", st == batch_job_status::cancelled ? sec(b.cancelling + (b.end - b.created) / 10)
                                                           : json::value(nullptr)},
        {"metadata", b.metadata},
        {"model", b.model}};
    // Once the lines have run (finalizing and after), each done line counts by its answer; at expiry
    // the lines not done count as failed.
    std::int64_t completed = 0, failed = 0;
    const bool ran = st == batch_job_status::completed || st == batch_job_status::expired ||
                     st == batch_job_status::finalizing;
    for (const auto& l : b.lines) {
        if (!ran)
            break;
        if (l.done)
            ++(l.ok ? completed : failed);
        else if (st == batch_job_status::expired)
            ++failed;
    }
    o["request_counts"] = json::object{
        {"total", static_cast<std::int64_t>(b.lines.size())}, {"completed", completed}, {"failed", failed}};
    return o;
}

void batch_jobs::clear() {
    jobs_.clear();
    order_.clear();
    webhooks_.clear();
    draws_ = 0;
}

} // namespace paced::emulator
