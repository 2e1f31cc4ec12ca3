#include "engine/match.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <memory>
#include <set>
#include <span>
#include <tuple>
#include <unordered_map>

#include "engine/compile.hpp"
#include "engine/utf8.hpp"
#include "entities/names.hpp"
#include "text/normalize.hpp"
#include "text/segment.hpp"

namespace sanctwatch::engine {

const char* field_name(field f) {
  static const char* names[] = {"title",    "summary", "content", "author",
                                "category", "link",    "article"};
  return names[int(f)];
}

namespace {

using detail::is_word_cp;

// Hits per field beyond this are dropped: a pathological text must not exhaust memory.
constexpr std::size_t max_hits_per_field = 50000;
// near() enumerates hit combinations for evidence; this bounds the work per node.
constexpr std::size_t near_budget = 20000;

struct hit {
  std::uint32_t atom;
  std::uint8_t f;
  std::uint32_t start, end;  // normalized text
  std::uint32_t w0 = 0, w1 = 0, sentence = 0;
};

struct prepared_field {
  std::string_view original;  ///< the item's field, or `joined`
  std::string joined;         ///< authors / categories, one per line
  text::normalized norm;
  std::vector<text::word> words;  ///< filled by scanned_item::position() only when needed
};

// What scanning one item needs, kept per thread so that items after the first allocate
// nothing while their texts fit the grown buffers.
struct scan_buffers {
  prepared_field fields[field_count];
  std::vector<hit> hits;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> atom_ranges;
  bool busy = false;

  void clear() {
    for (auto& f : fields) {
      f.original = {};
      f.joined.clear();
      f.norm.text.clear();
      f.norm.origin.clear();
      f.words.clear();
    }
    hits.clear();
    atom_ranges.clear();
  }
};

// The thread's buffers, or fresh ones while they are in use (a scan inside a scan).
class buffers_lease {
 public:
  buffers_lease() {
    thread_local scan_buffers shared;
    if (shared.busy) {
      own_ = std::make_unique<scan_buffers>();
      b_ = own_.get();
    } else {
      b_ = &shared;
      b_->clear();
    }
    b_->busy = true;
  }
  buffers_lease(const buffers_lease&) = delete;
  buffers_lease& operator=(const buffers_lease&) = delete;
  ~buffers_lease() { b_->busy = false; }
  scan_buffers& get() { return *b_; }

 private:
  std::unique_ptr<scan_buffers> own_;
  scan_buffers* b_ = nullptr;
};

// One item, scanned: normalized fields and every verified hit, sorted by (atom, field, start).
struct scanned_item {
  const ruleset& rs;
  buffers_lease lease;
  prepared_field* fields = lease.get().fields;
  std::vector<hit>& hits = lease.get().hits;
  // (atom, first hit index)
  std::vector<std::pair<std::uint32_t, std::uint32_t>>& atom_ranges = lease.get().atom_ranges;

  field_mask positioned = 0;  // fields whose words and hit positions are known

  explicit scanned_item(const ruleset& r) : rs(r) {}

  // Word indexes and sentences cost a segmentation pass over the whole field, which most items
  // never need (no near(), no context gate, no alert): computed on first use, per field.
  void position(field_mask m) {
    m &= ~positioned;
    if (!m) return;
    field_mask with_hits = 0;
    for (const hit& h : hits) with_hits |= mask_of(field(h.f));
    m &= with_hits;
    positioned |= m;
    if (!m) return;
    for (int fi = 0; fi < field_count; ++fi)
      if (m & mask_of(field(fi))) fields[fi].words = text::words(fields[fi].norm.text);
    auto by_start = [](std::uint32_t v, const text::word& x) { return v < x.start; };
    for (hit& h : hits) {
      if (!(m & mask_of(field(h.f)))) continue;
      const auto& w = fields[h.f].words;
      if (w.empty()) continue;
      std::size_t a = std::upper_bound(w.begin(), w.end(), h.start, by_start) - w.begin();
      std::size_t w0 = a == 0 ? 0 : a - 1;
      if (w[w0].end <= h.start && w0 + 1 < w.size()) ++w0;
      std::size_t b = std::upper_bound(w.begin(), w.end(), h.end - 1, by_start) - w.begin();
      std::size_t w1 = b == 0 ? 0 : b - 1;
      if (w1 < w0) w1 = w0;
      h.w0 = std::uint32_t(w0);
      h.w1 = std::uint32_t(w1);
      h.sentence = w[w0].sentence;
    }
  }

