// Object lifetimes: an operation owns what it uses. Each test spawns operations with co_spawn on
// temporary resource handles with temporary string arguments and destroys the client before the
// io_context runs; every operation must still succeed against paced-emulator. Awaitables built in a
// loop and awaited later (one by one, or in a parallel group) must too.

#include <paced/paced.hpp>

#include "common/emulator_process.hpp"
#include "common/run_coro.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using paced::test::emulator_process;
using paced::test::options_for;
using paced::test::run_coro;

namespace {

std::string what_of(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (std::exception const& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

/** Operations spawned on an io_context and checked as they complete. The ids given to them are copied
 * into temporaries (`std::string{id}`): the emulator's ids are longer than the small-string buffer, so
 * an operation that kept a view of its argument reads freed heap memory. */
class spawned_ops {
public:
    explicit spawned_ops(asio::io_context& ioc) : ioc_(ioc) {}

    /// Spawns `op`; `check(value)` tells whether its result is the one expected.
    template <class T, class Check>
    void add(std::string name, asio::awaitable<T> op, Check check) {
        ++total_;
        ++pending_;
        asio::co_spawn(
            ioc_, std::move(op),
            [this, name = std::move(name), check = std::move(check)](std::exception_ptr e, T value) mutable {
                if (e)
                    failures_.push_back(name + ": " + what_of(e));
                else if (!check(value))
                    failures_.push_back(name + ": unexpected result");
                if (--pending_ == 0)
                    ioc_.stop(); // idle connections may keep the context busy
            });
    }

    /// Runs the io_context until every operation has ended, and checks that none failed.
    void run_and_check() {
        ioc_.restart();
        ioc_.run_for(60s);
        if (pending_ > 0)
            failures_.push_back(std::to_string(pending_) + " operations did not finish");
        std::string report =
            std::to_string(failures_.size()) + " of " + std::to_string(total_) + " spawned operations failed";
        for (auto const& f : failures_)
            report += "\n  " + f;
        INFO(report);
        CHECK(failures_.empty());
    }

private:
    asio::io_context& ioc_;
    int total_ = 0;
    int pending_ = 0;
    std::vector<std::string> failures_;
};

constexpr auto any_value = [](auto const&) { return true; };

/// Fast polls: the emulator's runs and indexing take a few hundred milliseconds here.
paced::poll_options const fast_poll{.interval = 20ms};

/// A run of `thread_id` that stopped at requires_action, and outputs for every one of its calls.
struct waiting_run {
    std::string thread_id;
    std::string run_id;
    paced::submit_tool_outputs_params outputs;
};

asio::awaitable<waiting_run> run_waiting_for_tools(paced::client& client, std::string assistant_id) {
    auto t = co_await client.threads().create();
    paced::message_create_params hello{.content = "hello"};
    co_await client.threads().messages().create(t.id, hello);
    paced::run_create_params rp{.assistant_id = assistant_id};
    auto r = co_await client.threads().runs().create_and_poll(t.id, rp, fast_poll);
    REQUIRE(r.status == paced::run_status::requires_action);
    waiting_run w{.thread_id = t.id, .run_id = r.id};
    for (auto const& call : r.required_action->submit_tool_outputs.tool_calls)
        w.outputs.tool_outputs.push_back({.tool_call_id = call.id, .output = "out"});
    co_return w;
}

/// Reads each stream to its end (after its client is gone) and checks that its run completed.
void check_streams_complete(asio::io_context& ioc, std::vector<paced::run_stream>& streams,
                            std::size_t expected) {
    REQUIRE(streams.size() == expected);
    for (auto& s : streams) {
        auto r = run_coro(ioc, s.until_done());
        CHECK(r.status == paced::run_status::completed);
    }
}

paced::assistant_create_params const plain_assistant{.model = "gpt-4o-mini"};

} // namespace

TEST_CASE("lifetimes: file operations own their arguments and the client's state", "[lifetimes][files]") {
    emulator_process emu;
    asio::io_context ioc;
    auto dir = std::filesystem::temp_directory_path() / ("paced-lifetimes-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    paced::file kept, doomed;
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            paced::file_upload a{.bytes = "kept text", .filename = "kept.txt"};
            kept = co_await setup.files().create(a);
            paced::file_upload b{.bytes = "doomed", .filename = "doomed.txt"};
            doomed = co_await setup.files().create(b);
        }());
    }
    spawned_ops ops(ioc);
    auto client = std::make_unique<paced::client>(ioc.get_executor(), options_for(emu));
    ops.add("files.create", client->files().create({.bytes = "new", .filename = "new.txt"}),
            [](paced::file const& f) { return f.filename == "new.txt"; });
    ops.add("files.retrieve", client->files().retrieve(std::string{kept.id}),
            [&](paced::file const& f) { return f.id == kept.id; });
    ops.add("files.list", client->files().list(), [](auto const& p) { return p.data.size() >= 2; });
    ops.add("files.content", client->files().content(std::string{kept.id}),
            [](std::string const& s) { return s == "kept text"; });
    ops.add("files.download", client->files().download(std::string{kept.id}, dir / "out.txt"),
            [](std::uint64_t n) { return n == 9; });
    ops.add("files.del", client->files().del(std::string{doomed.id}),
            [](paced::deleted_object const& d) { return d.deleted; });
    client.reset();
    ops.run_and_check();
    std::filesystem::remove_all(dir);
}

