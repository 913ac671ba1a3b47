// Webhook verification and the thin event, against vectors built from the specification. Each expected
// signature was computed outside paced, with `openssl dgst -sha256 -hmac <key> -binary | base64` over
// "{id}.{timestamp}.{body}" (for whsec_ secrets, `-mac HMAC -macopt hexkey:` with the decoded key); the
// first is the published example of the Standard Webhooks specification.

#include "webhooks/signature.hpp"

#include <paced/webhooks.hpp>

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace std::chrono_literals;
using paced::header_list;
namespace wh = paced::webhooks;
using std::chrono::system_clock;
using wh::errc;

namespace {

system_clock::time_point at(std::int64_t unix_seconds) {
    return system_clock::time_point{std::chrono::seconds{unix_seconds}};
}

// The Standard Webhooks specification's example delivery.
constexpr std::string_view spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view spec_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::string_view spec_timestamp = "1614265330";
constexpr std::string_view spec_body = R"({"test": 2432232314})";
constexpr std::string_view spec_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// A response.completed event as SPEC's example writes it, signed with a raw secret and with a whsec_ one
// (the key "paced-test-key-0123456789abcdef!", base64-encoded).
constexpr std::string_view completed_body =
    R"({"id":"evt_abc123","object":"event","type":"response.completed","created_at":1719168000,"data":{"id":"resp_abc123"}})";
constexpr std::string_view raw_secret = "my-raw-secret";
constexpr std::string_view raw_signature = "+Q3p5ZdBuavrfOudubqaBWAmgjudFkexwMM0ow+eqZw=";
constexpr std::string_view whsec_secret = "whsec_cGFjZWQtdGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZiE=";
constexpr std::string_view whsec_signature = "siC7Q5koFPscFBQBEnpob5l9JC+dtDMCT/aX5gqv9lk=";
// A signature of the same delivery under another key: a valid-looking entry that must not match.
constexpr std::string_view other_key_signature = "CfWB2CeC36q4IwifoSZJ/K0I8/Ft5EnHl/qAo+LRPzw=";

header_list delivery(std::string_view id, std::string_view timestamp, std::string_view signature) {
    return {{"webhook-id", std::string(id)},
            {"webhook-timestamp", std::string(timestamp)},
            {"webhook-signature", std::string(signature)}};
}

header_list completed_headers(std::string_view signature) {
    return delivery("wh_1", "1719168000", signature);
}

wh::verify_options at_time(std::int64_t unix_seconds, std::chrono::seconds tolerance = 300s) {
    return {.tolerance = tolerance, .now = at(unix_seconds)};
}

/// The code of a throwing call, or an empty code when it did not throw.
template <class F>
boost::system::error_code thrown_code(F f) {
    try {
        f();
    } catch (paced::error const& e) {
        return e.code();
    }
    return {};
}

} // namespace

TEST_CASE("webhooks: the Standard Webhooks example delivery verifies", "[webhooks]") {
    auto const v = wh::check(spec_body, delivery(spec_id, spec_timestamp, spec_signature), spec_secret,
                             at_time(1614265330));
    CHECK(v);
    CHECK(v.message.empty());
    CHECK(wh::sign(spec_secret, spec_id, 1614265330, spec_body) == spec_signature);
}

TEST_CASE("webhooks: a whsec_ secret is base64-decoded, any other secret is used as its bytes",
          "[webhooks]") {
    CHECK(wh::check(completed_body, completed_headers(std::string("v1,").append(whsec_signature)),
                    whsec_secret, at_time(1719168000)));
    CHECK(wh::check(completed_body, completed_headers(std::string("v1,").append(raw_signature)), raw_secret,
                    at_time(1719168000)));
    // Each secret's signature fails under the other.
    CHECK(wh::check(completed_body, completed_headers(std::string("v1,").append(raw_signature)), whsec_secret,
                    at_time(1719168000))
              .code == errc::no_matching_signature);
    CHECK(wh::sign(raw_secret, "wh_1", 1719168000, completed_body) ==
          std::string("v1,").append(raw_signature));
    CHECK(wh::sign(whsec_secret, "wh_1", 1719168000, completed_body) ==
          std::string("v1,").append(whsec_signature));
}