  std::pair<const hit*, const hit*> hits_of(std::uint32_t atom) const {
    auto it = std::lower_bound(hits.begin(), hits.end(), atom,
                               [](const hit& h, std::uint32_t a) { return h.atom < a; });
    auto e = it;
    while (e != hits.end() && e->atom == atom) ++e;
    return {hits.data() + (it - hits.begin()), hits.data() + (e - hits.begin())};
  }
};

bool combining(char32_t cp) {
  return (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
         (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
         (cp >= 0xFE20 && cp <= 0xFE2F);
}

// Normalized [s, e) -> original [os, oe). The end is taken from the last normalized character's
// source (plus trailing combining marks), not from origin[e], so a removed possessive ("'s")
// after the hit is not included.
std::pair<std::uint32_t, std::uint32_t> to_original(const prepared_field& f, std::uint32_t s,
                                                    std::uint32_t e) {
  const auto& o = f.norm.origin;
  if (o.size() != f.norm.text.size() + 1 || e == 0 || s >= e) {
    // Without a usable map (should not happen), fall back to identity.
    auto n = static_cast<std::uint32_t>(f.original.size());
    return {std::min(s, n), std::min(e, n)};
  }
  std::uint32_t os = o[s];
  std::size_t p = o[e - 1];
  if (p < f.original.size()) {
    utf8_decode(f.original, p);
    while (p < f.original.size()) {
      std::size_t q = p;
      if (!combining(utf8_decode(f.original, q))) break;
      p = q;
    }
  }
  auto oe = static_cast<std::uint32_t>(std::min<std::size_t>(p, f.original.size()));
  if (oe < os) oe = os;
  return {os, oe};
}

// Letters and digits of a string, for exact-case comparison regardless of punctuation.
std::string alnum_key(std::string_view s) {
  std::string k;
  for (std::size_t p = 0; p < s.size();) {
    std::size_t q = p;
    char32_t cp = utf8_decode(s, q);
    if (is_word_cp(cp)) k.append(s.substr(p, q - p));
    p = q;
  }
  return k;
}

// docs/entities.md: a name that cannot stand alone must be written as a proper noun.
// Against a list that spells the name in mixed case ("Huawei") the prose must match it letter
// for letter. Lists in ALL CAPS (OFAC) say nothing about case, so there "exact case" means: an
// acronym-like name (dotted, at most 3 letters, or no vowel: "I.R.G.C.", "ZTE", "SMBC") appears
// in capitals, and any
// other name appears with every word capitalised (Title Case) or in capitals; "rosneft" and
// "golden star" in running text do not count, "Rosneft" and "Golden Star" do.
bool entity_case_ok(const scanned_item& si, const hit& h, std::string_view variant) {
  const auto& f = si.fields[h.f];
  auto [os, oe] = to_original(f, h.start, h.end);
  const std::string_view got_text = f.original.substr(os, oe - os);
  const std::string want = alnum_key(variant);
  bool want_lower = false;
  std::size_t letters = 0;
  for (unsigned char c : want) {
    want_lower |= std::islower(c) != 0;
    letters += std::isalpha(c) != 0;
  }
  const std::string got = alnum_key(got_text);
  // Acronym-like: dotted, three letters or fewer, or no vowel ("SMBC", "NIIEFA" is not).
  bool vowel = false;
  for (unsigned char c : want) vowel |= std::strchr("AEIOUY", c) != nullptr && c != 0;
  if (want_lower || letters <= 3 || !vowel || variant.find('.') != std::string_view::npos)
    return got == want;
  // Every word starts with a capital (digits are neutral; non-ASCII letters are trusted).
  bool at_word_start = true;
  for (std::size_t p = 0; p < got_text.size();) {
    std::size_t q = p;
    const char32_t cp = utf8_decode(got_text, q);
    if (!is_word_cp(cp)) {
      at_word_start = true;
    } else {
      if (at_word_start && cp < 0x80 && std::islower(static_cast<int>(cp))) return false;
      at_word_start = false;
    }
    p = q;
  }
  return true;
}

bool exact_case_ok(const scanned_item& si, const hit& h, std::string_view written, bool prefix) {
  const auto& f = si.fields[h.f];
  auto [os, oe] = to_original(f, h.start, h.end);
  std::string got = alnum_key(std::string_view(f.original).substr(os, oe - os));
  std::string want = alnum_key(written);
  if (prefix) return got.compare(0, want.size(), want) == 0;
  return got == want;
}

// --- scanning --------------------------------------------------------------------------------

struct scan_ctx {
  std::vector<std::pair<std::uint32_t, std::pair<std::uint64_t, std::uint64_t>>>* raw;
};

int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* ctx) {
  auto* c = static_cast<scan_ctx*>(ctx);
  if (c->raw->size() >= max_hits_per_field) return 1;  // stop scanning this field
  c->raw->push_back({id, {from, to}});
  return 0;
}

hs_scratch& thread_scratch(const ruleset& rs) {
  // One scratch per thread, grown to fit every database this thread has scanned with.
  // hs_alloc_scratch re-derives the database's needs on every call, which costs more than a
  // small item's scan on large databases, so it runs only when the ruleset changes. The serial
  // (not the pointer, which a new database may reuse) identifies the ruleset.
  thread_local hs_scratch s;
  thread_local std::uint64_t fitted = 0;
  if (fitted != rs.serial || !s.get()) {
    s.grow(rs.db.get());
    fitted = rs.serial;
  }
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "\n") + x;
  return s;
}

// The field's text, without copying the item's own strings.
std::string_view field_text(const item& it, field f, std::string& joined) {
  switch (f) {
    case field::title:
      return it.title;
    case field::summary:
      return it.summary;
    case field::content:
      return it.content;
    case field::author:
      return joined = join(it.authors);
    case field::category:
      return joined = join(it.categories);
    case field::link:
      return it.link;
    case field::article:
      return it.article;
  }
  return {};
}

void scan(scanned_item& si, const item& it) {
  const ruleset& rs = si.rs;
  if (!rs.db && rs.phrases.empty()) return;
  hs_scratch* scratch = rs.db ? &thread_scratch(rs) : nullptr;
  thread_local std::vector<std::pair<std::uint32_t, std::pair<std::uint64_t, std::uint64_t>>> raw;
  thread_local detail::phrase_scratch phrase_scratch;
  thread_local std::vector<detail::phrase_hit> found;
  for (int fi = 0; fi < field_count; ++fi) {
    if (!(rs.scanned_fields & mask_of(field(fi)))) continue;
    auto& pf = si.fields[fi];
    pf.original = field_text(it, field(fi), pf.joined);
    if (pf.original.empty()) continue;
    text::normalize(pf.original, pf.norm);
    const std::string& t = pf.norm.text;
    if (t.empty()) continue;
    found.clear();
    rs.phrases.find(t, phrase_scratch, found, max_hits_per_field);
    for (const auto& h : found) si.hits.push_back({h.atom, std::uint8_t(fi), h.start, h.end});
    if (!scratch) continue;
    raw.clear();
    scan_ctx ctx{&raw};
    hs_scan(rs.db.get(), t.data(), static_cast<unsigned>(t.size()), 0, scratch->get(), on_match,
            &ctx);
    for (const auto& [id, range] : raw)
      if (range.second > range.first)
        si.hits.push_back(
            {id, std::uint8_t(fi), std::uint32_t(range.first), std::uint32_t(range.second)});
  }
  std::sort(si.hits.begin(), si.hits.end(), [](const hit& a, const hit& b) {
    return std::tie(a.atom, a.f, a.start, a.end) < std::tie(b.atom, b.f, b.start, b.end);
  });
  si.hits.erase(std::unique(si.hits.begin(), si.hits.end(),
                            [](const hit& a, const hit& b) {
                              return a.atom == b.atom && a.f == b.f && a.start == b.start &&
                                     a.end == b.end;
                            }),
                si.hits.end());
  for (std::uint32_t i = 0; i < si.hits.size(); ++i)
    if (si.atom_ranges.empty() || si.atom_ranges.back().first != si.hits[i].atom)
      si.atom_ranges.push_back({si.hits[i].atom, i});
}

// --- evaluation ------------------------------------------------------------------------------

// A hit as seen by an expression leaf.
struct leaf_hit {
  const hit* h;
  const expr* leaf;
  const term* t = nullptr;              // list or inline term
  const entity_list::ref* e = nullptr;  // entity alias
};

// Words strictly between two positioned hits of one field; 0 when they touch or overlap.
std::uint32_t word_gap(const hit& a, const hit& b) {
  return a.w0 > b.w1 ? a.w0 - b.w1 - 1 : (b.w0 > a.w1 ? b.w0 - a.w1 - 1 : 0);
}

// A word of a positioned field, normalized.
std::string_view word_text(const prepared_field& f, const text::word& w) {
  return std::string_view(f.norm.text.data() + w.start, w.end - w.start);
}

bool same_span(const leaf_hit& a, const leaf_hit& b) {
  return a.h->f == b.h->f && a.h->start == b.h->start && a.h->end == b.h->end;
}

class evaluator {
 public:
  explicit evaluator(scanned_item& si) : si_(si), rs_(si.rs) {}

  bool eval(const expr& e, field_mask mask, std::vector<leaf_hit>* ev, explain_node* x) {
    bool v = eval_inner(e, mask, ev, x);
    if (x) {
      x->text = e.text;
      x->value = v;
    }
    return v;
  }

 private:
  explain_node* child(explain_node* x) {
    if (!x) return nullptr;
    x->children.emplace_back();
    return &x->children.back();
  }