TEST_CASE("lifetimes: assistant operations own their arguments and the client's state",
          "[lifetimes][assistants]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::assistant kept, doomed;
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            kept = co_await setup.assistants().create(plain_assistant);
            doomed = co_await setup.assistants().create(plain_assistant);
        }());
    }
    spawned_ops ops(ioc);
    auto client = std::make_unique<paced::client>(ioc.get_executor(), options_for(emu));
    ops.add("assistants.create", client->assistants().create({.model = "gpt-4o-mini", .name = "new"}),
            [](paced::assistant const& a) { return a.name == "new"; });
    ops.add("assistants.retrieve", client->assistants().retrieve(std::string{kept.id}),
            [&](paced::assistant const& a) { return a.id == kept.id; });
    ops.add("assistants.update", client->assistants().update(std::string{kept.id}, {.name = "renamed"}),
            [](paced::assistant const& a) { return a.name == "renamed"; });
    ops.add("assistants.list", client->assistants().list(), [](auto const& p) { return p.data.size() >= 2; });
    ops.add("assistants.del", client->assistants().del(std::string{doomed.id}),
            [](paced::deleted_object const& d) { return d.deleted; });
    client.reset();
    ops.run_and_check();
}

TEST_CASE("lifetimes: thread and message operations own their arguments and the client's state",
          "[lifetimes][threads]") {
    emulator_process emu({"--run-ms", "200"});
    asio::io_context ioc;
    paced::thread kept, doomed;
    paced::message first, second;
    paced::assistant a;
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            a = co_await setup.assistants().create(plain_assistant);
            kept = co_await setup.threads().create();
            doomed = co_await setup.threads().create();
            paced::message_create_params m1{.content = "first"};
            first = co_await setup.threads().messages().create(kept.id, m1);
            paced::message_create_params m2{.content = "second"};
            second = co_await setup.threads().messages().create(kept.id, m2);
        }());
    }
    spawned_ops ops(ioc);
    std::vector<paced::run_stream> streams;
    auto client = std::make_unique<paced::client>(ioc.get_executor(), options_for(emu));
    ops.add("threads.create", client->threads().create(),
            [](paced::thread const& t) { return !t.id.empty(); });
    ops.add("threads.retrieve", client->threads().retrieve(std::string{kept.id}),
            [&](paced::thread const& t) { return t.id == kept.id; });
    ops.add("threads.update", client->threads().update(std::string{kept.id}, {.metadata = {{"k", "v"}}}),
            [](paced::thread const& t) { return t.metadata.contains("k"); });
    ops.add("threads.del", client->threads().del(std::string{doomed.id}),
            [](paced::deleted_object const& d) { return d.deleted; });
    ops.add("threads.create_and_run", client->threads().create_and_run({.assistant_id = std::string{a.id}}),
            [](paced::run const& r) { return !r.id.empty(); });
    ops.add("threads.create_and_run_poll",
            client->threads().create_and_run_poll({.assistant_id = std::string{a.id}}, fast_poll),
            [](paced::run const& r) { return r.status == paced::run_status::completed; });
    ops.add("threads.create_and_run_stream",
            client->threads().create_and_run_stream({.assistant_id = std::string{a.id}}),
            [&](paced::run_stream& s) {
                streams.push_back(std::move(s));
                return true;
            });
    ops.add("messages.create",
            client->threads().messages().create(std::string{kept.id}, {.content = "third"}),
            [&](paced::message const& m) { return m.thread_id == kept.id; });
    ops.add("messages.retrieve",
            client->threads().messages().retrieve(std::string{kept.id}, std::string{first.id}),
            [&](paced::message const& m) { return m.id == first.id; });
    ops.add("messages.update",
            client->threads().messages().update(std::string{kept.id}, std::string{first.id},
                                                {.metadata = {{"k", "v"}}}),
            [](paced::message const& m) { return m.metadata.contains("k"); });
    ops.add("messages.list", client->threads().messages().list(std::string{kept.id}),
            [](auto const& p) { return !p.data.empty(); });
    ops.add("messages.del", client->threads().messages().del(std::string{kept.id}, std::string{second.id}),
            [](paced::deleted_object const& d) { return d.deleted; });
    client.reset();
    ops.run_and_check();
    check_streams_complete(ioc, streams, 1);
}

