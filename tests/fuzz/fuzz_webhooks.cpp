// libFuzzer target: webhook deliveries. Whatever the headers and the body, checking never throws and
// refuses with a code of the webhooks category; a delivery signed by `sign` for the same bytes always
// verifies; decoding a body either gives an event that survives a round trip or throws invalid_payload.
//
// The input is split at its first three newlines: webhook-id, webhook-timestamp, webhook-signature, then
// the body (which may hold newlines).
#include "webhooks/signature.hpp"

#include <paced/webhooks.hpp>

// Boost.JSON compiled into this target, with the fuzzer's instrumentation.
#include <boost/json/src.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace wh = paced::webhooks;

constexpr std::string_view fuzz_secret = "whsec_cGFjZWQtdGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZiE=";
constexpr std::int64_t fuzz_now = 1719168000;

[[noreturn]] void fail(char const* what) {
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

std::string_view take_line(std::string_view& rest) {
    auto const nl = rest.find('\n');
    auto const line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    return line;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<char const*>(data), size);
    auto const id = take_line(rest);
    auto const timestamp = take_line(rest);
    auto const signature = take_line(rest);
    auto const body = rest;
    wh::verify_options const options{
        .now = std::chrono::system_clock::time_point{std::chrono::seconds{fuzz_now}}};

    // Any headers: a verdict, never an exception, and a refusal is one of ours with a message.
    paced::header_list const headers{{"webhook-id", std::string(id)},
                                     {"webhook-timestamp", std::string(timestamp)},
                                     {"webhook-signature", std::string(signature)}};
    auto const v = wh::check(body, headers, fuzz_secret, options);
    if (!v && (v.code.category() != wh::error_category() || v.message.empty()))
        fail("a refusal outside the webhooks category, or without a message");
    // The fuzzed signature header as the secret: raw bytes, or whsec_ with whatever follows.
    auto const as_secret = wh::check(body, headers, signature, options);
    if (!as_secret && as_secret.code.category() != wh::error_category())
        fail("a refusal outside the webhooks category");

    // The same bytes, signed: always verified (an empty id counts as missing).
    auto const good = wh::sign(fuzz_secret, id, fuzz_now, body);
    paced::header_list const signed_headers{{"webhook-id", std::string(id)},
                                            {"webhook-timestamp", std::to_string(fuzz_now)},
                                            {"webhook-signature", std::string(signature) + " " + good}};
    auto const s = wh::check(body, signed_headers, fuzz_secret, options);
    if (id.empty() ? s.code != wh::errc::missing_header : !s)
        fail("a delivery signed for its bytes did not verify");

    // base64 of any bytes decodes back to them.
    if (wh::detail::base64_decode(wh::detail::base64_encode(body)) != std::string(body))
        fail("base64 round trip changed the bytes");

    // The body as an event.
    wh::event e;
    try {
        e = wh::parse_event(body);
    } catch (paced::error const& err) {
        if (err.code() != wh::errc::invalid_payload)
            fail("decoding failed with another code than invalid_payload");
        return 0;
    }
    auto const first = wh::to_json(e);
    auto const again = wh::to_json(paced::from_json<wh::event>(first));
    if (first != again)
        fail("an event's round trip changed it");
    return 0;
}
