// Every resource of the client against paced-emulator, including error answers mapped to typed errors.

#include <paced/paced.hpp>

#include "common/emulator_process.hpp"
#include "common/run_coro.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>

namespace asio = boost::asio;
using paced::test::emulator_process;
using paced::test::run_coro;

namespace {

paced::client_options options_for(emulator_process const& emu) {
    paced::client_options o;
    o.api_key = "sk-test-key-0123456789";
    o.base_url = emu.base_url();
    return o;
}

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
        auto f = co_await client.files().create({.bytes = "This proposal is good and approved.",
                                                 .filename = "proposal.txt",
                                                 .content_type = "text/plain"});
        CHECK(f.id.starts_with("file-"));
        CHECK(f.bytes == 35);
        CHECK(f.purpose == paced::file_purpose::assistants);

        // Parameters holding braced lists are built before the co_await: g++ 12 miscompiles an
        // initializer_list temporary inside a co_await expression ("array used as initializer").
        paced::assistant_create_params ap{.model = "gpt-4o-mini", .name = "classifier",
                                          .instructions = "Answer yes or no.", .tools = {paced::file_search_tool{}}};
        auto a = co_await client.assistants().create(ap);
        auto t = co_await client.threads().create();
        paced::message_create_params mp{.role = "user", .content = "Is the attached proposal approved?",
                                        .attachments = {{.file_id = f.id, .tools = {"file_search"}}}};
        auto m = co_await client.threads().messages().create(t.id, mp);
        CHECK(m.thread_id == t.id);
        CHECK(m.metadata.contains("paced_request_id"));

        auto r = co_await client.run(t.id, a.id);
        CHECK(r.status == paced::run_status::completed);
        REQUIRE(r.usage);
        CHECK(r.usage->total_tokens > 0);
        paced::check_run(r);

        auto replies = co_await client.threads().messages().list(t.id, {.run_id = r.id});
        REQUIRE(replies.data.size() == 1);
        CHECK(paced::text_of(replies.data[0]).find("label: yes") != std::string::npos);

        auto steps = co_await client.threads().runs().steps().list(t.id, r.id);
        CHECK(!steps.data.empty());
        auto step = co_await client.threads().runs().steps().retrieve(t.id, r.id, steps.data[0].id);
        CHECK(step.run_id == r.id);

        auto content = co_await client.files().content(f.id);
        CHECK(content == "This proposal is good and approved.");
        CHECK((co_await client.files().del(f.id)).deleted);
        CHECK((co_await client.threads().del(t.id)).deleted);
        CHECK((co_await client.assistants().del(a.id)).deleted);
    }());
}

TEST_CASE("client: every page of a list is reached by the async iterator", "[client]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto t = co_await client.threads().create();
        for (int i = 0; i < 7; ++i)
            co_await client.threads().messages().create(t.id, {.content = "message " + std::to_string(i)});
        auto first = co_await client.threads().messages().list(t.id, {.limit = 3, .order = paced::sort_order::asc});
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
        auto f = co_await client.files().create({.path = dir / "in.txt", .content_type = "text/plain"});
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
            auto a = co_await client.assistants().create({.model = "gpt-4o-mini"});
            auto t = co_await client.threads().create();
            co_await client.threads().messages().create(t.id, {.content = "hello"});
            auto r = co_await client.threads().runs().create(t.id, {.assistant_id = a.id});
            try {
                co_await client.threads().runs().create(t.id, {.assistant_id = a.id});
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

TEST_CASE("client: vector stores, their files and file batches progress to completed", "[client][vector_stores]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        auto vs = co_await client.vector_stores().create({.name = "docs"});
        CHECK(vs.name == "docs");
        auto poll = paced::poll_options{.interval = std::chrono::milliseconds(50)};
        auto vf = co_await client.vector_stores().files().upload_and_poll(
            vs.id, {.bytes = "some text", .filename = "a.txt"}, poll);
        CHECK(vf.status == paced::vector_store_file_status::completed);
        std::vector<paced::file_upload> uploads;
        for (int i = 0; i < 4; ++i)
            uploads.push_back({.bytes = "doc " + std::to_string(i), .filename = "d" + std::to_string(i) + ".txt"});
        auto batch = co_await client.vector_stores().file_batches().upload_and_poll(vs.id, std::move(uploads), {}, 2,
                                                                                   poll);
        CHECK(batch.status == paced::vector_store_file_status::completed);
        CHECK(batch.file_counts.completed == 4);
        auto files = co_await client.vector_stores().files().list(vs.id);
        CHECK(files.data.size() == 5);
        CHECK((co_await client.vector_stores().del(vs.id)).deleted);
    }());
}
