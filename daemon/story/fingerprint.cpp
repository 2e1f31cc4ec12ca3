#include "story/fingerprint.hpp"

#include <algorithm>
#include <limits>

#include "core/hash.hpp"
#include "text/normalize.hpp"
#include "text/segment.hpp"

namespace sanctwatch::story {
namespace {

// MurmurHash3's 64-bit finalizer: FNV-1a alone leaves the high bits of short inputs poorly
// mixed, and every MinHash "permutation" needs all 64 bits to be.
constexpr std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// One seed per signature value, fixed forever (stored signatures depend on them).
constexpr std::array<std::uint64_t, signature_size> make_seeds() {
  std::array<std::uint64_t, signature_size> s{};
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (auto& v : s) {
    x += 0x9e3779b97f4a7c15ULL;
    v = mix(x);
  }
  return s;
}
constexpr auto seeds = make_seeds();

}  // namespace

std::string story_text(const item& it) {
  const std::string& body = it.content.size() >= it.summary.size() ? it.content : it.summary;
  return it.title + "\n" + body;
}

signature fingerprint(std::string_view utf8) {
  const std::string norm = text::normalize_text(utf8);
  const auto ws = text::words(norm);
  if (ws.size() < 3 || ws.size() - 2 < min_shingles) return {};
  auto word = [&](std::size_t i) {
    return std::string_view(norm).substr(ws[i].start, ws[i].end - ws[i].start);
  };
  // Distinct shingle hashes: the signature describes the set, so repeats change nothing.
  std::vector<std::uint64_t> shingles;
  shingles.reserve(ws.size() - 2);
  for (std::size_t i = 0; i + 2 < ws.size(); ++i) {
    std::uint64_t h = fnv1a64(word(i));
    h = fnv1a64(word(i + 1), fnv1a64(" ", h));
    h = fnv1a64(word(i + 2), fnv1a64(" ", h));
    shingles.push_back(mix(h));
  }
  std::sort(shingles.begin(), shingles.end());
  shingles.erase(std::unique(shingles.begin(), shingles.end()), shingles.end());
  if (shingles.size() < min_shingles) return {};
  signature sig(signature_size, std::numeric_limits<std::uint32_t>::max());
  for (const std::uint64_t s : shingles)
    for (std::size_t k = 0; k < signature_size; ++k)
      sig[k] = std::min(sig[k], static_cast<std::uint32_t>(mix(s ^ seeds[k]) >> 32));
  return sig;
}

double similarity(const signature& a, const signature& b) {
  if (a.size() != signature_size || b.size() != signature_size) return 0;
  std::size_t same = 0;
  for (std::size_t k = 0; k < signature_size; ++k) same += a[k] == b[k];
  return static_cast<double>(same) / signature_size;
}

std::vector<std::int64_t> band_keys(const signature& s) {
  std::vector<std::int64_t> out;
  if (s.size() != signature_size) return out;
  out.reserve(bands);
  for (std::size_t b = 0; b < bands; ++b) {
    std::uint64_t h = mix(b + 1);
    for (std::size_t r = 0; r < rows; ++r) h = mix(h ^ s[b * rows + r]) + r;
    out.push_back(static_cast<std::int64_t>(h));
  }
  return out;
}

std::string to_bytes(const signature& s) {
  std::string out;
  out.reserve(s.size() * 4);
  for (const std::uint32_t v : s)
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

signature from_bytes(std::string_view bytes) {
  if (bytes.size() != signature_size * 4) return {};
  signature s(signature_size);
  for (std::size_t k = 0; k < signature_size; ++k)
    for (int i = 0; i < 4; ++i)
      s[k] |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k * 4 + i])) << (8 * i);
  return s;
}

}  // namespace sanctwatch::story
