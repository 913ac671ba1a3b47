// The event stream of a response (SPEC ResponseStreamEvent): a pure function of the response's record,
// so that the stream written at creation and a replay by GET ?stream=true&starting_after=N are the same
// sequence, with the same sequence numbers.

#include "reply.hpp"
#include "responses.hpp"
#include "sse.hpp"

namespace paced::emulator {

namespace {
constexpr std::size_t response_delta_pieces = 4;

// The response as a lifecycle event shows it before its end: `status`, no output, no usage.
json::object in_flight(const response_store& s, const response_rec& r, response_status status) {
    auto o = s.render(r, r.created);
    o["status"] = to_string(status);
    o["completed_at"] = nullptr;
    o["error"] = nullptr;
    o["incomplete_details"] = nullptr;
    o["output"] = json::array();
    o["usage"] = nullptr;
    return o;
}

json::object event(std::string_view type) {
    json::object e;
    e["type"] = type;
    return e;
}

json::object with_response(std::string_view type, json::object response) {
    auto e = event(type);
    e["response"] = std::move(response);
    return e;
}
} // namespace

std::vector<timed_event> response_events(const response_store& s, const response_rec& r, const config& cfg) {
    std::vector<timed_event> ev;
    auto add = [&](ms_t due, json::object data) { ev.push_back({due, std::move(data)}); };
    const ms_t span = r.end - r.start;

    add(r.created, with_response("response.created", in_flight(s, r,
                                                               r.background ? response_status::queued
                                                                            : response_status::in_progress)));
    if (r.background)
        add(r.created, with_response("response.queued", in_flight(s, r, response_status::queued)));
    add(r.start, with_response("response.in_progress", in_flight(s, r, response_status::in_progress)));

    const bool fails = r.ending == response_ending::server_error || r.ending == response_ending::rate_limited;
    if (!fails) {
        for (std::size_t i = 0; i < r.output.size(); ++i) {
            const auto& item = r.output[i]->body;
            const auto index = static_cast<std::int64_t>(i);
            if (item.at("type") == "function_call") {
                const ms_t at =
                    r.start + span * static_cast<ms_t>(i + 1) / static_cast<ms_t>(r.output.size() + 1);
                auto added = item;
                added["status"] = "in_progress";
                added["arguments"] = "";
                auto e = event("response.output_item.added");
                e["output_index"] = index;
                e["item"] = std::move(added);
                add(at, std::move(e));
                e = event("response.function_call_arguments.delta");
                e["item_id"] = r.output[i]->id;
                e["output_index"] = index;
                e["delta"] = item.at("arguments");
                add(at, std::move(e));
                e = event("response.function_call_arguments.done");
                e["item_id"] = r.output[i]->id;
                e["name"] = item.at("name");
                e["output_index"] = index;
                e["arguments"] = item.at("arguments");
                add(at, std::move(e));
                e = event("response.output_item.done");
                e["output_index"] = index;
                e["item"] = item;
                add(at, std::move(e));
                continue;
            }
            // A message: the item and its one output_text part, the text in pieces, then the done events.
            const auto& part = item.at("content").as_array()[0].as_object();
            const std::string text(part.at("text").as_string());
            auto added = item;
            added["status"] = "in_progress";
            added["content"] = json::array();
            auto e = event("response.output_item.added");
            e["output_index"] = index;
            e["item"] = std::move(added);
            add(r.start, std::move(e));
            auto empty_part = part;
            empty_part["text"] = "";
            e = event("response.content_part.added");
            e["item_id"] = r.output[i]->id;
            e["output_index"] = index;
            e["content_index"] = 0;
            e["part"] = std::move(empty_part);
            add(r.start, std::move(e));
            const auto pieces = split_for_deltas(text, response_delta_pieces);
            for (std::size_t k = 0; k < pieces.size(); ++k) {
                e = event("response.output_text.delta");
                e["item_id"] = r.output[i]->id;
                e["output_index"] = index;
                e["content_index"] = 0;
                e["delta"] = pieces[k];
                e["logprobs"] = json::array();
                add(r.start + span * static_cast<ms_t>(k + 1) / static_cast<ms_t>(pieces.size() + 1),
                    std::move(e));
            }
            e = event("response.output_text.done");
            e["item_id"] = r.output[i]->id;
            e["output_index"] = index;
            e["content_index"] = 0;
            e["text"] = text;
            e["logprobs"] = json::array();
            add(r.end, std::move(e));
            e = event("response.content_part.done");
            e["item_id"] = r.output[i]->id;
            e["output_index"] = index;
            e["content_index"] = 0;
            e["part"] = part;
            add(r.end, std::move(e));
            e = event("response.output_item.done");
            e["output_index"] = index;
            e["item"] = item;
            add(r.end, std::move(e));
        }
    }
    const auto final_state = s.render(r, r.end);
    if (fails) {
        // Real error events nest their payload; SPEC's ResponseErrorEvent is flat (responses.md 3.1).
        const auto& err = final_state.at("error").as_object();
        json::object payload;
        payload["type"] = r.ending == response_ending::rate_limited ? "tokens" : "server_error";
        payload["code"] = err.at("code");
        payload["message"] = err.at("message");
        payload["param"] = nullptr;
        auto e = event("error");
        if (cfg.responses_error_style == "flat") {
            e["code"] = payload["code"];
            e["message"] = payload["message"];
            e["param"] = nullptr;
        } else {
            e["error"] = std::move(payload);
        }
        add(r.end, std::move(e));
        add(r.end, with_response("response.failed", final_state));
    } else {
        add(r.end, with_response(r.ending == response_ending::incomplete ? "response.incomplete"
                                                                         : "response.completed",
                                 final_state));
    }

    // A cancellation ends the stream with the events written by then: SPEC has no stream event for it.
    if (r.cancelled != never)
        std::erase_if(ev, [&](const timed_event& e) { return e.due > r.cancelled; });

    if (cfg.responses_keepalive_ms > 0 && ev.size() > 1) {
        std::vector<timed_event> filled;
        for (std::size_t i = 0; i < ev.size(); ++i) {
            filled.push_back(ev[i]);
            if (i + 1 == ev.size())
                break;
            for (ms_t t = ev[i].due + cfg.responses_keepalive_ms; t < ev[i + 1].due;
                 t += cfg.responses_keepalive_ms)
                filled.push_back({t, event("keepalive")});
        }
        ev = std::move(filled);
    }
    return ev;
}

event_source::output response_event_source::poll(store&, ms_t now) {
    output out;
    auto finish = [&] {
        if (cfg_.responses_done_sentinel)
            out.bytes += "data: [DONE]\n\n";
        out.done = true;
    };
    response_rec* r = store_.find_any_response(id_);
    if (!r) {
        // Deleted (or the emulator reset) under the stream: end it.
        finish();
        return out;
    }
    store_.settle(*r, now);
    if (events_.empty() || built_for_ != r->cancelled) {
        events_ = response_events(store_, *r, cfg_);
        built_for_ = r->cancelled;
    }
    while (next_ < static_cast<std::int64_t>(events_.size()) &&
           events_[static_cast<std::size_t>(next_)].due <= now) {
        const auto& e = events_[static_cast<std::size_t>(next_)];
        json::object data;
        data["type"] = e.data.at("type");
        data["sequence_number"] = next_;
        for (const auto& kv : e.data)
            if (kv.key() != "type")
                data[kv.key()] = kv.value();
        out.bytes += sse_event(e.data.at("type").as_string(), json::serialize(data));
        ++next_;
    }
    if (next_ >= static_cast<std::int64_t>(events_.size()))
        finish();
    else
        out.next = events_[static_cast<std::size_t>(next_)].due;
    return out;
}

} // namespace paced::emulator
