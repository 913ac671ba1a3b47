#include "sansio/sse_parser.hpp"

#include <paced/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using paced::sansio::sse_event;
using paced::sansio::sse_limits;
using paced::sansio::sse_parser;

namespace Catch {
template <>
struct StringMaker<sse_event> {
    static std::string convert(sse_event const& e) {
        std::string s = "{event=" + StringMaker<std::string>::convert(e.event) +
                        " data=" + StringMaker<std::string>::convert(e.data) +
                        " id=" + StringMaker<std::string>::convert(e.id);
        if (e.retry)
            s += " retry=" + std::to_string(*e.retry);
        return s + "}";
    }
};
} // namespace Catch

namespace {

std::vector<sse_event> parse_all(std::string_view bytes, bool* mid_event = nullptr, sse_limits limits = {}) {
    sse_parser p{limits};
    std::vector<sse_event> out;
    p.feed(bytes, out);
    bool const mid = p.finish();
    if (mid_event)
        *mid_event = mid;
    return out;
}

sse_event ev(std::string event, std::string data, std::string id = {},
             std::optional<std::uint64_t> retry = {}) {
    return sse_event{std::move(event), std::move(data), std::move(id), retry};
}

bool throws_invalid_response(auto&& fn) {
    try {
        fn();
    } catch (paced::error const& e) {
        return e.code() == paced::errc::invalid_response;
    }
    return false;
}

// A realistic Assistants stream with every feature the parser must handle.
std::string const openai_stream = "\xEF\xBB\xBF"
                                  ": keep-alive\r\n"
                                  "event: thread.run.created\r\n"
                                  "data: {\"id\":\"run_1\",\"status\":\"queued\"}\r\n"
                                  "\r\n"
                                  "event: thread.message.delta\n"
                                  "data: {\"delta\":\n"
                                  "data: \"Hello\"}\n"
                                  "id: 7\n"
                                  "\n"
                                  "event: thread.message.delta\r"
                                  "data:{\"delta\":\" world\"}\r"
                                  "retry: 3000\r"
                                  "\r"
                                  "event: done\n"
                                  "data: [DONE]\n"
                                  "\n";

std::vector<sse_event> const openai_events{
    ev("thread.run.created", "{\"id\":\"run_1\",\"status\":\"queued\"}"),
    ev("thread.message.delta", "{\"delta\":\n\"Hello\"}", "7"),
    ev("thread.message.delta", "{\"delta\":\" world\"}", "7", 3000),
    ev("done", "[DONE]", "7"),
};

} // namespace

TEST_CASE("sse parser: an OpenAI stream yields its events in order", "[sansio][sse]") {
    bool mid = true;
    auto const events = parse_all(openai_stream, &mid);
    CHECK(events == openai_events);
    CHECK_FALSE(mid);
    CHECK(events.back().is_done());
    CHECK_FALSE(events.front().is_done());
}

TEST_CASE("sse parser: every single split point of a stream gives the same events", "[sansio][sse]") {
    for (std::size_t i = 0; i <= openai_stream.size(); ++i) {
        sse_parser p;
        std::vector<sse_event> out;
        p.feed(std::string_view{openai_stream}.substr(0, i), out);
        p.feed(std::string_view{openai_stream}.substr(i), out);
        CAPTURE(i);
        REQUIRE(out == openai_events);
        REQUIRE_FALSE(p.finish());
    }
}

TEST_CASE("sse parser: every pair of split points gives the same events", "[sansio][sse]") {
    std::string_view const s = openai_stream;
    for (std::size_t i = 0; i <= s.size(); ++i)
        for (std::size_t j = i; j <= s.size(); ++j) {
            sse_parser p;
            std::vector<sse_event> out;
            p.feed(s.substr(0, i), out);
            p.feed(s.substr(i, j - i), out);
            p.feed(s.substr(j), out);
            CAPTURE(i, j);
            REQUIRE(out == openai_events);
        }
}

TEST_CASE("sse parser: feeding one byte at a time gives the same events", "[sansio][sse]") {
    sse_parser p;
    std::vector<sse_event> out;
    for (char c : openai_stream)
        p.feed(std::string_view{&c, 1}, out);
    CHECK(out == openai_events);
    CHECK_FALSE(p.finish());
}

TEST_CASE("sse parser: events are emitted as soon as their blank line arrives", "[sansio][sse]") {
    sse_parser p;
    std::vector<sse_event> out;
    p.feed("data: a\n", out);
    CHECK(out.empty());
    p.feed("\n", out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].data == "a");
}

TEST_CASE("sse parser: LF, CRLF and CR all end lines, also mixed", "[sansio][sse]") {
    auto const text = GENERATE(as<std::string>{}, "data: a\n\n", "data: a\r\n\r\n", "data: a\r\r",
                               "data: a\r\n\n", "data: a\n\r\n", "data: a\r\n\r");
    CAPTURE(text);
    CHECK(parse_all(text) == std::vector{ev("", "a")});
}

