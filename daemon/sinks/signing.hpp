#pragma once
/// Standard Webhooks signatures (https://www.standardwebhooks.com, docs/alerts.md): a sender
/// signs "{id}.{timestamp}.{body}" with HMAC-SHA256 and sends
///   webhook-id: <id>
///   webhook-timestamp: <unix seconds>
///   webhook-signature: v1,<base64 signature> [v1,<base64 signature> ...]
/// One signature per active secret, space-separated, so a receiver can rotate keys: it
/// accepts the message when any of them verifies with a key it holds.
///
/// Secrets: "whsec_<base64>" (the spec's form) is base64-decoded to the HMAC key. Any other
/// string is used as the key as it is, byte for byte (for receivers that configure a plain
/// shared password; both ends must then use the same raw bytes).
///
/// Pure functions, no state: safe from any thread. Nothing here logs, and no error
/// message ever contains a secret or a key.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sanctwatch::sinks::signing {

/// The HMAC key of a configured secret; fails (without quoting it) on a "whsec_" secret
/// whose base64 is malformed or empty, and on an empty secret.
result<std::string> decode_secret(std::string_view secret);

/// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" for one key (a decoded secret).
std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp,
                 std::string_view body);

/// The webhook-signature value for several keys: their signatures, space-separated.
std::string signature_header(const std::vector<std::string>& keys, std::string_view id,
                             std::int64_t timestamp, std::string_view body);

/// The three Standard Webhooks headers of one attempt, in sending order.
std::vector<std::pair<std::string, std::string>> headers(const std::vector<std::string>& keys,
                                                         std::string_view id,
                                                         std::int64_t timestamp,
                                                         std::string_view body);

enum class verify_status {
  ok,
  bad_secret,     ///< the receiver's secret is malformed
  bad_timestamp,  ///< webhook-timestamp is not a decimal number of seconds
  too_old,        ///< older than the tolerance: a replay, or a badly skewed clock
  too_new,        ///< further in the future than the tolerance
  no_signature,   ///< webhook-signature holds no "v1," entry
  mismatch,       ///< no v1 signature matches (wrong secret, or altered id/time/body)
};
std::string_view to_string(verify_status s);

/// What a receiver does with one request: checks the timestamp against `now` within
/// `tolerance` (replay protection; the spec suggests 5 minutes), then compares every v1
/// signature in `signature_header` with its own in constant time. `secret` is in the
/// same form as the sender's (whsec_ or raw). Unknown versions ("v1a,...") are skipped.
verify_status verify(std::string_view secret, std::string_view id, std::string_view timestamp,
                     std::string_view signature_header, std::string_view body,
                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
                     std::chrono::seconds tolerance = std::chrono::minutes{5});

/// Standard base64 (RFC 4648 section 4, padded).
std::string base64_encode(std::string_view bytes);
/// Strict standard base64: padding optional, no whitespace; nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sanctwatch::sinks::signing
