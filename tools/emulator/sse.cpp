#include "sse.hpp"

#include "reply.hpp"

namespace paced::emulator {

namespace {
constexpr std::size_t delta_pieces = 4;

// The run rendered at t, but showing `status` (used for the queued / in_progress events of runs so short
// that their timeline has already moved on when the event is written).
json::object run_as(const store& s, const run_rec& r, ms_t t, run_status status) {
    auto o = s.render(r, t);
    if (o["status"].as_string() != to_string(status)) {
        o["status"] = to_string(status);
        o["completed_at"] = nullptr;
        o["failed_at"] = nullptr;
        o["cancelled_at"] = nullptr;
        o["required_action"] = nullptr;
        o["last_error"] = nullptr;
        o["usage"] = nullptr;
        o["expires_at"] = r.expires / 1000;
        if (status == run_status::queued)
            o["started_at"] = nullptr;
    }
    return o;
}

json::object with_status(json::object o, std::string_view status) {
    if (o["status"].as_string() != status) {
        o["status"] = status;
        o["completed_at"] = nullptr;
        if (auto* c = o.if_contains("content"))
            *c = json::array();
        if (auto* u = o.if_contains("usage"))
            *u = nullptr;
    }
    return o;
}
} // namespace

std::string sse_event(std::string_view name, std::string_view data) {
    std::string e;
    e.reserve(name.size() + data.size() + 16);
    e += "event: ";
    e += name;
    e += "\ndata: ";
    e += data;
    e += "\n\n";
    return e;
}

void run_event_source::emit(output& out, std::string_view name, const json::value& v) {
    out.bytes += sse_event(name, json::serialize(v));
}

ms_t run_event_source::delta_time(const run_rec& r, std::size_t k) const {
    const ms_t span = r.end - r.gen_start;
    return r.gen_start + span * static_cast<ms_t>(k + 1) / static_cast<ms_t>(pieces_.size() + 1);
}

run_event_source::output run_event_source::poll(store& s, ms_t now) {
    output out;
    run_rec* r = s.find_run(run_id_);
    if (!r || stage_ == stage::over) {
        // The thread was deleted (or the emulator reset) under the stream: end it cleanly.
        out.bytes = sse_event("done", "[DONE]");
        out.done = true;
        stage_ = stage::over;
        return out;
    }
    s.settle(*r, now);
    auto finish_stream = [&] {
        out.bytes += sse_event("done", "[DONE]");
        out.done = true;
        stage_ = stage::over;
    };
    if (stage_ == stage::begin) {
        if (thread_created_)
            emit(out, "thread.created", s.render(*r->thread));
        if (resumed_) {
            if (r->tool_step)
                emit(out, "thread.run.step.completed", s.render(*r->tool_step, r->submitted));
            stage_ = stage::in_progress;
        } else {
            emit(out, "thread.run.created", run_as(s, *r, r->created, run_status::queued));
            emit(out, "thread.run.queued", run_as(s, *r, r->created, run_status::queued));
            stage_ = stage::in_progress;
            out.next = r->start;
            if (now < r->start)
                return out;
        }
    }
    for (;;) {
        // A cancellation overrides whatever the stream was waiting for.
        const auto st = r->status_at(now);
        if (st == run_status::cancelling && stage_ != stage::cancelling) {
            emit(out, "thread.run.cancelling", s.render(*r, now));
            stage_ = stage::cancelling;
        }
        if (stage_ == stage::cancelling) {
            if (st == run_status::cancelled) {
                if (r->message)
                    emit(out, "thread.message.incomplete", s.render(*r->message, now));
                emit(out, "thread.run.cancelled", s.render(*r, now));
                finish_stream();
            } else {
                out.next = r->cancel_done;
            }
            return out;
        }
        if (st == run_status::cancelled) {
            emit(out, "thread.run.cancelled", s.render(*r, now));
            finish_stream();
            return out;
        }
        switch (stage_) {
        case stage::in_progress: {
            const ms_t at = resumed_ ? r->submitted : r->start;
            emit(out, "thread.run.in_progress", run_as(s, *r, at, run_status::in_progress));
            if (r->action != never && r->submitted == never) {
                stage_ = stage::tool;
                out.next = r->action;
            } else if (r->fail) {
                stage_ = stage::fail;
                out.next = r->end;
            } else {
                stage_ = stage::gen;
                out.next = r->gen_start;
            }
            break;
        }
        case stage::tool:
            if (r->tool_step) {
                auto step = with_status(s.render(*r->tool_step, r->action), "in_progress");
                emit(out, "thread.run.step.created", step);
                emit(out, "thread.run.step.in_progress", step);
            }
            emit(out, "thread.run.requires_action", s.render(*r, r->action));
            finish_stream();
            return out;
        case stage::gen: {
            if (r->msg_step && r->message) {
                auto step = with_status(s.render(*r->msg_step, r->gen_start), "in_progress");
                emit(out, "thread.run.step.created", step);
                emit(out, "thread.run.step.in_progress", step);
                auto msg = with_status(s.render(*r->message, r->gen_start), "in_progress");
                emit(out, "thread.message.created", msg);
                emit(out, "thread.message.in_progress", msg);
                pieces_ = split_for_deltas(r->reply, delta_pieces);
            }
            next_piece_ = 0;
            stage_ = stage::deltas;
            out.next = pieces_.empty() ? r->end : delta_time(*r, 0);
            break;
        }
        case stage::deltas:
            while (next_piece_ < pieces_.size() && now >= delta_time(*r, next_piece_)) {
                json::object text;
                text["value"] = pieces_[next_piece_];
                text["annotations"] = json::array();
                json::object part;
                part["index"] = 0;
                part["type"] = "text";
                part["text"] = std::move(text);
                json::object delta;
                delta["content"] = json::array{std::move(part)};
                json::object d;
                d["id"] = r->message ? r->message->id : std::string();
                d["object"] = "thread.message.delta";
                d["delta"] = std::move(delta);
                emit(out, "thread.message.delta", d);
                ++next_piece_;
            }
            if (next_piece_ < pieces_.size()) {
                out.next = delta_time(*r, next_piece_);
            } else {
                stage_ = stage::finish;
                out.next = r->end;
            }
            break;
        case stage::finish:
            if (r->message)
                emit(out, "thread.message.completed", s.render(*r->message, r->end));
            if (r->msg_step)
                emit(out, "thread.run.step.completed", s.render(*r->msg_step, r->end));
            emit(out, "thread.run.completed", s.render(*r, r->end));
            finish_stream();
            return out;
        case stage::fail:
            emit(out, "thread.run.failed", s.render(*r, r->end));
            finish_stream();
            return out;
        default:
            finish_stream();
            return out;
        }
        if (now < out.next)
            return out;
    }
}

} // namespace paced::emulator
