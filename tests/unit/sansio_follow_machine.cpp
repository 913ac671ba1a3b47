#include "sansio/follow_machine.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <ostream>
#include <stdexcept>

using namespace std::chrono_literals;
using paced::header_list;
using paced::sansio::follow_action;
using paced::sansio::follow_config;
using paced::sansio::follow_failure;
using paced::sansio::follow_machine;
using paced::sansio::follow_step;
using paced::sansio::is_ending;
using paced::sansio::object_state;
using paced::sansio::response_statuses;

namespace paced::sansio {
// Catch prints actions that differ.
std::ostream& operator<<(std::ostream& os, follow_action const& a) {
    return os << "{step " << static_cast<int>(a.step) << ", failure " << static_cast<int>(a.failure)
              << ", replaces_stream " << a.replaces_stream << ", wait " << a.wait.count() << " ms}";
}
} // namespace paced::sansio

namespace {

follow_action const create{.step = follow_step::create};
follow_action const create_streamed{.step = follow_step::create_streamed};
follow_action const recover{.step = follow_step::retrieve, .replaces_stream = true};
follow_action const find_tagged{.step = follow_step::find_tagged};
follow_action const run_tools{.step = follow_step::run_tools};
follow_action const submit{.step = follow_step::submit_outputs};
follow_action const submit_streamed{.step = follow_step::submit_outputs_streamed};
follow_action const fetch_reply{.step = follow_step::fetch_reply};
follow_action const cancel{.step = follow_step::cancel_on_server};
follow_action const finish{.step = follow_step::finish};

follow_action retrieve_after(std::chrono::milliseconds wait) {
    return {.step = follow_step::retrieve, .wait = wait};
}
follow_action fail(follow_failure why) {
    return {.step = follow_step::fail, .failure = why};
}

object_state const queued{"queued"};
object_state const in_progress{"in_progress"};
object_state const completed{"completed"};
object_state const failed{"failed"};
object_state const needs_tools{"requires_action", true};

header_list const no_hint{};
header_list hint(char const* ms) {
    return header_list{{"openai-poll-after-ms", ms}};
}

follow_config polled(std::chrono::milliseconds interval = 1000ms) {
    return {.poll = {.interval = interval}};
}
follow_config streamed() {
    return {.stream = true, .answers_tool_calls = true};
}

} // namespace

