// Batch API models: the batch object, the JSONL of request lines, the result lines read back, and the
// checks of a batch's creation.

#include <paced/types/batch.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace json = boost::json;

namespace {

/// The message of the `code` error `f` throws ("" if it does not throw).
template <class F>
std::string error_message(paced::errc code, F&& f) {
    try {
        f();
    } catch (paced::error const& e) {
        CHECK(e.code() == code);
        return e.what();
    }
    return "";
}

// The OpenAPI description's example of the batch object (its stray trailing comma removed).
constexpr std::string_view spec_batch = R"({
  "id": "batch_abc123", "object": "batch", "endpoint": "/v1/completions", "model": "gpt-5-2025-08-07",
  "errors": null, "input_file_id": "file-abc123", "completion_window": "24h", "status": "completed",
  "output_file_id": "file-cvaTdG", "error_file_id": "file-HOWS94", "created_at": 1711471533,
  "in_progress_at": 1711471538, "expires_at": 1711557933, "finalizing_at": 1711493133,
  "completed_at": 1711493163, "failed_at": null, "expired_at": null, "cancelling_at": null,
  "cancelled_at": null, "request_counts": {"total": 100, "completed": 95, "failed": 5},
  "usage": {"input_tokens": 1500, "input_tokens_details": {"cached_tokens": 1024}, "output_tokens": 500,
            "output_tokens_details": {"reasoning_tokens": 300}, "total_tokens": 2000},
  "metadata": {"customer_id": "user_123456789", "batch_description": "Nightly eval job"}
})";

} // namespace

TEST_CASE("batches: the specification's batch object parses and keeps what it does not model", "[types]") {
    auto const b = paced::parse_json<paced::batch>(spec_batch);
    CHECK(b.id == "batch_abc123");
    CHECK(b.status == paced::batch_status::completed);
    CHECK(paced::is_terminal(b.status.value));
    CHECK(!b.errors);
    CHECK(b.output_file_id == "file-cvaTdG");
    CHECK(b.error_file_id == "file-HOWS94");
    CHECK(b.completed_at == 1711493163);
    CHECK(!b.failed_at);
    REQUIRE(b.request_counts);
    CHECK(b.request_counts->total == 100);
    CHECK(b.request_counts->failed == 5);
    CHECK(b.metadata.at("customer_id") == "user_123456789");
    CHECK(b.extra.at("model") == "gpt-5-2025-08-07");
    CHECK(b.extra.at("usage").at("total_tokens") == 2000);
    // Written back, every member the object had is there again with its value.
    json::value const written = paced::to_json(b);
    json::value const original = json::parse(spec_batch);
    auto const& back = written.as_object();
    for (auto const& [key, value] : original.as_object())
        if (!value.is_null())
            CHECK(back.at(key) == value);
}

TEST_CASE("batches: statuses: the four ends are terminal and an unknown one is polled on", "[types]") {
    using s = paced::batch_status;
    for (auto st : {s::completed, s::failed, s::expired, s::cancelled})
        CHECK(paced::is_terminal(st));
    for (auto st : {s::validating, s::in_progress, s::finalizing, s::cancelling, s::unknown})
        CHECK(!paced::is_terminal(st));
    auto const b = paced::parse_json<paced::batch>(
        R"({"id": "batch_1", "object": "batch", "endpoint": "/v1/responses", "input_file_id": "file-1",
              "completion_window": "24h", "status": "paused", "created_at": 1})");
    CHECK(b.status == s::unknown);
    CHECK(b.status.raw == "paused");
    CHECK(!paced::is_terminal(b.status.value));
}

