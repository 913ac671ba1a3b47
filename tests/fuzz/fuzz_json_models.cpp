// libFuzzer target: decoding any bytes as any model either succeeds or throws errc::unexpected_json,
// never crashes; and what decodes survives a round trip (encode, decode, encode gives the same JSON),
// so nothing the server sent is lost, unknown fields and enum values included.
//
// The first input byte picks the model, the rest is the response body.
#include <paced/error.hpp>
#include <paced/types/assistant.hpp>
#include <paced/types/common.hpp>
#include <paced/types/file.hpp>
#include <paced/types/message.hpp>
#include <paced/types/run.hpp>
#include <paced/types/run_step.hpp>
#include <paced/types/stream_delta.hpp>
#include <paced/types/thread.hpp>
#include <paced/types/vector_store.hpp>

// Boost.JSON compiled into this target, with the fuzzer's instrumentation.
#include <boost/json/src.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

template <class T>
void check(std::string_view body) {
    T decoded;
    try {
        decoded = paced::parse_json<T>(body);
    } catch (paced::error const& e) {
        if (e.code() != paced::errc::unexpected_json) {
            std::fprintf(stderr, "decoding failed with %s instead of unexpected_json\n",
                         e.code().message().c_str());
            std::abort();
        }
        return;
    }
    auto const first = paced::to_json(decoded);
    auto const again = paced::to_json(paced::from_json<T>(first));
    if (first != again) {
        std::fprintf(stderr, "round trip changed the model:\n%s\n%s\n", boost::json::serialize(first).c_str(),
                     boost::json::serialize(again).c_str());
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    if (size == 0)
        return 0;
    std::string_view const body(reinterpret_cast<char const*>(data) + 1, size - 1);
    switch (data[0] % 12) {
    case 0:
        check<paced::run>(body);
        break;
    case 1:
        check<paced::message>(body);
        break;
    case 2:
        check<paced::run_step>(body);
        break;
    case 3:
        check<paced::assistant>(body);
        break;
    case 4:
        check<paced::thread>(body);
        break;
    case 5:
        check<paced::file>(body);
        break;
    case 6:
        check<paced::vector_store>(body);
        break;
    case 7:
        check<paced::vector_store_file>(body);
        break;
    case 8:
        check<paced::message_delta_object>(body);
        break;
    case 9:
        check<paced::run_step_delta_object>(body);
        break;
    case 10:
        check<paced::error_body>(body);
        break;
    default:
        check<paced::list_page<paced::message>>(body);
        break;
    }
    return 0;
}
