#include "engine/evidence.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

#include "engine/utf8.hpp"

namespace sanctwatch::engine {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::size_t chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Byte offset `n` characters after `from` (or the end).
std::size_t advance_chars(std::string_view s, std::size_t from, std::size_t n) {
  std::size_t p = from;
  while (p < s.size() && n > 0) {
    ++p;
    while (p < s.size() && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) ++p;
    --n;
  }
  return p;
}

// Byte offset `n` characters before `to` (or 0).
std::size_t retreat_chars(std::string_view s, std::size_t to, std::size_t n) {
  std::size_t p = to;
  while (p > 0 && n > 0) {
    p = utf8_prev(s, p);
    --n;
  }
  return p;
}

// Appends `piece` with whitespace runs as one space (no space at the very start of `out`).
void append_collapsed(std::string& out, std::string_view piece) {
  for (char c : piece) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += c;
  }
}

}  // namespace

evidence_sentence render(const raw_sentence& s, std::size_t max_chars) {
  evidence_sentence out;
  out.where = s.where;
  const std::string_view src = s.source;
  std::size_t ws = 0, we = src.size();
  bool cut_front = false, cut_back = false;
  if (chars(src) > max_chars && !s.marks.empty()) {
    // Centre the window on the marks; when they span more than it, start at the first.
    const std::size_t lo = s.marks.front().start, hi = s.marks.back().end;
    const std::size_t span = chars(src.substr(lo, hi - lo));
    if (span >= max_chars) {
      ws = retreat_chars(src, lo, max_chars / 10);
      we = advance_chars(src, ws, max_chars);
      we = std::max(we, std::min<std::size_t>(src.size(), advance_chars(src, lo, 1)));
    } else {
      const std::size_t room = max_chars - span;
      ws = retreat_chars(src, lo, room / 2);
      we = advance_chars(src, hi, max_chars - span - chars(src.substr(ws, lo - ws)));
      if (we == src.size()) ws = retreat_chars(src, lo, max_chars - chars(src.substr(lo)));
    }
    // Cut at spaces, never inside a word (nor inside the first mark).
    if (ws > 0) {
      const auto sp = src.substr(ws, s.marks.front().start - ws).find_first_of(" \n\t");
      ws = sp == std::string_view::npos ? s.marks.front().start : ws + sp + 1;
      cut_front = true;
    }
    if (we < src.size()) {
      // At the last space after the first mark; inside a mark longer than the window (or a
      // word without spaces), where the window ends.
      const std::size_t floor = std::max(ws, std::min<std::size_t>(s.marks.front().end, we));
      const auto sp = src.substr(floor, we - floor).find_last_of(" \n\t");
      if (sp != std::string_view::npos) we = floor + sp;
      cut_back = true;
    }
  }
  std::string text = cut_front ? "…" : "";
  std::size_t pos = ws;
  for (const auto& m : s.marks) {
    if (m.start < pos || m.start >= we) continue;  // outside the window, or overlapping
    // A mark longer than the window (a regex over a whole paragraph) shows its start.
    const std::size_t end = std::min<std::size_t>(m.end, we);
    if (end < m.end && &m != &s.marks.front()) continue;
    append_collapsed(text, src.substr(pos, m.start - pos));
    evidence_mark em;
    em.start = static_cast<std::uint32_t>(text.size());
    append_collapsed(text, src.substr(m.start, end - m.start));
    em.end = static_cast<std::uint32_t>(text.size());
    em.term = text.substr(em.start, em.end - em.start);
    em.list = m.list;
    em.entity = m.entity;
    out.marks.push_back(std::move(em));
    pos = end;
  }
  append_collapsed(text, src.substr(pos, we - pos));
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (cut_back) text += "…";
  out.text = std::move(text);
  return out;
}

std::vector<evidence_sentence> pick_sentences(
    const std::vector<const std::vector<raw_sentence>*>& per_rule, std::size_t max,
    std::size_t max_chars) {
  // Every sentence once: (field, index) -> merged marks, in the order sentences are wanted.
  using key = std::pair<int, std::uint32_t>;
  std::map<key, raw_sentence> merged;
  std::vector<key> order;
  for (const auto* sentences : per_rule) {
    if (!sentences) continue;
    std::vector<const raw_sentence*> ranked;
    for (const auto& s : *sentences) ranked.push_back(&s);
    auto lists = [](const raw_sentence& s) {
      std::set<std::string> l;
      for (const auto& m : s.marks) l.insert(m.list);
      return l.size();
    };
    std::stable_sort(ranked.begin(), ranked.end(), [&](const raw_sentence* a, const raw_sentence* b) {
      return std::make_tuple(~lists(*a), int(a->where), a->offset) <
             std::make_tuple(~lists(*b), int(b->where), b->offset);
    });
    for (const auto* s : ranked) {
      const key k{int(s->where), s->sentence};
      auto [it, fresh] = merged.try_emplace(k, *s);
      if (fresh) {
        order.push_back(k);
        continue;
      }
      // Both copies hold the same sentence; keep the longer source (caps differ by hits).
      raw_sentence& m = it->second;
      if (s->source.size() > m.source.size() && s->offset <= m.offset) {
        const std::uint32_t shift = m.offset - s->offset;
        for (auto& x : m.marks) x.start += shift, x.end += shift;
        m.source = s->source;
        m.offset = s->offset;
      }
      for (const auto& x : s->marks) {
        raw_mark y = x;
        if (s->offset < m.offset) continue;  // outside the kept source
        y.start += s->offset - m.offset;
        y.end += s->offset - m.offset;
        if (y.end > m.source.size()) continue;
        m.marks.push_back(std::move(y));
      }
      std::sort(m.marks.begin(), m.marks.end(), [](const raw_mark& a, const raw_mark& b) {
        return std::make_tuple(a.start, ~a.end) < std::make_tuple(b.start, ~b.end);
      });
      // One mark per stretch: a later mark inside (or overlapping) an earlier one is dropped.
      std::vector<raw_mark> kept;
      for (auto& x : m.marks)
        if (kept.empty() || x.start >= kept.back().end) kept.push_back(std::move(x));
      m.marks = std::move(kept);
    }
  }
  std::vector<evidence_sentence> out;
  for (const auto& k : order) {
    if (out.size() >= max) break;
    out.push_back(render(merged.at(k), max_chars));
  }
  return out;
}

}  // namespace sanctwatch::engine
