#pragma once
// In-memory state of the emulator: files, assistants, threads, messages, runs, steps, vector stores.
// Runs, vector-store files and batches progress by time: their status is computed from timestamps on
// access (status_at(t)), and the objects a run creates (steps, the assistant message) are materialised
// lazily by settle(), so thousands of open runs cost nothing while nobody looks at them.

#include "config.hpp"
#include "stats.hpp"
#include "util.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace paced::emulator {

struct thread_rec;
struct run_rec;

struct file_rec {
    std::string id;
    std::string filename;
    std::string purpose;
    std::string data;
    ms_t created = 0;
    std::int64_t expires_at = 0; ///< Unix seconds, 0 = none
};

struct assistant_rec {
    std::string id;
    ms_t created = 0;
    json::object fields; ///< every client-settable field, already normalised
    std::string model() const;
    std::string instructions() const;
};

struct message_rec {
    std::string id;
    thread_rec* thread = nullptr;
    ms_t created = 0;
    std::string role;
    json::array content;
    json::value attachments; ///< array or null
    json::value metadata;
    std::string assistant_id;
    run_rec* run = nullptr; ///< set on the messages a run creates (and on additional_messages)
    bool generated = false; ///< the assistant reply of `run`
    std::string text;       ///< concatenated text parts, for the reply function
};

struct step_rec {
    std::string id;
    run_rec* run = nullptr;
    bool tool = false;
    ms_t created = 0;
    std::string message_id;
};

struct tool_call {
    std::string id;
    std::string name;
    std::string arguments;
    std::optional<std::string> output;
};

enum class run_status {
    queued,
    in_progress,
    requires_action,
    cancelling,
    cancelled,
    failed,
    completed,
    expired
};
const char* to_string(run_status s);
bool is_terminal(run_status s);

struct run_rec {
    std::string id;
    thread_rec* thread = nullptr;
    std::string assistant_id;
    std::string model;
    std::string instructions;
    json::array tools;
    json::value metadata;
    json::value temperature, top_p, max_prompt_tokens, max_completion_tokens, truncation_strategy,
        tool_choice, parallel_tool_calls, response_format;

    // The timeline (Unix ms). `never` marks what has not been scheduled.
    ms_t created = 0, start = 0, action = never, gen_start = never, end = never, expires = never;
    ms_t cancel_req = never, cancel_done = never, submitted = never;
    ms_t duration = 0;
    bool fail = false;

    std::string reply;
    std::uint64_t input_hash = 0; ///< FNV-1a 64 of the reply function's input: which input the run is of
    std::int64_t prompt_tokens = 0;
    std::vector<tool_call> calls;
    step_rec* tool_step = nullptr;
    step_rec* msg_step = nullptr;
    message_rec* message = nullptr;
    std::vector<step_rec*> steps;
    bool finished = false; ///< terminal and counted in the stats

    run_status status_at(ms_t t) const;
    ms_t terminal_time() const;
    std::int64_t completion_tokens() const { return ceil_div(static_cast<std::int64_t>(reply.size()), 4); }
};

struct thread_rec {
    std::string id;
    ms_t created = 0;
    json::value tool_resources;
    json::value metadata;
    std::vector<message_rec*> messages; // creation order
    std::vector<run_rec*> runs;         // creation order
    run_rec* active = nullptr;
    std::uint64_t runs_created = 0;
};

struct vs_file_rec {
    std::string id; ///< the file id
    std::string vector_store_id;
    std::string batch_id;
    ms_t created = 0, done = 0, cancelled = never;
    std::int64_t bytes = 0;
    json::value attributes;
    json::value chunking_strategy;
    std::string status_at(ms_t t) const;
};

struct batch_rec {
    std::string id;
    std::string vector_store_id;
    ms_t created = 0;
    ms_t cancelled = never;
    std::vector<std::string> file_ids;
};

