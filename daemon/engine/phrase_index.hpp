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
/// with x (RULES.md, "Matching semantics"). Immutable after build(); find() is thread-safe.

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

/// Per-thread working memory of find(), reused between calls.
struct phrase_scratch {
  std::vector<text_word> words;  ///< grown, never shrunk: find() writes words.data()[0, count)
  std::size_t count = 0;
  std::vector<std::uint64_t> bits;  ///< one bit per byte of text: part of a word character
};

class phrase_index {
 public:
  /// Indexes every phrase atom of `atoms` (regex atoms are skipped).
  void build(const std::vector<atom>& atoms);

  bool empty() const { return nodes_.size() <= 1; }

  /// Appends every phrase occurrence in `text` to `out`, in order of the first word, until `out`
  /// holds `max_hits`.
  void find(std::string_view text, phrase_scratch& scratch, std::vector<phrase_hit>& out,
            std::size_t max_hits) const;

 private:
  struct node {
    std::uint32_t atoms_begin = 0, atoms_end = 0;    ///< atoms ending here, in atoms_
    std::uint32_t prefix_begin = 0, prefix_end = 0;  ///< prefix edges, in prefix_edges_
    bool has_children = false;                       ///< exact-word edges
  };
  struct prefix_edge {
    std::uint32_t token;  ///< the prefix (a token id)
    std::uint32_t child;
  };
  struct slot {
    std::uint64_t head = 0, head2 = 0;  ///< the token's bytes 0-7 and 8-15, zero-padded
    std::uint32_t len = 0;
    std::uint32_t id = 0;
  };
  struct prefix_bucket {
    std::uint32_t first3 = 0;          ///< 0: empty (a word never starts with a NUL byte)
    std::uint32_t begin = 0, end = 0;  ///< in root_prefixes_
  };
  struct root_prefix {
    std::uint32_t first3;  ///< the prefix's first three bytes
    std::uint32_t token;
    std::uint32_t child;
  };
  struct edge_slot {
    std::uint64_t key = 0;  ///< (node << 32 | token), 0: empty (the root has no parent edge)
    std::uint32_t child = 0;
  };

  std::uint32_t token_id(std::string_view w, bool add);
  std::uint32_t lookup(const char* p, std::size_t n, const char* end) const;
  std::uint32_t child(std::uint32_t node, std::uint32_t token) const;
  void add_edge(std::uint32_t node, std::uint32_t token, std::uint32_t child);
  void walk(std::string_view text, const text_word* words, std::size_t count, std::size_t i,
            std::uint32_t n, std::uint32_t start, std::vector<phrase_hit>& out,
            std::size_t max_hits) const;
  bool starts_with_token(std::string_view text, const text_word& w, std::uint32_t token) const;

  // Token dictionary: open addressing on a hash of the word's bytes, at most 1/8 full, so a
  // word that is in no phrase (most words) mostly meets an empty tag (one byte) at once.
  std::vector<std::uint8_t> tags_;  ///< 0: empty slot
  std::vector<slot> slots_;
  std::uint64_t slot_mask_ = 0;
  int slot_shift_ = 64;
  std::string pool_;
  std::vector<std::uint32_t> token_off_, token_len_;  ///< by token id (id 0 unused)
  std::vector<std::uint32_t> root_child_;             ///< by token id: exact edge from the root

  std::vector<node> nodes_;  ///< nodes_[0] is the root
  std::vector<std::uint32_t> atoms_;
  std::vector<prefix_edge> prefix_edges_;
  std::vector<edge_slot> edges_;  ///< exact edges below the root
  std::uint64_t edge_mask_ = 0;
  int edge_shift_ = 64;

  // Root prefixes (`sanction*`): a word is tried against them only when its first three bytes
  // are those of some root prefix (a 64 Kbit filter), then against those sharing them.
  std::vector<std::uint64_t> prefix3_;
  std::vector<root_prefix> root_prefixes_;     ///< sorted by first3
  std::vector<prefix_bucket> prefix_buckets_;  ///< first3 -> its root_prefixes_
};

}  // namespace sanctwatch::engine::detail