  bool eval_inner(const expr& e, field_mask mask, std::vector<leaf_hit>* ev, explain_node* x) {
    switch (e.kind) {
      case expr::op::list:
      case expr::op::phrase:
      case expr::op::regex:
      case expr::op::entity: {
        std::vector<leaf_hit> hs;
        gather(e, mask, hs);
        if (hs.empty()) return false;
        if (ev) ev->insert(ev->end(), hs.begin(), hs.end());
        return true;
      }
      case expr::op::in:
        return eval(*e.args[0], e.fields, ev, child(x));
      case expr::op::not_: {
        return !eval(*e.args[0], mask, nullptr, child(x));
      }
      case expr::op::and_: {
        std::vector<leaf_hit> local;
        bool all = true;
        for (const auto& a : e.args) {
          if (!eval(*a, mask, ev ? &local : nullptr, child(x))) {
            all = false;
            if (!x) break;  // no trace wanted: short-circuit
          }
        }
        if (all && ev) ev->insert(ev->end(), local.begin(), local.end());
        return all;
      }
      case expr::op::or_: {
        bool any = false;
        for (const auto& a : e.args) {
          // Evidence from every true branch; without evidence or trace, the first true wins.
          if (eval(*a, mask, ev, child(x))) {
            any = true;
            if (!ev && !x) break;
          }
        }
        return any;
      }
      case expr::op::count: {
        std::vector<leaf_hit> hs;
        gather(*e.args[0], mask, hs);
        if (x) {
          auto* c = child(x);
          c->text = e.args[0]->text + "  [" + std::to_string(hs.size()) + " hits]";
          c->value = !hs.empty();
        }
        const auto n = static_cast<long>(hs.size());
        bool v = false;
        switch (e.compare) {
          case expr::cmp::ge:
            v = n >= e.count;
            break;
          case expr::cmp::gt:
            v = n > e.count;
            break;
          case expr::cmp::eq:
            v = n == e.count;
            break;
          case expr::cmp::le:
            v = n <= e.count;
            break;
          case expr::cmp::lt:
            v = n < e.count;
            break;
        }
        // A count qualifies how often terms occur: its hits are evidence only when nothing
        // evaluated before it gave any (the near() windows of `near(..) and count(..) >= 3` are
        // the evidence, not every mention in the article).
        if (v && ev && ev->empty()) ev->insert(ev->end(), hs.begin(), hs.end());
        return v;
      }
      case expr::op::near:
        return eval_near(e, mask, ev, x);
    }
    return false;
  }

  // Hits of a hit-yielding expression (leaf, or, in), deduplicated by span.
  void gather(const expr& e, field_mask mask, std::vector<leaf_hit>& out) {
    const std::size_t first = out.size();
    switch (e.kind) {
      case expr::op::list:
        gather_list(e, mask, out);
        break;
      case expr::op::phrase:
      case expr::op::regex: {
        auto [b, en] = si_.hits_of(e.own.atom);
        for (auto* h = b; h != en; ++h)
          if (accept(*h, mask) && (!e.own.exact_case || case_ok(*h, e.own)))
            out.push_back({h, &e, &e.own});
        break;
      }
      case expr::op::entity:
        gather_entity(e, mask, out);
        break;
      case expr::op::or_:
        for (const auto& a : e.args) gather(*a, mask, out);
        break;
      case expr::op::in:
        gather(*e.args[0], e.fields, out);
        break;
      default:
        break;
    }
    std::sort(out.begin() + first, out.end(), [](const leaf_hit& a, const leaf_hit& b) {
      return std::tie(a.h->f, a.h->start, a.h->end) < std::tie(b.h->f, b.h->start, b.h->end);
    });
    // Same text, same source: once. An alias shared by several entities keeps every candidate.
    out.erase(std::unique(out.begin() + first, out.end(),
                          [](const leaf_hit& a, const leaf_hit& b) {
                            return same_span(a, b) && a.e == b.e;
                          }),
              out.end());
  }

  // Whether a hit lies in the fields of `mask`; with lead_only, content and article hits count
  // only in their first lead_sentences sentences.
  bool accept(const hit& h, field_mask mask) {
    if (!(mask & mask_of(field(h.f)))) return false;
    if (!(mask & lead_only) || (field(h.f) != field::content && field(h.f) != field::article))
      return true;
    si_.position(mask_of(field(h.f)));
    return h.sentence < lead_sentences;
  }

  bool case_ok(const hit& h, const term& t) {
    return exact_case_ok(si_, h, t.original, !t.original.empty() && t.original.back() == '*');
  }

  void gather_list(const expr& e, field_mask mask, std::vector<leaf_hit>& out) {
    // Rules share term lists: an item's hits of a list in the same fields are gathered once.
    // (What a list hit says as evidence depends on the list, not on the rule that named it.)
    for (const auto& m : list_memo_)
      if (m.list == e.list && m.mask == mask) {
        out.insert(out.end(), m.hits.begin(), m.hits.end());
        return;
      }
    const std::size_t first = out.size();
    gather_list_hits(e, mask, out);
    list_memo_.push_back({e.list, mask, std::vector<leaf_hit>(out.begin() + first, out.end())});
  }

  void gather_list_hits(const expr& e, field_mask mask, std::vector<leaf_hit>& out) {
    const term_list& l = rs_.lists[e.list];
    auto take = [&](std::uint32_t term_index, std::uint32_t atom) {
      const term& t = l.terms[term_index];
      auto [b, en] = si_.hits_of(atom);
      for (auto* h = b; h != en; ++h)
        if (accept(*h, mask) && (!t.exact_case || case_ok(*h, t)))
          out.push_back({h, &e, &t});
    };
    // Join the list's atoms with the item's hit atoms from the smaller side, so a list of
    // thousands of terms costs nothing on an item with few hits.
    if (l.by_atom.size() <= si_.atom_ranges.size()) {
      for (const auto& [atom, ti] : l.by_atom) take(ti, atom);
    } else {
      for (const auto& [atom, first] : si_.atom_ranges) {
        auto it = std::lower_bound(l.by_atom.begin(), l.by_atom.end(), std::make_pair(atom, 0u));
        for (; it != l.by_atom.end() && it->first == atom; ++it) take(it->second, atom);
      }
    }
  }

  // A sanctions/export-control term (entity_context) in the hit's sentence, and when `within`
  // is given, at most that many words away.
  bool has_context(const hit& h, std::uint32_t within = ~0u) {
    si_.position(mask_of(field(h.f)));
    for (std::uint32_t a : rs_.context_atoms) {
      auto [b, en] = si_.hits_of(a);
      for (auto* c = b; c != en; ++c) {
        if (c->f == h.f && c->sentence == h.sentence && word_gap(*c, h) <= within) return true;
      }
    }
    return false;
  }

  // The word before the hit, normalized; empty at a sentence start.
  std::string_view word_before(const hit& h) {
    si_.position(mask_of(field(h.f)));
    const auto& f = si_.fields[h.f];
    if (h.w0 == 0 || h.w0 >= f.words.size() || opens_sentence(h)) return {};
    return word_text(f, f.words[h.w0 - 1]);
  }

