// bench_decode: CPU time and heap allocations of decoding the responses of one streamed file: the
// upload's file object and the 15 events of its streamed run, as paced-emulator sends them (captured from
// paced-emulator; compact JSON). Each document is decoded N times per round, as the run stream does it
// (parse_json: parse into stack scratch, then decode) and from a parsed value (from_json: the decoder
// alone); the figure is the fastest of R rounds in thread CPU time, so that other processes on a busy
// machine add little. Allocations are counted by the replaced global operator new.
//
// Usage: bench_decode [--iterations N (20000)] [--rounds R (7)]

#include <paced/types/file.hpp>
#include <paced/types/message.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>
#include <paced/types/stream_delta.hpp>
#include <paced/types/thread.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace {

// One benchmark thread: a plain counter is enough.
std::size_t allocations = 0;

void* counted_alloc(std::size_t size) {
    ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc();
}

} // namespace

void* operator new(std::size_t size) {
    return counted_alloc(size);
}
void* operator new[](std::size_t size) {
    return counted_alloc(size);
}
void* operator new(std::size_t size, std::nothrow_t const&) noexcept {
    ++allocations;
    return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, std::nothrow_t const&) noexcept {
    ++allocations;
    return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

/// Decodes `body` as T `n` times: from the text (parse and decode), or from the parsed value `parsed`.
template <class T>
void decode_as(std::string_view body, boost::json::value const* parsed, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        T const model = parsed ? paced::from_json<T>(*parsed) : paced::parse_json<T>(body);
        asm volatile("" : : "r"(&model) : "memory"); // keep the decode
    }
}

struct document {
    std::string_view event;
    void (*decode)(std::string_view, boost::json::value const*, std::size_t);
    std::string_view body;
};