TEST_CASE("lifetimes: run and run step operations own their arguments and the client's state",
          "[lifetimes][runs]") {
    emulator_process emu({"--run-ms", "200"});
    asio::io_context ioc;
    paced::assistant a, tools;
    paced::thread done, fresh_create, fresh_poll, fresh_stream, running;
    paced::run finished, polled;
    paced::run_step step;
    waiting_run cancel, submit, submit_poll, submit_stream;
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            a = co_await setup.assistants().create(plain_assistant);
            paced::assistant_create_params with_tools{
                .model = "gpt-4o-mini", .tools = {paced::function_tool{.function = {.name = "lookup"}}}};
            tools = co_await setup.assistants().create(with_tools);
            done = co_await setup.threads().create();
            finished = co_await setup.run(done.id, a.id);
            auto steps = co_await setup.threads().runs().steps().list(done.id, finished.id);
            REQUIRE(!steps.data.empty());
            step = steps.data[0];
            fresh_create = co_await setup.threads().create();
            fresh_poll = co_await setup.threads().create();
            fresh_stream = co_await setup.threads().create();
            running = co_await setup.threads().create();
            paced::run_create_params rp{.assistant_id = a.id};
            polled = co_await setup.threads().runs().create(running.id, rp);
            cancel = co_await run_waiting_for_tools(setup, tools.id);
            submit = co_await run_waiting_for_tools(setup, tools.id);
            submit_poll = co_await run_waiting_for_tools(setup, tools.id);
            submit_stream = co_await run_waiting_for_tools(setup, tools.id);
        }());
    }
    spawned_ops ops(ioc);
    std::vector<paced::run_stream> streams;
    auto keep_stream = [&](paced::run_stream& s) {
        streams.push_back(std::move(s));
        return true;
    };
    auto client = std::make_unique<paced::client>(ioc.get_executor(), options_for(emu));
    ops.add("runs.create",
            client->threads().runs().create(std::string{fresh_create.id}, {.assistant_id = a.id}),
            [&](paced::run const& r) { return r.thread_id == fresh_create.id; });
    ops.add("runs.retrieve",
            client->threads().runs().retrieve(std::string{done.id}, std::string{finished.id}),
            [&](paced::run const& r) { return r.id == finished.id; });
    ops.add("runs.update",
            client->threads().runs().update(std::string{done.id}, std::string{finished.id},
                                            {.metadata = {{"k", "v"}}}),
            [](paced::run const& r) { return r.metadata.contains("k"); });
    ops.add("runs.list", client->threads().runs().list(std::string{done.id}),
            [](auto const& p) { return p.data.size() == 1; });
    ops.add("runs.cancel",
            client->threads().runs().cancel(std::string{cancel.thread_id}, std::string{cancel.run_id}),
            [](paced::run const& r) {
                return r.status == paced::run_status::cancelling || r.status == paced::run_status::cancelled;
            });
    ops.add("runs.submit_tool_outputs",
            client->threads().runs().submit_tool_outputs(std::string{submit.thread_id},
                                                         std::string{submit.run_id}, submit.outputs),
            [&](paced::run const& r) { return r.id == submit.run_id; });
    ops.add("runs.poll",
            client->threads().runs().poll(std::string{running.id}, std::string{polled.id}, fast_poll),
            [](paced::run const& r) { return r.status == paced::run_status::completed; });
    ops.add("runs.create_and_poll",
            client->threads().runs().create_and_poll(std::string{fresh_poll.id}, {.assistant_id = a.id},
                                                     fast_poll),
            [](paced::run const& r) { return r.status == paced::run_status::completed; });
    ops.add("runs.submit_tool_outputs_and_poll",
            client->threads().runs().submit_tool_outputs_and_poll(std::string{submit_poll.thread_id},
                                                                  std::string{submit_poll.run_id},
                                                                  submit_poll.outputs, fast_poll),
            [](paced::run const& r) { return r.status == paced::run_status::completed; });
    ops.add("runs.stream",
            client->threads().runs().stream(std::string{fresh_stream.id}, {.assistant_id = a.id}),
            keep_stream);
    ops.add("runs.submit_tool_outputs_stream",
            client->threads().runs().submit_tool_outputs_stream(std::string{submit_stream.thread_id},
                                                                std::string{submit_stream.run_id},
                                                                submit_stream.outputs),
            keep_stream);
    ops.add("steps.retrieve",
            client->threads().runs().steps().retrieve(std::string{done.id}, std::string{finished.id},
                                                      std::string{step.id}),
            [&](paced::run_step const& s) { return s.id == step.id; });
    ops.add("steps.list",
            client->threads().runs().steps().list(std::string{done.id}, std::string{finished.id}),
            [](auto const& p) { return !p.data.empty(); });
    client.reset();
    ops.run_and_check();
    check_streams_complete(ioc, streams, 2);
}