  // The entity's kind named next to its name: "the tanker Humanity", "Leverage SA", "the
  // Wagner group" -- two words before or after, in the same sentence.
  bool has_type_cue(const hit& h, const std::string& type) {
    static constexpr std::string_view vessel[] = {
        "barge", "boat", "bulker", "carrier", "freighter", "imo", "mv", "ship", "ships",
        "tanker", "tankers", "vessel", "vessels", "yacht"};
    static constexpr std::string_view org[] = {
        "ag", "airline", "airlines", "bank", "brokerage", "co", "companies", "company", "corp",
        "corporation", "enterprise", "exchange", "firm", "foundation", "fund", "gmbh", "group",
        "holding", "holdings", "inc", "jsc", "llc", "ltd", "militia", "network", "ojsc",
        "organisation", "organization", "pjsc", "plc", "sa", "trading"};
    static constexpr std::string_view aircraft[] = {"aircraft", "airliner", "jet", "plane"};
    static_assert(std::is_sorted(std::begin(vessel), std::end(vessel)) &&
                  std::is_sorted(std::begin(org), std::end(org)) &&
                  std::is_sorted(std::begin(aircraft), std::end(aircraft)));
    std::span<const std::string_view> cues;
    if (type == "vessel")
      cues = vessel;
    else if (type == "aircraft")
      cues = aircraft;
    else if (type == "organization" || type == "unknown")
      cues = org;
    else
      return false;
    si_.position(mask_of(field(h.f)));
    const auto& f = si_.fields[h.f];
    const auto& w = f.words;
    if (w.empty()) return false;
    const std::uint32_t from = h.w0 >= 2 ? h.w0 - 2 : 0;
    const std::uint32_t to = std::min<std::uint32_t>(h.w1 + 2, std::uint32_t(w.size() - 1));
    for (std::uint32_t i = from; i <= to; ++i) {
      if ((i >= h.w0 && i <= h.w1) || w[i].sentence != h.sentence) continue;
      if (std::binary_search(cues.begin(), cues.end(), word_text(f, w[i]))) return true;
    }
    return false;
  }

  // The hit's first word opens its sentence (where any word is capitalised).
  bool opens_sentence(const hit& h) {
    si_.position(mask_of(field(h.f)));
    const auto& w = si_.fields[h.f].words;
    return h.w0 == 0 || h.w0 >= w.size() || w[h.w0 - 1].sentence != w[h.w0].sentence;
  }

  // A capitalised word right before or after the hit in its sentence: the hit is part of a
  // longer name ("Justice Department", "Daniel Kaniewski"), not the listed one.
  bool inside_longer_name(const hit& h) {
    si_.position(mask_of(field(h.f)));
    const auto& f = si_.fields[h.f];
    const auto& w = f.words;
    auto capitalised = [&](std::uint32_t i) {
      if (i >= w.size() || w[i].sentence != h.sentence) return false;
      auto [os, oe] = to_original(f, w[i].start, w[i].end);
      if (os >= oe || os >= f.original.size()) return false;
      const auto c = static_cast<unsigned char>(f.original[os]);
      return c >= 'A' && c <= 'Z';
    };
    // "Department of Justice": a connector between the hit and a capitalised word.
    auto connector = [&](std::uint32_t i) {
      if (i >= w.size() || w[i].sentence != h.sentence) return false;
      const std::string_view x = word_text(f, w[i]);
      return x == "of" || x == "for" || x == "de" || x == "and";
    };
    // A possessive before the name is its owner, not part of it: "Russia's Wagner".
    auto possessive = [&](std::uint32_t i) {
      auto [os, oe] = to_original(f, w[i].start, w[i].end);
      std::string_view x = std::string_view(f.original).substr(os, oe - os + 4);
      return x.find("'s") != std::string_view::npos ||
             x.find("\xE2\x80\x99s") != std::string_view::npos;
    };
    if (h.w0 > 0 && !opens_sentence(h) && capitalised(h.w0 - 1) && !possessive(h.w0 - 1))
      return true;
    if (capitalised(h.w1 + 1)) return true;
    return h.w0 > 1 && connector(h.w0 - 1) && capitalised(h.w0 - 2);
  }

  // Whether the text shows what an alias's gate asks for (entities::name_gate).
  bool gate_passes(const hit& h, const entity_alias& al, const entity& en) {
    using entities::name_gate;
    if (al.gate == name_gate::none) return true;
    if (!entity_case_ok(si_, h, al.stripped)) return false;
    switch (al.gate) {
      case name_gate::proper_name:
        return true;
      case name_gate::proper_name_and_support: {
        // One ordinary word ("Leverage", "Humanity", "September"): a proper name inside its
        // sentence, named with its kind next to it, or a sanctions word a few words away --
        // and not after a preposition of time ("in September", "since Monday").
        if (field(h.f) == field::title || inside_longer_name(h)) return false;
        if (has_type_cue(h, en.type)) return true;
        if (opens_sentence(h)) return false;
        static constexpr std::string_view time_words[] = {
            "after", "before", "by", "during", "early", "from", "in", "last", "late", "mid",
            "next", "on", "since", "this", "through", "until"};
        static_assert(std::is_sorted(std::begin(time_words), std::end(time_words)));
        if (std::binary_search(std::begin(time_words), std::end(time_words), word_before(h)))
          return false;
        return has_context(h, 5);
      }
      case name_gate::context:
        return has_context(h) || has_type_cue(h, en.type);
      case name_gate::none:
        break;
    }
    return true;
  }

  void gather_entity(const expr& e, field_mask mask, std::vector<leaf_hit>& out) {
    if (e.list == all_entity_lists) {
      for (const auto& l : rs_.entity_lists) gather_entity_list(e, l, mask, out);
    } else {
      gather_entity_list(e, rs_.entity_lists[e.list], mask, out);
    }
  }

  void gather_entity_list(const expr& e, const entity_list& l, field_mask mask,
                          std::vector<leaf_hit>& out) {
    // As for term lists: once per item, list and fields (gates depend on the hit and the
    // alias, never on the rule).
    const auto list = static_cast<std::uint32_t>(&l - rs_.entity_lists.data());
    for (const auto& m : entity_memo_)
      if (m.list == list && m.mask == mask) {
        out.insert(out.end(), m.hits.begin(), m.hits.end());
        return;
      }
    const std::size_t from = out.size();
    gather_entity_hits(e, l, mask, out);
    entity_memo_.push_back({list, mask, std::vector<leaf_hit>(out.begin() + from, out.end())});
  }

  void gather_entity_hits(const expr& e, const entity_list& l, field_mask mask,
                          std::vector<leaf_hit>& out) {
    for (const auto& [atom, first] : si_.atom_ranges) {
      auto it =
          std::lower_bound(l.by_atom.begin(), l.by_atom.end(), atom,
                           [](const entity_list::ref& r, std::uint32_t a) { return r.atom < a; });
      for (; it != l.by_atom.end() && it->atom == atom; ++it) {
        const entity& ent = l.entities[it->entity];
        const entity_alias& al = ent.aliases[it->alias];
        auto [b, en] = si_.hits_of(atom);
        for (auto* h = b; h != en; ++h) {
          if (!accept(*h, mask)) continue;
          if (!gate_passes(*h, al, ent)) continue;
          out.push_back({h, &e, nullptr, &*it});
        }
      }
    }
  }

