// libFuzzer target, differential: the word index must find exactly the phrase occurrences the
// plain reference finds (tests/engine/phrase_reference.hpp), in text order, for any phrases
// and any normalized text.
//
// Input: phrase lines, an empty line, then the text. A phrase line is words separated by
// spaces; a word ending in `*` (three bytes or more before it) is a prefix. The text is made
// valid UTF-8 first (every invalid byte becomes U+FFFD), as normalized text always is.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/phrase_index.hpp"
#include "engine/ruleset.hpp"
#include "phrase_reference.hpp"

namespace {

using namespace sanctwatch::engine;

// Length of the valid UTF-8 sequence at s[i], 0 when invalid.
std::size_t valid_at(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t n = valid_at(s, i)) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t split = in.find("\n\n");
  const std::string_view spec = in.substr(0, split);
  const std::string text = valid_utf8(split == std::string_view::npos ? "" : in.substr(split + 2));

  std::vector<atom> atoms;
  for (std::size_t p = 0; p <= spec.size() && atoms.size() < 200;) {
    std::size_t e = spec.find('\n', p);
    if (e == std::string_view::npos) e = spec.size();
    atom a;
    const std::string_view line = spec.substr(p, e - p);
    for (std::size_t q = 0; q < line.size();) {
      std::size_t w = line.find(' ', q);
      if (w == std::string_view::npos) w = line.size();
      std::string tok(line.substr(q, w - q));
      q = w + 1;
      if (tok.empty()) continue;
      const bool prefix = tok.size() >= 4 && tok.back() == '*';
      if (prefix) tok.pop_back();
      a.tokens.push_back(tok);
      a.prefix.push_back(prefix);
    }
    if (!a.tokens.empty()) atoms.push_back(std::move(a));
    p = e + 1;
  }

  detail::phrase_index idx;
  idx.build(atoms);
  detail::phrase_scratch scratch;
  std::vector<detail::phrase_hit> got;
  idx.find(text, scratch, got, std::size_t(-1));
  for (std::size_t i = 1; i < got.size(); ++i)
    if (got[i - 1].start > got[i].start) std::abort();  // not in text order
  if (!reference::same_hits(got, reference::find(text, atoms))) std::abort();
  // The scratch is reused between calls: a second, shorter text must not see the first's words.
  std::vector<detail::phrase_hit> again;
  const std::string half = text.substr(0, reference::words(text).empty() ? 0 : text.size() / 2);
  const std::string cut = valid_utf8(half);
  idx.find(cut, scratch, again, std::size_t(-1));
  if (!reference::same_hits(again, reference::find(cut, atoms))) std::abort();
  return 0;
}
