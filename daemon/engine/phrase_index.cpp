#include "engine/phrase_index.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstring>
#include <tuple>
#include <unordered_map>

#include "engine/compile.hpp"
#include "engine/ruleset.hpp"
#include "engine/utf8.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sanctwatch::engine::detail {
namespace {

constexpr std::uint64_t k_mul = 0x9E3779B97F4A7C15ull;

// k_keep[k] keeps the first k bytes of a little-endian 8-byte load.
constexpr auto k_keep = [] {
  std::array<std::uint64_t, 9> m{};
  for (int k = 0; k < 8; ++k) m[k] = (std::uint64_t(1) << (8 * k)) - 1;
  m[8] = ~std::uint64_t(0);
  return m;
}();

// A word's first 16 bytes as two integers, zero-padded.
struct word_key {
  std::uint64_t head = 0, head2 = 0;
};

// Two plain loads and masks where 16 bytes can be read before `end` (nearly every word), so
// looking a word up costs no branch on its length.
inline word_key key_of(const char* p, std::size_t n, const char* end) {
  word_key k;
  const std::size_t n1 = std::min<std::size_t>(n, 8);
  const std::size_t n2 = std::min<std::size_t>(n > 8 ? n - 8 : 0, 8);
  if constexpr (std::endian::native == std::endian::little) {
    if (end - p >= 16) {
      std::memcpy(&k.head, p, 8);
      std::memcpy(&k.head2, p + 8, 8);
      k.head &= k_keep[n1];
      k.head2 &= k_keep[n2];
      return k;
    }
  }
  std::memcpy(&k.head, p, n1);
  if (n2 > 0) std::memcpy(&k.head2, p + 8, n2);
  return k;
}

inline std::uint64_t hash_word(const word_key& k, const char* p, std::size_t n) {
  std::uint64_t h =
      (k.head ^ (n * 0xC2B2AE3D27D4EB4Full)) * k_mul + k.head2 * 0x165667B19E3779F9ull;
  for (std::size_t i = 16; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * k_mul;
  h ^= h >> 29;
  return h * k_mul;
}

// A slot's tag: hash bits the index does not use, never 0 (an empty slot).
inline std::uint8_t tag_of(std::uint64_t h) { return std::uint8_t(h) | 1u; }

inline std::uint32_t first3(const char* p) {
  return std::uint32_t(static_cast<unsigned char>(p[0])) |
         std::uint32_t(static_cast<unsigned char>(p[1])) << 8 |
         std::uint32_t(static_cast<unsigned char>(p[2])) << 16;
}

// Bit index of a word's first three bytes in the root-prefix filter.
inline std::uint32_t prefix3_bit_of(std::uint32_t first3) {
  return std::uint32_t((std::uint64_t(first3) * k_mul) >> 48);
}
inline std::uint32_t prefix3_bit(const char* p) { return prefix3_bit_of(first3(p)); }

// Sets bit i of `bits` when byte i of `t` belongs to a word character (is_word_cp): 64 bytes at
// a time, ASCII by compares, other characters decoded one by one.
void word_bits(std::string_view t, std::vector<std::uint64_t>& bits) {
  const std::size_t n = t.size();
  const std::size_t chunks = (n + 63) / 64;
  bits.assign(chunks + 1, 0);
  const auto* s = reinterpret_cast<const unsigned char*>(t.data());
  for (std::size_t c = 0; c < chunks; ++c) {
    const unsigned char* p = s + 64 * c;
    unsigned char tail[64];
    if (64 * c + 64 > n) {
      std::memset(tail, ' ', sizeof tail);
      std::memcpy(tail, p, n - 64 * c);
      p = tail;
    }
    std::uint64_t word = 0, high = 0;
#if defined(__SSE2__)
    const __m128i case_bit = _mm_set1_epi8(0x20);
    const __m128i before_0 = _mm_set1_epi8('0' - 1), after_9 = _mm_set1_epi8('9' + 1);
    const __m128i before_a = _mm_set1_epi8('a' - 1), after_z = _mm_set1_epi8('z' + 1);
    for (int k = 0; k < 4; ++k) {
      // Signed compares: bytes >= 0x80 are negative, so neither digits nor letters here.
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      const __m128i lower = _mm_or_si128(v, case_bit);
      const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, before_0), _mm_cmplt_epi8(v, after_9));
      const __m128i letter =
          _mm_and_si128(_mm_cmpgt_epi8(lower, before_a), _mm_cmplt_epi8(lower, after_z));
      word |= std::uint64_t(std::uint16_t(_mm_movemask_epi8(_mm_or_si128(digit, letter))))
              << (16 * k);
      high |= std::uint64_t(std::uint16_t(_mm_movemask_epi8(v))) << (16 * k);
    }
#else
    for (int k = 0; k < 64; ++k) {
      const unsigned char b = p[k];
      if (b >= 0x80)
        high |= std::uint64_t(1) << k;
      else if (std::isalnum(b))
        word |= std::uint64_t(1) << k;
    }
#endif
    bits[c] |= word;
    for (; high != 0; high &= high - 1) {
      const std::size_t pos = 64 * c + std::size_t(std::countr_zero(high));
      if ((s[pos] & 0xC0) == 0x80) continue;  // continuation byte: marked with its lead
      std::size_t q = pos;
      if (!is_word_cp(utf8_decode(t, q))) continue;
      for (std::size_t x = pos; x < q; ++x) bits[x >> 6] |= std::uint64_t(1) << (x & 63);
    }
  }
}

}  // namespace

