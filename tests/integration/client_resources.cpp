// Every resource of the client against paced-emulator, including error answers mapped to typed errors.

#include <paced/paced.hpp>

#include "common/emulator_process.hpp"
#include "common/run_coro.hpp"
#include "common/test_skip.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

namespace asio = boost::asio;
using paced::test::emulator_process;
using paced::test::options_for;
using paced::test::run_coro;

namespace {

template <class F>
paced::errc error_of(F&& f) {
    try {
        f();
    } catch (paced::error const& e) {
        for (int i = 1; i <= static_cast<int>(paced::errc::budget_unavailable); ++i)
            if (e.code() == static_cast<paced::errc>(i))
                return static_cast<paced::errc>(i);
        FAIL("unexpected error code " << e.code().message());
    }
    FAIL("no error thrown");
    return paced::errc::invalid_argument;
}

} // namespace

TEST_CASE("client: a file is classified through assistant, thread, message and a polled run", "[client]") {
    emulator_process emu({"--run-ms", "200"});
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        // Every parameter is a named variable: g++ 12 destroys a braced temporary inside a co_await
        // expression twice (and rejects braced lists of vectors there). See the README.
        paced::file_upload upload{.bytes = "This proposal is good and approved.",
                                  .filename = "proposal.txt",
                                  .content_type = "text/plain"};
        auto f = co_await client.files().create(upload);
        CHECK(f.id.starts_with("file-"));
        CHECK(f.bytes == 35);
        CHECK(f.purpose == paced::file_purpose::assistants);

        paced::assistant_create_params ap{.model = "gpt-4o-mini",
                                          .name = "classifier",
                                          .instructions = "Answer yes or no.",
                                          .tools = {paced::file_search_tool{}}};
        auto a = co_await client.assistants().create(ap);
        auto t = co_await client.threads().create();
        paced::message_create_params mp{.role = "user",
                                        .content = "Is the attached proposal approved?",
                                        .attachments = {{.file_id = f.id, .tools = {"file_search"}}}};
        auto m = co_await client.threads().messages().create(t.id, mp);
        CHECK(m.thread_id == t.id);
        CHECK(m.metadata.contains("paced_request_id"));

        auto r = co_await client.run(t.id, a.id);
        CHECK(r.status == paced::run_status::completed);
        REQUIRE(r.usage);
        CHECK(r.usage->total_tokens > 0);
        paced::check_run(r);

        paced::message_list_params of_run{.run_id = r.id};
        auto replies = co_await client.threads().messages().list(t.id, of_run);
        REQUIRE(replies.data.size() == 1);
        CHECK(paced::text_of(replies.data[0]).find("label: yes") != std::string::npos);

        auto steps = co_await client.threads().runs().steps().list(t.id, r.id);
        CHECK(!steps.data.empty());
        auto step = co_await client.threads().runs().steps().retrieve(t.id, r.id, steps.data[0].id);
        CHECK(step.run_id == r.id);

        auto content = co_await client.files().content(f.id);
        CHECK(content == "This proposal is good and approved.");
        // Awaited outside CHECK: g++ 12 may evaluate a co_await inside a macro's expression twice.
        auto file_gone = co_await client.files().del(f.id);
        auto thread_gone = co_await client.threads().del(t.id);
        auto assistant_gone = co_await client.assistants().del(a.id);
        CHECK(file_gone.deleted);
        CHECK(thread_gone.deleted);
        CHECK(assistant_gone.deleted);
    }());
}

TEST_CASE("client: every page of a list is reached by the async iterator", "[client]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto t = co_await client.threads().create();
        for (int i = 0; i < 7; ++i) {
            paced::message_create_params m{.content = "message " + std::to_string(i)};
            co_await client.threads().messages().create(t.id, m);
        }
        paced::message_list_params three{.limit = 3, .order = paced::sort_order::asc};
        auto first = co_await client.threads().messages().list(t.id, three);
        CHECK(first.data.size() == 3);
        CHECK(first.has_more);
        auto second = co_await first.next_page();
        CHECK(paced::text_of(second.data[0]) == "message 3");
        auto all = co_await std::move(first).all().collect();
        REQUIRE(all.size() == 7);
        for (int i = 0; i < 7; ++i)
            CHECK(paced::text_of(all[i]) == "message " + std::to_string(i));
    }());
}