TEST_CASE("batches: to_jsonl writes one compact object per line and refuses a missing or repeated id",
          "[types]") {
    std::vector<paced::batch_request_line> lines{
        {.custom_id = "a", .body = {{"model", "gpt-4.1-mini"}, {"input", "Hi\nthere"}}},
        {.custom_id = "b", .url = "/v1/chat/completions", .body = {{"model", "gpt-4.1-mini"}}}};
    auto const text = paced::to_jsonl(lines);
    CHECK(std::count(text.begin(), text.end(), '\n') == 2); // the input's newline is escaped
    CHECK(text.ends_with("\n"));
    auto const first = json::parse(text.substr(0, text.find('\n'))).as_object();
    CHECK(first == json::parse(R"({"custom_id": "a", "method": "POST", "url": "/v1/responses",
                                    "body": {"model": "gpt-4.1-mini", "input": "Hi\nthere"}})")
                       .as_object());
    CHECK(paced::to_jsonl({}).empty());

    lines.push_back({.custom_id = "a"});
    CHECK(error_message(paced::errc::invalid_argument, [&] {
              (void)paced::to_jsonl(lines);
          }).find("lines[2].custom_id") != std::string::npos);
    lines.back().custom_id.clear();
    CHECK(error_message(paced::errc::invalid_argument, [&] {
              (void)paced::to_jsonl(lines);
          }).find("lines[2].custom_id") != std::string::npos);
}

TEST_CASE("batches: result lines are read past blank lines and CRLF, and a bad one is named", "[types]") {
    constexpr std::string_view jsonl =
        "{\"id\": \"batch_req_1\", \"custom_id\": \"a\", \"response\": {\"status_code\": 200, "
        "\"request_id\": \"req_1\", \"body\": {\"object\": \"response\"}}, \"error\": null}\r\n"
        "\n"
        "   \n"
        "{\"id\": \"batch_req_2\", \"custom_id\": \"b\", \"response\": null, "
        "\"error\": {\"code\": \"batch_expired\", \"message\": \"This request could not be executed before "
        "the completion window expired.\"}}";
    auto const lines = paced::parse_result_lines(jsonl);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].custom_id == "a");
    REQUIRE(lines[0].response);
    CHECK(lines[0].response->status_code == 200);
    CHECK(lines[0].response->request_id == "req_1");
    CHECK(lines[0].response->body.at("object") == "response");
    CHECK(!lines[0].error);
    CHECK(!lines[1].response);
    REQUIRE(lines[1].error);
    CHECK(lines[1].error->code == "batch_expired");
    CHECK(paced::parse_result_lines("").empty());

    auto const bad = std::string(jsonl) + "\n{\"custom_id\": 12}\n";
    auto const message =
        error_message(paced::errc::unexpected_json, [&] { (void)paced::parse_result_lines(bad); });
    CHECK(message.find("line 5: ") != std::string::npos);
    CHECK(error_message(paced::errc::unexpected_json, [] {
              (void)paced::parse_result_lines("{\n");
          }).find("line 1: ") != std::string::npos);
}

TEST_CASE("batches: a create names its file and a 24h window, and is encoded as set", "[types]") {
    paced::batch_create_params p{.input_file_id = "file-abc"};
    CHECK(json::value(paced::encode(p)) ==
          json::parse(
              R"({"input_file_id": "file-abc", "endpoint": "/v1/responses", "completion_window": "24h"})"));
    CHECK_NOTHROW(paced::validate(p));
    auto with = [&](auto change) {
        auto q = p;
        change(q);
        return error_message(paced::errc::invalid_argument, [&] { paced::validate(q); });
    };
    CHECK(with([](auto& q) { q.input_file_id.clear(); }).find("input_file_id") != std::string::npos);
    CHECK(with([](auto& q) { q.input_file_id = "../x"; }).find("input_file_id") != std::string::npos);
    CHECK(with([](auto& q) { q.endpoint.clear(); }).find("endpoint") != std::string::npos);
    CHECK(with([](auto& q) { q.completion_window = "48h"; }).find("completion_window") != std::string::npos);
    CHECK(with([](auto& q) {
              for (int i = 0; i < 17; ++i)
                  q.metadata["k" + std::to_string(i)] = "v";
          }).find("metadata") != std::string::npos);
    paced::batch_list_params list{.limit = 101};
    CHECK(error_message(paced::errc::invalid_argument, [&] { paced::validate(list); }).find("limit") !=
          std::string::npos);
}