TEST_CASE("webhooks: any one of several space-separated signatures is enough", "[webhooks]") {
    auto const good = std::string("v1,").append(whsec_signature);
    auto const bad = std::string("v1,").append(other_key_signature);
    for (auto const& header : {bad + " " + good, good + " " + bad, bad + " " + bad + " " + good,
                               std::string("v2,abc ") + good, good + " "}) {
        CAPTURE(header);
        CHECK(wh::check(completed_body, completed_headers(header), whsec_secret, at_time(1719168000)));
    }
    CHECK(wh::check(completed_body, completed_headers(bad + " " + bad), whsec_secret, at_time(1719168000))
              .code == errc::no_matching_signature);
}

TEST_CASE("webhooks: an entry without v1, is compared as it is, not skipped", "[webhooks]") {
    CHECK(wh::check(completed_body, completed_headers(whsec_signature), whsec_secret, at_time(1719168000)));
    CHECK(wh::check(completed_body,
                    completed_headers(std::string("v1,").append(other_key_signature) + " " +
                                      std::string(whsec_signature)),
                    whsec_secret, at_time(1719168000)));
    // Another version prefix is part of the compared text, so it does not match.
    CHECK(wh::check(completed_body, completed_headers(std::string("v1a,").append(whsec_signature)),
                    whsec_secret, at_time(1719168000))
              .code == errc::no_matching_signature);
    CHECK(wh::check(completed_body, completed_headers(std::string("V1,").append(whsec_signature)),
                    whsec_secret, at_time(1719168000))
              .code == errc::no_matching_signature);
}

TEST_CASE("webhooks: a signature over other bytes does not match", "[webhooks]") {
    auto const good = std::string("v1,").append(whsec_signature);
    auto const now = at_time(1719168000);
    // The body re-serialised with a space, another id, another timestamp text for the same second.
    std::string spaced(completed_body);
    spaced.insert(spaced.find(':') + 1, " ");
    CHECK(wh::check(spaced, completed_headers(good), whsec_secret, now).code == errc::no_matching_signature);
    CHECK(wh::check(completed_body, delivery("wh_2", "1719168000", good), whsec_secret, now).code ==
          errc::no_matching_signature);
    CHECK(wh::check(completed_body, delivery("wh_1", "01719168000", good), whsec_secret, now).code ==
          errc::no_matching_signature);
    // A truncated or extended signature: compared only at the expected length, never as a prefix.
    CHECK(wh::check(completed_body, completed_headers(good.substr(0, good.size() - 1)), whsec_secret, now)
              .code == errc::no_matching_signature);
    CHECK(wh::check(completed_body, completed_headers(good + "A"), whsec_secret, now).code ==
          errc::no_matching_signature);
    CHECK(wh::check(completed_body, completed_headers("v1,"), whsec_secret, now).code ==
          errc::no_matching_signature);
}

TEST_CASE("webhooks: each missing header is named, and an empty one counts as missing", "[webhooks]") {
    auto const good = std::string("v1,").append(whsec_signature);
    auto const name = GENERATE(as<std::string>{}, "webhook-id", "webhook-timestamp", "webhook-signature");
    CAPTURE(name);
    auto headers = completed_headers(good);
    headers.erase(name);
    auto const missing = wh::check(completed_body, headers, whsec_secret, at_time(1719168000));
    CHECK(missing.code == errc::missing_header);
    CHECK(missing.message == "webhook: missing header '" + name + "'");
    headers.add(name, "");
    CHECK(wh::check(completed_body, headers, whsec_secret, at_time(1719168000)).code == errc::missing_header);
}

TEST_CASE("webhooks: header names are case-insensitive", "[webhooks]") {
    header_list const h{{"Webhook-Id", "wh_1"},
                        {"WEBHOOK-TIMESTAMP", "1719168000"},
                        {"Webhook-Signature", std::string("v1,").append(whsec_signature)}};
    CHECK(wh::check(completed_body, h, whsec_secret, at_time(1719168000)));
}