  // Whether a veto of near() falls on the chosen window: in its sentence (scope=sentence), or
  // within `within` words (the veto's unless_within=, else near's within=) of one of its hits.
  // Veto hits are sorted by (field, start), so by word and sentence within a field.
  static bool vetoed(const expr& e, const std::vector<std::vector<leaf_hit>>& args,
                     const std::vector<std::size_t>& chosen,
                     const std::vector<std::vector<leaf_hit>>& vetoes,
                     const std::vector<std::uint32_t>& longest_veto) {
    if (vetoes.empty()) return false;
    const hit& first = *args[0][chosen[0]].h;
    std::uint32_t lo_w = first.w0, hi_w = first.w1;
    for (std::size_t j = 1; j < chosen.size(); ++j) {
      lo_w = std::min(lo_w, args[j][chosen[j]].h->w0);
      hi_w = std::max(hi_w, args[j][chosen[j]].h->w1);
    }
    for (std::size_t v = 0; v < vetoes.size(); ++v) {
      const auto& vh = vetoes[v];
      const bool whole_sentence = e.veto_within[v] < 0 && e.sentence_scope;
      const std::uint32_t within =
          std::uint32_t(e.veto_within[v] < 0 ? e.within : e.veto_within[v]);
      // Candidates: same field, and the window's sentence, or a start word in
      // [lo_w - within - 1 - longest, hi_w + within + 1].
      auto key = [](const leaf_hit& x) { return std::make_pair(std::uint32_t(x.h->f), x.h->w0); };
      const std::uint32_t slack = within + 1 + longest_veto[v];
      auto it = whole_sentence
                    ? std::lower_bound(vh.begin(), vh.end(),
                                       std::make_pair(std::uint32_t(first.f), first.sentence),
                                       [](const leaf_hit& a, const auto& kv) {
                                         return std::make_pair(std::uint32_t(a.h->f),
                                                               a.h->sentence) < kv;
                                       })
                    : std::lower_bound(vh.begin(), vh.end(),
                                       std::make_pair(std::uint32_t(first.f),
                                                      lo_w > slack ? lo_w - slack : 0),
                                       [&](const leaf_hit& a, const auto& kv) { return key(a) < kv; });
      for (; it != vh.end() && it->h->f == first.f; ++it) {
        const hit& h = *it->h;
        if (whole_sentence) {
          if (h.sentence < first.sentence) continue;
          if (h.sentence > first.sentence) break;
          return true;
        }
        if (h.w0 > hi_w + within + 1) break;
        if (e.sentence_scope && h.sentence != first.sentence) continue;
        for (std::size_t j = 0; j < chosen.size(); ++j)
          if (word_gap(h, *args[j][chosen[j]].h) <= within) return true;
      }
    }
    return false;
  }

  bool eval_near(const expr& e, field_mask mask, std::vector<leaf_hit>* ev, explain_node* x) {
    const std::size_t k = e.args.size();
    std::vector<std::vector<leaf_hit>> args(k);
    for (std::size_t i = 0; i < k; ++i) {
      gather(*e.args[i], mask, args[i]);
      if (x) {
        auto* c = child(x);
        c->text = e.args[i]->text + "  [" + std::to_string(args[i].size()) + " hits]";
        c->value = !args[i].empty();
      }
    }
    std::vector<std::vector<leaf_hit>> vetoes(e.vetoes.size());
    for (std::size_t v = 0; v < e.vetoes.size(); ++v) {
      gather(*e.vetoes[v], mask, vetoes[v]);
      if (x) {
        auto* c = child(x);
        c->text = "unless " + e.vetoes[v]->text +
                  (e.veto_within[v] >= 0 ? " within " + std::to_string(e.veto_within[v]) : "") +
                  "  [" + std::to_string(vetoes[v].size()) + " hits]";
        c->value = !vetoes[v].empty();
      }
    }
    for (const auto& a : args)
      if (a.empty()) return false;
    si_.position(mask);
    std::vector<std::uint32_t> longest_veto(vetoes.size(), 0);
    for (std::size_t v = 0; v < vetoes.size(); ++v)
      for (const auto& lh : vetoes[v]) longest_veto[v] = std::max(longest_veto[v], lh.h->w1 - lh.h->w0);
    // The longest hit (in words) of each argument bounds how far before the first chosen hit
    // a partner may start; with it, partners are found by binary search instead of a full scan.
    std::vector<std::uint32_t> longest(k, 0);
    for (std::size_t i = 0; i < k; ++i)
      for (const auto& lh : args[i]) longest[i] = std::max(longest[i], lh.h->w1 - lh.h->w0);
    const std::uint32_t n_within = std::uint32_t(e.within);
    bool found = false;
    std::set<std::pair<std::size_t, std::size_t>> used;  // (arg, index) in some window
    std::set<std::pair<std::uint32_t, std::uint32_t>> covered;  // (field, sentence) with a window
    std::vector<std::size_t> chosen(k);
    std::size_t budget = near_budget;
    // Depth-first over one hit per argument, pruned as soon as the window is too wide.
    auto rec = [&](auto& self, std::size_t i, std::uint32_t min_end,
                   std::uint32_t max_start) -> void {
      if (budget == 0) return;
      if (i == k) {
        if (vetoed(e, args, chosen, vetoes, longest_veto)) return;
        found = true;
        // Evidence: one window per sentence. Its hits are the words that made the condition
        // true there; more windows in the same sentence would only mark more actors and
        // context words ("US", "companies") that qualified nothing new.
        // Every entity a window names is kept: the alert lists who is named.
        const hit& f = *args[0][chosen[0]].h;
        const bool first = covered.insert({f.f, f.sentence}).second;
        for (std::size_t j = 0; j < k; ++j)
          if (first || args[j][chosen[j]].e) used.insert({j, chosen[j]});
        return;
      }
      std::size_t from = 0, to = args[i].size();
      if (i > 0) {
        // Partners of the first hit f: same field, start word in
        // [f.w0 - within - 1 - longest, f.w1 + within + 1].
        const hit& f = *args[0][chosen[0]].h;
        const std::uint32_t slack = n_within + 1 + longest[i];
        const std::uint32_t lo = f.w0 > slack ? f.w0 - slack : 0;
        const std::uint32_t hi = f.w1 + n_within + 1;
        auto key = [](const leaf_hit& x) { return std::make_pair(std::uint32_t(x.h->f), x.h->w0); };
        const auto& v = args[i];
        from = std::lower_bound(v.begin(), v.end(), std::make_pair(std::uint32_t(f.f), lo),
                                [&](const leaf_hit& x, const auto& kv) { return key(x) < kv; }) -
               v.begin();
        to = std::upper_bound(v.begin(), v.end(), std::make_pair(std::uint32_t(f.f), hi),
                              [&](const auto& kv, const leaf_hit& x) { return kv < key(x); }) -
             v.begin();
      }
      for (std::size_t n = from; n < to && budget > 0; ++n) {
        --budget;
        const hit& h = *args[i][n].h;
        if (i > 0) {
          const hit& first = *args[0][chosen[0]].h;
          if (h.f != first.f) continue;
          if (e.sentence_scope && h.sentence != first.sentence) continue;
          if (e.ordered && h.start < args[i - 1][chosen[i - 1]].h->end) continue;
          bool dup = false;
          for (std::size_t j = 0; j < i && !dup; ++j)
            dup = same_span(args[j][chosen[j]], args[i][n]);
          if (dup) continue;
        }
        std::uint32_t mn = i == 0 ? h.w1 : std::min(min_end, h.w1);
        std::uint32_t mx = i == 0 ? h.w0 : std::max(max_start, h.w0);
        if (mx > mn && mx - mn - 1 > std::uint32_t(e.within)) continue;
        chosen[i] = n;
        self(self, i + 1, mn, mx);
        if (found && !ev) return;  // only the truth is wanted
      }
    };
    rec(rec, 0, 0, 0);
    if (found && ev)
      for (const auto& [a, n] : used) ev->push_back(args[a][n]);
    return found;
  }