TEST_CASE("lifetimes: client.run owns its arguments and the client's state", "[lifetimes][run]") {
    emulator_process emu({"--run-ms", "200"});
    asio::io_context ioc;
    paced::assistant a, tools;
    std::vector<paced::thread> threads(4);
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            a = co_await setup.assistants().create(plain_assistant);
            paced::assistant_create_params with_tools{
                .model = "gpt-4o-mini", .tools = {paced::function_tool{.function = {.name = "lookup"}}}};
            tools = co_await setup.assistants().create(with_tools);
            for (auto& t : threads) {
                t = co_await setup.threads().create();
                paced::message_create_params hello{.content = "Is this approved?"};
                co_await setup.threads().messages().create(t.id, hello);
            }
        }());
    }
    paced::tool_handler handler = [](paced::run_tool_call const&) -> asio::awaitable<std::string> {
        co_return "looked up";
    };
    // Each run's reply is written here; the runs fetch it (poll mode) after the client is gone.
    std::vector<std::string> replies(6);
    auto completed = [](paced::run const& r) { return r.status == paced::run_status::completed; };
    spawned_ops ops(ioc);
    auto client = std::make_unique<paced::client>(ioc.get_executor(), options_for(emu));
    ops.add(
        "run (poll)",
        client->run(std::string{threads[0].id}, std::string{a.id}, {.poll = fast_poll, .reply = &replies[0]}),
        completed);
    ops.add("run (stream)",
            client->run(std::string{threads[1].id}, std::string{a.id},
                        {.mode = paced::run_mode::stream, .reply = &replies[1]}),
            completed);
    ops.add("run (poll, tools)",
            client->run(std::string{threads[2].id}, std::string{tools.id},
                        {.poll = fast_poll, .on_tool_call = handler, .reply = &replies[2]}),
            completed);
    ops.add("run (stream, tools)",
            client->run(std::string{threads[3].id}, std::string{tools.id},
                        {.mode = paced::run_mode::stream, .on_tool_call = handler, .reply = &replies[3]}),
            completed);
    ops.add("run (new thread, poll)",
            client->run(paced::thread_and_run_create_params{.assistant_id = std::string{a.id}},
                        {.poll = fast_poll, .reply = &replies[4]}),
            completed);
    ops.add("run (new thread, stream)",
            client->run(paced::thread_and_run_create_params{.assistant_id = std::string{a.id}},
                        {.mode = paced::run_mode::stream, .reply = &replies[5]}),
            completed);
    client.reset();
    ops.run_and_check();
    for (std::size_t i = 0; i < 4; ++i) {
        CAPTURE(i);
        CHECK(replies[i].find("label:") != std::string::npos);
    }
    CHECK(replies[2].find("tool outputs: lookup=looked up") != std::string::npos);
    CHECK(replies[3].find("tool outputs: lookup=looked up") != std::string::npos);
}