TEST_CASE("client: files upload streamed from a path and download to a path", "[client][files]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    auto dir = std::filesystem::temp_directory_path() / ("paced-files-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string data;
    for (int i = 0; i < 200000; ++i)
        data += static_cast<char>('a' + i % 26);
    std::ofstream(dir / "in.txt", std::ios::binary) << data;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::file_upload upload{.path = dir / "in.txt", .content_type = "text/plain"};
        auto f = co_await client.files().create(upload);
        CHECK(f.filename == "in.txt");
        CHECK(f.bytes == static_cast<std::int64_t>(data.size()));
        auto n = co_await client.files().download(f.id, dir / "out.txt");
        CHECK(n == data.size());
        auto listed = co_await client.files().list();
        CHECK(listed.data.size() == 1);
    }());
    std::ifstream in(dir / "out.txt", std::ios::binary);
    std::string back((std::istreambuf_iterator<char>(in)), {});
    CHECK(back == data);
    CHECK(!std::filesystem::exists(dir / "out.txt.part"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("client: a download is not bounded by max_response_bytes, content() into memory is",
          "[client][files]") {
    emulator_process emu;
    asio::io_context ioc;
    auto o = options_for(emu);
    o.max_response_bytes = 100 * 1024;
    paced::client client{ioc.get_executor(), o};
    auto dir = std::filesystem::temp_directory_path() / ("paced-big-download-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string const data(300 * 1024, 'd');
    std::string id;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::file_upload upload{.bytes = data, .filename = "big.txt"};
        auto f = co_await client.files().create(upload);
        id = f.id;
        auto const n = co_await client.files().download(f.id, dir / "out.txt");
        CHECK(n == data.size());
    }());
    CHECK(std::filesystem::file_size(dir / "out.txt") == data.size());
    CHECK(error_of([&] { run_coro(ioc, client.files().content(id)); }) == paced::errc::body_too_large);
    std::filesystem::remove_all(dir);
}

TEST_CASE("client: a file that reports no size is uploaded with what it holds", "[client][files]") {
    // procfs reports a size of 0 for files that have content: planned from the size alone, the upload
    // would be empty.
    std::filesystem::path const no_size = "/proc/version";
    std::error_code ec;
    if (std::filesystem::file_size(no_size, ec) != 0 || ec)
        PACED_SKIP("no procfs file that reports a size of 0 at " << no_size);
    std::ifstream in(no_size, std::ios::binary);
    std::string const expected((std::istreambuf_iterator<char>(in)), {});
    REQUIRE(!expected.empty());
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::file_upload upload{.path = no_size}; // named: g++ 12 mishandles braced temporaries in co_await
        auto f = co_await client.files().create(upload);
        CHECK(f.filename == "version");
        CHECK(f.bytes == static_cast<std::int64_t>(expected.size()));
        auto const back = co_await client.files().content(f.id);
        CHECK(back == expected);
    }());
}

TEST_CASE("client: an upload path that is missing, a folder or a FIFO fails before any request",
          "[client][files]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    auto dir = std::filesystem::temp_directory_path() / ("paced-bad-paths-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0); // opening it for reading must not wait for a writer
    for (auto const& path : {dir / "missing.txt", dir, dir / "fifo"}) {
        CAPTURE(path);
        paced::file_upload upload{.path = path};
        CHECK(error_of([&] { run_coro(ioc, client.files().create(upload)); }) ==
              paced::errc::invalid_argument);
    }
    CHECK(emu.stats().at("requests_total").to_number<std::int64_t>() == 0);
    CHECK(client.metrics().requests == 0);
    std::filesystem::remove_all(dir);
}

