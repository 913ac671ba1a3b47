#pragma once
// The server-sent event sequence of a streamed run, as a sans-io source: poll(now) returns the events
// that are due by `now` and when to poll next. The events follow the run's timeline in the store, so a
// streamed run and a polled run are the same run.

#include "event_source.hpp"
#include "store.hpp"

#include <string>
#include <vector>

namespace paced::emulator {

/** @brief Formats one SSE event: "event: NAME\ndata: DATA\n\n". */
std::string sse_event(std::string_view name, std::string_view data);

/** @brief Produces the events of one streamed run. Thread safety: single-threaded. */
class run_event_source : public event_source {
public:
    /**
     * @param run_id the run to follow (looked up at every poll: a deleted thread ends the stream)
     * @param thread_created emit thread.created first (create thread and run)
     * @param resumed the stream of submit_tool_outputs: starts at the resumption
     */
    run_event_source(std::string run_id, bool thread_created, bool resumed)
        : run_id_(std::move(run_id)), thread_created_(thread_created), resumed_(resumed) {}

    output poll(store& s, ms_t now) override;

private:
    enum class stage { begin, in_progress, tool, gen, deltas, finish, fail, cancelling, over };
    void emit(output& out, std::string_view name, const json::value& v);
    ms_t delta_time(const run_rec& r, std::size_t k) const;

    std::string run_id_;
    bool thread_created_;
    bool resumed_;
    stage stage_ = stage::begin;
    std::vector<std::string> pieces_;
    std::size_t next_piece_ = 0;
};

} // namespace paced::emulator
