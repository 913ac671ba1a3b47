// HTTP-level tests of paced-emulator's runs: lifecycle, tools, cancellation, streaming, rate limits.

#include "common/emulator_process.hpp"
#include "common/raw_http.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using paced::test::api_get;
using paced::test::api_post;
using paced::test::emulator_process;
using paced::test::raw_http;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

std::string id_of(const paced::test::raw_response& r) {
    INFO(r.body);
    REQUIRE(r.status == 200);
    return std::string(r.json().at("id").as_string());
}

std::string make_assistant(const std::string& url, const std::string& extra = "") {
    return id_of(api_post(url, "/v1/assistants",
                          R"({"model":"gpt-4o-mini","instructions":"Classify.")" + extra + "}"));
}

std::string make_thread(const std::string& url, const std::string& text) {
    return id_of(
        api_post(url, "/v1/threads",
                 json::serialize(json::object{
                     {"messages", json::array{json::object{{"role", "user"}, {"content", text}}}}})));
}

// Polls the run until its status is one of `stops` (the test's own timeout is the only clock).
json::object wait_for(const std::string& url, const std::string& thread, const std::string& run,
                      std::initializer_list<std::string_view> stops) {
    for (int i = 0; i < 2000; ++i) {
        auto r = api_get(url, "/v1/threads/" + thread + "/runs/" + run).json().as_object();
        const std::string_view st = r.at("status").as_string();
        for (auto s : stops)
            if (st == s)
                return r;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("the run never reached the expected status");
    return {};
}

std::vector<std::string> event_names(const std::string& sse) {
    std::vector<std::string> names;
    std::size_t pos = 0;
    while ((pos = sse.find("event: ", pos)) != std::string::npos) {
        const auto eol = sse.find('\n', pos);
        names.push_back(sse.substr(pos + 7, eol - pos - 7));
        pos = eol;
    }
    return names;
}

} // namespace

TEST_CASE("emulator runs: queued, then completed with a deterministic reply and usage", "[emulator][runs]") {
    emulator_process emu({"--run-ms", "150"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), "Is this good? yes");
    auto created =
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})");
    const auto run = id_of(created);
    CHECK(created.json().at("status") == "queued");
    CHECK(created.json().at("usage").is_null());
    CHECK(created.json().at("expires_at").is_int64());

    auto done = wait_for(emu.url(), thread, run, {"completed", "failed"});
    CHECK(done.at("status") == "completed");
    CHECK(done.at("completed_at").is_int64());
    // prompt = ceil((17 bytes of message + 9 bytes of instructions) / 4)
    CHECK(done.at("usage").at("prompt_tokens") == 7);

    auto msgs = api_get(emu.url(), "/v1/threads/" + thread + "/messages?run_id=" + run).json().as_object();
    REQUIRE(msgs.at("data").as_array().size() == 1);
    const auto& reply = msgs.at("data").as_array()[0].as_object();
    CHECK(reply.at("role") == "assistant");
    CHECK(reply.at("run_id") == run.c_str());
    const std::string text(reply.at("content").as_array()[0].at("text").at("value").as_string());
    CHECK(text.rfind("label: yes\n", 0) == 0);
    const auto completion = static_cast<std::int64_t>((text.size() + 3) / 4);
    CHECK(done.at("usage").at("completion_tokens") == completion);

    auto steps = api_get(emu.url(), "/v1/threads/" + thread + "/runs/" + run + "/steps").json().as_object();
    REQUIRE(steps.at("data").as_array().size() == 1);
    CHECK(steps.at("data").as_array()[0].at("type") == "message_creation");
    CHECK(steps.at("data").as_array()[0].at("step_details").at("message_creation").at("message_id") ==
          reply.at("id"));
}

TEST_CASE("emulator runs: negative keywords give label no", "[emulator][runs]") {
    emulator_process emu({"--run-ms", "0"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), "no, this is bad");
    const auto run = id_of(
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})"));
    wait_for(emu.url(), thread, run, {"completed"});
    auto msgs = api_get(emu.url(), "/v1/threads/" + thread + "/messages?limit=1").json();
    CHECK(std::string(
              msgs.at("data").as_array()[0].at("content").as_array()[0].at("text").at("value").as_string())
              .rfind("label: no\n", 0) == 0);
}

