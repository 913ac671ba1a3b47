#pragma once
// The pieces of webhook verification the receiver reuses: the secret decoded once, and the check against
// an already decoded key (so that a receiver does not decode its secret for every delivery).

#include <paced/webhooks.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace paced::webhooks::detail {

/// Standard base64 (RFC 4648 section 4, `+/`), with padding.
std::string base64_encode(std::string_view bytes);
/// Standard base64 with or without its padding; nullopt for any other character or a bad length.
std::optional<std::string> base64_decode(std::string_view text);

/// The HMAC key of a secret: the decoded rest of `whsec_…`, or the secret's bytes. A verdict with
/// errc::invalid_secret when the secret is empty or its base64 is bad.
verdict decode_secret(std::string_view secret, std::string& key);

/// `check` with the key already decoded.
verdict check_with_key(std::string_view body, header_list const& headers, std::string_view key,
                       verify_options const& options);

/// base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), the timestamp as its header text.
std::string expected_signature(std::string_view key, std::string_view webhook_id, std::string_view timestamp,
                               std::string_view body);

} // namespace paced::webhooks::detail
