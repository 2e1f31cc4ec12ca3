#include "sinks/signing.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>

namespace sanctwatch::sinks::signing {
namespace {

constexpr std::string_view prefix = "whsec_";
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string hmac_sha256(std::string_view key, std::string_view id, std::int64_t timestamp,
                        std::string_view body) {
  std::string message;
  message.reserve(id.size() + body.size() + 24);
  message.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer.
  static const unsigned char none = 0;
  const auto* k = key.empty() ? &none : reinterpret_cast<const unsigned char*>(key.data());
  HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &len);
  return std::string(reinterpret_cast<const char*>(mac.data()), len);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::size_t pad = 0;
  while (!text.empty() && text.back() == '=' && pad < 2) {
    text.remove_suffix(1);
    ++pad;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  if (pad > 0 && (text.size() + pad) % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero, or two encodings would decode to the same key.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

result<std::string> decode_secret(std::string_view secret) {
  if (secret.empty()) return error{"bad_secret", "webhook secret is empty"};
  if (!secret.starts_with(prefix)) return std::string(secret);
  auto key = base64_decode(secret.substr(prefix.size()));
  if (!key || key->empty())
    return error{"bad_secret", "webhook secret starts with whsec_ but is not valid base64"};
  return std::move(*key);
}

std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp,
                 std::string_view body) {
  return "v1," + base64_encode(hmac_sha256(key, id, timestamp, body));
}

std::string signature_header(const std::vector<std::string>& keys, std::string_view id,
                             std::int64_t timestamp, std::string_view body) {
  std::string out;
  for (const auto& key : keys) {
    if (!out.empty()) out += ' ';
    out += sign(key, id, timestamp, body);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> headers(const std::vector<std::string>& keys,
                                                         std::string_view id,
                                                         std::int64_t timestamp,
                                                         std::string_view body) {
  return {{"webhook-id", std::string(id)},
          {"webhook-timestamp", std::to_string(timestamp)},
          {"webhook-signature", signature_header(keys, id, timestamp, body)}};
}

std::string_view to_string(verify_status s) {
  switch (s) {
    case verify_status::ok:
      return "ok";
    case verify_status::bad_secret:
      return "bad_secret";
    case verify_status::bad_timestamp:
      return "bad_timestamp";
    case verify_status::too_old:
      return "too_old";
    case verify_status::too_new:
      return "too_new";
    case verify_status::no_signature:
      return "no_signature";
    case verify_status::mismatch:
      return "mismatch";
  }
  return "mismatch";
}

verify_status verify(std::string_view secret, std::string_view id, std::string_view timestamp,
                     std::string_view signature_header, std::string_view body,
                     std::chrono::system_clock::time_point now, std::chrono::seconds tolerance) {
  auto key = decode_secret(secret);
  if (!key) return verify_status::bad_secret;
  std::int64_t ts = 0;
  const auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (timestamp.empty() || ec != std::errc{} || end != timestamp.data() + timestamp.size())
    return verify_status::bad_timestamp;
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (ts < now_s - tolerance.count()) return verify_status::too_old;
  if (ts > now_s + tolerance.count()) return verify_status::too_new;

  const std::string expected = base64_encode(hmac_sha256(*key, id, ts, body));
  bool any = false;
  while (!signature_header.empty()) {
    const auto space = signature_header.find(' ');
    const std::string_view entry = signature_header.substr(0, space);
    signature_header.remove_prefix(space == std::string_view::npos ? signature_header.size()
                                                                   : space + 1);
    if (!entry.starts_with("v1,")) continue;
    any = true;
    const std::string_view sig = entry.substr(3);
    // Constant time, so a forger learns nothing from how long a wrong guess took.
    if (sig.size() == expected.size() &&
        CRYPTO_memcmp(sig.data(), expected.data(), sig.size()) == 0)
      return verify_status::ok;
  }
  return any ? verify_status::mismatch : verify_status::no_signature;
}

}  // namespace sanctwatch::sinks::signing
