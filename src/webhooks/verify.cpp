// Webhook verification, as the official SDKs do it (PY lib/_webhooks.py, NODE lib/webhook-signature.ts,
// GO webhooks/webhook_helpers.go): headers, timestamp window, key, HMAC-SHA256, any matching entry.

#include "webhooks/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>

namespace paced::webhooks {
namespace {

class webhook_category final : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "paced.webhooks"; }

    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::missing_header:
            return "webhook header missing";
        case errc::invalid_timestamp:
            return "webhook timestamp is not an integer";
        case errc::timestamp_too_old:
            return "webhook timestamp is too old";
        case errc::timestamp_too_new:
            return "webhook timestamp is too new";
        case errc::no_matching_signature:
            return "no webhook signature matches";
        case errc::invalid_secret:
            return "invalid webhook secret";
        case errc::invalid_payload:
            return "webhook body is not an event";
        case errc::wait_timeout:
            return "no webhook event before the timeout";
        }
        return "unknown webhook error";
    }
};

verdict refuse(errc e, std::string message) {
    return {make_error_code(e), std::move(message)};
}

constexpr std::string_view webhook_base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The value of a base64 character, or -1.
int webhook_base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

} // namespace

boost::system::error_category const& error_category() noexcept {
    static webhook_category const instance;
    return instance;
}

namespace detail {

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        auto const n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
        out += webhook_base64_alphabet[n >> 18 & 63];
        out += webhook_base64_alphabet[n >> 12 & 63];
        out += webhook_base64_alphabet[n >> 6 & 63];
        out += webhook_base64_alphabet[n & 63];
    }
    if (auto const rest = bytes.size() - i; rest > 0) {
        unsigned n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2)
            n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += webhook_base64_alphabet[n >> 18 & 63];
        out += webhook_base64_alphabet[n >> 12 & 63];
        out += rest == 2 ? webhook_base64_alphabet[n >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    // Padding is optional, but when present it completes the last group of four.
    if (text.size() % 4 == 0 && text.ends_with("=="))
        text.remove_suffix(2);
    else if (text.size() % 4 == 0 && text.ends_with('='))
        text.remove_suffix(1);
    if (text.size() % 4 == 1)
        return std::nullopt; // one character carries 6 bits: not a whole byte
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned bits = 0;
    int held = 0;
    for (char c : text) {
        int const v = webhook_base64_value(c);
        if (v < 0)
            return std::nullopt;
        bits = (bits << 6 | static_cast<unsigned>(v)) & 0xffffff;
        held += 6;
        if (held >= 8) {
            held -= 8;
            out += static_cast<char>(bits >> held & 0xff);
        }
    }
    return out;
}

verdict decode_secret(std::string_view secret, std::string& key) {
    if (secret.empty())
        return refuse(errc::invalid_secret, "webhook: the secret is empty (set OPENAI_WEBHOOK_SECRET)");
    constexpr std::string_view prefix = "whsec_";
    if (!secret.starts_with(prefix)) {
        key.assign(secret);
        return {};
    }
    auto decoded = base64_decode(secret.substr(prefix.size()));
    if (!decoded)
        return refuse(errc::invalid_secret, "webhook: the secret after 'whsec_' is not base64");
    if (decoded->empty())
        return refuse(errc::invalid_secret, "webhook: the secret 'whsec_' holds no key");
    key = std::move(*decoded);
    return {};
}

std::string expected_signature(std::string_view key, std::string_view webhook_id, std::string_view timestamp,
                               std::string_view body) {
    std::string signed_content;
    signed_content.reserve(webhook_id.size() + timestamp.size() + body.size() + 2);
    signed_content.append(webhook_id).append(".").append(timestamp).append(".").append(body);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned mac_size = 0;
    // Keys longer than INT_MAX bytes do not exist in practice; HMAC() takes an int.
    HMAC(EVP_sha256(), key.data(), static_cast<int>(std::min<std::size_t>(key.size(), INT_MAX)),
         reinterpret_cast<unsigned char const*>(signed_content.data()), signed_content.size(), mac.data(),
         &mac_size);
    return base64_encode(std::string_view(reinterpret_cast<char const*>(mac.data()), mac_size));
}