std::uint32_t phrase_index::lookup(const char* p, std::size_t n, const char* end) const {
  const word_key k = key_of(p, n, end);
  const std::uint64_t h = hash_word(k, p, n);
  const std::uint8_t tag = tag_of(h);
  for (std::uint64_t i = h >> slot_shift_;; i = (i + 1) & slot_mask_) {
    const std::uint8_t t = tags_[i];
    if (t == 0) return 0;
    if (t != tag) continue;
    const slot& s = slots_[i];
    if (((s.head ^ k.head) | (s.head2 ^ k.head2) | (s.len ^ n)) == 0 &&
        (n <= 16 || std::memcmp(pool_.data() + token_off_[s.id] + 16, p + 16, n - 16) == 0))
      return s.id;
  }
}

std::uint32_t phrase_index::token_id(std::string_view w, bool add) {
  const char* end = w.data() + w.size();
  if (std::uint32_t id = lookup(w.data(), w.size(), end); id != 0 || !add) return id;
  const auto id = static_cast<std::uint32_t>(token_off_.size());
  token_off_.push_back(static_cast<std::uint32_t>(pool_.size()));
  token_len_.push_back(static_cast<std::uint32_t>(w.size()));
  pool_.append(w);
  root_child_.push_back(0);
  const word_key k = key_of(w.data(), w.size(), end);
  const std::uint64_t h = hash_word(k, w.data(), w.size());
  std::uint64_t i = h >> slot_shift_;
  while (tags_[i] != 0) i = (i + 1) & slot_mask_;
  tags_[i] = tag_of(h);
  slots_[i] = {k.head, k.head2, static_cast<std::uint32_t>(w.size()), id};
  return id;
}

std::uint32_t phrase_index::child(std::uint32_t node, std::uint32_t token) const {
  if (edges_.empty()) return 0;
  const std::uint64_t key = std::uint64_t(node) << 32 | token;
  for (std::uint64_t i = (key * k_mul) >> edge_shift_;; i = (i + 1) & edge_mask_) {
    const edge_slot& s = edges_[i];
    if (s.key == key) return s.child;
    if (s.key == 0) return 0;
  }
}

void phrase_index::add_edge(std::uint32_t node, std::uint32_t token, std::uint32_t c) {
  const std::uint64_t key = std::uint64_t(node) << 32 | token;
  std::uint64_t i = (key * k_mul) >> edge_shift_;
  while (edges_[i].key != 0) i = (i + 1) & edge_mask_;
  edges_[i] = {key, c};
}

