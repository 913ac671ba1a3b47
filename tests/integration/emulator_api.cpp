// HTTP-level tests of paced-emulator: validation, error bodies, pagination, files, reset and stats.

#include "common/emulator_process.hpp"
#include "common/raw_http.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using paced::test::api_delete;
using paced::test::api_get;
using paced::test::api_post;
using paced::test::emulator_process;
using paced::test::raw_http;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

void require_error_shape(const paced::test::raw_response& r) {
    auto v = r.json();
    REQUIRE(v.is_object());
    const auto& e = v.at("error").as_object();
    CHECK(e.at("message").is_string());
    CHECK(e.at("type").is_string());
    CHECK(e.contains("param"));
    CHECK(e.contains("code"));
}

std::string create_assistant(const std::string& url, const std::string& body = R"({"model":"gpt-4o-mini"})") {
    auto r = api_post(url, "/v1/assistants", body);
    REQUIRE(r.status == 200);
    return std::string(r.json().at("id").as_string());
}

} // namespace

TEST_CASE("emulator: a request without a Bearer key gets 401 with OpenAI's error body", "[emulator]") {
    emulator_process emu;
    auto r = raw_http(emu.url(), http::verb::get, "/v1/assistants", {{"OpenAI-Beta", "assistants=v2"}});
    CHECK(r.status == 401);
    require_error_shape(r);
    CHECK(r.json().at("error").at("type") == "invalid_request_error");
    CHECK(r.header("x-request-id").rfind("req_", 0) == 0);
    CHECK(r.header("content-type") == "application/json");
}

TEST_CASE("emulator: assistants paths need OpenAI-Beta assistants=v2, files do not", "[emulator]") {
    emulator_process emu;
    auto r = raw_http(emu.url(), http::verb::get, "/v1/threads/thread_x", {{"Authorization", "Bearer k"}});
    CHECK(r.status == 400);
    require_error_shape(r);
    CHECK(std::string(r.json().at("error").at("message").as_string()).find("OpenAI-Beta") !=
          std::string::npos);
    auto files = raw_http(emu.url(), http::verb::get, "/v1/files", {{"Authorization", "Bearer k"}});
    CHECK(files.status == 200);
}

TEST_CASE("emulator: an unknown body field is rejected with 'Unrecognized request argument supplied'",
          "[emulator]") {
    emulator_process emu;
    auto r = api_post(emu.url(), "/v1/assistants", R"({"model":"gpt-4o","colour":"blue"})");
    CHECK(r.status == 400);
    CHECK(r.json().at("error").at("message") == "Unrecognized request argument supplied: colour");
}

TEST_CASE("emulator: a missing required field names the parameter", "[emulator]") {
    emulator_process emu;
    auto r = api_post(emu.url(), "/v1/assistants", R"({"name":"x"})");
    CHECK(r.status == 400);
    CHECK(r.json().at("error").at("param") == "model");
    auto bad_json = api_post(emu.url(), "/v1/assistants", "{not json");
    CHECK(bad_json.status == 400);
    require_error_shape(bad_json);
}

TEST_CASE("emulator: unknown ids give 404 with OpenAI's message", "[emulator]") {
    emulator_process emu;
    auto r = api_get(emu.url(), "/v1/threads/thread_nope");
    CHECK(r.status == 404);
    CHECK(r.json().at("error").at("message") == "No thread found with id 'thread_nope'.");
    CHECK(api_get(emu.url(), "/v1/assistants/asst_nope").json().at("error").at("message") ==
          "No assistant found with id 'asst_nope'.");
    auto unknown_route = api_get(emu.url(), "/v1/nothing/here");
    CHECK(unknown_route.status == 404);
    require_error_shape(unknown_route);
}

