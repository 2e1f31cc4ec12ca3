#include "engine/phrase_index.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstring>
#include <tuple>
#include <type_traits>
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
constexpr bool little = std::endian::native == std::endian::little;

// k_keep[k] keeps the first k bytes of an 8-byte load.
constexpr auto k_keep = [] {
  std::array<std::uint64_t, 9> m{};
  for (int k = 0; k < 8; ++k)
    m[k] = little ? (std::uint64_t(1) << (8 * k)) - 1 : ~(~std::uint64_t(0) >> (8 * k));
  m[8] = ~std::uint64_t(0);
  return m;
}();

// Two plain loads and masks where 16 bytes can be read before `end` (nearly every word), so
// keying a word costs no branch on its length.
inline word_key key_of(const char* p, std::size_t n, const char* end) {
  word_key k;
  const std::size_t n1 = std::min<std::size_t>(n, 8);
  const std::size_t n2 = std::min<std::size_t>(n > 8 ? n - 8 : 0, 8);
  if (end - p >= 16) [[likely]] {
    std::memcpy(&k.head, p, 8);
    std::memcpy(&k.head2, p + 8, 8);
    k.head &= k_keep[n1];
    k.head2 &= k_keep[n2];
    return k;
  }
  std::memcpy(&k.head, p, n1);
  if (n2 > 0) std::memcpy(&k.head2, p + 8, n2);
  return k;
}

// The bucket of a word: its first 16 bytes (zero-padded, so they also tell its length when it
// is shorter) multiplied into the high bits. Longer words share buckets with their first 16
// bytes and are told apart by the slow path.
inline std::uint64_t hash_key(const word_key& k) {
  return k.head * k_mul + k.head2 * 0xC2B2AE3D27D4EB4Full;
}

// A word's first four bytes and first three, as the root-prefix filter keys them.
constexpr std::uint32_t k_lead3 = little ? 0x00FFFFFFu : 0xFFFFFF00u;
inline std::uint32_t lead4(const word_key& k) {
  return little ? std::uint32_t(k.head) : std::uint32_t(k.head >> 32);
}
inline std::uint32_t lead3(const word_key& k) { return lead4(k) & k_lead3; }

// Bit index of a lead in the root-prefix filter.
inline std::uint32_t lead_bit(std::uint32_t lead) { return (lead * 0x9E3779B1u) >> 16; }
inline bool test_bit(const std::uint64_t* bits, std::uint32_t b) {
  return bits[b >> 6] >> (b & 63) & 1;
}

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

// The word's slot, or empty_slot_ (id 0, no phrase starts there). A word of at most 16 bytes
// whose bucket never overflowed (nearly every word) costs one cache line and no branch on
// whether it is there.
inline const phrase_index::slot* phrase_index::lookup(const word_key& k, const char* p,
                                                      std::size_t n) const {
  if (n > 16) [[unlikely]]
    return lookup_slow(k, p, n);
  const slot* s = buckets_[hash_key(k) >> bucket_shift_].s;
  if (s[0].overflow) [[unlikely]]
    return lookup_slow(k, p, n);
  const bool eq0 = ((s[0].head ^ k.head) | (s[0].head2 ^ k.head2) | (s[0].len ^ n)) == 0;
  const bool eq1 = ((s[1].head ^ k.head) | (s[1].head2 ^ k.head2) | (s[1].len ^ n)) == 0;
  const slot* found = eq1 ? &s[1] : &empty_slot_;
  return eq0 ? &s[0] : found;
}

const phrase_index::slot* phrase_index::lookup_slow(const word_key& k, const char* p,
                                                    std::size_t n) const {
  const std::size_t len = std::min<std::size_t>(n, 17);
  for (std::uint64_t b = hash_key(k) >> bucket_shift_;; b = (b + 1) & bucket_mask_) {
    const slot* s = buckets_[b].s;
    for (int j = 0; j < 2; ++j)
      if (((s[j].head ^ k.head) | (s[j].head2 ^ k.head2) | (s[j].len ^ len)) == 0 &&
          (n <= 16 || (token_len_[s[j].id] == n &&
                       std::memcmp(pool_.data() + token_off_[s[j].id] + 16, p + 16, n - 16) == 0)))
        return &s[j];
    if (!s[0].overflow) return &empty_slot_;
  }
}

