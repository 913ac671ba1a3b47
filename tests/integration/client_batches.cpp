// The Batch API through client.batches() against paced-emulator: request lines written with to_jsonl,
// uploaded, made a batch, waited for, and their results read back by custom_id; request errors, a batch
// that fails validation, cancellation with partial results, and the typed errors of bad input.

#include <paced/paced.hpp>

#include "common/emulator_process.hpp"
#include "common/run_coro.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <map>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using paced::test::emulator_process;
using paced::test::options_for;
using paced::test::run_coro;

namespace {

/// `count` request lines for /v1/responses, `in-0`, `in-1`, ...
std::vector<paced::batch_request_line> request_lines(int count, std::string const& model = "gpt-4.1-mini") {
    std::vector<paced::batch_request_line> lines;
    for (int i = 0; i < count; ++i)
        lines.push_back({.custom_id = "in-" + std::to_string(i),
                         .body = {{"model", model}, {"input", "Input " + std::to_string(i) + " is good."}}});
    return lines;
}

/// Uploads `jsonl` as a batch input file and makes a batch of it.
asio::awaitable<paced::batch> submit(paced::client& client, std::string jsonl) {
    paced::file_upload upload{.bytes = std::move(jsonl),
                              .filename = "requests.jsonl",
                              .content_type = "application/jsonl",
                              .purpose = paced::file_purpose::batch};
    auto const input = co_await client.files().create(std::move(upload));
    paced::batch_create_params params{.input_file_id = input.id};
    co_return co_await client.batches().create(std::move(params));
}

/// The result lines of file `id` by custom_id; none when `id` is empty.
asio::awaitable<std::map<std::string, paced::batch_result_line>> results_of(paced::client& client,
                                                                            std::optional<std::string> id) {
    std::map<std::string, paced::batch_result_line> out;
    if (!id)
        co_return out;
    auto const text = co_await client.files().content(*id);
    for (auto& line : paced::parse_result_lines(text))
        CHECK(out.emplace(line.custom_id, std::move(line)).second); // each custom_id once
    co_return out;
}

paced::wait_options const quick_poll{.poll = {.interval = 100ms}};

} // namespace

TEST_CASE("batches: every request line comes back once, by custom_id, after a wait by polling",
          "[client][batches]") {
    emulator_process emu({"--batch-ms", "500"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto lines = request_lines(200);
        lines[7].body.erase("input"); // answered 400 in its result line, not a line error
        auto const created = co_await submit(client, paced::to_jsonl(lines));
        CHECK(created.id.starts_with("batch_"));
        CHECK(created.status == paced::batch_status::validating);
        CHECK(created.endpoint == "/v1/responses");
        CHECK(created.metadata.contains("paced_request_id")); // tagged: a lost answer is looked for

        auto const ended = co_await client.batches().wait(created.id, quick_poll);
        CHECK(ended.status == paced::batch_status::completed);
        REQUIRE(ended.request_counts);
        CHECK(ended.request_counts->total == 200);
        CHECK(ended.request_counts->completed == 199);
        CHECK(ended.request_counts->failed == 1); // answered 400
        CHECK(ended.completed_at);

        // Successes in the output file, requests that got an error answer in the error file.
        auto const out = co_await results_of(client, ended.output_file_id);
        auto const errors = co_await results_of(client, ended.error_file_id);
        REQUIRE(out.size() == 199);
        REQUIRE(errors.size() == 1);
        for (int i = 0; i < 200; ++i) {
            auto const id = "in-" + std::to_string(i);
            auto const& line = i == 7 ? errors.at(id) : out.at(id);
            REQUIRE(line.response);
            CHECK(line.response->status_code == (i == 7 ? 400 : 200));
            CHECK(!line.error);
        }
        auto const& answer = out.at("in-3").response->body.as_object();
        CHECK(answer.at("object") == "response");
        CHECK(answer.at("status") == "completed");
        CHECK(errors.at("in-7").response->body.at("error").at("code") == "missing_required_parameter");

        auto const again = co_await client.batches().retrieve(created.id);
        CHECK(again.status == paced::batch_status::completed);
        auto const listed = co_await client.batches().list();
        REQUIRE(listed.data.size() == 1);
        CHECK(listed.data[0].id == created.id);
    }());
    // Upload, create, the polls of ~500 ms at 100 ms, two downloads, retrieve and list.
    auto const requests = emu.stats().at("requests_total").as_int64();
    CHECK(requests >= 2 + 3 + 4);
    CHECK(requests <= 2 + 9 + 4);
}