TEST_CASE("lifetimes: run_batch owns its inputs, its work and the client's state", "[lifetimes][batch]") {
    emulator_process emu;
    asio::io_context ioc;
    std::vector<std::string> ids;
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 8; ++i) {
                auto t = co_await setup.threads().create();
                ids.push_back(t.id);
            }
        }());
    }
    std::size_t progress_calls = 0, done_seen = 0;
    spawned_ops ops(ioc);
    auto client = std::make_unique<paced::client>(ioc.get_executor(), options_for(emu));
    { // The work holds a resource handle of its own, by value; the inputs are a temporary copy of the
      // ids; the work and the options go out of scope, and the client is gone, before the batch starts.
        auto work = [threads = client->threads()](std::string const& id) mutable {
            return threads.retrieve(id);
        };
        paced::batch_options options{.concurrency = 3, .on_progress = [&](paced::batch_progress const& p) {
                                         ++progress_calls;
                                         done_seen = p.done;
                                     }};
        ops.add("run_batch", paced::run_batch(*client, std::vector<std::string>(ids), work, options),
                [&](std::vector<paced::batch_result<paced::thread>> const& results) {
                    if (results.size() != ids.size())
                        return false;
                    for (std::size_t i = 0; i < results.size(); ++i)
                        if (!results[i].has_value() || results[i].value().id != ids[i])
                            return false;
                    return true;
                });
    }
    client.reset();
    ops.run_and_check();
    CHECK(progress_calls == 2 * ids.size()); // as each item starts and after each finishes
    CHECK(done_seen == ids.size());
}

