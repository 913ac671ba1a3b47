// 7. The async service of example 5 on the Responses API: a small HTTP endpoint (Beast) that answers each
//    posted text with the text of a streamed response. Many requests are served at once on ONE thread:
//    each is a coroutine that waits (for the budget, for its stream) without blocking the others, and a
//    broken stream is resumed after its last event.
//
// To run as a self-contained check, it starts the service on a free port, fires 24 concurrent requests
// at it, verifies every answer, and exits (non-zero on any failure).

#include <paced/paced.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <iostream>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// One connection of the service: read a POST, answer with the text of a streamed response to its body.
asio::awaitable<void> serve(tcp::socket socket, paced::client& client) {
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    co_await http::async_read(socket, buffer, req, asio::use_awaitable);
    http::response<http::string_body> res{http::status::ok, req.version()};
    try {
        paced::response_create_params turn{.model = "gpt-4.1-mini",
                                           .input_text = req.body(),
                                           .instructions = "Answer yes or no, with a reason."};
        paced::respond_options options{.mode = paced::respond_mode::stream};
        auto answer = co_await client.respond(std::move(turn), options);
        paced::check_response(answer);
        res.body() = paced::output_text(answer);
    } catch (paced::error const& e) {
        res.result(http::status::bad_gateway);
        res.body() = e.what();
    }
    res.prepare_payload();
    co_await http::async_write(socket, res, asio::use_awaitable);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, paced::client& client) {
    for (;;) {
        auto socket = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), client), asio::detached);
    }
}

// A user of the service.
asio::awaitable<std::string> post(tcp::endpoint service, std::string text) {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect(service, asio::use_awaitable);
    http::request<http::string_body> req{http::verb::post, "/classify", 11};
    req.set(http::field::host, "localhost");
    req.body() = std::move(text);
    req.prepare_payload();
    co_await http::async_write(socket, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(socket, buffer, res, asio::use_awaitable);
    if (res.result() != http::status::ok)
        throw std::runtime_error("service answered " + std::to_string(res.result_int()) + ": " + res.body());
    co_return res.body();
}

int main() {
    try {
        asio::io_context ioc; // one thread serves everything
        paced::client client{ioc.get_executor(), paced::client_options::from_env()};
        tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        std::exception_ptr failure;
        int answered = 0;
        constexpr int requests = 24;

        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<void> {
                asio::co_spawn(ioc, accept_loop(acceptor, client), asio::detached);
                for (int i = 0; i < requests; ++i) {
                    asio::co_spawn(
                        ioc, post(acceptor.local_endpoint(), i % 2 ? "this is good" : "this is bad"),
                        [&, i](std::exception_ptr e, std::string reply) {
                            if (e && !failure)
                                failure = e;
                            else if (reply.find(i % 2 ? "label: yes" : "label: no") == std::string::npos &&
                                     !failure)
                                failure =
                                    std::make_exception_ptr(std::runtime_error("unexpected reply: " + reply));
                            if (++answered == requests)
                                ioc.stop();
                        });
                }
                co_return;
            },
            [&](std::exception_ptr e) {
                if (e) {
                    failure = e;
                    ioc.stop();
                }
            });
        ioc.run();
        if (failure)
            std::rethrow_exception(failure);
        auto m = client.metrics();
        std::cout << answered << " requests served on one thread; " << m.requests << " API requests, "
                  << m.rate_limited << " 429s\n";
        return 0;
    } catch (std::exception const& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
