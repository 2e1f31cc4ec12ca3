#include "entities/names.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "entities/detail.hpp"
#include "entities/legal_forms.hpp"

namespace sanctwatch::entities {

namespace {

// Common English words that are also common in company and vessel names. A name made only of
// these ("GLOBAL", "GOLDEN STAR") is too likely to occur in ordinary news text to fire alone.
// Sorted, for binary search; checked at compile time.
constexpr std::string_view common_words[] = {
    "a",           "about",        "above",
    "across",      "act",          "action",
    "active",      "advance",      "after",
    "again",       "against",      "age",
    "agency",      "air",          "all",
    "alliance",    "alpha",        "also",
    "always",      "america",      "american",
    "among",       "an",           "and",
    "angel",       "another",      "any",
    "apple",       "arab",         "area",
    "army",        "arrow",        "art",
    "as",          "asia",         "asian",
    "association", "at",           "atlas",
    "authority",   "auto",         "back",
    "bank",        "base",         "bay",
    "be",          "bear",         "because",
    "been",        "before",       "being",
    "best",        "better",       "between",
    "big",         "bird",         "black",
    "blue",        "board",        "border",
    "both",        "bridge",       "bright",
    "brother",     "brothers",     "building",
    "business",    "but",          "by",
    "call",        "can",          "capital",
    "car",         "care",         "carrier",
    "center",      "central",      "centre",
    "century",     "champion",     "change",
    "chemical",    "chemicals",    "china",
    "chinese",     "city",         "clear",
    "club",        "coast",        "cold",
    "come",        "commerce",     "commercial",
    "committee",   "common",       "communications",
    "community",   "company",      "construction",
    "consulting",  "continental",  "control",
    "core",        "council",      "country",
    "cross",       "crown",        "crystal",
    "culture",     "current",      "dark",
    "data",        "day",          "defence",
    "defense",     "delta",        "design",
    "development", "diamond",      "digital",
    "direct",      "discovery",    "do",
    "dragon",      "dream",        "during",
    "eagle",       "earth",        "east",
    "eastern",     "eco",          "economic",
    "education",   "electric",     "electronics",
    "elite",       "empire",       "energy",
    "engineering", "enterprise",   "enterprises",
    "equipment",   "europe",       "european",
    "every",       "export",       "express",
    "falcon",      "family",       "far",
    "fast",        "federal",      "field",
    "finance",     "financial",    "fire",
    "first",       "fish",         "five",
    "fleet",       "flower",       "for",
    "force",       "forest",       "fortune",
    "forward",     "foundation",   "four",
    "free",        "freedom",      "from",
    "front",       "fuel",         "fund",
    "future",      "garden",       "gas",
    "general",     "global",       "gold",
    "golden",      "good",         "great",
    "green",       "group",        "growth",
    "gulf",        "harbor",       "harbour",
    "have",        "health",       "heart",
    "heavy",       "help",         "heritage",
    "high",        "hill",         "holding",
    "holdings",    "home",         "hope",
    "horizon",     "hospital",     "house",
    "human",       "ice",          "idea",
    "import",      "in",           "independent",
    "industrial",  "industries",   "industry",
    "infinity",    "information",  "institute",
    "insurance",   "intelligence", "international",
    "into",        "invest",       "investment",
    "investments", "iron",         "islamic",
    "island",      "it",           "jade",
    "jewel",       "joint",        "just",
    "justice",     "king",         "kingdom",
    "knowledge",   "lake",         "land",
    "last",        "leader",       "legend",
    "liberty",     "life",         "light",
    "line",        "link",         "lion",
    "logistics",   "long",         "lotus",
    "machine",     "machinery",    "main",
    "management",  "marine",       "maritime",
    "market",      "master",       "media",
    "medical",     "metal",        "metals",
    "middle",      "military",     "mining",
    "ministry",    "modern",       "moon",
    "more",        "mountain",     "much",
    "national",    "nature",       "navigation",
    "network",     "new",          "news",
    "next",        "night",        "noble",
    "north",       "northern",     "now",
    "ocean",       "of",           "office",
    "oil",         "on",           "one",
    "only",        "open",         "or",
    "orient",      "oriental",     "other",
    "our",         "over",         "pacific",
    "palace",      "paradise",     "partner",
    "partners",    "peace",        "pearl",
    "people",      "petroleum",    "phoenix",
    "pioneer",     "planet",       "plus",
    "point",       "polar",        "port",
    "power",       "premier",      "prime",
    "prince",      "princess",     "pro",
    "progress",    "project",      "projects",
    "property",    "public",       "pure",
    "quality",     "queen",        "rainbow",
    "red",         "research",     "resource",
    "resources",   "river",        "road",
    "rock",        "royal",        "safe",
    "saint",       "sea",          "security",
    "service",     "services",     "seven",
    "shield",      "ship",         "shipping",
    "silk",        "silver",       "sky",
    "smart",       "so",           "social",
    "solar",       "solution",     "solutions",
    "south",       "southern",     "space",
    "spirit",      "star",         "state",
    "steel",       "stone",        "storm",
    "strategic",   "summit",       "sun",
    "sunrise",     "sunshine",     "supply",
    "support",     "supreme",      "system",
    "systems",     "team",         "tech",
    "technical",   "technologies", "technology",
    "that",        "the",          "their",
    "there",       "these",        "they",
    "this",        "those",        "three",
    "through",     "tiger",        "time",
    "to",          "top",          "tower",
    "trade",       "trading",      "trans",
    "transport",   "travel",       "trust",
    "two",         "under",        "union",
    "unique",      "united",       "unity",
    "universal",   "university",   "up",
    "upon",        "us",           "valley",
    "very",        "victoria",     "victory",
    "vision",      "wave",         "way",
    "we",          "west",         "western",
    "what",        "when",         "where",
    "which",       "white",        "who",
    "will",        "wind",         "wing",
    "with",        "world",        "year",
    "you",         "young",        "zenith",
    "zone",
};
static_assert(std::is_sorted(std::begin(common_words), std::end(common_words)));

// The English word list, one lower-case word per line, sorted (gen_dictionary.py).
constexpr char dictionary_text[] =
#include "dictionary.inc"
    ;

// Start offsets of the words of dictionary_text, built once.
const std::vector<std::uint32_t>& dictionary_index() {
  static const std::vector<std::uint32_t> index = [] {
    std::vector<std::uint32_t> v;
    v.reserve(80000);
    const std::string_view t(dictionary_text, sizeof dictionary_text - 1);
    for (std::size_t p = 0; p < t.size();) {
      v.push_back(std::uint32_t(p));
      const std::size_t nl = t.find('\n', p);
      p = nl == std::string_view::npos ? t.size() : nl + 1;
    }
    return v;
  }();
  return index;
}

std::string_view dictionary_word(std::uint32_t at) {
  const std::string_view t(dictionary_text + at, sizeof dictionary_text - 1 - at);
  return t.substr(0, t.find('\n'));
}

// Words that name no one when they stand in front of or after a name: "SUEX OTC" is reported
// as Suex, "PMC WAGNER" as Wagner.
constexpr std::string_view descriptors[] = {"COMPANY", "CORPORATION", "GROUP", "HOLDING",
                                            "HOLDINGS", "OTC", "PMC"};

bool is_descriptor(std::string_view w) {
  std::string up;
  for (char c : w)
    if (c != ',' && c != '.' && c != ';') up += (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
  return std::find(std::begin(descriptors), std::end(descriptors), up) != std::end(descriptors);
}

constexpr std::size_t short_name_letters = 8;
constexpr std::size_t acronym_letters = 5;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<std::string_view> words_of(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t b = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

/// Letters and digits, counting each non-ASCII UTF-8 sequence as one letter (names are
/// letters; punctuation outside ASCII is rare enough not to matter here).
std::size_t count_letters(std::string_view w) {
  std::size_t n = 0;
  for (const char ch : w) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      ++n;
    else if (c >= 0xC0)
      ++n;  // UTF-8 lead byte
  }
  return n;
}

bool is_acronym(std::string_view w) {
  std::size_t letters = 0;
  bool dotted = false;
  bool lower = false;
  for (const char c : w) {
    if (c >= 'A' && c <= 'Z')
      ++letters;
    else if (c >= '0' && c <= '9')
      ++letters;
    else if (c >= 'a' && c <= 'z')
      lower = true;
    else if (c == '.')
      dotted = true;
    else if (c != '&' && c != '-')
      return false;
  }
  if (letters == 0) return false;
  // "I.R.G.C.", "U.S.": dotted single letters are acronyms whatever their length.
  if (dotted) {
    for (const std::string& part : detail::split(w, '.'))
      if (count_letters(part) > 2) return false;
    return true;
  }
  return !lower && letters <= acronym_letters;
}

void add_variant(std::vector<std::string>& out, std::string v) {
  v = detail::squeeze_spaces(v);
  if (v.empty() || count_letters(v) == 0) return;
  if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
}

std::string without_double_quotes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string_view rest = s.substr(i);
    std::size_t skip = 0;
    if (rest[0] == '"') skip = 1;
    // « » “ ” „
    else if (rest.starts_with("\xC2\xAB") || rest.starts_with("\xC2\xBB"))
      skip = 2;
    else if (rest.starts_with("\xE2\x80\x9C") || rest.starts_with("\xE2\x80\x9D") ||
             rest.starts_with("\xE2\x80\x9E"))
      skip = 3;
    if (skip) {
      out += ' ';
      i += skip - 1;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string hyphens_as_spaces(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '-', ' ');
  return out;
}

}  // namespace

bool is_dictionary_word(std::string_view lower_word) {
  const auto& index = dictionary_index();
  auto it = std::lower_bound(index.begin(), index.end(), lower_word,
                             [](std::uint32_t at, std::string_view w) { return dictionary_word(at) < w; });
  return it != index.end() && dictionary_word(*it) == lower_word;
}

bool is_common_word(std::string_view word) {
  std::string w;
  for (const char c : word) {
    if (c >= 'A' && c <= 'Z')
      w += static_cast<char>(c - 'A' + 'a');
    else if (c >= 'a' && c <= 'z')
      w += c;
    else if (c == '\'' || c == '-' || c == '.' || c == ',' || c == '"')
      continue;
    else
      return false;
  }
  return !w.empty() && (std::binary_search(std::begin(common_words), std::end(common_words), w) ||
                        is_dictionary_word(w));
}

name_gate gate_for(std::string_view name, bool weak) {
  const std::vector<std::string_view> words = words_of(detail::trim(name));
  if (words.empty()) return name_gate::context;
  const bool ordinary = std::all_of(words.begin(), words.end(), [](std::string_view w) {
    return is_common_word(w) || count_letters(w) == 0;
  });
  if (words.size() == 1) {
    const std::string_view w = words.front();
    if (is_acronym(w)) return name_gate::context;
    if (ordinary) return name_gate::proper_name_and_support;
    if (weak || count_letters(w) < short_name_letters) return name_gate::context;
    return name_gate::none;
  }
  // A few letters in several words ("IS BANK", "AL RAED") read like prose as easily as one
  // short word does.
  std::size_t letters = 0;
  for (const auto w : words) letters += count_letters(w);
  if (weak || letters < short_name_letters) return name_gate::context;
  return ordinary ? name_gate::proper_name : name_gate::none;
}

bool needs_context(std::string_view name) { return gate_for(name, false) != name_gate::none; }

bool needs_context(const alias& a) { return a.strength == strength::weak || needs_context(a.text); }

std::vector<std::string> match_variants(std::string_view name, entity_type type) {
  std::vector<std::string> out;
  add_variant(out, std::string(name));
  if (out.empty()) return out;
  if (type == entity_type::person && name.find(',') != std::string_view::npos)
    add_variant(out, detail::person_order(name));
  for (std::size_t i = 0, n = out.size(); i < n; ++i)
    add_variant(out, without_double_quotes(out[i]));
  if (type != entity_type::person) {
    for (std::size_t i = 0, n = out.size(); i < n; ++i) add_variant(out, strip_legal_forms(out[i]));
    // News names a firm by the name in quotes ("PRIVATE MILITARY COMPANY 'WAGNER'" is "Wagner"
    // and "the Wagner Group") and drops a descriptor word around a distinctive name
    // ("SUEX OTC" is "Suex").
    for (std::size_t i = 0, n = out.size(); i < n; ++i) {
      const std::string v = out[i];
      const std::size_t q = v.find(" '");
      const std::size_t e = q == std::string::npos ? q : v.find('\'', q + 2);
      if (e != std::string::npos && e > q + 2) {
        const std::string core = v.substr(q + 2, e - q - 2);
        add_variant(out, core);
        add_variant(out, core + " GROUP");
      }
      std::vector<std::string_view> ws = words_of(v);
      while (ws.size() > 1 && is_descriptor(ws.back())) ws.pop_back();
      while (ws.size() > 1 && is_descriptor(ws.front())) ws.erase(ws.begin());
      if (ws.size() != words_of(v).size()) {
        std::string rest;
        for (auto w : ws) rest += (rest.empty() ? "" : " ") + std::string(w);
        while (!rest.empty() && (rest.back() == ',' || rest.back() == ';')) rest.pop_back();
        std::size_t letters = 0;
        for (auto w : ws) letters += count_letters(w);
        // Only where what is left is distinctive: "GLOBAL TRADING GROUP" does not become
        // "GLOBAL TRADING".
        const bool ordinary = std::all_of(ws.begin(), ws.end(), [](std::string_view w) {
          return is_common_word(w) || count_letters(w) == 0;
        });
        if (letters >= 4 && !ordinary) add_variant(out, rest);
      }
    }
  }
  for (std::size_t i = 0, n = out.size(); i < n; ++i)
    if (out[i].find('-') != std::string::npos) add_variant(out, hyphens_as_spaces(out[i]));
  return out;
}

std::vector<std::string> match_variants(const alias& a, entity_type type) {
  return match_variants(a.text, type);
}

std::vector<ambiguous_name> find_ambiguous(const entity_list& list, const normalizer& normalize) {
  // key -> indexes of entities deriving it; entities are visited in order, so a repeat within
  // one entity is always the last element.
  std::map<std::string, std::vector<std::size_t>> owners;
  for (std::size_t i = 0; i < list.entities.size(); ++i) {
    const entity& e = list.entities[i];
    for (const alias& a : e.names) {
      for (const std::string& v : match_variants(a, e.type)) {
        std::string key = detail::squeeze_spaces(normalize(v));
        if (key.empty()) continue;
        std::vector<std::size_t>& ids = owners[std::move(key)];
        if (ids.empty() || ids.back() != i) ids.push_back(i);
      }
    }
  }
  std::vector<ambiguous_name> out;
  for (auto& [key, idx] : owners) {
    if (idx.size() < 2) continue;
    ambiguous_name amb{key, {}};
    for (const std::size_t i : idx) amb.entity_ids.push_back(list.entities[i].id);
    out.push_back(std::move(amb));
  }
  return out;
}

}  // namespace sanctwatch::entities