TEST_CASE("emulator runs: truncation_strategy last_messages cuts the run's context", "[emulator][runs]") {
    emulator_process emu({"--run-ms", "0"});
    const auto asst = make_assistant(emu.url()); // 9 bytes of instructions
    const auto thread = make_thread(emu.url(), "yes, good, approved");
    // The run brings one more message; with last_messages 1 it sees that message alone.
    const std::string body =
        R"({"assistant_id":")" + asst +
        R"(","additional_messages":[{"role":"user","content":[{"type":"text","text":"no"},)"
        R"({"type":"text","text":"bad"}]}],"truncation_strategy":{"type":"last_messages",)"
        R"("last_messages":1}})";
    auto created = api_post(emu.url(), "/v1/threads/" + thread + "/runs", body);
    const auto run = id_of(created);
    CHECK(created.json().at("truncation_strategy") ==
          json::parse(R"({"type":"last_messages","last_messages":1})"));
    auto done = wait_for(emu.url(), thread, run, {"completed"});
    // "no\nbad": the two text parts are two lines of the input, 6 bytes; ceil((6 + 9) / 4).
    CHECK(done.at("usage").at("prompt_tokens") == 4);
    auto msgs = api_get(emu.url(), "/v1/threads/" + thread + "/messages?run_id=" + run).json();
    const std::string text(
        msgs.at("data").as_array()[0].at("content").as_array()[0].at("text").at("value").as_string());
    CHECK(text == "label: no\nreason: 0 positive and 2 negative keyword(s) in 6 bytes of input.");

    // Without a strategy (auto) the run sees the whole thread's user messages: 19 + 6 bytes.
    auto whole =
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})");
    const auto run2 = id_of(whole);
    CHECK(whole.json().at("truncation_strategy") == json::parse(R"({"type":"auto","last_messages":null})"));
    auto done2 = wait_for(emu.url(), thread, run2, {"completed"});
    CHECK(done2.at("usage").at("prompt_tokens") == 9); // ceil((25 + 9) / 4)

    for (const char* bad :
         {R"({"type":"newest"})", R"({"last_messages":2})", R"({"type":"last_messages","last_messages":0})",
          R"({"type":"auto","keep":1})", R"("auto")"}) {
        auto refused = api_post(emu.url(), "/v1/threads/" + thread + "/runs",
                                R"({"assistant_id":")" + asst + R"(","truncation_strategy":)" + bad + "}");
        INFO(bad << ": " << refused.body);
        CHECK(refused.status == 400);
    }
}

TEST_CASE("emulator runs: stats count the runs of one input, whatever their threads", "[emulator][runs]") {
    emulator_process emu({"--run-ms", "300"});
    const auto asst = make_assistant(emu.url());
    // The same input on two threads, run at once: two live runs of one input, both completed. A third
    // thread holds another input.
    std::vector<std::pair<std::string, std::string>> runs;
    for (const char* text : {"same input", "same input", "another input"}) {
        const auto thread = make_thread(emu.url(), text);
        runs.emplace_back(thread, id_of(api_post(emu.url(), "/v1/threads/" + thread + "/runs",
                                                 R"({"assistant_id":")" + asst + R"("})")));
    }
    for (const auto& [thread, run] : runs)
        wait_for(emu.url(), thread, run, {"completed"});
    auto stats = emu.stats();
    CHECK(stats.at("run_inputs").to_number<std::uint64_t>() == 2);
    CHECK(stats.at("live_runs_per_input_max").to_number<std::uint64_t>() == 2);
    CHECK(stats.at("inputs_completed_more_than_once").to_number<std::uint64_t>() == 1);
    // A new run of an input whose run has ended is not a second live one.
    const auto again = make_thread(emu.url(), "another input");
    const auto run =
        id_of(api_post(emu.url(), "/v1/threads/" + again + "/runs", R"({"assistant_id":")" + asst + R"("})"));
    wait_for(emu.url(), again, run, {"completed"});
    stats = emu.stats();
    CHECK(stats.at("live_runs_per_input_max").to_number<std::uint64_t>() == 2);
    CHECK(stats.at("inputs_completed_more_than_once").to_number<std::uint64_t>() == 2);
}