TEST_CASE("sse parser: a CR ending one feed and an LF starting the next are one line end", "[sansio][sse]") {
    sse_parser p;
    std::vector<sse_event> out;
    p.feed("data: a\r", out);
    p.feed("\ndata: b\r", out); // were the LF a second line end, "a" would be dispatched alone
    p.feed("", out);            // an empty feed does not forget the pending CR
    p.feed("\n\r\n", out);
    CHECK(out == std::vector{ev("", "a\nb")});
}

TEST_CASE("sse parser: a CR followed by a CR is two line ends", "[sansio][sse]") {
    CHECK(parse_all("data: a\r\rdata: b\r\r") == std::vector{ev("", "a"), ev("", "b")});
}

TEST_CASE("sse parser: several data lines are joined with LF", "[sansio][sse]") {
    CHECK(parse_all("data: a\ndata: b\ndata:\ndata: c\n\n") == std::vector{ev("", "a\nb\n\nc")});
}

TEST_CASE("sse parser: one leading space is stripped from the value, no more", "[sansio][sse]") {
    CHECK(parse_all("data:x\n\n") == std::vector{ev("", "x")});
    CHECK(parse_all("data: x\n\n") == std::vector{ev("", "x")});
    CHECK(parse_all("data:  x \n\n") == std::vector{ev("", " x ")});
    CHECK(parse_all("data:\tx\n\n") == std::vector{ev("", "\tx")});
    CHECK(parse_all("data: a: b\n\n") == std::vector{ev("", "a: b")});
}

TEST_CASE("sse parser: a field without a colon has an empty value", "[sansio][sse]") {
    CHECK(parse_all("data\n\n") == std::vector{ev("", "")});
    CHECK(parse_all("data\ndata\n\n") == std::vector{ev("", "\n")});
    CHECK(parse_all("event: x\nevent\ndata: d\n\n") == std::vector{ev("", "d")});
}

TEST_CASE("sse parser: comments and unknown fields are ignored", "[sansio][sse]") {
    CHECK(parse_all(":\n: ping\ndata: a\n:comment: with colon\nfoo: bar\nData: no\ndata : no\n\n") ==
          std::vector{ev("", "a")});
}

TEST_CASE("sse parser: an event without data is not dispatched", "[sansio][sse]") {
    bool mid = true;
    CHECK(parse_all("event: ping\n\nid: 4\n\nretry: 10\n\n: c\n\n\n\n", &mid).empty());
    CHECK_FALSE(mid);
    // The event type does not leak into the next event.
    CHECK(parse_all("event: ping\n\ndata: x\n\n") == std::vector{ev("", "x", "")});
}

TEST_CASE("sse parser: the event ID persists across events, NUL IDs are ignored", "[sansio][sse]") {
    sse_parser p;
    std::vector<sse_event> out;
    using namespace std::string_view_literals;
    p.feed("id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n"sv, out);
    CHECK(out == std::vector{ev("", "a", "1"), ev("", "b", "1"), ev("", "c", "1"), ev("", "d", "")});
    CHECK(p.last_event_id().empty());
}

TEST_CASE("sse parser: retry is kept only when it is all ASCII digits", "[sansio][sse]") {
    CHECK(parse_all("retry: 1500\ndata: a\n\n") == std::vector{ev("", "a", "", 1500)});
    CHECK(parse_all("retry: 15x\ndata: a\n\n") == std::vector{ev("", "a")});
    CHECK(parse_all("retry: -1\ndata: a\n\n") == std::vector{ev("", "a")});
    CHECK(parse_all("retry:\ndata: a\n\n") == std::vector{ev("", "a")});
    CHECK(parse_all("retry: 99999999999999999999999\ndata: a\n\n") == std::vector{ev("", "a")});
    CHECK(parse_all("retry: 18446744073709551615\ndata: a\n\n") ==
          std::vector{ev("", "a", "", 18446744073709551615u)});
    // Not carried over to the next event.
    CHECK(parse_all("retry: 5\ndata: a\n\ndata: b\n\n") == std::vector{ev("", "a", "", 5), ev("", "b")});
}

TEST_CASE("sse parser: a leading BOM is skipped once, even when split", "[sansio][sse]") {
    sse_parser p;
    std::vector<sse_event> out;
    p.feed("\xEF", out);
    p.feed("\xBB", out);
    p.feed("\xBF"
           "data: a\n\n",
           out);
    CHECK(out == std::vector{ev("", "a")});

    // A second BOM is part of the line: the field name becomes unknown.
    CHECK(parse_all("\xEF\xBB\xBF\xEF\xBB\xBF"
                    "data: a\n\n")
              .empty());
    // Half a BOM is not a BOM: its bytes stay in the line.
    CHECK(parse_all("\xEF\xBB"
                    "data: a\n\n")
              .empty());
    CHECK(parse_all("\xEF\n"
                    "data: a\n\n") == std::vector{ev("", "a")});
}