TEST_CASE("client: error answers map to typed errors with the server's details", "[client][errors]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};

    SECTION("unknown ids are not_found, with the message and request id") {
        try {
            run_coro(ioc, client.threads().retrieve("thread_missing"));
            FAIL("no error");
        } catch (paced::error const& e) {
            CHECK(e.code() == paced::errc::not_found);
            CHECK(e.api().status == 404);
            CHECK(e.api().message.find("thread_missing") != std::string::npos);
            CHECK(!e.api().request_id.empty());
            CHECK(std::string{e.what()}.find(e.api().request_id) != std::string::npos);
        }
    }
    SECTION("a second run on a busy thread is bad_request") {
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            paced::assistant_create_params ap{.model = "gpt-4o-mini"};
            auto a = co_await client.assistants().create(ap);
            auto t = co_await client.threads().create();
            paced::message_create_params hello{.content = "hello"};
            co_await client.threads().messages().create(t.id, hello);
            paced::run_create_params rp{.assistant_id = a.id};
            auto r = co_await client.threads().runs().create(t.id, rp);
            try {
                co_await client.threads().runs().create(t.id, rp);
                FAIL("no error");
            } catch (paced::error const& e) {
                CHECK(e.code() == paced::errc::bad_request);
                CHECK(e.api().message.find("already has an active run") != std::string::npos);
            }
            co_await client.threads().runs().cancel(t.id, r.id);
        }());
    }
    SECTION("a wrong key is authentication_failed and the key never appears in what()") {
        auto o = options_for(emu);
        o.api_key = ""; // the emulator accepts any non-empty key: check the client refuses an empty one
        CHECK(error_of([&] { paced::client c{ioc.get_executor(), o}; }) == paced::errc::missing_api_key);
    }
    SECTION("inputs the API would reject fail before sending") {
        auto before = client.metrics().requests;
        CHECK(error_of([&] { run_coro(ioc, client.threads().retrieve("../files")); }) ==
              paced::errc::invalid_argument);
        CHECK(error_of([&] {
                  run_coro(ioc, client.threads().messages().list("thread_x", {.limit = 101}));
              }) == paced::errc::invalid_argument);
        paced::metadata_map too_many;
        for (int i = 0; i < 17; ++i)
            too_many["k" + std::to_string(i)] = "v";
        CHECK(error_of([&] { run_coro(ioc, client.threads().create({.metadata = too_many})); }) ==
              paced::errc::invalid_argument);
        CHECK(client.metrics().requests == before);
    }
    SECTION("a malformed base URL is invalid_argument at construction") {
        auto o = options_for(emu);
        o.base_url = "ftp://example.com/v1";
        CHECK(error_of([&] { paced::client c{ioc.get_executor(), o}; }) == paced::errc::invalid_argument);
    }
}

TEST_CASE("client: vector stores, their files and file batches progress to completed",
          "[client][vector_stores]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        paced::vector_store_create_params vp{.name = "docs"};
        auto vs = co_await client.vector_stores().create(vp);
        CHECK(vs.name == "docs");
        auto poll = paced::poll_options{.interval = std::chrono::milliseconds(50)};
        paced::file_upload one{.bytes = "some text", .filename = "a.txt"};
        auto vf = co_await client.vector_stores().files().upload_and_poll(vs.id, one, poll);
        CHECK(vf.status == paced::vector_store_file_status::completed);
        std::vector<paced::file_upload> uploads;
        for (int i = 0; i < 4; ++i)
            uploads.push_back(
                {.bytes = "doc " + std::to_string(i), .filename = "d" + std::to_string(i) + ".txt"});
        paced::file_batch_create_params no_extra;
        auto batch = co_await client.vector_stores().file_batches().upload_and_poll(vs.id, std::move(uploads),
                                                                                    no_extra, 2, poll);
        CHECK(batch.status == paced::vector_store_file_status::completed);
        CHECK(batch.file_counts.completed == 4);
        auto files = co_await client.vector_stores().files().list(vs.id);
        CHECK(files.data.size() == 5);
        auto store_gone = co_await client.vector_stores().del(vs.id);
        CHECK(store_gone.deleted);
    }());
}