TEST_CASE("emulator runs: a second run or a new message on a thread with an active run is refused",
          "[emulator][runs]") {
    emulator_process emu({"--run-ms", "60000"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), "hello");
    const auto run = id_of(
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})"));
    auto second =
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})");
    CHECK(second.status == 400);
    CHECK(std::string(second.json().at("error").at("message").as_string()) ==
          "Thread " + thread + " already has an active run " + run + ".");
    auto msg =
        api_post(emu.url(), "/v1/threads/" + thread + "/messages", R"({"role":"user","content":"more"})");
    CHECK(msg.status == 400);
    CHECK(emu.stats().at("active_run_conflicts").to_number<std::uint64_t>() == 1);
}

TEST_CASE("emulator runs: cancel goes through cancelling to cancelled", "[emulator][runs]") {
    emulator_process emu({"--run-ms", "60000"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), "hello");
    const auto run = id_of(
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})"));
    auto c = api_post(emu.url(), "/v1/threads/" + thread + "/runs/" + run + "/cancel", "");
    CHECK(c.json().at("status") == "cancelling");
    auto done = wait_for(emu.url(), thread, run, {"cancelled"});
    CHECK(done.at("cancelled_at").is_int64());
    auto again = api_post(emu.url(), "/v1/threads/" + thread + "/runs/" + run + "/cancel", "");
    CHECK(again.status == 400);
    // The thread is free again.
    CHECK(api_post(emu.url(), "/v1/threads/" + thread + "/messages", R"({"role":"user","content":"x"})")
              .status == 200);
}

TEST_CASE("emulator runs: function tools need tool outputs, and the reply uses them",
          "[emulator][runs][tools]") {
    emulator_process emu({"--run-ms", "100"});
    const auto asst = make_assistant(
        emu.url(),
        R"(,"tools":[{"type":"function","function":{"name":"lookup"}},{"type":"function","function":{"name":"score"}}])");
    const auto thread = make_thread(emu.url(), "check this");
    const auto run = id_of(
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})"));
    auto r = wait_for(emu.url(), thread, run, {"requires_action", "completed"});
    REQUIRE(r.at("status") == "requires_action");
    const auto& calls = r.at("required_action").at("submit_tool_outputs").at("tool_calls").as_array();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].at("function").at("name") == "lookup");
    CHECK(json::parse(calls[0].at("function").at("arguments").as_string()).at("input") == "check this");

    auto partial = api_post(emu.url(), "/v1/threads/" + thread + "/runs/" + run + "/submit_tool_outputs",
                            R"({"tool_outputs":[{"tool_call_id":")" +
                                std::string(calls[0].at("id").as_string()) + R"(","output":"a"}]})");
    CHECK(partial.status == 400);

    json::array outs{json::object{{"tool_call_id", calls[0].at("id")}, {"output", "found"}},
                     json::object{{"tool_call_id", calls[1].at("id")}, {"output", "0.9"}}};
    auto sub = api_post(emu.url(), "/v1/threads/" + thread + "/runs/" + run + "/submit_tool_outputs",
                        json::serialize(json::object{{"tool_outputs", outs}}));
    REQUIRE(sub.status == 200);
    wait_for(emu.url(), thread, run, {"completed"});
    auto msgs = api_get(emu.url(), "/v1/threads/" + thread + "/messages?run_id=" + run).json();
    const std::string text(
        msgs.at("data").as_array()[0].at("content").as_array()[0].at("text").at("value").as_string());
    CHECK(text.find("tool outputs: lookup=found; score=0.9") != std::string::npos);
    auto steps = api_get(emu.url(), "/v1/threads/" + thread + "/runs/" + run + "/steps?order=asc").json();
    CHECK(steps.at("data").as_array()[0].at("type") == "tool_calls");
    CHECK(steps.at("data")
              .as_array()[0]
              .at("step_details")
              .at("tool_calls")
              .as_array()[0]
              .at("function")
              .at("output") == "found");
}