TEST_CASE("emulator: lists page with limit, order, after and before", "[emulator][pagination]") {
    emulator_process emu;
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(create_assistant(emu.url()));

    auto first = api_get(emu.url(), "/v1/assistants?limit=2").json().as_object();
    CHECK(first.at("object") == "list");
    REQUIRE(first.at("data").as_array().size() == 2);
    // Default order is desc: newest first.
    CHECK(first.at("data").as_array()[0].at("id") == ids[4].c_str());
    CHECK(first.at("first_id") == ids[4].c_str());
    CHECK(first.at("last_id") == ids[3].c_str());
    CHECK(first.at("has_more") == true);

    auto second = api_get(emu.url(), "/v1/assistants?limit=2&after=" + ids[3]).json().as_object();
    CHECK(second.at("data").as_array()[0].at("id") == ids[2].c_str());
    CHECK(second.at("has_more") == true);
    auto last = api_get(emu.url(), "/v1/assistants?limit=2&after=" + ids[1]).json().as_object();
    REQUIRE(last.at("data").as_array().size() == 1);
    CHECK(last.at("has_more") == false);

    auto asc = api_get(emu.url(), "/v1/assistants?order=asc").json().as_object();
    CHECK(asc.at("data").as_array().size() == 5);
    CHECK(asc.at("data").as_array()[0].at("id") == ids[0].c_str());

    auto before = api_get(emu.url(), "/v1/assistants?order=asc&limit=2&before=" + ids[3]).json().as_object();
    REQUIRE(before.at("data").as_array().size() == 2);
    CHECK(before.at("data").as_array()[0].at("id") == ids[1].c_str());
    CHECK(before.at("data").as_array()[1].at("id") == ids[2].c_str());

    CHECK(api_get(emu.url(), "/v1/assistants?limit=0").status == 400);
    CHECK(api_get(emu.url(), "/v1/assistants?limit=101").status == 400);
    CHECK(api_get(emu.url(), "/v1/assistants?order=up").status == 400);
    CHECK(api_get(emu.url(), "/v1/files?limit=10000").status == 200);
    CHECK(api_get(emu.url(), "/v1/files?limit=10001").status == 400);
}

TEST_CASE("emulator: an empty list has null cursors and no more pages", "[emulator][pagination]") {
    emulator_process emu;
    auto v = api_get(emu.url(), "/v1/vector_stores").json().as_object();
    CHECK(v.at("data").as_array().empty());
    CHECK(v.at("first_id").is_null());
    CHECK(v.at("has_more") == false);
}

TEST_CASE("emulator: a multipart upload round-trips its bytes", "[emulator][files]") {
    emulator_process emu;
    std::string content(300000, 'x');
    content += "\r\n--not-the-boundary\r\nend";
    const std::string boundary = "----paced-test-boundary";
    std::string body =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--" +
        boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n" +
        "Content-Type: text/plain\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
    auto up = raw_http(
        emu.url(), http::verb::post, "/v1/files",
        {{"Authorization", "Bearer k"}, {"Content-Type", "multipart/form-data; boundary=" + boundary}}, body);
    REQUIRE(up.status == 200);
    auto f = up.json().as_object();
    CHECK(f.at("object") == "file");
    CHECK(f.at("bytes") == static_cast<std::int64_t>(content.size()));
    CHECK(f.at("filename") == "big.txt");
    CHECK(f.at("purpose") == "assistants");
    const std::string id(f.at("id").as_string());
    auto down =
        raw_http(emu.url(), http::verb::get, "/v1/files/" + id + "/content", {{"Authorization", "Bearer k"}});
    CHECK(down.body == content);
    auto del = api_delete(emu.url(), "/v1/files/" + id).json();
    CHECK(del.at("deleted") == true);
    CHECK(api_get(emu.url(), "/v1/files/" + id).status == 404);
}

TEST_CASE("emulator: an upload without purpose is a 400 naming 'purpose'", "[emulator][files]") {
    emulator_process emu;
    const std::string boundary = "b0undary";
    std::string body = "--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n" +
                       "abc\r\n--" + boundary + "--\r\n";
    auto up = raw_http(
        emu.url(), http::verb::post, "/v1/files",
        {{"Authorization", "Bearer k"}, {"Content-Type", "multipart/form-data; boundary=" + boundary}}, body);
    CHECK(up.status == 400);
    CHECK(up.json().at("error").at("param") == "purpose");
}

TEST_CASE("emulator: reset clears the state and the counters", "[emulator][stats]") {
    emulator_process emu;
    create_assistant(emu.url());
    CHECK(emu.stats().at("requests_total").to_number<std::uint64_t>() == 1);
    emu.reset();
    CHECK(api_get(emu.url(), "/v1/assistants").json().at("data").as_array().empty());
    auto s = emu.stats();
    CHECK(s.at("requests_total").to_number<std::uint64_t>() == 1); // the list call after the reset
    CHECK(s.at("requests_per_route").at("GET /v1/assistants").to_number<std::uint64_t>() == 1);
}

TEST_CASE("emulator: stats count requests per route and connections", "[emulator][stats]") {
    emulator_process emu;
    for (int i = 0; i < 3; ++i)
        api_get(emu.url(), "/v1/assistants");
    auto s = emu.stats().as_object();
    CHECK(s.at("requests_total").to_number<std::uint64_t>() == 3);
    CHECK(s.at("requests_per_route").at("GET /v1/assistants").to_number<std::uint64_t>() == 3);
    CHECK(s.at("max_requests_1s").to_number<std::uint64_t>() >= 1);
    CHECK(s.at("max_requests_60s").to_number<std::uint64_t>() == 3);
    CHECK(s.at("connections_accepted").to_number<std::uint64_t>() >= 3);
}