TEST_CASE("webhooks: a timestamp that is not a decimal integer is refused", "[webhooks]") {
    auto const bad = GENERATE(as<std::string>{}, "soon", "1719168000.5", " 1719168000", "1719168000 ",
                              "+1719168000", "0x66791a00", "1e9", "99999999999999999999", "-");
    CAPTURE(bad);
    auto const v =
        wh::check(completed_body, delivery("wh_1", bad, std::string("v1,").append(whsec_signature)),
                  whsec_secret, at_time(1719168000));
    CHECK(v.code == errc::invalid_timestamp);
    CHECK(v.message.starts_with("webhook: invalid timestamp"));
}

TEST_CASE("webhooks: the timestamp may be up to the tolerance off, both ways", "[webhooks]") {
    auto const good = completed_headers(std::string("v1,").append(whsec_signature)); // signed at 1719168000
    constexpr std::int64_t signed_at = 1719168000;
    CHECK(wh::check(completed_body, good, whsec_secret, at_time(signed_at + 300)));
    CHECK(wh::check(completed_body, good, whsec_secret, at_time(signed_at - 300)));
    // A fraction of a second past the limit is still the same second (now is taken in whole seconds).
    CHECK(wh::check(completed_body, good, whsec_secret, {.now = at(signed_at + 300) + 999ms}));

    auto const old = wh::check(completed_body, good, whsec_secret, at_time(signed_at + 301));
    CHECK(old.code == errc::timestamp_too_old);
    CHECK(old.message == "webhook: timestamp 1719168000 is too old (now 1719168301, tolerance 300 s)");
    auto const early = wh::check(completed_body, good, whsec_secret, at_time(signed_at - 301));
    CHECK(early.code == errc::timestamp_too_new);
    CHECK(early.message == "webhook: timestamp 1719168000 is too new (now 1719167699, tolerance 300 s)");
}

TEST_CASE("webhooks: the tolerance is configurable", "[webhooks]") {
    auto const good = completed_headers(std::string("v1,").append(whsec_signature));
    constexpr std::int64_t signed_at = 1719168000;
    CHECK(wh::check(completed_body, good, whsec_secret, at_time(signed_at + 3600, 1h)));
    CHECK(wh::check(completed_body, good, whsec_secret, at_time(signed_at + 3601, 1h)).code ==
          errc::timestamp_too_old);
    CHECK(wh::check(completed_body, good, whsec_secret, at_time(signed_at - 11, 10s)).code ==
          errc::timestamp_too_new);
    CHECK(wh::check(completed_body, good, whsec_secret, at_time(signed_at, 0s)));
    CHECK(wh::check(completed_body, good, whsec_secret, at_time(signed_at + 1, 0s)).code ==
          errc::timestamp_too_old);
    // Neither extreme overflows.
    CHECK(wh::check(completed_body, good, whsec_secret, at_time(signed_at, std::chrono::seconds::max())));
    CHECK(wh::check(completed_body, delivery("wh_1", "-9223372036854775808", "v1,x"), whsec_secret,
                    at_time(signed_at))
              .code == errc::timestamp_too_old);
    CHECK(wh::check(completed_body, delivery("wh_1", "9223372036854775807", "v1,x"), whsec_secret,
                    at_time(signed_at))
              .code == errc::timestamp_too_new);
}

TEST_CASE("webhooks: a stale delivery is refused before its signature is looked at", "[webhooks]") {
    // The replay defence: a captured delivery, correctly signed, an hour later.
    auto const v = wh::check(spec_body, delivery(spec_id, spec_timestamp, spec_signature), spec_secret,
                             at_time(1614265330 + 3600));
    CHECK(v.code == errc::timestamp_too_old);
}

TEST_CASE("webhooks: an empty secret or a whsec_ secret that is not base64 is refused", "[webhooks]") {
    auto const good = completed_headers(std::string("v1,").append(whsec_signature));
    for (std::string_view secret : {"", "whsec_", "whsec_not base64!", "whsec_abcde", "whsec_ab=c"}) {
        CAPTURE(secret);
        auto const v = wh::check(completed_body, good, secret, at_time(1719168000));
        CHECK(v.code == errc::invalid_secret);
        CHECK(thrown_code([&] { wh::sign(secret, "wh_1", 1, "{}"); }) == errc::invalid_secret);
    }
    // Unpadded base64 is the same key.
    std::string unpadded(whsec_secret);
    unpadded.pop_back();
    CHECK(wh::check(completed_body, good, unpadded, at_time(1719168000)));
}

