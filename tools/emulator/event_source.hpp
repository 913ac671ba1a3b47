#pragma once
// What the server writes as a server-sent event stream: a sans-io source polled with the time, which
// returns the bytes due by then and when to poll next. A streamed run (sse.hpp) and a streamed response
// (responses.hpp) are two sources; the server paces both the same way and applies the same faults.

#include "util.hpp"

#include <string>

namespace paced::emulator {

class store;

/** @brief One SSE stream's producer. Thread safety: single-threaded (the server's io_context). */
class event_source {
public:
    struct output {
        std::string bytes; ///< complete events, ready to be written as one chunk
        ms_t next = never; ///< when to poll again (Unix ms)
        bool done = false; ///< the stream ends after `bytes`
    };
    virtual ~event_source() = default;
    /** @brief The events due by `now`; `s` is the Assistants state (a source may keep its own). */
    virtual output poll(store& s, ms_t now) = 0;
};

} // namespace paced::emulator