  scanned_item& si_;
  const ruleset& rs_;
  struct list_hits {
    std::uint32_t list;
    field_mask mask;
    std::vector<leaf_hit> hits;
  };
  std::vector<list_hits> list_memo_;    ///< gather_list's answers for this item
  std::vector<list_hits> entity_memo_;  ///< gather_entity_list's, by entity list
};

// --- evidence --------------------------------------------------------------------------------

std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    // Keep one space at the edges too: the pieces around the hit are joined afterwards.
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (space) out += ' ';
  return out;
}

// At most `max` bytes of `s`, cut before a UTF-8 continuation byte, "…" marking the cut: a
// regex hit can span a whole megabyte, the alert carries its offsets and a readable start.
std::string clip(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  s.resize(utf8_cut(s, max));
  return s + "…";
}

void make_snippet(const prepared_field& f, const hit& h, std::uint32_t os, std::uint32_t oe,
                  evidence_entry& out) {
  std::uint32_t ss = os, se = oe;
  const auto& w = f.words;
  if (!w.empty() && h.w0 < w.size()) {
    const std::uint32_t sent = w[h.w0].sentence;
    std::size_t a = h.w0, b = h.w0;
    while (a > 0 && w[a - 1].sentence == sent) --a;
    while (b + 1 < w.size() && w[b + 1].sentence == sent) ++b;
    auto [s1, e1] = to_original(f, w[a].start, w[a].end);
    auto [s2, e2] = to_original(f, w[b].start, w[b].end);
    (void)e1;
    (void)s2;
    ss = std::min(s1, os);
    se = std::max(e2, oe);
    if (se < f.original.size() &&
        std::string_view(".!?\"'").find(f.original[se]) != std::string_view::npos)
      ++se;
  }
  // Keep about 240 bytes, centred on the hit, cut at spaces.
  constexpr std::uint32_t max_len = 240;
  std::string_view o = f.original;
  std::string pre_dots, post_dots;
  if (se - ss > max_len) {
    const std::uint32_t hit_len = oe - os;
    const std::uint32_t room = hit_len >= max_len ? 0 : max_len - hit_len;
    std::uint32_t before = std::min(os - ss, room / 2);
    std::uint32_t after = std::min(se - oe, room - before);
    before = std::min(os - ss, room - after);
    std::uint32_t ns = os - before, ne = oe + after;
    if (ns > ss) {
      auto sp = o.substr(ns, os - ns).find(' ');
      ns = sp == std::string_view::npos ? os : ns + std::uint32_t(sp) + 1;
      pre_dots = "…";
    }
    if (ne < se) {
      auto sp = o.substr(oe, ne - oe).rfind(' ');
      ne = sp == std::string_view::npos ? oe : oe + std::uint32_t(sp);
      post_dots = "…";
    }
    ss = ns;
    se = ne;
  }
  std::string pre = pre_dots + collapse(o.substr(ss, os - ss));
  std::string mid = clip(collapse(o.substr(os, oe - os)), max_len);
  std::string post = collapse(o.substr(oe, se - oe)) + post_dots;
  while (!pre.empty() && pre.front() == ' ') pre.erase(0, 1);
  while (!post.empty() && post.back() == ' ') post.pop_back();
  out.snippet = pre + mid + post;
  out.mark_start = std::uint32_t(pre.size());
  out.mark_end = std::uint32_t(pre.size() + mid.size());
}

// Adds a hit to the rule's sentences: a new raw sentence (its original bytes, capped to a few
// KB around the hit) or a mark in the last one when the hit is in the same sentence.
void add_to_sentences(const prepared_field& f, const hit& h, std::uint32_t os, std::uint32_t oe,
                      raw_mark mark, std::vector<raw_sentence>& out) {
  const auto& w = f.words;
  const field where = field(h.f);
  const std::uint32_t sent = h.w0 < w.size() ? w[h.w0].sentence : 0;
  if (out.empty() || out.back().where != where || out.back().sentence != sent) {
    std::uint32_t ss = os, se = oe;
    if (h.w0 < w.size()) {
      std::size_t a = h.w0, b = h.w0;
      while (a > 0 && w[a - 1].sentence == sent) --a;
      while (b + 1 < w.size() && w[b + 1].sentence == sent) ++b;
      ss = std::min(to_original(f, w[a].start, w[a].end).first, os);
      se = std::max(to_original(f, w[b].start, w[b].end).second, oe);
      if (se < f.original.size() &&
          std::string_view(".!?\"'").find(f.original[se]) != std::string_view::npos)
        ++se;
    }
    // A "sentence" of a text without punctuation may be the whole text: keep 2 KB each side.
    constexpr std::uint32_t cap = 2048;
    if (os > ss + cap) ss = std::uint32_t(utf8_cut(f.original, os - cap));
    // A hit may itself be huge (a regex over a whole paragraph): its start is what is shown.
    if (se > os + 2 * cap) se = std::uint32_t(utf8_cut(f.original, os + 2 * cap));
    raw_sentence r;
    r.where = where;
    r.sentence = sent;
    r.offset = ss;
    r.source = std::string(f.original.substr(ss, se - ss));
    out.push_back(std::move(r));
  }
  raw_sentence& r = out.back();
  if (os < r.offset || os >= r.offset + r.source.size()) return;  // beyond the cap
  oe = std::min<std::uint32_t>(oe, r.offset + std::uint32_t(r.source.size()));
  if (!r.marks.empty() && os - r.offset < r.marks.back().end) return;  // inside the last mark
  mark.start = os - r.offset;
  mark.end = oe - r.offset;
  r.marks.push_back(std::move(mark));
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

rule_match build_match(const ruleset& rs, scanned_item& si, const rule& r,
                       std::vector<leaf_hit>& ev) {
  rule_match m;
  m.matched_rule = &r;
  // Longest first among hits starting together: the entity's matched text is the fullest
  // form ("Example Mining-Trans", not "Example Mining"), and the shorter hit adds no evidence.
  std::sort(ev.begin(), ev.end(), [](const leaf_hit& a, const leaf_hit& b) {
    return std::make_tuple(a.h->f, a.h->start, ~a.h->end) <
           std::make_tuple(b.h->f, b.h->start, ~b.h->end);
  });
  std::set<std::string> entity_ids;
  constexpr std::size_t max_evidence = 50;
  constexpr std::size_t max_evidence_text = 240;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    const leaf_hit& lh = ev[i];
    si.position(mask_of(field(lh.h->f)));
    const prepared_field& f = si.fields[lh.h->f];
    auto [os, oe] = to_original(f, lh.h->start, lh.h->end);
    {
      raw_mark mk;
      if (lh.leaf->kind == expr::op::list)
        mk.list = rs.lists[lh.leaf->list].name;
      else if (lh.leaf->kind == expr::op::entity && lh.e) {
        mk.list = rs.entity_lists[lh.e->list].name;
        mk.entity = rs.entity_lists[lh.e->list].entities[lh.e->entity].id;
      } else
        mk.list = lh.leaf->text;
      add_to_sentences(f, *lh.h, os, oe, std::move(mk), m.sentences);
    }
    if (lh.e) {
      const entity_list& l = rs.entity_lists[lh.e->list];
      const entity& en = l.entities[lh.e->entity];
      const entity_alias& al = en.aliases[lh.e->alias];
      if (entity_ids.insert(l.name + '\x01' + en.id).second) {
        entity_hit eh{
            en.id,  en.name,     en.type,      std::string(f.original.substr(os, oe - os)),
            l.name, en.programs, al.ambiguous, {}};
        if (al.ambiguous) {
          // Every entity of the list that derives the same matching form.
          auto it = std::lower_bound(
              l.by_atom.begin(), l.by_atom.end(), al.atom,
              [](const entity_list::ref& x, std::uint32_t a) { return x.atom < a; });
          for (; it != l.by_atom.end() && it->atom == al.atom; ++it)
            add_unique(eh.candidates, l.entities[it->entity].id);
        }
        m.entities.push_back(std::move(eh));
      }
    }
    // One evidence entry per stretch of text: a hit inside the previous one ("take steps"
    // inside "could take steps") adds nothing for the reader.
    if (!m.evidence.empty() && m.evidence.back().where == field(lh.h->f) &&
        os >= m.evidence.back().start && oe <= m.evidence.back().end)
      continue;
    if (m.evidence.size() >= max_evidence) continue;
    evidence_entry e;
    e.where = field(lh.h->f);
    if (lh.leaf->kind == expr::op::list)
      e.list = rs.lists[lh.leaf->list].name;
    else if (lh.leaf->kind == expr::op::entity && lh.e)
      e.list = rs.entity_lists[lh.e->list].name;
    else
      e.term = lh.leaf->text;
    e.text = clip(std::string(f.original.substr(os, oe - os)), max_evidence_text);
    e.start = os;
    e.end = oe;
    make_snippet(f, *lh.h, os, oe, e);
    m.evidence.push_back(std::move(e));
  }
  return m;
}

template <class F>
void for_entity_lists(const ruleset& rs, const expr& e, F&& f) {
  if (e.list == all_entity_lists) {
    for (const auto& l : rs.entity_lists) f(l);
  } else if (e.list < rs.entity_lists.size()) {
    f(rs.entity_lists[e.list]);
  }
}

void collect_atoms(const ruleset& rs, const expr& e, std::vector<std::uint32_t>& out) {
  switch (e.kind) {
    case expr::op::list:
      for (const auto& t : rs.lists[e.list].terms) out.push_back(t.atom);
      break;
    case expr::op::phrase:
    case expr::op::regex:
      out.push_back(e.own.atom);
      break;
    case expr::op::entity:
      for_entity_lists(rs, e, [&](const entity_list& l) {
        for (const auto& r : l.by_atom) out.push_back(r.atom);
      });
      out.insert(out.end(), rs.context_atoms.begin(), rs.context_atoms.end());
      break;
    default:
      break;
  }
  for (const auto& a : e.args) collect_atoms(rs, *a, out);
  for (const auto& v : e.vetoes) collect_atoms(rs, *v, out);
}

// Atoms of which at least one must be hit for the expression to be true; false when the
// expression can be true without any hit (`not`, `count(..) <= N`). Rules are indexed by these
// only, so a rule like near("rare", @common) is not evaluated on every item mentioning @common.
// For `and`, the child whose atoms are least used by other rules is chosen.
bool necessary_atoms(const ruleset& rs, const expr& e, const std::vector<std::uint32_t>& popularity,
                     std::vector<std::uint32_t>& out) {
  switch (e.kind) {
    case expr::op::list:
    case expr::op::phrase:
    case expr::op::regex:
      collect_atoms(rs, e, out);
      return true;
    case expr::op::entity:
      for_entity_lists(rs, e, [&](const entity_list& l) {
        for (const auto& r : l.by_atom) out.push_back(r.atom);
      });
      return true;
    case expr::op::in:
      return necessary_atoms(rs, *e.args[0], popularity, out);
    case expr::op::count:
      if ((e.compare == expr::cmp::ge && e.count >= 1) || e.compare == expr::cmp::gt ||
          (e.compare == expr::cmp::eq && e.count >= 1))
        return necessary_atoms(rs, *e.args[0], popularity, out);
      return false;
    case expr::op::not_:
      return false;
    case expr::op::or_:
      for (const auto& a : e.args)
        if (!necessary_atoms(rs, *a, popularity, out)) return false;
      return true;
    case expr::op::and_:
    case expr::op::near: {
      std::vector<std::uint32_t> best;
      std::uint64_t best_cost = ~std::uint64_t(0);
      for (const auto& a : e.args) {
        std::vector<std::uint32_t> cand;
        if (!necessary_atoms(rs, *a, popularity, cand)) continue;
        std::uint64_t cost = 0;
        for (auto x : cand) cost += popularity[x] + 1;
        if (cost < best_cost) best_cost = cost, best = std::move(cand);
      }
      if (best_cost == ~std::uint64_t(0)) return false;
      out.insert(out.end(), best.begin(), best.end());
      return true;
    }
  }
  return false;
}

field_mask fields_used(const expr& e) {
  field_mask m = e.kind == expr::op::in ? e.fields : 0;
  for (const auto& a : e.args) m |= fields_used(*a);
  for (const auto& v : e.vetoes) m |= fields_used(*v);
  return m;
}

}  // namespace