std::uint32_t phrase_index::token_id(std::string_view w, bool add) {
  const word_key k = key_of(w.data(), w.size(), w.data() + w.size());
  if (std::uint32_t id = lookup(k, w.data(), w.size())->id; id != 0 || !add) return id;
  const auto id = static_cast<std::uint32_t>(token_off_.size());
  token_off_.push_back(static_cast<std::uint32_t>(pool_.size()));
  token_len_.push_back(static_cast<std::uint32_t>(w.size()));
  pool_.append(w);
  root_child_.push_back(0);
  const auto len = static_cast<std::uint16_t>(std::min<std::size_t>(w.size(), 17));
  for (std::uint64_t b = hash_key(k) >> bucket_shift_;; b = (b + 1) & bucket_mask_) {
    slot* s = buckets_[b].s;
    for (int j = 0; j < 2; ++j)
      if (s[j].len == 0) {
        const std::uint16_t overflow = s[j].overflow;
        s[j] = {k.head, k.head2, len, overflow, id, 0, 0};
        return id;
      }
    s[0].overflow = 1;
  }
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
  // At least three buckets (six slots) per token: few buckets overflow.
  std::size_t cap = 64;
  int bits = 6;
  while (cap < distinct.size() * 3) cap *= 2, ++bits;
  buckets_.assign(cap, {});
  bucket_mask_ = cap - 1;
  bucket_shift_ = 64 - bits;
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
    nodes_[key >> 32].children |= std::uint64_t(1) << (key & 63);
    add_edge(std::uint32_t(key >> 32), std::uint32_t(key), c);
  }
  // What a scan reads with each word: where its phrases start and when they go on.
  for (auto& bk : buckets_)
    for (slot& sl : bk.s) {
      if (sl.len == 0) continue;
      sl.root = root_child_[sl.id];
      if (sl.root == 0) continue;
      const node& nd = nodes_[sl.root];
      if (nd.atoms_end > nd.atoms_begin || nd.prefix_end > nd.prefix_begin) {
        sl.follow = ~0u;
        continue;
      }
      for (std::uint64_t c = nd.children; c != 0; c &= c - 1)
        sl.follow |= 1u << (std::countr_zero(c) & 31);
    }

  lead_filter_.assign(std::size_t(1) << 10, 0);  // 64 Kbit
  for (const auto& [tok, c] : root_prefix_child) {
    // Prefix tokens have at least three bytes (make_phrase_atom); shorter ones never get here.
    const std::size_t n = token_len_[tok];
    if (n < 3) continue;
    const char* p = pool_.data() + token_off_[tok];
    const word_key k = key_of(p, n, p + n);
    root_prefix rp{};
    rp.head = k.head;
    rp.head2 = k.head2;
    rp.keep = k_keep[std::min<std::size_t>(n, 8)];
    rp.keep2 = k_keep[std::min<std::size_t>(n > 8 ? n - 8 : 0, 8)];
    rp.lead = n == 3 ? lead3(k) : lead4(k);
    rp.token = tok;
    rp.child = c;
    const std::uint32_t b = lead_bit(rp.lead);
    lead_filter_[b >> 6] |= std::uint64_t(1) << (b & 63);
    root_prefixes_.push_back(rp);
  }
  std::sort(root_prefixes_.begin(), root_prefixes_.end(),
            [](const root_prefix& x, const root_prefix& y) {
              return std::tie(x.lead, x.token) < std::tie(y.lead, y.token);
            });
  cap = 16;
  while (cap < 4 * root_prefixes_.size()) cap *= 2;
  prefix_buckets_.assign(cap, {});
  for (std::uint32_t k = 0; k < root_prefixes_.size();) {
    std::uint32_t e = k;
    while (e < root_prefixes_.size() && root_prefixes_[e].lead == root_prefixes_[k].lead) ++e;
    std::size_t i = lead_bit(root_prefixes_[k].lead) & (cap - 1);
    while (prefix_buckets_[i].lead != 0) i = (i + 1) & (cap - 1);
    prefix_buckets_[i] = {root_prefixes_[k].lead, k, e};
    k = e;
  }
}

namespace {

// Plain vectors as a count and their bytes (the element types are trivially copyable).
template <class T>
void put_vector(std::string& out, const std::vector<T>& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  const std::uint64_t n = v.size();
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  if (n > 0) out.append(reinterpret_cast<const char*>(v.data()), n * sizeof(T));
}

template <class T>
bool get_vector(std::string_view& in, std::vector<T>& v) {
  std::uint64_t n = 0;
  if (in.size() < sizeof n) return false;
  std::memcpy(&n, in.data(), sizeof n);
  in.remove_prefix(sizeof n);
  if (n > in.size() / sizeof(T)) return false;
  v.resize(n);
  if (n > 0) std::memcpy(static_cast<void*>(v.data()), in.data(), n * sizeof(T));
  in.remove_prefix(n * sizeof(T));
  return true;
}

template <class T>
void put_value(std::string& out, const T& x) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.append(reinterpret_cast<const char*>(&x), sizeof x);
}