// The file object of the upload, then the events of the streamed run, in the order they arrive.
document const streamed_file[] =
    {
        {"upload", decode_as<paced::file>,
         R"({"id":"file-8lvBwp9GhpI0ee1Dqi2m6350","object":"file","bytes":22,"created_at":1796235401,"filename":"f.txt","purpose":"assistants","status":"processed"})"},
        {"thread.created", decode_as<paced::thread>,
         R"({"id":"thread_9bzN3uqUjA60heYcLypP7900","object":"thread","created_at":1796235408,"tool_resources":{},"metadata":{}})"},
        {"thread.run.created", decode_as<paced::run>,
         R"({"id":"run_Ek6mmfCgwAG0tbbStSamMb90","object":"thread.run","created_at":1796235408,"assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","status":"queued","started_at":null,"expires_at":1796236008,"cancelled_at":null,"failed_at":null,"completed_at":null,"required_action":null,"last_error":null,"model":"gpt-4o-mini","instructions":"","tools":[{"type":"file_search"}],"tool_resources":{},"metadata":{},"temperature":1E0,"top_p":1E0,"reasoning_effort":null,"max_prompt_tokens":null,"max_completion_tokens":null,"truncation_strategy":{"type":"auto","last_messages":null},"incomplete_details":null,"tool_choice":"auto","parallel_tool_calls":true,"response_format":"auto","usage":null})"},
        {"thread.run.queued", decode_as<paced::run>,
         R"({"id":"run_Ek6mmfCgwAG0tbbStSamMb90","object":"thread.run","created_at":1796235408,"assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","status":"queued","started_at":null,"expires_at":1796236008,"cancelled_at":null,"failed_at":null,"completed_at":null,"required_action":null,"last_error":null,"model":"gpt-4o-mini","instructions":"","tools":[{"type":"file_search"}],"tool_resources":{},"metadata":{},"temperature":1E0,"top_p":1E0,"reasoning_effort":null,"max_prompt_tokens":null,"max_completion_tokens":null,"truncation_strategy":{"type":"auto","last_messages":null},"incomplete_details":null,"tool_choice":"auto","parallel_tool_calls":true,"response_format":"auto","usage":null})"},
        {"thread.run.in_progress", decode_as<paced::run>,
         R"({"id":"run_Ek6mmfCgwAG0tbbStSamMb90","object":"thread.run","created_at":1796235408,"assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","status":"in_progress","started_at":1796235408,"expires_at":1796236008,"cancelled_at":null,"failed_at":null,"completed_at":null,"required_action":null,"last_error":null,"model":"gpt-4o-mini","instructions":"","tools":[{"type":"file_search"}],"tool_resources":{},"metadata":{},"temperature":1E0,"top_p":1E0,"reasoning_effort":null,"max_prompt_tokens":null,"max_completion_tokens":null,"truncation_strategy":{"type":"auto","last_messages":null},"incomplete_details":null,"tool_choice":"auto","parallel_tool_calls":true,"response_format":"auto","usage":null})"},
        {"thread.run.step.created", decode_as<paced::run_step>,
         R"({"id":"step_RkFAhNOMJm906xssKoMEUeC0","object":"thread.run.step","created_at":1796235408,"run_id":"run_Ek6mmfCgwAG0tbbStSamMb90","assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","type":"message_creation","status":"in_progress","cancelled_at":null,"completed_at":null,"expired_at":null,"failed_at":null,"last_error":null,"usage":null,"step_details":{"type":"message_creation","message_creation":{"message_id":"msg_XPVitkZTJZF06Beqqh6H2ID0"}},"metadata":{}})"},
        {"thread.run.step.in_progress", decode_as<paced::run_step>,
         R"({"id":"step_RkFAhNOMJm906xssKoMEUeC0","object":"thread.run.step","created_at":1796235408,"run_id":"run_Ek6mmfCgwAG0tbbStSamMb90","assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","type":"message_creation","status":"in_progress","cancelled_at":null,"completed_at":null,"expired_at":null,"failed_at":null,"last_error":null,"usage":null,"step_details":{"type":"message_creation","message_creation":{"message_id":"msg_XPVitkZTJZF06Beqqh6H2ID0"}},"metadata":{}})"},
        {"thread.message.created", decode_as<paced::message>,
         R"({"id":"msg_XPVitkZTJZF06Beqqh6H2ID0","object":"thread.message","created_at":1796235408,"assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","run_id":"run_Ek6mmfCgwAG0tbbStSamMb90","role":"assistant","content":[],"status":"in_progress","completed_at":null,"incomplete_at":null,"incomplete_details":null,"attachments":[],"metadata":{}})"},
        {"thread.message.in_progress", decode_as<paced::message>,
         R"({"id":"msg_XPVitkZTJZF06Beqqh6H2ID0","object":"thread.message","created_at":1796235408,"assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","run_id":"run_Ek6mmfCgwAG0tbbStSamMb90","role":"assistant","content":[],"status":"in_progress","completed_at":null,"incomplete_at":null,"incomplete_details":null,"attachments":[],"metadata":{}})"},
        {"thread.message.delta", decode_as<paced::message_delta_object>,
         R"({"id":"msg_XPVitkZTJZF06Beqqh6H2ID0","object":"thread.message.delta","delta":{"content":[{"index":0,"type":"text","text":{"value":"label: no\nreason: 1 positive ","annotations":[]}}]}})"},
        {"thread.message.delta", decode_as<paced::message_delta_object>,
         R"({"id":"msg_XPVitkZTJZF06Beqqh6H2ID0","object":"thread.message.delta","delta":{"content":[{"index":0,"type":"text","text":{"value":"and 1 negative keyword(s) in ","annotations":[]}}]}})"},
        {"thread.message.delta", decode_as<paced::message_delta_object>,
         R"({"id":"msg_XPVitkZTJZF06Beqqh6H2ID0","object":"thread.message.delta","delta":{"content":[{"index":0,"type":"text","text":{"value":"65 bytes of input, decided by ","annotations":[]}}]}})"},
        {"thread.message.delta", decode_as<paced::message_delta_object>,
         R"({"id":"msg_XPVitkZTJZF06Beqqh6H2ID0","object":"thread.message.delta","delta":{"content":[{"index":0,"type":"text","text":{"value":"input hash 6c934dbff85754bb.","annotations":[]}}]}})"},
        {"thread.message.completed", decode_as<paced::message>,
         R"({"id":"msg_XPVitkZTJZF06Beqqh6H2ID0","object":"thread.message","created_at":1796235408,"assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","run_id":"run_Ek6mmfCgwAG0tbbStSamMb90","role":"assistant","content":[{"type":"text","text":{"value":"label: no\nreason: 1 positive and 1 negative keyword(s) in 65 bytes of input, decided by input hash 6c934dbff85754bb.","annotations":[]}}],"status":"completed","completed_at":1796235409,"incomplete_at":null,"incomplete_details":null,"attachments":[],"metadata":{}})"},
        {"thread.run.step.completed", decode_as<paced::run_step>, R"({"id":"step_RkFAhNOMJm906xssKoMEUeC0","object":"thread.run.step","created_at":1796235408,"run_id":"run_Ek6mmfCgwAG0tbbStSamMb90","assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","type":"message_creation","status":"completed","cancelled_at":null,"completed_at":1796235409,"expired_at":null,"failed_at":null,"last_error":null,"usage":{"prompt_tokens":16,"completion_tokens":29,"total_tokens":45},"step_details":{"type":"message_creation","message_creation":{"message_id":"msg_XPVitkZTJZF06Beqqh6H2ID0"}},"metadata":{}})"},
        {"thread.run.completed", decode_as<paced::run>,
         R"({"id":"run_Ek6mmfCgwAG0tbbStSamMb90","object":"thread.run","created_at":1796235408,"assistant_id":"asst_kPG46E8xrTE0Xj8QmM7NRx50","thread_id":"thread_9bzN3uqUjA60heYcLypP7900","status":"completed","started_at":1796235408,"expires_at":null,"cancelled_at":null,"failed_at":null,"completed_at":1796235409,"required_action":null,"last_error":null,"model":"gpt-4o-mini","instructions":"","tools":[{"type":"file_search"}],"tool_resources":{},"metadata":{},"temperature":1E0,"top_p":1E0,"reasoning_effort":null,"max_prompt_tokens":null,"max_completion_tokens":null,"truncation_strategy":{"type":"auto","last_messages":null},"incomplete_details":null,"tool_choice":"auto","parallel_tool_calls":true,"response_format":"auto","usage":{"prompt_tokens":16,"completion_tokens":29,"total_tokens":45}})"},
};