void phrase_index::build(const std::vector<atom>& atoms) {
  *this = phrase_index{};
  std::vector<std::string_view> distinct;
  for (const auto& a : atoms)
    if (a.type == atom::kind::phrase)
      distinct.insert(distinct.end(), a.tokens.begin(), a.tokens.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::size_t cap = 64;
  int bits = 6;
  while (cap < distinct.size() * 8) cap *= 2, ++bits;
  tags_.assign(cap, 0);
  slots_.assign(cap, {});
  slot_mask_ = cap - 1;
  slot_shift_ = 64 - bits;
  token_off_.push_back(0);  // id 0: no token
  token_len_.push_back(0);
  root_child_.push_back(0);

  // Trie under construction; flattened below.
  std::vector<std::vector<std::uint32_t>> node_atoms(1);
  std::vector<std::vector<prefix_edge>> node_prefixes(1);
  std::unordered_map<std::uint64_t, std::uint32_t> exact;
  auto new_node = [&] {
    node_atoms.emplace_back();
    node_prefixes.emplace_back();
    return static_cast<std::uint32_t>(node_atoms.size() - 1);
  };
  std::unordered_map<std::uint32_t, std::uint32_t> root_prefix_child;  // token -> node
  for (std::uint32_t ai = 0; ai < atoms.size(); ++ai) {
    const atom& a = atoms[ai];
    if (a.type != atom::kind::phrase || a.tokens.empty()) continue;
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < a.tokens.size(); ++k) {
      const std::uint32_t tok = token_id(a.tokens[k], true);
      std::uint32_t next = 0;
      if (a.prefix[k] && n == 0) {
        auto [it, fresh] = root_prefix_child.try_emplace(tok, 0);
        if (fresh) it->second = new_node();
        next = it->second;
      } else if (a.prefix[k]) {
        for (const auto& e : node_prefixes[n])
          if (e.token == tok) next = e.child;
        if (next == 0) {
          next = new_node();
          node_prefixes[n].push_back({tok, next});
        }
      } else if (n == 0) {
        next = root_child_[tok];
        if (next == 0) next = root_child_[tok] = new_node();
      } else {
        auto [it, fresh] = exact.try_emplace(std::uint64_t(n) << 32 | tok, 0);
        if (fresh) it->second = new_node();
        next = it->second;
      }
      n = next;
    }
    if (std::find(node_atoms[n].begin(), node_atoms[n].end(), ai) == node_atoms[n].end())
      node_atoms[n].push_back(ai);
  }

  nodes_.resize(node_atoms.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    node& nd = nodes_[i];
    nd.atoms_begin = static_cast<std::uint32_t>(atoms_.size());
    atoms_.insert(atoms_.end(), node_atoms[i].begin(), node_atoms[i].end());
    nd.atoms_end = static_cast<std::uint32_t>(atoms_.size());
    nd.prefix_begin = static_cast<std::uint32_t>(prefix_edges_.size());
    prefix_edges_.insert(prefix_edges_.end(), node_prefixes[i].begin(), node_prefixes[i].end());
    nd.prefix_end = static_cast<std::uint32_t>(prefix_edges_.size());
  }
  cap = 16;
  bits = 4;
  while (cap < 2 * exact.size()) cap *= 2, ++bits;
  edges_.assign(exact.empty() ? 0 : cap, {});
  edge_mask_ = cap - 1;
  edge_shift_ = 64 - bits;
  for (const auto& [key, c] : exact) {
    nodes_[key >> 32].has_children = true;
    add_edge(std::uint32_t(key >> 32), std::uint32_t(key), c);
  }

  prefix3_.assign(std::size_t(1) << 10, 0);  // 64 Kbit
  for (const auto& [tok, c] : root_prefix_child) {
    // Prefix tokens have at least three bytes (make_phrase_atom); shorter ones never get here.
    if (token_len_[tok] < 3) continue;
    const char* p = pool_.data() + token_off_[tok];
    const std::uint32_t b = prefix3_bit(p);
    prefix3_[b >> 6] |= std::uint64_t(1) << (b & 63);
    root_prefixes_.push_back({first3(p), tok, c});
  }
  std::sort(root_prefixes_.begin(), root_prefixes_.end(),
            [](const root_prefix& x, const root_prefix& y) {
              return std::tie(x.first3, x.token) < std::tie(y.first3, y.token);
            });
  cap = 16;
  while (cap < 4 * root_prefixes_.size()) cap *= 2;
  prefix_buckets_.assign(cap, {});
  for (std::uint32_t k = 0; k < root_prefixes_.size();) {
    std::uint32_t e = k;
    while (e < root_prefixes_.size() && root_prefixes_[e].first3 == root_prefixes_[k].first3) ++e;
    std::size_t i = prefix3_bit_of(root_prefixes_[k].first3) & (cap - 1);
    while (prefix_buckets_[i].first3 != 0) i = (i + 1) & (cap - 1);
    prefix_buckets_[i] = {root_prefixes_[k].first3, k, e};
    k = e;
  }
}

