#include "sansio/follow_machine.hpp"

#include <stdexcept>
#include <string>

namespace paced::sansio {

follow_machine::follow_machine(follow_config const& config) noexcept
    : schedule_(config.poll), statuses_(config.statuses), stream_(config.stream),
      answers_tool_calls_(config.answers_tool_calls), fetches_reply_(config.fetches_reply),
      cancel_on_abort_(config.cancel_on_abort), tool_calls_end_object_(config.tool_calls_end_object),
      max_tool_rounds_(config.max_tool_rounds) {}

void follow_machine::expect(phase p, char const* event) const {
    if (phase_ != p)
        throw std::logic_error(std::string{"follow_machine: "} + event + " was not asked for (phase " +
                               std::to_string(static_cast<int>(phase_)) + ")");
}

follow_action follow_machine::start() {
    expect(phase::idle, "start");
    if (stream_) {
        phase_ = phase::streaming;
        return {.step = follow_step::create_streamed};
    }
    phase_ = phase::creating;
    return {.step = follow_step::create};
}

follow_action follow_machine::on_created(object_state s) {
    expect(phase::creating, "on_created");
    return on_answer(s, nullptr);
}

follow_action follow_machine::on_retrieved(object_state s, header_list const& headers) {
    if (phase_ != phase::recovering)
        expect(phase::polling, "on_retrieved");
    return on_answer(s, &headers);
}

follow_action follow_machine::on_outputs_submitted(object_state s) {
    expect(phase::submitting, "on_outputs_submitted");
    return on_answer(s, nullptr);
}

/// An answer that holds the object (creation, retrieval, submission), on the way to polling it.
follow_action follow_machine::on_answer(object_state s, header_list const* headers) {
    auto const c = classify_status(s.status, *statuses_);
    if (c.known) {
        unknown_in_a_row_ = 0;
    } else if (unknown_in_a_row_ < unknown_status_limit) {
        ++unknown_in_a_row_;
    }
    switch (c.kind) {
    case run_status_kind::active:
        if (!c.known && unknown_in_a_row_ >= unknown_status_limit)
            return fail(follow_failure::unknown_statuses);
        if (phase_ == phase::polling && headers)
            return {.step = follow_step::retrieve, .wait = schedule_.next_wait(*headers)};
        return poll_from_start(headers);
    case run_status_kind::requires_action:
        return tools_or_finish(s);
    case run_status_kind::terminal:
        break;
    }
    return terminal(s, true);
}

/// A terminal object: its tool calls go into the next object (tool_calls_end_object), or it ends.
follow_action follow_machine::terminal(object_state s, bool polled) {
    if (tool_calls_end_object_ && s.has_tool_calls && s.status == "completed")
        return tools_or_finish(s);
    if (polled)
        return end_polled(s);
    return finish(); // the stream carried the reply, if any
}

/** Polling starts (again) after an answer that showed the object active: its creation, a submission of
 * tool outputs, or the retrieval that replaced a lost stream. The object was seen just now, so the first
 * retrieval waits too (the answer's hint, else the first interval): a retrieval at once, as runs().poll
 * makes, would almost always find a just-created run still queued, one request spent for nothing on a
 * budget every request counts against. */
follow_action follow_machine::poll_from_start(header_list const* headers) {
    phase_ = phase::polling;
    schedule_.restart();
    static header_list const none;
    return {.step = follow_step::retrieve, .wait = schedule_.next_wait(headers ? *headers : none)};
}

follow_action follow_machine::end_polled(object_state s) {
    if (fetches_reply_ && s.status == "completed") {
        phase_ = phase::fetching_reply;
        return {.step = follow_step::fetch_reply};
    }
    return finish();
}

follow_action follow_machine::tools_or_finish(object_state s) {
    if (!answers_tool_calls_ || !s.has_tool_calls)
        return finish(); // the caller gets the paused object
    if (max_tool_rounds_ != 0 && tool_rounds_ >= max_tool_rounds_)
        return fail(follow_failure::tool_rounds); // the object is paused or ended: nothing to cancel
    ++tool_rounds_;
    phase_ = phase::running_tools;
    return {.step = follow_step::run_tools};
}

follow_action follow_machine::on_stream_ended(object_state s) {
    expect(phase::streaming, "on_stream_ended");
    switch (classify_status(s.status, *statuses_).kind) {
    case run_status_kind::requires_action:
        return tools_or_finish(s);
    case run_status_kind::active:
        // The stream was closed before the object's end (a server that ended it early): the object lives
        // on, so it is followed as after a break, not returned unfinished.
        return recover();
    case run_status_kind::terminal:
        break;
    }
    return terminal(s, false);
}

/// A retrieval of the named object in place of its lost stream, then polling.
follow_action follow_machine::recover() {
    stream_ = false;
    phase_ = phase::recovering;
    return {.step = follow_step::retrieve, .replaces_stream = true};
}

follow_action follow_machine::on_stream_broke(bool named, bool findable, bool resumable) {
    expect(phase::streaming, "on_stream_broke");
    if (named && resumable)
        return {.step = follow_step::resume_stream};
    if (named)
        return recover();
    if (findable) {
        phase_ = phase::looking_up;
        return {.step = follow_step::find_tagged};
    }
    return fail(follow_failure::stream_lost);
}

follow_action follow_machine::on_looked_up(bool found) {
    expect(phase::looking_up, "on_looked_up");
    if (!found)
        return fail(follow_failure::stream_lost); // no object was started: nothing to follow
    return recover();
}

follow_action follow_machine::on_tool_outputs_ready() {
    expect(phase::running_tools, "on_tool_outputs_ready");
    if (stream_) {
        phase_ = phase::streaming;
        return {.step = follow_step::submit_outputs_streamed};
    }
    phase_ = phase::submitting;
    return {.step = follow_step::submit_outputs};
}

follow_action follow_machine::on_tool_failed() {
    expect(phase::running_tools, "on_tool_failed");
    phase_ = phase::cancelling;
    failure_ = follow_failure::tool_failed;
    return {.step = follow_step::cancel_on_server};
}

follow_action follow_machine::on_reply_fetched() {
    expect(phase::fetching_reply, "on_reply_fetched");
    return finish();
}

follow_action follow_machine::on_cancel_sent() {
    expect(phase::cancelling, "on_cancel_sent");
    return fail(failure_);
}

follow_action follow_machine::on_deadline(bool named) {
    return abort(named, follow_failure::deadline);
}

follow_action follow_machine::on_caller_cancelled(bool named) {
    return abort(named, follow_failure::cancelled);
}

follow_action follow_machine::abort(bool named, follow_failure why) {
    switch (phase_) {
    case phase::finished:
    case phase::failed:
        return decided();
    case phase::cancelling:
        return {.step = follow_step::cancel_on_server}; // the earlier failure stays the one reported
    case phase::fetching_reply:
        return fail(why); // the object has ended: nothing to cancel
    default:
        break;
    }
    if (cancel_on_abort_ && named) {
        phase_ = phase::cancelling;
        failure_ = why;
        return {.step = follow_step::cancel_on_server};
    }
    return fail(why);
}

follow_action follow_machine::fail(follow_failure why) noexcept {
    phase_ = phase::failed;
    failure_ = why;
    return {.step = follow_step::fail, .failure = why};
}

follow_action follow_machine::finish() noexcept {
    phase_ = phase::finished;
    return {.step = follow_step::finish};
}

follow_action follow_machine::decided() const noexcept {
    if (phase_ == phase::failed)
        return {.step = follow_step::fail, .failure = failure_};
    return {.step = follow_step::finish};
}

} // namespace paced::sansio