TEST_CASE("lifetimes: vector store operations own their arguments and the client's state",
          "[lifetimes][vector_stores]") {
    emulator_process emu({"--run-ms", "200"});
    asio::io_context ioc;
    paced::vector_store store, doomed_store, other_store;
    std::vector<paced::file> files(6);
    paced::vector_store_file attached, doomed_file;
    paced::vector_store_file_batch batch, doomed_batch;
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            for (std::size_t i = 0; i < files.size(); ++i) {
                paced::file_upload u{.bytes = "searchable text " + std::to_string(i),
                                     .filename = "f" + std::to_string(i) + ".txt"};
                files[i] = co_await setup.files().create(u);
            }
            paced::vector_store_create_params vp{.name = "docs"};
            store = co_await setup.vector_stores().create(vp);
            doomed_store = co_await setup.vector_stores().create(vp);
            other_store = co_await setup.vector_stores().create(vp);
            paced::vector_store_file_create_params f0{.file_id = files[0].id};
            attached = co_await setup.vector_stores().files().create_and_poll(store.id, f0, fast_poll);
            paced::vector_store_file_create_params f1{.file_id = files[1].id};
            doomed_file = co_await setup.vector_stores().files().create(store.id, f1);
            paced::file_batch_create_params b2{.file_ids = {files[2].id}};
            batch = co_await setup.vector_stores().file_batches().create_and_poll(store.id, b2, fast_poll);
            paced::file_batch_create_params b3{.file_ids = {files[3].id}};
            doomed_batch = co_await setup.vector_stores().file_batches().create(store.id, b3);
        }());
    }
    auto is_done = [](auto const& x) { return x.status == paced::vector_store_file_status::completed; };
    spawned_ops ops(ioc);
    auto client = std::make_unique<paced::client>(ioc.get_executor(), options_for(emu));
    auto vs = [&] { return client->vector_stores(); };
    ops.add("vector_stores.create", vs().create({.name = "new"}),
            [](paced::vector_store const& v) { return v.name == "new"; });
    ops.add("vector_stores.retrieve", vs().retrieve(std::string{store.id}),
            [&](paced::vector_store const& v) { return v.id == store.id; });
    ops.add("vector_stores.update", vs().update(std::string{store.id}, {.name = "renamed"}),
            [](paced::vector_store const& v) { return v.name == "renamed"; });
    ops.add("vector_stores.list", vs().list(), [](auto const& p) { return p.data.size() >= 3; });
    ops.add("vector_stores.del", vs().del(std::string{doomed_store.id}),
            [](paced::deleted_object const& d) { return d.deleted; });
    ops.add("vector_stores.search", vs().search(std::string{store.id}, {{"query", "searchable"}}),
            [](boost::json::value const& v) { return !v.at("data").as_array().empty(); });
    ops.add("vector_stores.files.create",
            vs().files().create(std::string{other_store.id}, {.file_id = files[4].id}),
            [&](paced::vector_store_file const& f) { return f.id == files[4].id; });
    ops.add("vector_stores.files.retrieve",
            vs().files().retrieve(std::string{store.id}, std::string{attached.id}),
            [&](paced::vector_store_file const& f) { return f.id == attached.id; });
    ops.add(
        "vector_stores.files.update",
        vs().files().update(std::string{store.id}, std::string{attached.id}, {.attributes = {{"k", "v"}}}),
        [](paced::vector_store_file const& f) { return f.attributes && f.attributes->contains("k"); });
    ops.add("vector_stores.files.list", vs().files().list(std::string{store.id}),
            [](auto const& p) { return !p.data.empty(); });
    ops.add("vector_stores.files.del", vs().files().del(std::string{store.id}, std::string{doomed_file.id}),
            [](paced::deleted_object const& d) { return d.deleted; });
    ops.add("vector_stores.files.content",
            vs().files().content(std::string{store.id}, std::string{attached.id}), any_value);
    ops.add("vector_stores.files.poll",
            vs().files().poll(std::string{store.id}, std::string{attached.id}, fast_poll), is_done);
    ops.add("vector_stores.files.create_and_poll",
            vs().files().create_and_poll(std::string{other_store.id}, {.file_id = files[5].id}, fast_poll),
            is_done);
    ops.add("vector_stores.files.upload_and_poll",
            vs().files().upload_and_poll(std::string{other_store.id}, {.bytes = "up", .filename = "up.txt"},
                                         fast_poll),
            is_done);
    ops.add("file_batches.create",
            vs().file_batches().create(std::string{other_store.id}, {.file_ids = {std::string{files[0].id}}}),
            any_value);
    ops.add("file_batches.retrieve",
            vs().file_batches().retrieve(std::string{store.id}, std::string{batch.id}),
            [&](paced::vector_store_file_batch const& b) { return b.id == batch.id; });
    ops.add("file_batches.cancel",
            vs().file_batches().cancel(std::string{store.id}, std::string{doomed_batch.id}),
            [&](paced::vector_store_file_batch const& b) { return b.id == doomed_batch.id; });
    ops.add("file_batches.list_files",
            vs().file_batches().list_files(std::string{store.id}, std::string{batch.id}),
            [](auto const& p) { return p.data.size() == 1; });
    ops.add("file_batches.poll",
            vs().file_batches().poll(std::string{store.id}, std::string{batch.id}, fast_poll), is_done);
    ops.add("file_batches.create_and_poll",
            vs().file_batches().create_and_poll(std::string{other_store.id},
                                                {.file_ids = {std::string{files[1].id}}}, fast_poll),
            is_done);
    ops.add("file_batches.upload_and_poll",
            vs().file_batches().upload_and_poll(
                std::string{other_store.id},
                {{.bytes = "b1", .filename = "b1.txt"}, {.bytes = "b2", .filename = "b2.txt"}}, {}, 2,
                fast_poll),
            is_done);
    client.reset();
    ops.run_and_check();
}

TEST_CASE("lifetimes: a page fetches the next one after the page and the client are gone",
          "[lifetimes][pagination]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::page<paced::message> first;
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        first = run_coro(ioc, [&]() -> asio::awaitable<paced::page<paced::message>> {
            auto t = co_await setup.threads().create();
            for (int i = 0; i < 4; ++i) {
                paced::message_create_params m{.content = "message " + std::to_string(i)};
                co_await setup.threads().messages().create(t.id, m);
            }
            paced::message_list_params two{.limit = 2, .order = paced::sort_order::asc};
            co_return co_await setup.threads().messages().list(t.id, two);
        }());
    }
    REQUIRE(first.has_next_page());
    spawned_ops ops(ioc);
    ops.add("page.next_page", paced::page<paced::message>{first}.next_page(),
            [](auto const& p) { return p.data.size() == 2 && paced::text_of(p.data[0]) == "message 2"; });
    first = {};
    ops.run_and_check();
}