TEST_CASE("emulator runs: --fault-run-fail 1 fails runs with last_error server_error",
          "[emulator][runs][faults]") {
    emulator_process emu({"--run-ms", "50", "--fault-run-fail", "1"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), "hello");
    const auto run = id_of(
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})"));
    auto done = wait_for(emu.url(), thread, run, {"failed", "completed"});
    CHECK(done.at("status") == "failed");
    CHECK(done.at("last_error").at("code") == "server_error");
    CHECK(emu.stats().at("runs_failed").to_number<std::uint64_t>() == 1);
}

TEST_CASE("emulator runs: run retrievals carry openai-poll-after-ms when configured", "[emulator][runs]") {
    emulator_process emu({"--run-ms", "0", "--poll-after-ms", "250"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), "hello");
    const auto run = id_of(
        api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})"));
    CHECK(api_get(emu.url(), "/v1/threads/" + thread + "/runs/" + run).header("openai-poll-after-ms") ==
          "250");
}

TEST_CASE("emulator stream: create thread and run streams the full event sequence and [DONE]",
          "[emulator][stream]") {
    emulator_process emu({"--run-ms", "200"});
    const auto asst = make_assistant(emu.url());
    auto r = api_post(emu.url(), "/v1/threads/runs",
                      R"({"assistant_id":")" + asst +
                          R"(","stream":true,"thread":{"messages":[{"role":"user","content":"yes"}]}})");
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type").rfind("text/event-stream", 0) == 0);
    auto names = event_names(r.body);
    std::vector<std::string> expected{"thread.created",          "thread.run.created",
                                      "thread.run.queued",       "thread.run.in_progress",
                                      "thread.run.step.created", "thread.run.step.in_progress",
                                      "thread.message.created",  "thread.message.in_progress"};
    REQUIRE(names.size() > expected.size() + 4);
    CHECK(std::vector<std::string>(names.begin(), names.begin() + 8) == expected);
    std::size_t deltas = 0;
    for (std::size_t i = 8; i < names.size() && names[i] == "thread.message.delta"; ++i)
        ++deltas;
    CHECK(deltas >= 2);
    std::vector<std::string> tail(names.end() - 4, names.end());
    CHECK(tail == std::vector<std::string>{"thread.message.completed", "thread.run.step.completed",
                                           "thread.run.completed", "done"});
    CHECK(r.body.size() >= 26);
    CHECK(r.body.substr(r.body.size() - 26) == "event: done\ndata: [DONE]\n\n");
    CHECK(r.body.find("\"index\":0") != std::string::npos);
}

TEST_CASE("emulator stream: a tool run's stream ends at requires_action", "[emulator][stream][tools]") {
    emulator_process emu({"--run-ms", "100"});
    const auto asst =
        make_assistant(emu.url(), R"(,"tools":[{"type":"function","function":{"name":"lookup"}}])");
    const auto thread = make_thread(emu.url(), "hello");
    auto r = api_post(emu.url(), "/v1/threads/" + thread + "/runs",
                      R"({"assistant_id":")" + asst + R"(","stream":true})");
    auto names = event_names(r.body);
    REQUIRE(names.size() >= 2);
    CHECK(names[names.size() - 2] == "thread.run.requires_action");
    CHECK(names.back() == "done");
}

TEST_CASE("emulator rate limits: --rpm 60 refuses a second request in the same second", "[emulator][rate]") {
    emulator_process emu({"--rpm", "60"});
    auto first = api_get(emu.url(), "/v1/assistants");
    CHECK(first.status == 200);
    CHECK(first.header("x-ratelimit-limit-requests") == "60");
    CHECK(first.header("x-ratelimit-remaining-requests") == "0");
    CHECK(!first.header("x-ratelimit-reset-requests").empty());
    auto second = api_get(emu.url(), "/v1/assistants");
    REQUIRE(second.status == 429);
    const auto e = second.json().at("error").as_object();
    CHECK(e.at("type") == "requests");
    CHECK(e.at("code") == "rate_limit_exceeded");
    CHECK(e.at("param").is_null());
    const std::string message(e.at("message").as_string());
    CHECK(std::regex_match(
        message,
        std::regex(R"(Rate limit reached for default in organization org-emulator on requests per min )"
                   R"(\(RPM\): Limit 60, Used 1, Requested 1\. Please try again in [0-9.]+m?s\. )"
                   R"(Visit https://platform\.openai\.com/account/rate-limits to learn more\.)")));
    const int retry_after = std::stoi(second.header("retry-after"));
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 2);
    CHECK(std::stoi(second.header("retry-after-ms")) >= 1);
    // The emulator's own endpoints are never limited.
    CHECK(emu.stats().at("rate_limited_429").to_number<std::uint64_t>() == 1);
    CHECK(emu.stats().at("requests_total").to_number<std::uint64_t>() == 2);
}

