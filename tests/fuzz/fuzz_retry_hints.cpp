// libFuzzer target: retry hints (headers, HTTP-dates, "try again in" text) and the retry policy over them.
// Hints are never negative or above the clamp; a retry never waits longer than max_server_delay.
#include "sansio/retry_hints.hpp"
#include "sansio/retry_policy.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace paced::sansio;

namespace {

void check_hint(std::optional<std::chrono::milliseconds> const& h) {
    if (h && (h->count() < 0 || *h > max_retry_hint))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    if (size < 6)
        return 0;
    auto const kind = static_cast<failure_kind>(data[0] % 6);
    unsigned const status = 100u + (static_cast<unsigned>(data[1]) << 8 | data[2]) % 500u;
    int const retries_done = data[3] % 5 - 1;
    bool const idempotent = (data[4] & 1) != 0;
    double const u = data[5] / 255.0;
    std::string_view input{reinterpret_cast<char const*>(data + 6), size - 6};

    // Split the rest at NULs: retry-after-ms, retry-after, x-should-retry, error code, message.
    std::string_view parts[5];
    for (auto& part : parts) {
        auto const z = input.find('\0');
        part = input.substr(0, z);
        input = z == std::string_view::npos ? std::string_view{} : input.substr(z + 1);
    }
    paced::header_list headers;
    if (!parts[0].empty())
        headers.add("retry-after-ms", std::string{parts[0]});
    if (!parts[1].empty())
        headers.add("retry-after", std::string{parts[1]});
    if (!parts[2].empty())
        headers.add("x-should-retry", std::string{parts[2]});

    auto const now = std::chrono::system_clock::time_point{} + std::chrono::hours{24 * 365 * 56};
    check_hint(parse_retry_after(headers, parts[4], now));
    check_hint(parse_try_again_in(parts[4]));
    (void)parse_http_date(parts[1]);
    (void)parse_decimal(parts[0]);

    attempt_failure const f{kind, status, &headers, parts[3], parts[4]};
    retry_options const options{};
    auto const d = decide_retry(f, retries_done, idempotent, options, now, u);
    if (d.reason.empty() || d.delay.count() < 0)
        std::abort();
    if (d.retry && (d.delay > options.max_server_delay || d.ambiguous || retries_done >= options.max_retries))
        std::abort();
    if (d.retry && !idempotent && kind != failure_kind::http_status && kind != failure_kind::connect_failed)
        std::abort();
    if (d.ambiguous && idempotent)
        std::abort();
    return 0;
}