template <class T>
bool get_value(std::string_view& in, T& x) {
  if (in.size() < sizeof x) return false;
  std::memcpy(static_cast<void*>(&x), in.data(), sizeof x);
  in.remove_prefix(sizeof x);
  return true;
}

}  // namespace

std::string phrase_index::save() const {
  std::string out;
  put_vector(out, buckets_);
  put_value(out, bucket_shift_);
  put_value(out, bucket_mask_);
  put_value(out, empty_slot_);
  put_vector(out, std::vector<char>(pool_.begin(), pool_.end()));
  put_vector(out, token_off_);
  put_vector(out, token_len_);
  put_vector(out, root_child_);
  put_vector(out, nodes_);
  put_vector(out, atoms_);
  put_vector(out, prefix_edges_);
  put_vector(out, edges_);
  put_value(out, edge_mask_);
  put_value(out, edge_shift_);
  put_vector(out, lead_filter_);
  put_vector(out, root_prefixes_);
  put_vector(out, prefix_buckets_);
  return out;
}

bool phrase_index::load(std::string_view in) {
  phrase_index x;
  std::vector<char> pool;
  const bool ok = get_vector(in, x.buckets_) && get_value(in, x.bucket_shift_) &&
                  get_value(in, x.bucket_mask_) && get_value(in, x.empty_slot_) &&
                  get_vector(in, pool) && get_vector(in, x.token_off_) &&
                  get_vector(in, x.token_len_) && get_vector(in, x.root_child_) &&
                  get_vector(in, x.nodes_) && get_vector(in, x.atoms_) &&
                  get_vector(in, x.prefix_edges_) && get_vector(in, x.edges_) &&
                  get_value(in, x.edge_mask_) && get_value(in, x.edge_shift_) &&
                  get_vector(in, x.lead_filter_) && get_vector(in, x.root_prefixes_) &&
                  get_vector(in, x.prefix_buckets_) && in.empty();
  // What the scan indexes without checking must be in range.
  if (!ok || x.nodes_.empty() || x.buckets_.size() != x.bucket_mask_ + 1 ||
      x.token_off_.size() != x.token_len_.size() || x.root_child_.size() != x.token_off_.size() ||
      x.lead_filter_.size() != (std::size_t(1) << 10))
    return false;
  x.pool_.assign(pool.begin(), pool.end());
  *this = std::move(x);
  return true;
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
  if (next.id != 0 && (nd.children >> (next.id & 63) & 1))
    if (std::uint32_t c = child(n, next.id))
      walk(text, words, count, i + 1, c, start, out, max_hits);
  for (std::uint32_t k = nd.prefix_begin; k < nd.prefix_end; ++k)
    if (starts_with_token(text, next, prefix_edges_[k].token))
      walk(text, words, count, i + 1, prefix_edges_[k].child, start, out, max_hits);
}

bool phrase_index::starts_with_prefix(const word_key& k, const char* p, std::size_t n,
                                      const root_prefix& rp) const {
  const std::size_t len = token_len_[rp.token];
  return n >= len && ((k.head ^ rp.head) & rp.keep) == 0 &&
         ((k.head2 ^ rp.head2) & rp.keep2) == 0 &&
         (len <= 16 ||
          std::memcmp(p + 16, pool_.data() + token_off_[rp.token] + 16, len - 16) == 0);
}

void phrase_index::walk_prefixes(std::string_view text, const text_word* words, std::size_t count,
                                 std::size_t i, std::vector<phrase_hit>& out,
                                 std::size_t max_hits) const {
  const text_word& w = words[i];
  const char* p = text.data() + w.start;
  const std::size_t n = w.end - w.start;
  const word_key k = key_of(p, n, text.data() + text.size());
  const std::size_t mask = prefix_buckets_.size() - 1;
  // The prefixes of four bytes or more share the word's first four; three-byte ones its first
  // three (the only lead of a three-byte word).
  const std::uint32_t leads[2] = {lead3(k), lead4(k)};
  for (int l = n >= 4 ? 1 : 0; l >= 0; --l) {
    const std::uint32_t lead = leads[l];
    for (std::size_t j = lead_bit(lead) & mask; prefix_buckets_[j].lead != 0; j = (j + 1) & mask) {
      const prefix_bucket& pb = prefix_buckets_[j];
      if (pb.lead != lead) continue;
      for (std::uint32_t r = pb.begin; r < pb.end; ++r)
        if (starts_with_prefix(k, p, n, root_prefixes_[r]))
          walk(text, words, count, i, root_prefixes_[r].child, w.start, out, max_hits);
      break;
    }
  }
}

