// 1. Quick start: create an assistant, a thread with a question, run it, print the answer.
//
// Configuration comes from the environment (OPENAI_API_KEY, OPENAI_BASE_URL), so this runs unchanged
// against the bundled paced-emulator or any compatible server. Exits non-zero on any failure.

#include <paced/paced.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> quickstart(paced::client& client) {
    // Parameters are named variables: g++ 12 mishandles a braced temporary inside a co_await
    // expression (see the README's note). With newer compilers they can be written inline.
    paced::assistant_create_params spec{
        .model = "gpt-4o-mini", .name = "quickstart", .instructions = "Answer yes or no, with a reason."};
    auto assistant = co_await client.assistants().create(spec);
    auto thread = co_await client.threads().create();
    paced::message_create_params question{.role = "user", .content = "Is a good plan approved?"};
    co_await client.threads().messages().create(thread.id, question);

    std::string reply;
    paced::run_options options{.reply = &reply};
    auto run = co_await client.run(thread.id, assistant.id, options);
    paced::check_run(run); // throws paced::error(errc::run_failed, ...) for a failed run

    std::cout << "run " << run.id << " " << run.status.str() << "\n" << reply << "\n";
    auto m = client.metrics();
    std::cout << "requests " << m.requests << ", 429s " << m.rate_limited << "\n";
    co_await client.assistants().del(assistant.id);
}

int main() {
    try {
        asio::io_context ioc;
        paced::client client{ioc.get_executor(), paced::client_options::from_env()};
        std::exception_ptr failure;
        asio::co_spawn(ioc, quickstart(client), [&](std::exception_ptr e) { failure = e; });
        ioc.run();
        if (failure)
            std::rethrow_exception(failure);
        return 0;
    } catch (std::exception const& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
