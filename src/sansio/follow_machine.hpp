#pragma once
/// @file Following an object the server works on (an Assistants run; next, a Responses background
/// response) from its creation to its end, as a sans-io state machine: it is told what happened and
/// answers what to do next. The coroutine that drives it does the requests, the waits and the tools.

#include <paced/poll_schedule.hpp>
#include <paced/response.hpp>

#include "sansio/run_status.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

namespace paced::sansio {

/// What the driver does next.
enum class follow_step : std::uint8_t {
    create,                  ///< Create the object (answer: on_created).
    create_streamed,         ///< Create it streamed and read the stream to its end (on_stream_ended or
                             ///< on_stream_broke).
    retrieve,                ///< Wait `follow_action::wait`, then retrieve the object (on_retrieved).
    find_tagged,             ///< Look for the object by the creation's request tag (on_looked_up).
    run_tools,               ///< Answer the object's tool calls (on_tool_outputs_ready or on_tool_failed).
    submit_outputs,          ///< Submit the tool outputs (on_outputs_submitted).
    submit_outputs_streamed, ///< Submit them streamed and read that stream to its end (as create_streamed).
    resume_stream,           ///< Re-open the broken stream after its last event and read it to its end
                             ///< (as create_streamed).
    // The object's course is decided from here on: the driver may run these outside the deadline.
    fetch_reply,      ///< Fetch the reply of the completed object (on_reply_fetched).
    cancel_on_server, ///< Cancel the object on the server, shielded from cancellation (on_cancel_sent).
    finish,           ///< Return the object as last seen.
    fail,             ///< Throw `follow_action::failure`.
};

/// True for the steps that come once the object's course is decided (fetch_reply and after).
constexpr bool is_ending(follow_step s) noexcept {
    return s >= follow_step::fetch_reply;
}

/// Why the follow fails (the `fail` step).
enum class follow_failure : std::uint8_t {
    none,
    tool_failed,      ///< A tool handler threw: the driver rethrows its error (errc::tool_failed).
    stream_lost,      ///< A stream broke and the object cannot be followed: the stream's own error.
    deadline,         ///< The caller's deadline passed (errc::run_deadline).
    cancelled,        ///< The caller cancelled: the driver rethrows the cancellation.
    unknown_statuses, ///< `unknown_status_limit` answers in a row had a status not in the table
                      ///< (errc::unexpected_json).
    tool_rounds,      ///< The object asked for tools more than `max_tool_rounds` times.
};

/** @brief One answer of the machine. */
struct follow_action {
    follow_step step = follow_step::finish;
    follow_failure failure = follow_failure::none; ///< For `fail`.
    /// For `retrieve`: this retrieval stands in for a stream that was lost, and answers in its place
    /// (the driver gives it the request options of the stream, the caller's metadata among them).
    bool replaces_stream = false;
    std::chrono::milliseconds wait{0}; ///< For `retrieve`: how long to wait first (0: at once).

    bool operator==(follow_action const&) const = default;
};

/// What an answer says of the object: its status, and whether it carries tool calls for the client
/// (an Assistants run's `required_action`). The status is read at once, not kept.
struct object_state {
    std::string_view status;
    bool has_tool_calls = false;
};

/// How to follow (fixed for the whole follow).
struct follow_config {
    /// The status vocabulary of the object (assistants_run_statuses(), response_statuses()).
    status_table const* statuses = &assistants_run_statuses();
    /// The waits between retrievals.
    poll_options poll;
    /// Follow over streams (create_streamed, submit_outputs_streamed) rather than by polling; a stream
    /// that breaks falls back to polling the same object, never a second creation.
    bool stream = false;
    /// A tool handler is set: a requires_action object with tool calls gets run_tools; without one the
    /// object is returned to the caller as it is.
    bool answers_tool_calls = false;
    /// Fetch the reply when polling saw the object end `completed` (a stream carries its own reply).
    bool fetches_reply = false;
    /// Cancel the object on the server when the deadline passes or the caller cancels.
    bool cancel_on_abort = true;
    /// The object ends `completed` with its tool calls, and their outputs go into a new object (a
    /// Responses response: its function calls are answered by the next response). A completed object
    /// with tool calls then gets run_tools, and submit_outputs creates the object that follows it.
    bool tool_calls_end_object = false;
    /// Rounds of tool calls allowed before the follow fails with tool_rounds (0: no bound).
    std::uint16_t max_tool_rounds = 0;
};

/** @brief The decisions of following one object to its end, with no I/O.
 *
 * The driver calls `start()`, performs each step it is answered and reports how the step went with the
 * matching `on_...` call, until `finish` or `fail`. The deadline and the caller's cancellation may be
 * reported at any time (`on_deadline`, `on_caller_cancelled`), typically after the step in progress was
 * abandoned.
 *
 * - Polling: create; while the status is active, wait (`poll_schedule`: the server's hint, else the
 *   interval, grown) and retrieve. The first retrieval after an answer that showed the object active
 *   (creation, submission, the retrieval that replaced a lost stream) waits too: the object was just
 *   seen, and a retrieval at once would only find it still queued. A terminal status finishes (after
 *   fetch_reply when asked and the status is `completed`).
 * - requires_action with tool calls and a handler: run_tools, then submit_outputs (streamed in stream
 *   mode), then on as after a creation. A tool that fails cancels the object on the server (whatever
 *   `cancel_on_abort` says: the object waits for outputs that will never come), then fails tool_failed.
 * - Streams: a stream that ended finishes, or runs the tools; one that ended with the object still
 *   active is followed as a broken one that named it. One that broke and can be resumed (the driver
 *   says so: a background response whose events are numbered, and which delivered events since it was
 *   last resumed) is resumed after its last event; one that broke after naming the object
 *   is replaced by a retrieval of that object, then polling; one that broke before naming it has the
 *   object looked up by its request tag when that is possible (found: retrieved and polled; not found,
 *   or no lookup possible: fail with the stream's error). A second creation is never asked for.
 * - Unknown statuses: the table's `unknown` kind applies, and when that kind keeps polling, the
 *   follow gives up after `unknown_status_limit` answers in a row with statuses the table does not
 *   know (unknown_statuses), rather than poll forever. The object is left as it is on the server:
 *   cancelling an object in a state the client does not understand could destroy work it has not seen.
 * - Abort (deadline, caller cancellation): cancel_on_server first when `cancel_on_abort` and the
 *   object was named, then fail. The first ending wins: an abort reported once finish or fail was
 *   answered, or while the cancel of an earlier failure is sent, changes nothing (the same answer again);
 *   one reported during fetch_reply fails without a cancel (the object has ended).
 *
 * Events reported out of turn (a step that was not asked for) throw std::logic_error.
 *
 * @par Thread safety
 * Distinct objects: safe. Shared objects: unsafe.
 */
class follow_machine {
public:
    /// Answers in a row with an unknown, still polling status before the follow gives up.
    static constexpr int unknown_status_limit = 3;