void phrase_index::find(std::string_view text, phrase_scratch& scratch,
                        std::vector<phrase_hit>& out, std::size_t max_hits) const {
  if (empty() || text.empty()) return;
  // At most one word per two bytes. Growing only, so nothing is re-zeroed per call.
  const std::size_t max_words = text.size() / 2 + 1;
  if (scratch.words.size() < max_words) {
    scratch.words.resize(max_words);
    scratch.bounds.resize(2 * max_words);
    scratch.starts.resize(max_words);
    scratch.prefixed.resize(max_words);
  }
  const char* const base = text.data();
  const char* const end = base + text.size();

  // 1. Word boundaries: the bit changes of the word-character mask, starts and ends in turn.
  word_bits(text, scratch.bits);
  std::uint32_t* const bounds = scratch.bounds.data();
  std::size_t nb = 0;
  std::uint64_t carry = 0;
  for (std::size_t c = 0; c + 1 < scratch.bits.size(); ++c) {
    const std::uint64_t x = scratch.bits[c];
    for (std::uint64_t edges = x ^ (x << 1 | carry); edges != 0; edges &= edges - 1)
      bounds[nb++] = std::uint32_t(64 * c + std::size_t(std::countr_zero(edges)));
    carry = x >> 63;
  }
  if (carry != 0) bounds[nb++] = std::uint32_t(text.size());
  const std::size_t count = nb / 2;

  // 2. Every word looked up. Whether it is known, starts a phrase or may start with a root
  // prefix is random from word to word, so nothing here branches on it: the words where a walk
  // is due are appended to lists whose length grows by 0 or 1.
  text_word* const words = scratch.words.data();
  auto* const starts = scratch.starts.data();
  std::uint32_t* const prefixed = scratch.prefixed.data();
  std::size_t n_starts = 0, n_prefixed = 0;
  std::uint32_t prev_follow = 0, prev_root = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t ws = bounds[2 * i], we = bounds[2 * i + 1];
    const slot* s = lookup(key_of(base + ws, we - ws, end), base + ws, we - ws);
    const std::uint32_t id = s->id;
    words[i] = {ws, we, id};
    // The previous word starts a phrase that ends there or may go on with this word.
    const bool go_on = (prev_follow >> (id & 31) & 1) & (id != 0);
    starts[n_starts] = {std::uint32_t(i - 1), prev_root};
    n_starts += (prev_follow == ~0u) | go_on;
    prev_follow = s->follow;
    prev_root = s->root;
  }
  starts[n_starts] = {std::uint32_t(count - 1), prev_root};
  n_starts += prev_follow == ~0u;
  if (!root_prefixes_.empty()) {
    const std::uint64_t* filter = lead_filter_.data();
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint32_t ws = words[i].start, n = words[i].end - ws;
      // The word's first four bytes as lead4() keys them (its first three when that is all).
      std::uint32_t l4 = 0;
      if (end - (base + ws) >= 4) [[likely]]
        std::memcpy(&l4, base + ws, 4);
      else
        l4 = lead4(key_of(base + ws, n, end));
      const std::uint32_t l3 = l4 & k_lead3;
      l4 = n >= 4 ? l4 : l3;
      const bool maybe =
          (n >= 3) & (test_bit(filter, lead_bit(l4)) | test_bit(filter, lead_bit(l3)));
      prefixed[n_prefixed] = std::uint32_t(i);
      n_prefixed += maybe;
    }
  }

  // 3. The walks, in order of the first word.
  std::size_t a = 0, b = 0;
  while ((a < n_starts || b < n_prefixed) && out.size() < max_hits) {
    const std::uint32_t wa = a < n_starts ? starts[a].word : ~0u;
    const std::uint32_t wb = b < n_prefixed ? prefixed[b] : ~0u;
    if (wa <= wb) {
      walk(text, words, count, wa, starts[a].node, words[wa].start, out, max_hits);
      ++a;
    } else {
      walk_prefixes(text, words, count, wb, out, max_hits);
      ++b;
    }
  }
}

}  // namespace sanctwatch::engine::detail