TEST_CASE("sse parser: a stream that ends mid-event drops the event and says so", "[sansio][sse]") {
    struct row {
        char const* text;
        bool mid_event;
    };
    auto const [text, mid_event] = GENERATE(values<row>({
        {"", false},
        {"data: a\n\n", false},
        {"data: a\n\n: bye\n", false},
        {"data: a\n\ndata: b\n", true}, // fields without their blank line
        {"data: a\n\ndata: b", true},   // an unterminated line
        {"data: a\n\nevent: x\n", true},
        {"data: a\n\n: trunc", true},
        {"\xEF\xBB", true},
    }));
    CAPTURE(text);
    bool mid = !mid_event;
    auto const events = parse_all(text, &mid);
    CHECK(mid == mid_event);
    for (auto const& e : events)
        CHECK(e.data == "a");
}

TEST_CASE("sse parser: finish resets the parser for a new stream", "[sansio][sse]") {
    sse_parser p;
    std::vector<sse_event> out;
    p.feed("\xEF\xBB\xBFid: 9\ndata: a\n\ndata: cut", out);
    CHECK(p.finish());
    p.feed("\xEF\xBB\xBF"
           "data: b\n\n",
           out);
    CHECK_FALSE(p.finish());
    CHECK(out == std::vector{ev("", "a", "9"), ev("", "b")});
}

TEST_CASE("sse parser: data [DONE] is recognised exactly", "[sansio][sse]") {
    CHECK(ev("done", "[DONE]").is_done());
    CHECK(ev("", "[DONE]").is_done());
    CHECK_FALSE(ev("done", "[DONE] ").is_done());
    CHECK_FALSE(ev("done", "{}").is_done());
    CHECK(parse_all("data: [DONE]\n\n").at(0).is_done());
}

TEST_CASE("sse parser: an endless line is refused at max_line, whole or in pieces", "[sansio][sse]") {
    sse_limits const limits{.max_line = 16, .max_event = 1024};
    CHECK_NOTHROW(parse_all("data: 0123456789\n\n", nullptr, limits)); // exactly 16 bytes
    CHECK(throws_invalid_response([&] { parse_all("data: 01234567890\n\n", nullptr, limits); }));
    CHECK(throws_invalid_response([&] { parse_all("data: 01234567890", nullptr, limits); }));

    sse_parser p{limits};
    std::vector<sse_event> out;
    p.feed("data: ok\n\n", out);
    CHECK(throws_invalid_response([&] {
        for (int i = 0; i < 100; ++i)
            p.feed("xxxx", out);
    }));
    CHECK(out == std::vector{ev("", "ok")}); // what came before the bad line is kept
    // The parser stays failed.
    CHECK(throws_invalid_response([&] { p.feed("\n\n", out); }));
    CHECK(out.size() == 1);
}

TEST_CASE("sse parser: an endless line split at its CR is still bounded", "[sansio][sse]") {
    sse_limits const limits{.max_line = 8, .max_event = 1024};
    sse_parser p{limits};
    std::vector<sse_event> out;
    p.feed("data: 12", out);
    CHECK(throws_invalid_response([&] { p.feed("3\r", out); }));
}

TEST_CASE("sse parser: an event larger than max_event is refused", "[sansio][sse]") {
    sse_limits const limits{.max_line = 64, .max_event = 20};
    CHECK_NOTHROW(parse_all("data: 0123456789\ndata: 012345678\n\n", nullptr, limits)); // 10 + 1 + 9 = 20
    CHECK(throws_invalid_response(
        [&] { parse_all("data: 0123456789\ndata: 0123456789\n\n", nullptr, limits); }));
    CHECK(throws_invalid_response(
        [&] { parse_all("event: 0123456789\nid: 0123456789\ndata: x\n\n", nullptr, limits); }));
    // Many small lines add up.
    CHECK(throws_invalid_response([&] {
        std::string s;
        for (int i = 0; i < 30; ++i)
            s += "data\n";
        parse_all(s, nullptr, limits);
    }));
}

TEST_CASE("sse parser: the default limits are 1 MiB per line and 8 MiB per event", "[sansio][sse]") {
    sse_limits const limits;
    CHECK(limits.max_line == 1024u * 1024u);
    CHECK(limits.max_event == 8u * 1024u * 1024u);
    std::string big = "data: " + std::string(1024 * 1024 - 6, 'x') + "\n\n";
    CHECK(parse_all(big).at(0).data.size() == 1024 * 1024 - 6);
    big.insert(6, "x");
    CHECK(throws_invalid_response([&] { parse_all(big); }));
}

TEST_CASE("sse parser: bytes that are not UTF-8 pass through unchanged", "[sansio][sse]") {
    std::string const data{"\xFF\xFE\x00\x80", 4};
    CHECK(parse_all("data: " + data + "\n\n") == std::vector{ev("", data)});
}