namespace detail {

namespace {

// The key of a word index: the build and every atom it indexes, in order.
std::string index_cache_key(const std::vector<atom>& atoms) {
  std::string in = "sanctwatch word index 1\x1f" + build_id();
  for (const auto& a : atoms) {
    in += static_cast<char>(a.type);
    in += a.pattern;
    in += '\0';
  }
  return list_cache_key("word-index", 0, in, "", "");
}

// Below this many phrases the index builds faster than an entry is read and checked.
constexpr std::size_t cached_index_min_atoms = 5000;

}  // namespace

std::string compile_database(ruleset& rs, const list_cache* cache) {
  rs.rules_of_atom.assign(rs.atoms.size(), {});
  rs.always_rules.clear();
  rs.scanned_fields = 0;
  {
    scanned_item empty(rs);
    std::vector<std::uint32_t> popularity(rs.atoms.size(), 0);
    for (std::uint32_t i = 0; i < rs.rules.size(); ++i) {
      rule& r = rs.rules[i];
      if (!r.root) continue;
      rs.scanned_fields |= r.fields | fields_used(*r.root);
      std::vector<std::uint32_t> atoms;
      collect_atoms(rs, *r.root, atoms);
      std::sort(atoms.begin(), atoms.end());
      atoms.erase(std::unique(atoms.begin(), atoms.end()), atoms.end());
      for (auto a : atoms) ++popularity[a];
      evaluator ev(empty);
      r.fires_without_hits = ev.eval(*r.root, r.fields, nullptr, nullptr);
    }
    for (std::uint32_t i = 0; i < rs.rules.size(); ++i) {
      const rule& r = rs.rules[i];
      std::vector<std::uint32_t> atoms;
      if (r.fires_without_hits || !necessary_atoms(rs, *r.root, popularity, atoms)) {
        rs.always_rules.push_back(i);
        continue;
      }
      std::sort(atoms.begin(), atoms.end());
      atoms.erase(std::unique(atoms.begin(), atoms.end()), atoms.end());
      for (auto a : atoms) rs.rules_of_atom[a].push_back(i);
    }
  }
  const bool cached = cache && *cache && rs.atoms.size() >= cached_index_min_atoms;
  const std::string key = cached ? index_cache_key(rs.atoms) : "";
  bool loaded = false;
  if (cached)
    if (const auto hit = cache->get(key))
      if (const auto body = unseal("SWPI", *hit)) loaded = rs.phrases.load(*body);
  if (!loaded) {
    rs.phrases.build(rs.atoms);
    if (cached) cache->put(key, seal("SWPI", rs.phrases.save()));
  }
  static std::atomic<std::uint64_t> next_serial{1};
  rs.serial = next_serial++;
  std::vector<const char*> exprs;
  std::vector<unsigned> flags, ids;
  std::vector<std::string> patterns;
  for (std::uint32_t i = 0; i < rs.atoms.size(); ++i) {
    const atom& a = rs.atoms[i];
    if (a.type != atom::kind::regex) continue;
    // The interned pattern carries "\x01flags" to keep differently-flagged regexes apart.
    auto cut = a.pattern.rfind('\x01');
    patterns.push_back(a.pattern.substr(0, cut));
    flags.push_back(regex_flags(a.pattern.substr(cut + 1)));
    ids.push_back(i);
  }
  if (patterns.empty()) return {};
  for (const auto& p : patterns) exprs.push_back(p.c_str());
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), unsigned(exprs.size()),
                       HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    std::string m = "cannot compile the ruleset";
    if (err) {
      if (err->expression >= 0 && std::size_t(err->expression) < exprs.size())
        m += " at term '" + rs.atoms[ids[err->expression]].display + "'";
      m += std::string(": ") + (err->message ? err->message : "?");
      hs_free_compile_error(err);
    }
    return m;
  }
  rs.db = hs_database(db);
  return {};
}

}  // namespace detail

