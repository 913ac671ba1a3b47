// 3. Tool calls: an assistant with a function tool; client.run answers requires_action with an async
//    handler (every call of a step concurrently), in both poll and stream modes.

#include <paced/paced.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> tools_example(paced::client& client) {
    paced::assistant_create_params params{
        .model = "gpt-4o-mini",
        .name = "weather",
        .tools = {paced::function_tool{.function = {.name = "get_weather",
                                                    .description = "Current weather of a city",
                                                    .parameters = boost::json::object{{"type", "object"}}}}}};
    auto assistant = co_await client.assistants().create(params);

    // The handler is a coroutine: it may do its own I/O without blocking the thread.
    paced::tool_handler weather = [](paced::run_tool_call const& call) -> asio::awaitable<std::string> {
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
        co_await t.async_wait(asio::use_awaitable);
        co_return "sunny, 21 C (asked with " + call.function.arguments + ")";
    };

    for (auto mode : {paced::run_mode::poll, paced::run_mode::stream}) {
        auto thread = co_await client.threads().create();
        // Named parameters: g++ 12 mishandles a braced temporary inside a co_await expression.
        paced::message_create_params question{.content = "What is the weather in Paris?"};
        co_await client.threads().messages().create(thread.id, question);
        std::string reply;
        paced::run_options options{.mode = mode, .on_tool_call = weather, .reply = &reply};
        auto run = co_await client.run(thread.id, assistant.id, options);
        paced::check_run(run);
        std::cout << (mode == paced::run_mode::poll ? "poll:   " : "stream: ") << reply << "\n";
        if (reply.find("sunny") == std::string::npos)
            throw std::runtime_error("the reply does not use the tool output");
    }
}

int main() {
    try {
        asio::io_context ioc;
        paced::client client{ioc.get_executor(), paced::client_options::from_env()};
        std::exception_ptr failure;
        asio::co_spawn(ioc, tools_example(client), [&](std::exception_ptr e) { failure = e; });
        ioc.run();
        if (failure)
            std::rethrow_exception(failure);
        return 0;
    } catch (std::exception const& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
