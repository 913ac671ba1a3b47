// libFuzzer target: the SSE parser must give the same events, the same limit errors and the same
// end-of-stream verdict however the bytes are split, and never crash or grow past its limits.
#include "sansio/sse_parser.hpp"

#include <paced/error.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

using paced::sansio::sse_event;
using paced::sansio::sse_limits;
using paced::sansio::sse_parser;

namespace {

struct outcome {
    std::vector<sse_event> events;
    bool threw = false;
    bool mid_event = false;
};

/// Feeds `input` in chunks whose sizes cycle through `sizes` (0 = everything at once).
outcome run(std::string_view input, sse_limits limits, std::string_view sizes) {
    outcome o;
    sse_parser p{limits};
    try {
        std::size_t k = 0;
        while (!input.empty()) {
            std::size_t n = input.size();
            if (!sizes.empty()) {
                n = static_cast<unsigned char>(sizes[k++ % sizes.size()]) % 17;
                if (n == 0) {
                    p.feed({}, o.events); // an empty read must change nothing
                    n = 1;
                }
            }
            n = std::min(n, input.size());
            p.feed(input.substr(0, n), o.events);
            input.remove_prefix(n);
        }
    } catch (paced::error const& e) {
        if (e.code() != paced::errc::invalid_response)
            std::abort();
        o.threw = true;
    }
    o.mid_event = p.finish();
    return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    if (size < 4)
        return 0;
    // Header: small limits or the defaults, then three chunk-size bytes.
    bool const small = (data[0] & 1) != 0;
    sse_limits const limits = small ? sse_limits{.max_line = 32, .max_event = 96} : sse_limits{};
    std::string_view const sizes{reinterpret_cast<char const*>(data + 1), 3};
    std::string_view const input{reinterpret_cast<char const*>(data + 4), size - 4};

    outcome const whole = run(input, limits, {});
    outcome const split = run(input, limits, sizes);
    if (whole.threw != split.threw || whole.events != split.events)
        std::abort();
    if (!whole.threw && whole.mid_event != split.mid_event)
        std::abort();
    for (auto const& e : whole.events) {
        if (e.data.size() + e.event.size() + e.id.size() > limits.max_event)
            std::abort();
        if (e.data.find('\r') != std::string::npos || e.event.find('\n') != std::string::npos)
            std::abort();
    }
    return 0;
}