TEST_CASE("follow: poll mode creates, then waits the interval before each retrieval until terminal",
          "[sansio][follow]") {
    follow_machine m{polled(500ms)};
    CHECK(m.start() == create);
    CHECK(m.on_created(queued) == retrieve_after(500ms));
    CHECK(m.on_retrieved(queued, no_hint) == retrieve_after(500ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(500ms));
    CHECK_FALSE(m.done());
    CHECK(m.on_retrieved(completed, no_hint) == finish);
    CHECK(m.done());
}

TEST_CASE("follow: the server's poll hint sets the wait", "[sansio][follow]") {
    follow_machine m{polled(1000ms)};
    m.start();
    m.on_created(queued);
    CHECK(m.on_retrieved(in_progress, hint("40")) == retrieve_after(40ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(1000ms));

    follow_config no_hints = polled(1000ms);
    no_hints.poll.use_server_hint = false;
    follow_machine n{no_hints};
    n.start();
    n.on_created(queued);
    CHECK(n.on_retrieved(in_progress, hint("40")) == retrieve_after(1000ms));
}

TEST_CASE("follow: the interval grows by growth up to max_interval", "[sansio][follow]") {
    follow_config c{.poll = {.interval = 100ms, .growth = 2.0, .max_interval = 300ms}};
    follow_machine m{c};
    m.start();
    CHECK(m.on_created(queued) == retrieve_after(100ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(200ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(300ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(300ms));
}

TEST_CASE("follow: a run already terminal when created is not retrieved", "[sansio][follow]") {
    follow_machine m{polled()};
    m.start();
    CHECK(m.on_created(failed) == finish);
}

TEST_CASE("follow: the reply is fetched when asked and the run completed", "[sansio][follow]") {
    follow_config c = polled();
    c.fetches_reply = true;
    SECTION("completed: fetch, then finish") {
        follow_machine m{c};
        m.start();
        m.on_created(queued);
        CHECK(m.on_retrieved(completed, no_hint) == fetch_reply);
        CHECK_FALSE(m.done());
        CHECK(m.on_reply_fetched() == finish);
    }
    SECTION("failed, cancelled, expired, incomplete: no reply to fetch") {
        for (auto status : {"failed", "cancelled", "expired", "incomplete"}) {
            CAPTURE(status);
            follow_machine m{c};
            m.start();
            m.on_created(queued);
            CHECK(m.on_retrieved(object_state{status}, no_hint) == finish);
        }
    }
    SECTION("not asked: no fetch") {
        follow_machine m{polled()};
        m.start();
        CHECK(m.on_created(completed) == finish);
    }
}

TEST_CASE("follow: requires_action runs the tools, submits, and polls again from the interval",
          "[sansio][follow]") {
    follow_config c{.poll = {.interval = 100ms, .growth = 2.0}, .answers_tool_calls = true};
    follow_machine m{c};
    m.start();
    CHECK(m.on_created(queued) == retrieve_after(100ms)); // the interval, then grown
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(200ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(400ms));
    CHECK(m.on_retrieved(needs_tools, no_hint) == run_tools);
    CHECK(m.on_tool_outputs_ready() == submit);
    CHECK(m.on_outputs_submitted(queued) == retrieve_after(100ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(200ms)); // grown again from the interval
    CHECK(m.on_retrieved(needs_tools, no_hint) == run_tools);             // a second step of tools
    CHECK(m.on_tool_outputs_ready() == submit);
    CHECK(m.on_outputs_submitted(completed) == finish);
}

TEST_CASE("follow: requires_action without a handler, or without tool calls, returns the run",
          "[sansio][follow]") {
    SECTION("no handler") {
        follow_machine m{polled()};
        m.start();
        m.on_created(queued);
        CHECK(m.on_retrieved(needs_tools, no_hint) == finish);
    }
    SECTION("no tool calls in the answer") {
        follow_config c = polled();
        c.answers_tool_calls = true;
        follow_machine m{c};
        m.start();
        m.on_created(queued);
        CHECK(m.on_retrieved(object_state{"requires_action", false}, no_hint) == finish);
    }
}

TEST_CASE("follow: a failed tool cancels the run on the server, then fails tool_failed", "[sansio][follow]") {
    auto const cancel_on_abort = GENERATE(true, false); // a tool failure cancels either way
    follow_config c = polled();
    c.answers_tool_calls = true;
    c.cancel_on_abort = cancel_on_abort;
    follow_machine m{c};
    m.start();
    CHECK(m.on_created(needs_tools) == run_tools);
    CHECK(m.on_tool_failed() == cancel);
    CHECK(is_ending(cancel.step));
    CHECK_FALSE(m.done());
    CHECK(m.on_cancel_sent() == fail(follow_failure::tool_failed));
    CHECK(m.done());
}

TEST_CASE("follow: stream mode finishes when the stream ends, with no reply fetch", "[sansio][follow]") {
    follow_config c = streamed();
    c.fetches_reply = true; // the stream carried the reply
    follow_machine m{c};
    CHECK(m.start() == create_streamed);
    CHECK(m.on_stream_ended(completed) == finish);
}

TEST_CASE("follow: stream mode answers tools over a streamed submission", "[sansio][follow]") {
    follow_machine m{streamed()};
    m.start();
    CHECK(m.on_stream_ended(needs_tools) == run_tools);
    CHECK(m.on_tool_outputs_ready() == submit_streamed);
    CHECK(m.on_stream_ended(needs_tools) == run_tools);
    CHECK(m.on_tool_outputs_ready() == submit_streamed);
    CHECK(m.on_stream_ended(completed) == finish);
}

TEST_CASE("follow: a stream that broke after naming its run polls that run, never creating another",
          "[sansio][follow]") {
    follow_config c = streamed();
    c.poll.interval = 100ms;
    c.fetches_reply = true;
    follow_machine m{c};
    m.start();
    SECTION("on the first stream") {
        CHECK(m.on_stream_broke(true, true) == recover);
    }
    SECTION("on the stream of a tool-output submission") {
        m.on_stream_ended(needs_tools);
        m.on_tool_outputs_ready();
        CHECK(m.on_stream_broke(true, false) == recover);
    }
    // The retrieval stands in for the stream (at once); polling then waits, as after a creation.
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(100ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(100ms));
    // Tools on the polled run are submitted without a stream.
    CHECK(m.on_retrieved(needs_tools, no_hint) == run_tools);
    CHECK(m.on_tool_outputs_ready() == submit);
    CHECK(m.on_outputs_submitted(in_progress) == retrieve_after(100ms));
    // The reply is fetched: no stream carried it.
    CHECK(m.on_retrieved(completed, no_hint) == fetch_reply);
    CHECK(m.on_reply_fetched() == finish);
}

TEST_CASE("follow: a stream that ended with its run still active is followed like a broken one",
          "[sansio][follow]") {
    follow_config c = streamed();
    c.poll.interval = 100ms;
    follow_machine m{c};
    m.start();
    CHECK(m.on_stream_ended(queued) == recover); // never returned unfinished, never created again
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(100ms));
    CHECK(m.on_retrieved(completed, no_hint) == finish);
}

TEST_CASE("follow: a stream recovered to a run that had already ended finishes at once", "[sansio][follow]") {
    follow_machine m{streamed()};
    m.start();
    CHECK(m.on_stream_broke(true, false) == recover);
    CHECK(m.on_retrieved(completed, no_hint) == finish);
}

TEST_CASE("follow: a stream that broke before naming its run has the run looked up by its tag",
          "[sansio][follow]") {
    follow_machine m{streamed()};
    m.start();
    CHECK(m.on_stream_broke(false, true) == find_tagged);
    SECTION("found: retrieved in the stream's place, then polled") {
        CHECK(m.on_looked_up(true) == recover);
        CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(1000ms));
        CHECK(m.on_retrieved(completed, no_hint) == finish);
    }
    SECTION("not found: no run was started, the stream's own error") {
        CHECK(m.on_looked_up(false) == fail(follow_failure::stream_lost));
        CHECK(m.done());
    }
}

TEST_CASE("follow: a stream that broke unnamed where no lookup is possible fails with its error",
          "[sansio][follow]") {
    follow_machine m{streamed()};
    m.start();
    CHECK(m.on_stream_broke(false, false) == fail(follow_failure::stream_lost));
}

TEST_CASE("follow: the deadline cancels a created run on the server, then fails run_deadline",
          "[sansio][follow]") {
    follow_machine m{polled()};
    m.start();
    m.on_created(queued);
    m.on_retrieved(in_progress, no_hint);
    CHECK(m.on_deadline(true) == cancel);
    CHECK(m.on_cancel_sent() == fail(follow_failure::deadline));
}

TEST_CASE("follow: the deadline before the run exists fails without a cancel", "[sansio][follow]") {
    follow_machine m{polled()};
    m.start();
    CHECK(m.on_deadline(false) == fail(follow_failure::deadline));
}

TEST_CASE("follow: the caller's cancellation cancels the run on the server, then is rethrown",
          "[sansio][follow]") {
    SECTION("while polling") {
        follow_machine m{polled()};
        m.start();
        m.on_created(queued);
        CHECK(m.on_caller_cancelled(true) == cancel);
        CHECK(m.on_cancel_sent() == fail(follow_failure::cancelled));
    }
    SECTION("while a stream is read") {
        follow_machine m{streamed()};
        m.start();
        CHECK(m.on_caller_cancelled(true) == cancel);
        CHECK(m.on_cancel_sent() == fail(follow_failure::cancelled));
    }
    SECTION("while the tools run") {
        follow_machine m{streamed()};
        m.start();
        m.on_stream_ended(needs_tools);
        CHECK(m.on_caller_cancelled(true) == cancel);
        CHECK(m.on_cancel_sent() == fail(follow_failure::cancelled));
    }
}

TEST_CASE("follow: cancel_on_abort = false fails at once on the deadline or a cancellation",
          "[sansio][follow]") {
    follow_config c = polled();
    c.cancel_on_abort = false;
    follow_machine m{c};
    m.start();
    m.on_created(queued);
    SECTION("deadline") {
        CHECK(m.on_deadline(true) == fail(follow_failure::deadline));
    }
    SECTION("cancellation") {
        CHECK(m.on_caller_cancelled(true) == fail(follow_failure::cancelled));
    }
}

TEST_CASE("follow: the first ending wins over a later abort", "[sansio][follow]") {
    follow_config c = polled();
    c.answers_tool_calls = true;
    c.fetches_reply = true;
    follow_machine m{c};
    m.start();
    SECTION("finished") {
        m.on_created(failed);
        CHECK(m.on_deadline(true) == finish);
    }
    SECTION("failed") {
        m.on_created(needs_tools);
        m.on_tool_failed();
        m.on_cancel_sent();
        CHECK(m.on_caller_cancelled(true) == fail(follow_failure::tool_failed));
    }
    SECTION("a tool failure's cancel in progress") {
        m.on_created(needs_tools);
        m.on_tool_failed();
        CHECK(m.on_deadline(true) == cancel);
        CHECK(m.on_cancel_sent() == fail(follow_failure::tool_failed));
    }
    SECTION("the reply's fetch: the run ended, so no cancel") {
        m.on_created(completed);
        CHECK(m.on_caller_cancelled(true) == fail(follow_failure::cancelled));
    }
}

TEST_CASE("follow: three unknown statuses in a row give up", "[sansio][follow]") {
    static_assert(follow_machine::unknown_status_limit == 3);
    follow_machine m{polled(100ms)};
    m.start();
    m.on_created(queued);
    CHECK(m.on_retrieved(object_state{"paused"}, no_hint) == retrieve_after(100ms)); // polled like active
    CHECK(m.on_retrieved(object_state{"paused"}, no_hint) == retrieve_after(100ms));
    CHECK(m.on_retrieved(object_state{"paused"}, no_hint) == fail(follow_failure::unknown_statuses));
    CHECK(m.done());
}

TEST_CASE("follow: a known status between unknown ones starts the count again", "[sansio][follow]") {
    follow_machine m{polled(100ms)};
    m.start();
    CHECK(m.on_created(object_state{"new_status"}) == retrieve_after(100ms)); // the creation's answer counts
    CHECK(m.on_retrieved(object_state{"new_status"}, no_hint) == retrieve_after(100ms));
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(100ms));
    CHECK(m.on_retrieved(object_state{"new_status"}, no_hint) == retrieve_after(100ms));
    CHECK(m.on_retrieved(object_state{"new_status"}, no_hint) == retrieve_after(100ms));
    CHECK(m.on_retrieved(object_state{"new_status"}, no_hint) == fail(follow_failure::unknown_statuses));
}

TEST_CASE("follow: with the Responses table, polling ends at any status but queued and in_progress",
          "[sansio][follow]") {
    follow_config c{.statuses = &response_statuses(), .poll = {.interval = 200ms}, .fetches_reply = true};
    follow_machine m{c};
    CHECK(m.start() == create);
    CHECK(m.on_created(queued) == retrieve_after(200ms));
    CHECK(m.on_retrieved(in_progress, hint("50")) == retrieve_after(50ms));
    SECTION("completed") {
        CHECK(m.on_retrieved(completed, no_hint) == fetch_reply);
    }
    SECTION("a status the table does not know is terminal there") {
        CHECK(m.on_retrieved(object_state{"something_new"}, no_hint) == finish);
    }
    SECTION("requires_action is not a Responses status") {
        CHECK(m.on_retrieved(needs_tools, no_hint) == finish);
    }
}

TEST_CASE("follow: events that were not asked for are logic errors", "[sansio][follow]") {
    follow_machine m{polled()};
    CHECK_THROWS_AS(m.on_created(queued), std::logic_error); // before start
    m.start();
    CHECK_THROWS_AS(m.on_retrieved(queued, no_hint), std::logic_error); // creating, not polling
    CHECK_THROWS_AS(m.on_stream_broke(true, false), std::logic_error);
    CHECK_THROWS_AS(m.on_tool_outputs_ready(), std::logic_error);
    CHECK_THROWS_AS(m.start(), std::logic_error);
    CHECK(m.on_created(queued) == retrieve_after(1000ms)); // still in step
}

TEST_CASE("follow: only the steps after the course is decided are ending steps", "[sansio][follow]") {
    for (auto s :
         {follow_step::create, follow_step::create_streamed, follow_step::retrieve, follow_step::find_tagged,
          follow_step::run_tools, follow_step::submit_outputs, follow_step::submit_outputs_streamed})
        CHECK_FALSE(is_ending(s));
    for (auto s :
         {follow_step::fetch_reply, follow_step::cancel_on_server, follow_step::finish, follow_step::fail})
        CHECK(is_ending(s));
}

// ---- Responses: function calls answered by the next object, streams resumed ------------------------------

namespace {

follow_action const resume{.step = follow_step::resume_stream};
object_state const completed_with_calls{"completed", true};

follow_config responses(bool stream, std::uint16_t max_rounds = 0) {
    return {.statuses = &response_statuses(),
            .poll = {.interval = 1000ms},
            .stream = stream,
            .answers_tool_calls = true,
            .tool_calls_end_object = true,
            .max_tool_rounds = max_rounds};
}

} // namespace

TEST_CASE("follow machine: a completed response with function calls is answered by the next response",
          "[sansio][follow][responses]") {
    follow_machine m(responses(false));
    CHECK(m.start() == create);
    CHECK(m.on_created(queued) == retrieve_after(1000ms));
    CHECK(m.on_retrieved(completed_with_calls, no_hint) == run_tools);
    CHECK(m.on_tool_outputs_ready() == submit); // the next response carries the outputs
    CHECK(m.on_outputs_submitted(queued) == retrieve_after(1000ms));
    CHECK(m.on_retrieved(completed, no_hint) == finish);
}

TEST_CASE("follow machine: an Assistants run that ended with tool calls is not answered",
          "[sansio][follow][responses]") {
    // Without tool_calls_end_object only requires_action asks for tools: a terminal run never does.
    follow_machine m(follow_config{.poll = {.interval = 1000ms}, .answers_tool_calls = true});
    CHECK(m.start() == create);
    CHECK(m.on_created(completed_with_calls) == finish);
}

TEST_CASE("follow machine: function calls stop after max_tool_rounds", "[sansio][follow][responses]") {
    follow_machine m(responses(true, 2));
    CHECK(m.start() == create_streamed);
    CHECK(m.on_stream_ended(completed_with_calls) == run_tools);
    CHECK(m.on_tool_outputs_ready() == submit_streamed);
    CHECK(m.on_stream_ended(completed_with_calls) == run_tools);
    CHECK(m.on_tool_outputs_ready() == submit_streamed);
    CHECK(m.on_stream_ended(completed_with_calls) == fail(follow_failure::tool_rounds));
    CHECK(m.done());
}

TEST_CASE("follow machine: a resumable broken stream is resumed, then polled once it stops progressing",
          "[sansio][follow][responses]") {
    follow_machine m(responses(true));
    CHECK(m.start() == create_streamed);
    CHECK(m.on_stream_broke(true, false, true) == resume);
    CHECK(m.on_stream_broke(true, false, true) == resume);   // it delivered events since: again
    CHECK(m.on_stream_broke(true, false, false) == recover); // no progress: poll the same response
    CHECK(m.on_retrieved(in_progress, no_hint) == retrieve_after(1000ms));
    CHECK(m.on_retrieved(completed, no_hint) == finish);
}

TEST_CASE("follow machine: a resumed stream that ends finishes the follow", "[sansio][follow][responses]") {
    follow_machine m(responses(true));
    CHECK(m.start() == create_streamed);
    CHECK(m.on_stream_broke(true, false, true) == resume);
    CHECK(m.on_stream_ended(completed) == finish);
    // A stream that broke before naming its response cannot be resumed nor found.
    follow_machine unnamed(responses(true));
    CHECK(unnamed.start() == create_streamed);
    CHECK(unnamed.on_stream_broke(false, false, true) == fail(follow_failure::stream_lost));
}