verdict check_with_key(std::string_view body, header_list const& headers, std::string_view key,
                       verify_options const& options) {
    auto const required = [&](std::string_view name) -> std::optional<std::string_view> {
        auto const v = headers.find(name);
        if (!v || v->empty())
            return std::nullopt;
        return v;
    };
    auto const id = required("webhook-id");
    auto const timestamp = required("webhook-timestamp");
    auto const signatures = required("webhook-signature");
    for (auto const& [value, name] : {std::pair{id, "webhook-id"}, std::pair{timestamp, "webhook-timestamp"},
                                      std::pair{signatures, "webhook-signature"}})
        if (!value)
            return refuse(errc::missing_header, std::string("webhook: missing header '") + name + "'");

    std::int64_t ts = 0;
    auto const* const first = timestamp->data();
    auto const* const last = first + timestamp->size();
    auto const parsed = std::from_chars(first, last, ts);
    if (parsed.ec != std::errc{} || parsed.ptr != last)
        return refuse(errc::invalid_timestamp,
                      "webhook: invalid timestamp '" + std::string(timestamp->substr(0, 32)) + "'");
    auto const now =
        std::chrono::floor<std::chrono::seconds>(options.now.value_or(std::chrono::system_clock::now()))
            .time_since_epoch()
            .count();
    // A negative tolerance accepts nothing but `now` itself; a vast one must not overflow the window.
    auto const tolerance = std::clamp<std::int64_t>(options.tolerance.count(), 0, std::int64_t{1} << 40);
    // Compared without subtracting from `ts`, which may be any 64-bit value; the messages give both times.
    auto const window = " (now " + std::to_string(now) + ", tolerance " + std::to_string(tolerance) + " s)";
    if (ts < now - tolerance)
        return refuse(errc::timestamp_too_old,
                      "webhook: timestamp " + std::to_string(ts) + " is too old" + window);
    if (ts > now + tolerance)
        return refuse(errc::timestamp_too_new,
                      "webhook: timestamp " + std::to_string(ts) + " is too new" + window);

    auto const expected = expected_signature(key, *id, *timestamp, body);
    bool matched = false;
    std::string_view rest = *signatures;
    for (;;) {
        auto const space = rest.find(' ');
        auto entry = rest.substr(0, space);
        if (entry.starts_with("v1,"))
            entry.remove_prefix(3);
        // Every entry is compared, even after a match, so that the time taken does not say which matched.
        if (entry.size() == expected.size() &&
            CRYPTO_memcmp(entry.data(), expected.data(), expected.size()) == 0)
            matched = true;
        if (space == std::string_view::npos)
            break;
        rest.remove_prefix(space + 1);
    }
    if (!matched)
        return refuse(errc::no_matching_signature, "webhook: no signature matches the expected signature");
    return {};
}

} // namespace detail

verdict check(std::string_view body, header_list const& headers, std::string_view secret,
              verify_options const& options) {
    std::string key;
    if (auto v = detail::decode_secret(secret, key); !v)
        return v;
    return detail::check_with_key(body, headers, key, options);
}

void verify(std::string_view body, header_list const& headers, std::string_view secret,
            verify_options const& options) {
    auto v = check(body, headers, secret, options);
    if (!v)
        throw paced::error(v.code, std::move(v.message));
}

std::string sign(std::string_view secret, std::string_view webhook_id, std::int64_t timestamp,
                 std::string_view body) {
    std::string key;
    if (auto v = detail::decode_secret(secret, key); !v)
        throw paced::error(v.code, std::move(v.message));
    return "v1," + detail::expected_signature(key, webhook_id, std::to_string(timestamp), body);
}

} // namespace paced::webhooks