    explicit follow_machine(follow_config const& config) noexcept;

    /// The first step: create or create_streamed.
    follow_action start();

    /// The object was created (not streamed) and the answer holds it.
    follow_action on_created(object_state s);
    /// A retrieval answered with `s`; `headers` are the answer's (for the poll hint).
    follow_action on_retrieved(object_state s, header_list const& headers);
    /// A stream ended cleanly; `s` is the last state of the object it carried. A state still active (the
    /// server closed the stream early) is followed by polling, as after a break. A stream that carried no
    /// state of the object at all is a break (on_stream_broke).
    follow_action on_stream_ended(object_state s);
    /** A stream broke, or its creation failed after the request may have arrived. `named`: the object's
     * id is known (from the stream, or from the failure). `findable`: it was not named but can be looked
     * for by its request tag. `resumable`: the stream can be re-opened after its last event, and made
     * progress since it was last re-opened (so resuming cannot loop). Breaks that leave nothing to follow
     * are the driver's to throw. */
    follow_action on_stream_broke(bool named, bool findable, bool resumable = false);
    /// The lookup by request tag found the object (the driver now knows its id), or did not.
    follow_action on_looked_up(bool found);
    /// Every tool call was answered; the driver holds the outputs.
    follow_action on_tool_outputs_ready();
    /// A tool handler threw; the driver keeps its error.
    follow_action on_tool_failed();
    /// The outputs were submitted (not streamed) and the answer holds the object.
    follow_action on_outputs_submitted(object_state s);
    /// The reply was fetched.
    follow_action on_reply_fetched();
    /// The cancel was sent (or failed: the failure that led here matters more).
    follow_action on_cancel_sent();
    /// The deadline passed. `named`: the object's id is known (it exists on the server).
    follow_action on_deadline(bool named);
    /// The caller cancelled. `named` as for on_deadline.
    follow_action on_caller_cancelled(bool named);

    /// True once finish or fail was answered.
    bool done() const noexcept { return phase_ == phase::finished || phase_ == phase::failed; }

private:
    enum class phase : std::uint8_t {
        idle,
        creating,
        streaming,
        looking_up,
        recovering,
        polling,
        running_tools,
        submitting,
        fetching_reply,
        cancelling,
        finished,
        failed,
    };

    void expect(phase p, char const* event) const;
    follow_action on_answer(object_state s, header_list const* headers);
    follow_action poll_from_start(header_list const* headers);
    follow_action recover();
    follow_action end_polled(object_state s);
    follow_action tools_or_finish(object_state s);
    follow_action terminal(object_state s, bool polled);
    follow_action abort(bool named, follow_failure why);
    follow_action fail(follow_failure why) noexcept;
    follow_action finish() noexcept;
    follow_action decided() const noexcept;

    poll_schedule schedule_;
    status_table const* statuses_;
    bool stream_; // following over streams; false once a broken stream fell back to polling
    bool answers_tool_calls_;
    bool fetches_reply_;
    bool cancel_on_abort_;
    bool tool_calls_end_object_;
    std::uint16_t max_tool_rounds_;
    std::uint16_t tool_rounds_ = 0;
    phase phase_ = phase::idle;
    follow_failure failure_ = follow_failure::none; // after cancel_on_server, and once failed
    std::uint8_t unknown_in_a_row_ = 0;
};

} // namespace paced::sansio
