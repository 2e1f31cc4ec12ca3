#pragma once
/// Internal to the engine: every phrase atom (terms, list entries, entity names) as a trie over
/// whole words, walked once over an item's words.
///
/// Why not Hyperscan: with thousands of names (the SDN list has ~9,000 distinct words) its
/// literal matcher saturates on English text (~350 MB/s even when nothing matches), and every
/// hit of a frequent word ("bank", "national") costs more than looking the word up here. A
/// phrase is a sequence of whole words anyway, so the text is split into words once and each
/// word is looked up in a hash table of the phrases' words. Regexes stay in Hyperscan.
///
/// Words are maximal runs of is_word_cp() code points; a phrase matches consecutive words, with
/// any run of non-word characters between them; a token written `x*` matches any word starting
/// with x (docs/rules.md, "Matching semantics"). Immutable after build(); find() is thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sanctwatch::engine {
struct atom;
}

namespace sanctwatch::engine::detail {

/// A phrase found in the text: byte offsets into the scanned (normalized) text.
struct phrase_hit {
  std::uint32_t atom;
  std::uint32_t start, end;
};

/// One word of the scanned text and its id in the index (0: in no phrase).
struct text_word {
  std::uint32_t start, end;
  std::uint32_t id;
};

/// A word's first 16 bytes as two integers, zero-padded.
struct word_key {
  std::uint64_t head = 0, head2 = 0;
};

/// Per-thread working memory of find(), reused between calls. The buffers only grow, so their
/// contents are not re-zeroed: find() writes and reads only what it needs of each.
struct phrase_scratch {
  std::vector<std::uint64_t> bits;    ///< one bit per byte of text: part of a word character
  std::vector<std::uint32_t> bounds;  ///< word starts and ends, alternating
  std::vector<text_word> words;
  struct start {
    std::uint32_t word, node;
  };
  std::vector<start> starts;            ///< words where a phrase may start, and its trie node
  std::vector<std::uint32_t> prefixed;  ///< words that may start with a root prefix
};

class phrase_index {
 public:
  /// Indexes every phrase atom of `atoms` (regex atoms are skipped).
  void build(const std::vector<atom>& atoms);

  bool empty() const { return nodes_.size() <= 1; }

  /// The built index as bytes, and back (for the start-up cache, engine/list_cache.hpp): only
  /// for this build of sanctwatch, which the cache's key holds. load() answers false, leaving
  /// the index empty, when the bytes are not a whole saved index.
  std::string save() const;
  bool load(std::string_view bytes);

  /// Appends every phrase occurrence in `text` to `out`, in order of the first word, until `out`
  /// holds `max_hits`.
  void find(std::string_view text, phrase_scratch& scratch, std::vector<phrase_hit>& out,
            std::size_t max_hits) const;

 private:
  struct node {
    std::uint32_t atoms_begin = 0, atoms_end = 0;    ///< atoms ending here, in atoms_
    std::uint32_t prefix_begin = 0, prefix_end = 0;  ///< prefix edges, in prefix_edges_
    std::uint64_t children = 0;  ///< bit (token & 63) of each exact-word edge's token
  };
  struct prefix_edge {
    std::uint32_t token;  ///< the prefix (a token id)
    std::uint32_t child;
  };
  /// A token of the dictionary with what a scan needs of it, 32 bytes, two per cache line.
  struct slot {
    std::uint64_t head = 0, head2 = 0;  ///< the token's bytes 0-7 and 8-15, zero-padded
    std::uint16_t len = 0;              ///< 0: empty; 17 for every longer token
    std::uint16_t overflow = 0;         ///< in a bucket's first slot: keys went on to the next
    std::uint32_t id = 0;
    std::uint32_t root = 0;  ///< trie node of the phrases starting with this word, 0: none
    /// When a phrase starting here goes on to the next word: ~0u when this word ends one or
    /// prefix edges leave it (always walk), else bit (token & 31) of each exact next word.
    std::uint32_t follow = 0;
  };
  struct alignas(64) bucket {
    slot s[2];
  };
  struct prefix_bucket {
    std::uint32_t lead = 0;            ///< 0: empty (a word never starts with a NUL byte)
    std::uint32_t begin = 0, end = 0;  ///< in root_prefixes_
  };
  struct root_prefix {
    std::uint64_t head, head2;  ///< as word_key
    std::uint64_t keep, keep2;  ///< masks of the prefix's bytes in head, head2
    std::uint32_t lead;         ///< its first four bytes (three for a three-byte prefix)
    std::uint32_t token;
    std::uint32_t child;
  };
  struct edge_slot {
    std::uint64_t key = 0;  ///< (node << 32 | token), 0: empty (the root has no parent edge)
    std::uint32_t child = 0;
  };

  std::uint32_t token_id(std::string_view w, bool add);
  const slot* lookup(const word_key& k, const char* p, std::size_t n) const;
  const slot* lookup_slow(const word_key& k, const char* p, std::size_t n) const;
  std::uint32_t child(std::uint32_t node, std::uint32_t token) const;
  void add_edge(std::uint32_t node, std::uint32_t token, std::uint32_t child);
  void walk(std::string_view text, const text_word* words, std::size_t count, std::size_t i,
            std::uint32_t n, std::uint32_t start, std::vector<phrase_hit>& out,
            std::size_t max_hits) const;
  void walk_prefixes(std::string_view text, const text_word* words, std::size_t count,
                     std::size_t i, std::vector<phrase_hit>& out, std::size_t max_hits) const;
  bool starts_with_token(std::string_view text, const text_word& w, std::uint32_t token) const;
  bool starts_with_prefix(const word_key& k, const char* p, std::size_t n,
                          const root_prefix& rp) const;

  // Token dictionary: a word hashes to one bucket of two slots (one cache line) and is compared
  // with both without branching; a bucket that overflowed (rare: at most 1/3 full on average)
  // sends the lookup on to the next buckets, as its first slot's `overflow` says.
  std::vector<bucket> buckets_;
  int bucket_shift_ = 64;
  std::uint64_t bucket_mask_ = 0;
  slot empty_slot_;  ///< what lookup() answers for a word in no phrase
  std::string pool_;
  std::vector<std::uint32_t> token_off_, token_len_;  ///< by token id (id 0 unused)
  std::vector<std::uint32_t> root_child_;             ///< by token id: exact edge from the root

  std::vector<node> nodes_;  ///< nodes_[0] is the root
  std::vector<std::uint32_t> atoms_;
  std::vector<prefix_edge> prefix_edges_;
  std::vector<edge_slot> edges_;  ///< exact edges below the root
  std::uint64_t edge_mask_ = 0;
  int edge_shift_ = 64;

  // Root prefixes (`sanction*`): a word is tried against them only when its first four bytes
  // (or three, for the three-byte prefixes) are those of some root prefix (a 64 Kbit filter),
  // then against the prefixes sharing them.
  std::vector<std::uint64_t> lead_filter_;
  std::vector<root_prefix> root_prefixes_;     ///< sorted by lead
  std::vector<prefix_bucket> prefix_buckets_;  ///< lead -> its root_prefixes_
};

}  // namespace sanctwatch::engine::detail
