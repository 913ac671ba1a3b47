// 4. Vector stores: upload files into a store with a file batch (uploads run concurrently), wait for
//    it to be processed, and give it to an assistant's file_search.

#include <paced/paced.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> vector_store_example(paced::client& client) {
    // Named parameters: g++ 12 mishandles a braced temporary inside a co_await expression.
    paced::vector_store_create_params store_spec{.name = "handbook"};
    auto store = co_await client.vector_stores().create(store_spec);
    std::vector<paced::file_upload> uploads;
    for (int i = 1; i <= 5; ++i)
        uploads.push_back({.bytes = "Chapter " + std::to_string(i) + ": good practices are approved.",
                           .filename = "chapter" + std::to_string(i) + ".txt",
                           .content_type = "text/plain"});
    paced::file_batch_create_params no_extra_ids;
    paced::poll_options every_200ms{.interval = std::chrono::milliseconds(200)};
    auto batch = co_await client.vector_stores().file_batches().upload_and_poll(
        store.id, std::move(uploads), no_extra_ids, /*max_concurrency=*/3, every_200ms);
    std::cout << "batch " << batch.id << ": " << batch.file_counts.completed << " of "
              << batch.file_counts.total << " files processed\n";
    if (batch.file_counts.completed != 5)
        throw std::runtime_error("not every file was processed");

    paced::assistant_create_params params{
        .model = "gpt-4o-mini",
        .tools = {paced::file_search_tool{}},
        .tool_resources = paced::tool_resources{
            .file_search = paced::file_search_resources{.vector_store_ids = {store.id}}}};
    auto assistant = co_await client.assistants().create(params);
    auto thread = co_await client.threads().create();
    paced::message_create_params question{.content = "Are good practices approved?"};
    co_await client.threads().messages().create(thread.id, question);
    std::string reply;
    paced::run_options options{.reply = &reply};
    auto run = co_await client.run(thread.id, assistant.id, options);
    paced::check_run(run);
    std::cout << reply << "\n";
    co_await client.vector_stores().del(store.id);
}

int main() {
    try {
        asio::io_context ioc;
        paced::client client{ioc.get_executor(), paced::client_options::from_env()};
        std::exception_ptr failure;
        asio::co_spawn(ioc, vector_store_example(client), [&](std::exception_ptr e) { failure = e; });
        ioc.run();
        if (failure)
            std::rethrow_exception(failure);
        return 0;
    } catch (std::exception const& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
