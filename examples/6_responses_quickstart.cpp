// 6. Responses quick start: one turn in the background (created, then polled on a timer until it ends),
//    one streamed with its text printed as it comes, and one whose function call is answered by a
//    handler and sent back in the next response.
//
// Configuration comes from the environment (OPENAI_API_KEY, OPENAI_BASE_URL), so this runs unchanged
// against the bundled paced-emulator or any compatible server. Exits non-zero on any failure.

#include <paced/paced.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> quickstart(paced::client& client) {
    // Parameters are named variables: g++ 12 mishandles a braced temporary inside a co_await expression.
    paced::response_create_params question{.model = "gpt-4.1-mini", .input_text = "Is a good plan approved?"};
    auto polled = co_await client.respond(question); // background + poll: every poll paced
    paced::check_response(polled);
    std::cout << "background: " << polled.id << " " << polled.status.str() << ": "
              << paced::output_text(polled) << "\n";

    // Streamed by hand, to show the events; client.respond(question, {.mode = stream}) does the same and
    // resumes a broken stream by itself.
    paced::response_create_params streamed{.model = "gpt-4.1-mini", .input_text = "Is a bad plan approved?"};
    auto stream = co_await client.responses().stream(streamed);
    std::cout << "streamed: ";
    for (;;) {
        auto event = co_await stream.next();
        if (!event)
            break;
        if (auto const* delta = event->get<paced::response_text_delta_event>())
            std::cout << delta->delta << std::flush;
    }
    std::cout << "\n";

    paced::response_create_params weather{
        .model = "gpt-4.1-mini",
        .input_text = "What is the weather in Paris?",
        .tools = {paced::response_function_tool{.name = "get_weather", .parameters = {{"type", "object"}}}}};
    paced::respond_options answer_calls;
    answer_calls.on_function_call =
        [](paced::function_call_item const& call) -> asio::awaitable<std::string> {
        std::cout << "function call " << call.name << "(" << call.arguments << ")\n";
        co_return std::string{R"({"temperature_c": 21})"};
    };
    auto answered = co_await client.respond(weather, answer_calls);
    paced::check_response(answered);
    std::cout << "after the call: " << paced::output_text(answered) << "\n";

    auto m = client.metrics();
    std::cout << "requests " << m.requests << ", 429s " << m.rate_limited << "\n";
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