bool phrase_index::starts_with_token(std::string_view text, const text_word& w,
                                     std::uint32_t token) const {
  const std::uint32_t n = token_len_[token];
  return w.end - w.start >= n &&
         std::memcmp(text.data() + w.start, pool_.data() + token_off_[token], n) == 0;
}

void phrase_index::walk(std::string_view text, const text_word* words, std::size_t count,
                        std::size_t i, std::uint32_t n, std::uint32_t start,
                        std::vector<phrase_hit>& out, std::size_t max_hits) const {
  const node& nd = nodes_[n];
  for (std::uint32_t k = nd.atoms_begin; k < nd.atoms_end && out.size() < max_hits; ++k)
    out.push_back({atoms_[k], start, words[i].end});
  if (i + 1 >= count) return;
  const text_word& next = words[i + 1];
  if (nd.has_children && next.id != 0)
    if (std::uint32_t c = child(n, next.id))
      walk(text, words, count, i + 1, c, start, out, max_hits);
  for (std::uint32_t k = nd.prefix_begin; k < nd.prefix_end; ++k)
    if (starts_with_token(text, next, prefix_edges_[k].token))
      walk(text, words, count, i + 1, prefix_edges_[k].child, start, out, max_hits);
}

void phrase_index::find(std::string_view text, phrase_scratch& scratch,
                        std::vector<phrase_hit>& out, std::size_t max_hits) const {
  scratch.count = 0;
  if (empty()) return;
  // At most one word per two bytes; the buffer only grows, so its words are not re-zeroed.
  if (scratch.words.size() < text.size() / 2 + 1) scratch.words.resize(text.size() / 2 + 1);
  text_word* const words = scratch.words.data();
  std::size_t count = 0;
  const char* const base = text.data();
  const char* const end = base + text.size();
  // The words: runs of set bits, found from the bit changes.
  word_bits(text, scratch.bits);
  std::uint64_t carry = 0;
  std::size_t start = 0;
  for (std::size_t c = 0; c + 1 < scratch.bits.size(); ++c) {
    const std::uint64_t x = scratch.bits[c];
    for (std::uint64_t edges = x ^ (x << 1 | carry); edges != 0; edges &= edges - 1) {
      const auto b = std::size_t(std::countr_zero(edges));
      const std::size_t pos = 64 * c + b;
      if (x >> b & 1) {
        start = pos;
      } else {
        words[count++] = {std::uint32_t(start), std::uint32_t(pos),
                          lookup(base + start, pos - start, end)};
      }
    }
    carry = x >> 63;
  }
  if (carry != 0)
    words[count++] = {std::uint32_t(start), std::uint32_t(text.size()),
                      lookup(base + start, text.size() - start, end)};
  scratch.count = count;

  const bool prefixes = !root_prefixes_.empty();
  for (std::size_t i = 0; i < count && out.size() < max_hits; ++i) {
    const text_word& w = words[i];
    if (root_child_[w.id] != 0)
      walk(text, words, count, i, root_child_[w.id], w.start, out, max_hits);
    if (!prefixes || w.end - w.start < 3) continue;
    const char* p = base + w.start;
    const std::uint32_t b = prefix3_bit(p);
    if (!(prefix3_[b >> 6] >> (b & 63) & 1)) continue;
    const std::uint32_t f3 = first3(p);
    const std::size_t mask = prefix_buckets_.size() - 1;
    for (std::size_t j = b & mask; prefix_buckets_[j].first3 != 0; j = (j + 1) & mask) {
      const prefix_bucket& pb = prefix_buckets_[j];
      if (pb.first3 != f3) continue;
      for (std::uint32_t k = pb.begin; k < pb.end; ++k)
        if (starts_with_token(text, w, root_prefixes_[k].token))
          walk(text, words, count, i, root_prefixes_[k].child, w.start, out, max_hits);
      break;
    }
  }
}

}  // namespace sanctwatch::engine::detail