struct vector_store_rec {
    std::string id;
    ms_t created = 0;
    json::value name, description, expires_after, metadata;
    std::vector<vs_file_rec*> files; // attach order
    std::unordered_map<std::string, std::unique_ptr<vs_file_rec>> file_map;
    std::unordered_map<std::string, std::unique_ptr<batch_rec>> batches;
};

/** @brief list query parameters, already validated. */
struct list_params {
    std::int64_t limit = 20;
    bool desc = true;
    std::string after;
    std::string before;
};

/** @brief Slices `items` (creation order) per OpenAI's cursor pagination; returns indexes in answer order. */
struct page_slice {
    std::vector<std::size_t> indexes;
    bool has_more = false;
};
template <class Id>
page_slice paginate(std::size_t n, const Id& id_of, const list_params& p) {
    page_slice s;
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i)
        order[i] = p.desc ? n - 1 - i : i;
    std::size_t lo = 0, hi = n; // window [lo, hi) of `order`
    auto find = [&](const std::string& id) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < n; ++i)
            if (id_of(order[i]) == id)
                return i;
        return std::nullopt;
    };
    if (!p.after.empty()) {
        auto pos = find(p.after);
        if (!pos)
            return s;
        lo = *pos + 1;
    }
    if (!p.before.empty()) {
        auto pos = find(p.before);
        if (!pos)
            return s;
        hi = std::min(hi, *pos);
    }
    if (lo >= hi)
        return s;
    const auto limit = static_cast<std::size_t>(p.limit);
    if (!p.before.empty() && p.after.empty() && hi - lo > limit) {
        // Paging backwards: the items closest to the cursor, still in list order.
        for (std::size_t i = hi - limit; i < hi; ++i)
            s.indexes.push_back(order[i]);
        s.has_more = true;
        return s;
    }
    for (std::size_t i = lo; i < hi && s.indexes.size() < limit; ++i)
        s.indexes.push_back(order[i]);
    s.has_more = lo + s.indexes.size() < hi;
    return s;
}

/** @brief The whole state. Thread safety: single-threaded (the server's io_context). */
class store {
public:
    store(const config& cfg, stats& st);

    id_generator ids;

    // Lookups: nullptr when absent.
    file_rec* find_file(const std::string& id);
    assistant_rec* find_assistant(const std::string& id);
    thread_rec* find_thread(const std::string& id);
    message_rec* find_message(const std::string& id);
    run_rec* find_run(const std::string& id);
    step_rec* find_step(const std::string& id);
    vector_store_rec* find_vector_store(const std::string& id);

    file_rec& add_file(std::string filename, std::string purpose, std::string data, std::int64_t expires_at,
                       ms_t now);
    void delete_file(const std::string& id);
    assistant_rec& add_assistant(json::object fields, ms_t now);
    void delete_assistant(const std::string& id);
    thread_rec& add_thread(json::value tool_resources, json::value metadata, ms_t now);
    void delete_thread(const std::string& id);
    /** @brief Adds a message; content must already be in MessageObject form. */
    message_rec& add_message(thread_rec& t, std::string role, json::array content, json::value attachments,
                             json::value metadata, ms_t now);
    void delete_message(const std::string& id);

    /** @brief The run creation parameters after validation and assistant defaults. */
    struct run_params {
        std::string assistant_id, model, instructions, additional_instructions;
        json::array tools;
        json::value metadata = json::object(), temperature = nullptr, top_p = nullptr,
                    max_prompt_tokens = nullptr, max_completion_tokens = nullptr,
                    truncation_strategy = nullptr, tool_choice = nullptr, parallel_tool_calls = true,
                    response_format = nullptr;
    };
    /** @brief The token charge of a run on thread `t`, with messages still to be added after the thread's
     *  (`extra_user_bytes`: the user bytes of each, in order, 0 for an assistant message):
     *  ceil(prompt bytes / 4) + (max_completion_tokens or 256), over the messages its context keeps. */
    std::int64_t estimate_tokens(const thread_rec& t, const run_params& p,
                                 const std::vector<std::size_t>& extra_user_bytes) const;
    /** @brief How many of the thread's newest messages a run's context keeps under `truncation` (a
     *  validated TruncationObject): `last_messages` N keeps N; `auto`, or N null, keeps them all (the
     *  emulator has no context window to fit). */
    static std::size_t context_messages(const json::value& truncation);
    run_rec& add_run(thread_rec& t, run_params p, ms_t now);
    /** @brief Resumes a requires_action run with the given outputs (already validated). */
    void submit_outputs(run_rec& r, const std::vector<std::pair<std::string, std::string>>& outputs,
                        ms_t now);
    void cancel_run(run_rec& r, ms_t now);

