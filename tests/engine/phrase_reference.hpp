#pragma once
// The word index's meaning, written plainly (tests and the differential fuzz target): split the
// text into maximal runs of word characters, then compare every phrase atom with the words
// starting at each word, token by token (`x*` tokens as prefixes).
#include <algorithm>
#include <string_view>
#include <tuple>
#include <vector>

#include "engine/compile.hpp"
#include "engine/phrase_index.hpp"
#include "engine/ruleset.hpp"
#include "engine/utf8.hpp"

namespace sanctwatch::engine::reference {

struct word_span {
  std::uint32_t start, end;
};

inline std::vector<word_span> words(std::string_view t) {
  std::vector<word_span> out;
  std::size_t pos = 0;
  bool in_word = false;
  std::uint32_t start = 0;
  while (pos < t.size()) {
    const std::size_t at = pos;
    const bool w = detail::is_word_cp(utf8_decode(t, pos));
    if (w && !in_word) start = std::uint32_t(at);
    if (!w && in_word) out.push_back({start, std::uint32_t(at)});
    in_word = w;
  }
  if (in_word) out.push_back({start, std::uint32_t(t.size())});
  return out;
}

inline std::vector<detail::phrase_hit> find(std::string_view t, const std::vector<atom>& atoms) {
  const auto ws = words(t);
  std::vector<detail::phrase_hit> out;
  for (std::size_t i = 0; i < ws.size(); ++i)
    for (std::uint32_t a = 0; a < atoms.size(); ++a) {
      const atom& at = atoms[a];
      if (at.type != atom::kind::phrase || at.tokens.empty()) continue;
      if (i + at.tokens.size() > ws.size()) continue;
      bool ok = true;
      for (std::size_t k = 0; k < at.tokens.size() && ok; ++k) {
        const auto w = t.substr(ws[i + k].start, ws[i + k].end - ws[i + k].start);
        ok = at.prefix[k] ? w.starts_with(at.tokens[k]) : w == at.tokens[k];
      }
      if (ok) out.push_back({a, ws[i].start, ws[i + at.tokens.size() - 1].end});
    }
  return out;
}

inline bool hit_less(const detail::phrase_hit& x, const detail::phrase_hit& y) {
  return std::tie(x.start, x.end, x.atom) < std::tie(y.start, y.end, y.atom);
}

inline bool same_hits(std::vector<detail::phrase_hit> a, std::vector<detail::phrase_hit> b) {
  std::sort(a.begin(), a.end(), hit_less);
  std::sort(b.begin(), b.end(), hit_less);
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const detail::phrase_hit& x, const detail::phrase_hit& y) {
                      return x.atom == y.atom && x.start == y.start && x.end == y.end;
                    });
}

}  // namespace sanctwatch::engine::reference