TEST_CASE("webhooks: verify throws the verdict as paced::error", "[webhooks]") {
    auto const good = completed_headers(std::string("v1,").append(whsec_signature));
    CHECK(thrown_code([&] { wh::verify(completed_body, good, whsec_secret, at_time(1719168000)); }) ==
          boost::system::error_code{});
    try {
        wh::verify(completed_body, good, whsec_secret, at_time(1719168000 + 301));
        FAIL("verify did not throw");
    } catch (paced::error const& e) {
        CHECK(e.code() == errc::timestamp_too_old);
        CHECK(e.code().category().name() == std::string("paced.webhooks"));
        CHECK(std::string(e.what()).find("too old") != std::string::npos);
    }
}

TEST_CASE("webhooks: every error code has its own message", "[webhooks]") {
    std::set<std::string> messages;
    for (int e = static_cast<int>(errc::missing_header); e <= static_cast<int>(errc::wait_timeout); ++e)
        messages.insert(wh::make_error_code(static_cast<errc>(e)).message());
    CHECK(messages.size() == static_cast<std::size_t>(errc::wait_timeout));
    CHECK(messages.count("unknown webhook error") == 0);
}

TEST_CASE("webhooks: unwrap verifies, then decodes the thin event from the raw body", "[webhooks]") {
    auto const e = wh::unwrap(completed_body, completed_headers(std::string("v1,").append(whsec_signature)),
                              whsec_secret, at_time(1719168000));
    CHECK(e.id == "evt_abc123");
    CHECK(e.type == wh::event_type::response_completed);
    CHECK(e.type.raw == "response.completed");
    CHECK(e.created_at == 1719168000);
    CHECK(e.data.id == "resp_abc123");
    CHECK(e.extra.empty());
    CHECK(e.raw == boost::json::parse(completed_body).as_object());
    CHECK(paced::to_json_string(e) == completed_body);
}

TEST_CASE("webhooks: unwrap refuses a bad delivery before decoding it", "[webhooks]") {
    CHECK(thrown_code([] {
              wh::unwrap("not json", completed_headers(std::string("v1,").append(whsec_signature)),
                         whsec_secret, at_time(1719168000));
          }) == errc::no_matching_signature);
}

TEST_CASE("webhooks: an unknown event type is kept, with the members the SDK does not know", "[webhooks]") {
    constexpr std::string_view body =
        R"({"id":"evt_def456","type":"safety_identifier.blocked","created_at":1719168001,"data":{"safety_category":"x"},"future":true})";
    auto const e =
        wh::unwrap(body, delivery("wh_2", "1719168001", "v1,XceX8YhedExjdRlJWBODxd4LwmhMRVBPEbsp+LNuXrg="),
                   whsec_secret, at_time(1719168001));
    CHECK(e.type == wh::event_type::unknown);
    CHECK(e.type.raw == "safety_identifier.blocked");
    CHECK(e.data.id.empty());
    CHECK(e.data.extra.at("safety_category") == "x");
    CHECK(e.extra.at("future") == true);
    CHECK(e.raw.at("future") == true);
}

TEST_CASE("webhooks: a call event has no data.id and keeps its call_id", "[webhooks]") {
    constexpr std::string_view body =
        R"({"id":"evt_call","object":"event","type":"realtime.call.incoming","created_at":1719168002,"data":{"call_id":"rtc_1","sip_headers":[]}})";
    auto const e =
        wh::unwrap(body, delivery("wh_3", "1719168002", "v1,77lNeJ8NAufeG45lD8ZXb6A5itLh2XDymRG+RmHmtAc="),
                   whsec_secret, at_time(1719168002));
    CHECK(e.type == wh::event_type::realtime_call_incoming);
    CHECK(e.data.id.empty());
    CHECK(e.data.extra.at("call_id") == "rtc_1");
}