TEST_CASE("emulator rate limits: a run larger than the TPM limit is 'Request too large'",
          "[emulator][rate]") {
    emulator_process emu({"--tpm", "600"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), std::string(4000, 'a'));
    auto r = api_post(emu.url(), "/v1/threads/" + thread + "/runs", R"({"assistant_id":")" + asst + R"("})");
    REQUIRE(r.status == 429);
    const std::string message(r.json().at("error").at("message").as_string());
    CHECK(message.rfind(
              "Request too large for gpt-4o-mini in organization org-emulator on tokens per min (TPM): "
              "Limit 600, Requested 1259.",
              0) == 0);
    CHECK(r.json().at("error").at("type") == "tokens");
    CHECK(api_get(emu.url(), "/v1/threads/" + thread + "/runs").json().at("data").as_array().empty());
}

TEST_CASE("emulator rate limits: run creation charges the model's token budget", "[emulator][rate]") {
    emulator_process emu({"--tpm", "60000", "--run-ms", "0"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), "hello");
    auto r = api_post(emu.url(), "/v1/threads/" + thread + "/runs",
                      R"({"assistant_id":")" + asst + R"(","max_completion_tokens":500})");
    REQUIRE(r.status == 200);
    CHECK(r.header("x-ratelimit-limit-tokens") == "60000");
    // The burst is 1000 tokens; this run charged ceil((5 + 9) / 4) + 500 = 504 of them.
    CHECK(r.header("x-ratelimit-remaining-tokens") == "496");
}

TEST_CASE("emulator rate limits: --quota-exhausted answers insufficient_quota without retry-after",
          "[emulator][rate]") {
    emulator_process emu({"--quota-exhausted"});
    auto r = api_get(emu.url(), "/v1/assistants");
    CHECK(r.status == 429);
    CHECK(r.json().at("error").at("type") == "insufficient_quota");
    CHECK(r.json().at("error").at("code") == "insufficient_quota");
    CHECK(!r.has_header("retry-after"));
    CHECK(raw_http(emu.url(), http::verb::get, "/v1/emulator/stats").status == 200);
}

TEST_CASE("emulator stream: a truncated stream stops before [DONE]", "[emulator][stream][faults]") {
    emulator_process emu({"--run-ms", "100", "--fault-truncate", "1"});
    // Setting up goes through truncated answers too, so build the request by hand and expect the cut.
    CHECK_THROWS(api_post(emu.url(), "/v1/assistants", R"({"model":"gpt-4o-mini"})"));
    CHECK(emu.stats().at("faults").at("truncate").to_number<std::uint64_t>() == 1);
}

TEST_CASE("emulator stream: cancelling a streamed run ends the stream with thread.run.cancelled",
          "[emulator][stream]") {
    emulator_process emu({"--run-ms", "3000"});
    const auto asst = make_assistant(emu.url());
    const auto thread = make_thread(emu.url(), "hello");
    std::thread canceller([&] {
        for (int i = 0; i < 200; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            auto runs = api_get(emu.url(), "/v1/threads/" + thread + "/runs").json();
            if (!runs.at("data").as_array().empty()) {
                const std::string run(runs.at("data").as_array()[0].at("id").as_string());
                api_post(emu.url(), "/v1/threads/" + thread + "/runs/" + run + "/cancel", "");
                return;
            }
        }
    });
    auto r = api_post(emu.url(), "/v1/threads/" + thread + "/runs",
                      R"({"assistant_id":")" + asst + R"(","stream":true})");
    canceller.join();
    auto names = event_names(r.body);
    REQUIRE(names.size() >= 2);
    CHECK(names[names.size() - 2] == "thread.run.cancelled");
    CHECK(names.back() == "done");
}
