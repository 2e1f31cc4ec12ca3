#pragma once
/// Stable, non-cryptographic content hashes for identities (item ids without guid,
/// alert ids). Stable across runs, builds and machines: never std::hash.

#include <cstdint>
#include <string>
#include <string_view>

namespace sanctwatch {

/// 64-bit FNV-1a.
constexpr std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// 16 lowercase hex digits.
std::string hex64(std::uint64_t v);

/// `n` bytes as 2n lowercase hex digits (digests, random ids).
std::string hex_bytes(const unsigned char* p, std::size_t n);

}  // namespace sanctwatch