TEST_CASE("batches: a file with a bad line fails validation with the line's error", "[client][batches]") {
    emulator_process emu({"--batch-ms", "300"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto jsonl = paced::to_jsonl(request_lines(3));
        jsonl += "{\"custom_id\":\"in-0\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{}}\n";
        auto const created = co_await submit(client, std::move(jsonl));
        auto const ended = co_await client.batches().wait(created.id, quick_poll);
        CHECK(ended.status == paced::batch_status::failed);
        REQUIRE(ended.errors);
        REQUIRE(!ended.errors->data.empty());
        CHECK(ended.errors->data[0].code == "duplicate_custom_id");
        CHECK(ended.errors->data[0].line == 4);
        CHECK(!ended.output_file_id);
    }());
}

TEST_CASE("batches: a cancelled batch ends cancelled, its undone lines in the error file",
          "[client][batches]") {
    emulator_process emu({"--batch-ms", "5000"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto const created = co_await submit(client, paced::to_jsonl(request_lines(50)));
        auto const cancelling = co_await client.batches().cancel(created.id);
        CHECK(cancelling.status == paced::batch_status::cancelling); // while validating, too
        auto const ended = co_await client.batches().wait(created.id, quick_poll);
        CHECK(ended.status == paced::batch_status::cancelled);
        auto const out = co_await results_of(client, ended.output_file_id);
        auto const errors = co_await results_of(client, ended.error_file_id);
        CHECK(out.size() + errors.size() == 50); // each line once, done or not
        for (auto const& [id, line] : errors) {
            REQUIRE(line.error);
            CHECK(line.error->code == "batch_cancelled");
        }
    }());
}

TEST_CASE("batches: bad input is a typed error before any request", "[client][batches][bad_input]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    auto const code_of = [&](auto make) {
        try {
            run_coro(ioc, make());
        } catch (paced::error const& e) {
            return e.code();
        }
        return boost::system::error_code{};
    };
    CHECK(code_of([&]() -> asio::awaitable<void> {
              paced::batch_create_params p{.input_file_id = "file-1", .completion_window = "48h"};
              co_await client.batches().create(std::move(p));
          }) == paced::errc::invalid_argument);
    CHECK(code_of([&]() -> asio::awaitable<void> {
              paced::batch_create_params p{.input_file_id = ""};
              co_await client.batches().create(std::move(p));
          }) == paced::errc::invalid_argument);
    CHECK(code_of([&]() -> asio::awaitable<void> {
              co_await client.batches().wait("../files", quick_poll);
          }) == paced::errc::invalid_argument);
    paced::webhooks::receiver hooks(paced::webhooks::receiver_options{.secret = "whsec_c2VjcmV0"});
    CHECK(code_of([&]() -> asio::awaitable<void> {
              paced::wait_options w{.completion = &hooks, .completion_poll = 0ms};
              co_await client.batches().wait("batch_1", w);
          }) == paced::errc::invalid_argument);
    CHECK(code_of([&]() -> asio::awaitable<void> {
              co_await client.batches().wait("batch_missing", quick_poll);
          }) == paced::errc::not_found);
    CHECK(emu.stats().at("requests_total").as_int64() == 1); // only the retrieval of the missing batch
}