TEST_CASE("lifetimes: a run stream may be moved while until_done() reads it", "[lifetimes][streams]") {
    emulator_process emu({"--run-ms", "200"});
    asio::io_context ioc;
    std::vector<paced::run_stream> streams;
    {
        paced::client setup{ioc.get_executor(), options_for(emu)};
        streams.push_back(run_coro(ioc, [&]() -> asio::awaitable<paced::run_stream> {
            auto a = co_await setup.assistants().create(plain_assistant);
            paced::thread_and_run_create_params params{.assistant_id = a.id};
            co_return co_await setup.threads().create_and_run_stream(params);
        }()));
    }
    spawned_ops ops(ioc);
    ops.add("run_stream.until_done", streams[0].until_done(),
            [](paced::run const& r) { return r.status == paced::run_status::completed; });
    streams.reserve(streams.capacity() + 1); // moves the stream into a new element
    ops.run_and_check();
}

TEST_CASE("lifetimes: operations built in a loop run when awaited later", "[lifetimes][loop]") {
    emulator_process emu;
    asio::io_context ioc;
    paced::client client{ioc.get_executor(), options_for(emu)};
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        std::vector<std::string> ids;
        for (int i = 0; i < 10; ++i) {
            auto t = co_await client.threads().create();
            ids.push_back(t.id);
        }

        { // Built first, each from a temporary handle and a temporary string, then awaited one by one.
            std::vector<asio::awaitable<paced::thread>> pending;
            for (auto const& id : ids)
                pending.push_back(client.threads().retrieve(std::string{id}));
            std::size_t failed = 0;
            for (std::size_t i = 0; i < pending.size(); ++i) {
                try {
                    auto t = co_await std::move(pending[i]);
                    if (t.id != ids[i])
                        ++failed;
                } catch (paced::error const& e) {
                    UNSCOPED_INFO("retrieve " << i << ": " << e.what());
                    ++failed;
                }
            }
            INFO(failed << " of " << ids.size() << " awaited retrieves failed");
            CHECK(failed == 0);
        }
        { // Built first as deferred operations, then run together.
            auto ex = co_await asio::this_coro::executor;
            using op_type = decltype(asio::co_spawn(
                ex, std::declval<asio::awaitable<paced::page<paced::message>>>(), asio::deferred));
            std::vector<op_type> group;
            for (auto const& id : ids)
                group.push_back(
                    asio::co_spawn(ex, client.threads().messages().list(std::string{id}), asio::deferred));
            auto outcome = co_await asio::experimental::make_parallel_group(std::move(group))
                               .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
            auto const& failures = std::get<1>(outcome);
            std::size_t group_failed = 0;
            for (std::size_t i = 0; i < failures.size(); ++i) {
                if (failures[i]) {
                    UNSCOPED_INFO("list " << i << ": " << what_of(failures[i]));
                    ++group_failed;
                }
            }
            INFO(group_failed << " of " << ids.size() << " grouped lists failed");
            CHECK(group_failed == 0);
        }
    }());
}

TEST_CASE("lifetimes: a bad argument is thrown where the operation is awaited, not where it is called",
          "[lifetimes][validation]") {
    emulator_process emu;
    asio::io_context ioc;
    auto client = std::make_unique<paced::client>(ioc.get_executor(), options_for(emu));
    // Each is built (its arguments copied) without a throw, and fails only once it runs.
    auto bad_thread = client->threads().retrieve(std::string{"bad id"});
    auto bad_list = client->threads().messages().list(std::string{"../thread"});
    auto bad_poll = client->threads().runs().poll(std::string{"thread_1"}, std::string{"run\n1"});
    auto bad_upload = client->files().create({.bytes = "no name"});
    auto bad_run = client->run(std::string{"bad id"}, std::string{"asst_1"});
    auto no_page = paced::page<paced::message>{}.next_page();
    client.reset();
    auto code_of = [&](auto op) {
        try {
            run_coro(ioc, std::move(op));
        } catch (paced::error const& e) {
            return e.code();
        }
        return boost::system::error_code{};
    };
    CHECK(code_of(std::move(bad_thread)) == paced::errc::invalid_argument);
    CHECK(code_of(std::move(bad_list)) == paced::errc::invalid_argument);
    CHECK(code_of(std::move(bad_poll)) == paced::errc::invalid_argument);
    CHECK(code_of(std::move(bad_upload)) == paced::errc::invalid_argument);
    CHECK(code_of(std::move(bad_run)) == paced::errc::invalid_argument);
    CHECK(code_of(std::move(no_page)) == paced::errc::invalid_argument);
    CHECK(emu.stats().at("requests_total").to_number<std::int64_t>() == 0);
}