namespace {

// match() and match_only(): `only` null for every rule.
std::vector<rule_match> match_rules(const ruleset& rs, const item& it,
                                    const std::vector<bool>* only) {
  scanned_item si(rs);
  scan(si, it);
  std::vector<std::uint32_t> candidates = rs.always_rules;
  for (const auto& [atom, first] : si.atom_ranges)
    candidates.insert(candidates.end(), rs.rules_of_atom[atom].begin(),
                      rs.rules_of_atom[atom].end());
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  if (only)
    std::erase_if(candidates, [&](std::uint32_t i) { return !(*only)[i]; });
  std::vector<rule_match> out;
  evaluator ev(si);
  for (auto i : candidates) {
    const rule& r = rs.rules[i];
    std::vector<leaf_hit> hits;
    if (ev.eval(*r.root, r.fields, &hits, nullptr)) out.push_back(build_match(rs, si, r, hits));
  }
  // A rule that restates another's finding does not fire beside it (`suppresses:`).
  std::vector<bool> fired(rs.rules.size(), false);
  for (const auto& m : out) fired[std::size_t(m.matched_rule - rs.rules.data())] = true;
  std::erase_if(out, [&](const rule_match& m) {
    for (auto by : m.matched_rule->suppressed_by)
      if (fired[by]) return true;
    return false;
  });
  return out;
}

}  // namespace

std::vector<rule_match> match(const ruleset& rs, const item& it) {
  return match_rules(rs, it, nullptr);
}

std::vector<rule_match> match_only(const ruleset& rs, const item& it,
                                   const std::vector<std::uint32_t>& rules) {
  // The rules asked for and those that suppress them: a suppressor must be evaluated for the
  // result to be what match() gives for these rules.
  std::vector<bool> evaluated(rs.rules.size(), false), wanted(rs.rules.size(), false);
  for (auto i : rules) {
    if (i >= rs.rules.size()) continue;
    wanted[i] = evaluated[i] = true;
    for (auto by : rs.rules[i].suppressed_by) evaluated[by] = true;
  }
  auto out = match_rules(rs, it, &evaluated);
  std::erase_if(out, [&](const rule_match& m) {
    return !wanted[std::size_t(m.matched_rule - rs.rules.data())];
  });
  return out;
}

bool match_rule(const ruleset& rs, std::size_t rule_index, const item& it, explain_node* trace) {
  scanned_item si(rs);
  scan(si, it);
  evaluator ev(si);
  const rule& r = rs.rules[rule_index];
  return ev.eval(*r.root, r.fields, nullptr, trace);
}

namespace {

// A rule that fired but is suppressed by another that fired: no longer fired, with the reason
// as the last line of its trace.
void apply_suppression(const ruleset& rs, std::size_t i, const std::vector<bool>& fired,
                       bool& value, explain_node& trace) {
  if (!value) return;
  for (auto by : rs.rules[i].suppressed_by)
    if (fired[by]) {
      value = false;
      trace.children.push_back({"suppressed by '" + rs.rules[by].id + "', which fired", true, {}});
      return;
    }
}

}  // namespace

std::vector<rule_explanation> explain(const ruleset& rs, const item& it) {
  scanned_item si(rs);
  scan(si, it);
  evaluator ev(si);
  std::vector<rule_explanation> out;
  for (const auto& r : rs.rules) {
    rule_explanation x;
    x.explained_rule = &r;
    x.fired = ev.eval(*r.root, r.fields, nullptr, &x.tree);
    out.push_back(std::move(x));
  }
  std::vector<bool> fired(rs.rules.size());
  for (std::size_t i = 0; i < out.size(); ++i) fired[i] = out[i].fired;
  for (std::size_t i = 0; i < out.size(); ++i)
    apply_suppression(rs, i, fired, out[i].fired, out[i].tree);
  return out;
}

std::string format_explain(const explain_node& n, int indent) {
  std::string s(std::size_t(indent) * 2, ' ');
  s += n.value ? "true   " : "false  ";
  s += n.text + "\n";
  for (const auto& c : n.children) s += format_explain(c, indent + 1);
  return s;
}

item item_for_test(const rule_test& t) {
  item it;
  it.id = "test";
  it.title = t.fields[int(field::title)];
  it.summary = t.fields[int(field::summary)];
  it.content = t.fields[int(field::content)];
  if (!t.fields[int(field::author)].empty()) it.authors.push_back(t.fields[int(field::author)]);
  if (!t.fields[int(field::category)].empty())
    it.categories.push_back(t.fields[int(field::category)]);
  it.link = t.fields[int(field::link)];
  it.article = t.fields[int(field::article)];
  return it;
}

test_report run_tests(const ruleset& rs) {
  test_report rep;
  for (std::size_t i = 0; i < rs.rules.size(); ++i) {
    for (const auto& t : rs.rules[i].tests) {
      ++rep.tests;
      explain_node trace;
      const item it = item_for_test(t);
      bool got = match_rule(rs, i, it, &trace);
      // A test speaks of what the item's alerts would be: a suppressed rule does not match.
      if (got && !rs.rules[i].suppressed_by.empty()) {
        std::vector<bool> fired(rs.rules.size(), false);
        for (auto by : rs.rules[i].suppressed_by) fired[by] = match_rule(rs, by, it);
        apply_suppression(rs, i, fired, got, trace);
      }
      if (got != t.expect_match) rep.failures.push_back({&rs.rules[i], &t, std::move(trace)});
    }
  }
  return rep;
}

}  // namespace sanctwatch::engine
