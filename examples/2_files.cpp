// 2. Files: upload from a path (streamed) and from memory, attach to a message, classify, download.

#include <paced/paced.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> files_example(paced::client& client, std::filesystem::path dir) {
    std::ofstream(dir / "report.txt") << "The audit was good; every control is approved.\n";

    // Parameters are named variables: g++ 12 mishandles a braced temporary inside a co_await expression.
    paced::file_upload disk_upload{.path = dir / "report.txt", .content_type = "text/plain"};
    paced::file_upload memory_upload{.bytes = "The shipment was rejected: bad packaging.",
                                     .filename = "shipment.txt",
                                     .content_type = "text/plain"};
    auto from_disk = co_await client.files().create(disk_upload);
    auto from_memory = co_await client.files().create(memory_upload);
    std::cout << "uploaded " << from_disk.filename << " (" << from_disk.bytes << " bytes) and "
              << from_memory.filename << "\n";

    paced::assistant_create_params classifier{
        .model = "gpt-4o-mini", .name = "classifier", .tools = {paced::file_search_tool{}}};
    auto assistant = co_await client.assistants().create(classifier);
    for (auto const& f : {from_disk, from_memory}) {
        // A new thread and its run in one request; the file rides along as an attachment.
        paced::thread_and_run_create_params job{
            .assistant_id = assistant.id,
            .thread = paced::thread_create_params{
                .messages = {{.content = "Classify the attached file.",
                              .attachments = {{.file_id = f.id, .tools = {"file_search"}}}}}}};
        std::string reply;
        paced::run_options options{.reply = &reply};
        auto run = co_await client.run(job, options);
        paced::check_run(run);
        std::cout << f.filename << ": " << reply << "\n";
    }

    auto bytes = co_await client.files().download(from_disk.id, dir / "copy.txt");
    std::cout << "downloaded " << bytes << " bytes\n";
    if (bytes != static_cast<std::uint64_t>(from_disk.bytes))
        throw std::runtime_error("download size mismatch");

    for (auto it = (co_await client.files().list()).all(); auto f = co_await it.next();)
        co_await client.files().del(f->id);
}

int main() {
    auto dir = std::filesystem::temp_directory_path() / "paced-example-files";
    try {
        std::filesystem::create_directories(dir);
        asio::io_context ioc;
        paced::client client{ioc.get_executor(), paced::client_options::from_env()};
        std::exception_ptr failure;
        asio::co_spawn(ioc, files_example(client, dir), [&](std::exception_ptr e) { failure = e; });
        ioc.run();
        std::filesystem::remove_all(dir);
        if (failure)
            std::rethrow_exception(failure);
        return 0;
    } catch (std::exception const& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