double thread_cpu_ns() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

struct figure {
    double ns = 0;          // CPU per decode, fastest round
    double allocations = 0; // per decode
};

figure measure(document const& d, boost::json::value const* parsed, std::size_t n, std::size_t rounds) {
    figure f{.ns = 1e300};
    d.decode(d.body, parsed, n / 10 + 1); // warm up
    for (std::size_t r = 0; r < rounds; ++r) {
        auto const allocated = allocations;
        auto const start = thread_cpu_ns();
        d.decode(d.body, parsed, n);
        auto const ns = (thread_cpu_ns() - start) / static_cast<double>(n);
        f.ns = std::min(f.ns, ns);
        f.allocations = static_cast<double>(allocations - allocated) / static_cast<double>(n);
    }
    return f;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t iterations = 20000;
    std::size_t rounds = 7;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view const flag = argv[i];
        auto const value = static_cast<std::size_t>(std::strtoull(argv[i + 1], nullptr, 10));
        if (flag == "--iterations" && value > 0)
            iterations = value;
        else if (flag == "--rounds" && value > 0)
            rounds = value;
        else {
            std::fprintf(stderr, "usage: bench_decode [--iterations N] [--rounds R]\n");
            return 2;
        }
    }
    std::printf(
        "| document | bytes | parse_json ns | allocs | from_json ns | allocs |\n|---|---|---|---|---|---|\n");
    figure text_total, value_total;
    std::size_t bytes = 0;
    for (auto const& d : streamed_file) {
        auto const parsed = boost::json::parse(d.body);
        auto const text = measure(d, nullptr, iterations, rounds);
        auto const value = measure(d, &parsed, iterations, rounds);
        std::printf("| %.*s | %zu | %.0f | %.1f | %.0f | %.1f |\n", static_cast<int>(d.event.size()),
                    d.event.data(), d.body.size(), text.ns, text.allocations, value.ns, value.allocations);
        text_total.ns += text.ns;
        text_total.allocations += text.allocations;
        value_total.ns += value.ns;
        value_total.allocations += value.allocations;
        bytes += d.body.size();
    }
    std::printf("| **one streamed file** | %zu | **%.0f** | **%.1f** | **%.0f** | **%.1f** |\n", bytes,
                text_total.ns, text_total.allocations, value_total.ns, value_total.allocations);
    return 0;
}