TEST_CASE("emulator: --fault-5xx 1 answers 500 server_error, but never on /v1/emulator",
          "[emulator][faults]") {
    emulator_process emu({"--fault-5xx", "1"});
    auto r = api_get(emu.url(), "/v1/assistants");
    CHECK(r.status == 500);
    CHECK(r.json().at("error").at("type") == "server_error");
    CHECK(emu.stats().at("faults").at("server_error").to_number<std::uint64_t>() == 1);
}

TEST_CASE("emulator: --fault-reset 1 drops the connection", "[emulator][faults]") {
    emulator_process emu({"--fault-reset", "1"});
    CHECK_THROWS(api_get(emu.url(), "/v1/assistants"));
    CHECK(emu.stats().at("faults").at("reset").to_number<std::uint64_t>() == 1);
}

TEST_CASE("emulator: --fault-truncate 1 cuts the body short", "[emulator][faults]") {
    emulator_process emu({"--fault-truncate", "1"});
    CHECK_THROWS(api_get(emu.url(), "/v1/assistants"));
}

TEST_CASE("emulator: bad flags exit with code 2 and a message, --help exits 0", "[emulator][cli]") {
    std::string out;
    CHECK(emulator_process::run_to_exit({"--no-such-flag"}, &out) == 2);
    CHECK(out.find("no-such-flag") != std::string::npos);
    CHECK(emulator_process::run_to_exit({"--fault-5xx", "2"}, &out) == 2);
    CHECK(emulator_process::run_to_exit({"--rpm", "lots"}, &out) == 2);
    CHECK(emulator_process::run_to_exit({"--help"}, &out) == 0);
    CHECK(out.find("--fault-truncate") != std::string::npos);
}

TEST_CASE("emulator: the first stdout line announces the URL", "[emulator][cli]") {
    emulator_process emu;
    CHECK(emu.url().rfind("http://127.0.0.1:", 0) == 0);
    CHECK(emu.base_url() == emu.url() + "/v1");
}

TEST_CASE("emulator: vector store files go from in_progress to completed", "[emulator][vector_stores]") {
    emulator_process emu({"--run-ms", "200"});
    const std::string boundary = "vsboundary";
    std::string body =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--" +
        boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"doc.txt\"\r\n\r\n" +
        "the quick brown fox\r\n--" + boundary + "--\r\n";
    auto up = raw_http(
        emu.url(), http::verb::post, "/v1/files",
        {{"Authorization", "Bearer k"}, {"Content-Type", "multipart/form-data; boundary=" + boundary}}, body);
    REQUIRE(up.status == 200);
    const std::string file(up.json().at("id").as_string());
    auto vs = api_post(emu.url(), "/v1/vector_stores", R"({"name":"docs","file_ids":[")" + file + R"("]})");
    REQUIRE(vs.status == 200);
    const std::string vs_id(vs.json().at("id").as_string());
    CHECK(vs.json().at("status") == "in_progress");
    CHECK(vs.json().at("file_counts").at("in_progress") == 1);
    auto batch = api_post(emu.url(), "/v1/vector_stores/" + vs_id + "/file_batches",
                          R"({"file_ids":[")" + file + R"("]})");
    REQUIRE(batch.status == 200);
    CHECK(batch.json().at("object") == "vector_store.files_batch");
    json::object done;
    for (int i = 0; i < 500; ++i) {
        done = api_get(emu.url(), "/v1/vector_stores/" + vs_id + "/files/" + file).json().as_object();
        if (done.at("status") != "in_progress")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(done.at("status") == "completed");
    CHECK(done.at("object") == "vector_store.file");
    auto store = api_get(emu.url(), "/v1/vector_stores/" + vs_id).json();
    CHECK(store.at("status") == "completed");
    CHECK(store.at("usage_bytes") == 19);
    auto found = api_post(emu.url(), "/v1/vector_stores/" + vs_id + "/search", R"({"query":"BROWN"})").json();
    CHECK(found.at("data").as_array().size() == 1);
    auto listed = api_get(emu.url(), "/v1/vector_stores/" + vs_id + "/files?filter=completed").json();
    CHECK(listed.at("data").as_array().size() == 1);
}

TEST_CASE("emulator: the same --seed gives the same ids", "[emulator][faults]") {
    std::string first, second;
    {
        emulator_process emu({"--seed", "7"});
        first = create_assistant(emu.url());
    }
    {
        emulator_process emu({"--seed", "7"});
        second = create_assistant(emu.url());
    }
    CHECK(first == second);
    emulator_process other({"--seed", "8"});
    CHECK(create_assistant(other.url()) != first);
}