    /** @brief Materialises what the run has produced by `now` and counts it when it has ended. */
    void settle(run_rec& r, ms_t now);
    void settle(thread_rec& t, ms_t now);
    void settle_all(ms_t now);

    vector_store_rec& add_vector_store(json::value name, json::value description, json::value expires_after,
                                       json::value metadata, ms_t now);
    void delete_vector_store(const std::string& id);
    vs_file_rec& attach_file(vector_store_rec& vs, const file_rec& f, json::value attributes,
                             json::value chunking, std::string batch_id, ms_t now);
    void detach_file(vector_store_rec& vs, const std::string& file_id);
    batch_rec& add_batch(vector_store_rec& vs, ms_t now);

    // Rendering: the object as the API shows it at time t.
    json::object render(const file_rec& f) const;
    json::object render(const assistant_rec& a) const;
    json::object render(const thread_rec& t) const;
    json::object render(const message_rec& m, ms_t t) const;
    json::object render(const run_rec& r, ms_t t) const;
    json::object render(const step_rec& s, ms_t t) const;
    json::object render(const vector_store_rec& v, ms_t t) const;
    json::object render(const vs_file_rec& f, ms_t t) const;
    json::object render(const batch_rec& b, const vector_store_rec& v, ms_t t) const;
    json::object file_counts(const vector_store_rec& v, const std::vector<std::string>* only, ms_t t) const;

    const std::vector<file_rec*>& files() const { return file_order_; }
    const std::vector<assistant_rec*>& assistants() const { return assistant_order_; }
    const std::vector<vector_store_rec*>& vector_stores() const { return vs_order_; }
    std::size_t open_runs() const { return open_runs_.size(); }

    /** @brief Forgets everything (POST /v1/emulator/reset). */
    void clear();

private:
    /// The reply function's input over the thread's `last` newest messages.
    std::string input_of(const thread_rec& t, std::size_t* raw_bytes, std::size_t last) const;
    /// Counts a new run of its input, after settling the other live runs of that input.
    void count_input(run_rec& r, ms_t now);
    /// The run is no longer live (ended, or deleted with its thread): it leaves its input's live runs.
    void leave_input(run_rec& r, bool completed);

    /// What the server knows of the runs of one input (runs whose reply-function input is the same).
    struct input_record {
        std::vector<run_rec*> live; ///< not seen terminal yet (runs end lazily: see count_input)
        std::uint32_t completed = 0;
    };
    ms_t draw_duration();

    const config& cfg_;
    stats& stats_;
    std::mt19937_64 rng_;
    std::uint64_t run_seq_ = 0;
    std::unordered_map<std::string, std::unique_ptr<file_rec>> files_;
    std::vector<file_rec*> file_order_;
    std::unordered_map<std::string, std::unique_ptr<assistant_rec>> assistants_;
    std::vector<assistant_rec*> assistant_order_;
    std::unordered_map<std::string, std::unique_ptr<thread_rec>> threads_;
    std::unordered_map<std::string, std::unique_ptr<message_rec>> messages_;
    std::unordered_map<std::string, std::unique_ptr<run_rec>> runs_;
    std::unordered_map<std::string, std::unique_ptr<step_rec>> steps_;
    std::unordered_set<run_rec*> open_runs_;
    std::unordered_map<std::uint64_t, input_record> inputs_;
    std::unordered_map<std::string, std::unique_ptr<vector_store_rec>> vector_stores_;
    std::vector<vector_store_rec*> vs_order_;
};

} // namespace paced::emulator