TEST_CASE("webhooks: every documented event type has its name", "[webhooks]") {
    for (auto const& [type, name] : std::initializer_list<std::pair<wh::event_type, std::string_view>>{
             {wh::event_type::response_completed, "response.completed"},
             {wh::event_type::response_failed, "response.failed"},
             {wh::event_type::response_cancelled, "response.cancelled"},
             {wh::event_type::response_incomplete, "response.incomplete"},
             {wh::event_type::batch_completed, "batch.completed"},
             {wh::event_type::batch_failed, "batch.failed"},
             {wh::event_type::batch_expired, "batch.expired"},
             {wh::event_type::batch_cancelled, "batch.cancelled"},
             {wh::event_type::eval_run_succeeded, "eval.run.succeeded"},
             {wh::event_type::eval_run_failed, "eval.run.failed"},
             {wh::event_type::eval_run_canceled, "eval.run.canceled"},
             {wh::event_type::fine_tuning_job_succeeded, "fine_tuning.job.succeeded"},
             {wh::event_type::fine_tuning_job_failed, "fine_tuning.job.failed"},
             {wh::event_type::fine_tuning_job_cancelled, "fine_tuning.job.cancelled"},
             {wh::event_type::realtime_call_incoming, "realtime.call.incoming"},
             {wh::event_type::live_call_incoming, "live.call.incoming"}}) {
        CAPTURE(name);
        CHECK(wh::to_string(type) == name);
        auto const body =
            R"({"id":"evt_1","type":")" + std::string(name) + R"(","created_at":1,"data":{"id":"x"}})";
        CHECK(wh::parse_event(body).type == type);
    }
    CHECK(wh::to_string(wh::event_type::unknown).empty());
}

TEST_CASE("webhooks: a body that is not JSON or not an event is invalid_payload, naming the fault",
          "[webhooks]") {
    auto const raw_header = [](std::string_view id, std::string_view sig) {
        return delivery(id, "1719168000", std::string("v1,").append(sig));
    };
    // Each is signed correctly (raw secret), so the verdict is about the payload.
    CHECK(thrown_code([&] {
              wh::unwrap("not json", raw_header("wh_5", "5s+KfJhTl+BVYzO4r0m+Pm7g0HIiXxixGl61AvrdfqI="),
                         raw_secret, at_time(1719168000));
          }) == errc::invalid_payload);
    CHECK(thrown_code([&] {
              wh::unwrap("", raw_header("wh_4", "bQlBqwwTYGC5vho7XGBrgFWIbSrgQShXDtLk2iFJCiw="), raw_secret,
                         at_time(1719168000));
          }) == errc::invalid_payload);
    CHECK(thrown_code([&] {
              wh::unwrap("[1,2]", raw_header("wh_6", "ZaRfi6QlmR/tbs8hqzU+8n360bltr36ZRePBGqwgMRs="),
                         raw_secret, at_time(1719168000));
          }) == errc::invalid_payload);
    try {
        wh::unwrap(R"({"id":"evt_7","created_at":1,"data":{"id":"x"}})",
                   raw_header("wh_7", "zE0rXCPjmbX502HhZLohBAgiybkqskb8CA5239k7CS0="), raw_secret,
                   at_time(1719168000));
        FAIL("unwrap did not throw");
    } catch (paced::error const& e) {
        CHECK(e.code() == errc::invalid_payload);
        CHECK(std::string(e.what()).find("event.type: missing required field") != std::string::npos);
    }
    CHECK(thrown_code([] {
              wh::parse_event(R"({"id":1,"type":"batch.failed","created_at":1,"data":{}})");
          }) == errc::invalid_payload);
    CHECK(thrown_code([] { wh::parse_event(R"({"id":"e","type":"batch.failed","created_at":1})"); }) ==
          errc::invalid_payload);
}

TEST_CASE("webhooks: base64 round trips, with or without padding, and refuses other characters",
          "[webhooks]") {
    using wh::detail::base64_decode;
    using wh::detail::base64_encode;
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_decode("Zg==") == "f");
    CHECK(base64_decode("Zg") == "f");
    CHECK(base64_decode("Zm8=") == "fo");
    CHECK(base64_decode("Zm9vYmFy") == "foobar");
    CHECK(base64_decode("+/+/") == std::string("\xfb\xff\xbf", 3));
    CHECK_FALSE(base64_decode("Z"));
    CHECK_FALSE(base64_decode("Zm9v-_"));
    CHECK_FALSE(base64_decode("Zg=a"));
    CHECK_FALSE(base64_decode("Zg==="));
    std::string all;
    for (int c = 0; c < 256; ++c)
        all += static_cast<char>(c);
    CHECK(base64_decode(base64_encode(all)) == all);
}
