// Legal-form removal works on tokens (split at spaces, commas, semicolons and parentheses),
// each reduced to a key of its case-folded letters and digits. A form matches when the keys of
// whole tokens at the start or end of the name concatenate to the form's key, so "L.L.C.",
// "L. L. C." and "LLC" are one form and "Co.,Ltd" matches "Co., Ltd.".
#include "entities/legal_forms.hpp"

#include "entities/detail.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace sanctwatch::entities {

namespace {

constexpr bool P = true;  // allowed as prefix
constexpr bool S = true;  // allowed as suffix
constexpr bool no = false;

// Western forms are suffixes only: "AG BANK" or "SA HOLDINGS" are names. Russian, Ukrainian
// and Central Asian forms appear on both sides ("OOO ROMASHKA", "ROMASHKA OOO").
constexpr legal_form forms[] = {
    // English, including Chinese and Hong Kong English forms
    {"Company Limited", no, S},
    {"Co., Limited", no, S},
    {"Co., Ltd.", no, S},
    {"Co. Ltd.", no, S},
    {"Company Ltd.", no, S},
    {"Limited", no, S},
    {"Ltd.", no, S},
    {"Ltda.", no, S},
    {"Limited Liability Company", P, S},
    {"Limited Liability Partnership", no, S},
    {"Limited Partnership", no, S},
    {"LLC", P, S},
    {"L.L.C.", P, S},
    {"LLP", no, S},
    {"LP", no, S},
    {"Inc.", no, S},
    {"Incorporated", no, S},
    {"Corp.", no, S},
    {"Corporation", no, S},
    {"Company", no, S},
    {"Co.", no, S},
    {"PLC", no, S},
    {"Public Limited Company", no, S},
    {"Pty. Ltd.", no, S},
    {"Pty.", no, S},
    {"Pte. Ltd.", no, S},
    {"Private Limited", no, S},
    {"Pvt. Ltd.", no, S},
    {"Sdn. Bhd.", no, S},
    {"Bhd.", no, S},
    {"Tbk.", no, S},
    {"FZE", no, S},
    {"FZCO", no, S},
    {"FZ-LLC", no, S},
    {"DMCC", no, S},
    {"WLL", no, S},
    {"Group Co., Ltd.", no, S},
    // Russian / post-Soviet, transliterated
    {"Public Joint Stock Company", P, S},
    {"Public Joint-Stock Company", P, S},
    {"Open Joint Stock Company", P, S},
    {"Closed Joint Stock Company", P, S},
    {"Joint Stock Company", P, S},
    {"Joint-Stock Company", P, S},
    {"Non-Public Joint Stock Company", P, S},
    {"Federal State Unitary Enterprise", P, no},
    {"State Unitary Enterprise", P, no},
    {"JSC", P, S},
    {"PJSC", P, S},
    {"OJSC", P, S},
    {"CJSC", P, S},
    {"NJSC", P, S},
    {"JSCB", P, S},
    {"OOO", P, S},
    {"OAO", P, S},
    {"ZAO", P, S},
    {"PAO", P, S},
    {"AO", P, S},
    {"NAO", P, S},
    {"TOO", P, S},
    {"FGUP", P, no},
    {"GUP", P, no},
    {"MUP", P, no},
    {"ODO", P, S},
    {"TOV", P, S},
    {"PrAT", P, S},
    {"PAT", P, no},
    // Russian / Ukrainian, Cyrillic
    {"ООО", P, S},
    {"ОАО", P, S},
    {"ЗАО", P, S},
    {"ПАО", P, S},
    {"АО", P, S},
    {"НАО", P, S},
    {"ТОО", P, S},
    {"ТОВ", P, S},
    {"ФГУП", P, no},
    {"ГУП", P, no},
    // Baltic, German, Dutch, Nordic
    {"OÜ", P, S},
    {"AS", no, S},
    {"UAB", P, S},
    {"SIA", P, S},
    {"GmbH", no, S},
    {"GmbH & Co. KG", no, S},
    {"AG", no, S},
    {"KG", no, S},
    {"B.V.", no, S},
    {"N.V.", no, S},
    {"AB", no, S},
    {"A/S", no, S},
    {"ApS", no, S},
    {"Oy", no, S},
    // Central European
    {"s.r.o.", no, S},
    {"spol. s r.o.", no, S},
    {"a.s.", no, S},
    {"Sp. z o.o.", no, S},
    {"d.o.o.", no, S},
    {"Kft.", no, S},
    {"Zrt.", no, S},
    // Romance languages, Latin America, Turkey
    {"S.A.", no, S},
    {"S.A. de C.V.", no, S},
    {"SARL", no, S},
    {"S.R.L.", no, S},
    {"SpA", no, S},
    {"S.p.A.", no, S},
    {"SAS", no, S},
    {"S.L.", no, S},
    {"Ltda", no, S},
    {"A.S.", no, S},
    {"Sti.", no, S},
    {"Ltd. Sti.", no, S},
    {"S.A.S.", no, S},
};

bool is_separator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ';' || c == '(' ||
         c == ')';
}

}  // namespace

namespace detail {

/// Case-folded letters and digits of `s`, diacritics removed ("OÜ" -> "ou", "L.L.C." -> "llc").
std::string fold_key(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool ascii = true;
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    }
  }
  if (ascii) return out;
  out.clear();
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  u.foldCase();
  if (nfd && U_SUCCESS(status)) u = nfd->normalize(u, status);
  icu::UnicodeString kept;
  for (int32_t i = 0; i < u.length();) {
    const UChar32 c = u.char32At(i);
    i += U16_LENGTH(c);
    if (u_isalnum(c)) kept.append(c);
  }
  kept.toUTF8String(out);
  return out;
}

}  // namespace detail

std::span<const legal_form> legal_forms() { return forms; }

namespace {

struct token {
  std::size_t begin;
  std::size_t end;
  std::string key;
};

struct compiled_form {
  std::string key;
  bool prefix;
  bool suffix;
};

/// Form keys, longest first, so "Co., Ltd." wins over "Ltd." where both would match.
const std::vector<compiled_form>& compiled() {
  static const std::vector<compiled_form> table = [] {
    std::vector<compiled_form> t;
    for (const legal_form& f : forms) t.push_back({detail::fold_key(f.text), f.prefix, f.suffix});
    std::stable_sort(t.begin(), t.end(), [](const compiled_form& a, const compiled_form& b) {
      return a.key.size() > b.key.size();
    });
    return t;
  }();
  return table;
}

/// Number of tokens (counted from `first` towards the inside, `step` = +1 or -1) whose keys
/// concatenate to `key`; 0 when they don't. Tokens without letters/digits are skipped over.
std::size_t match_at(const std::vector<token>& toks, std::ptrdiff_t first, std::ptrdiff_t step,
                     std::ptrdiff_t stop, std::string_view key) {
  // Consume the form's key from the outer edge inwards, one whole token at a time; no
  // allocation, since this runs for every form at both edges of every name.
  std::size_t used = 0;
  for (std::ptrdiff_t i = first; i != stop; i += step) {
    ++used;
    const std::string& k = toks[static_cast<std::size_t>(i)].key;
    if (k.empty()) continue;
    if (step > 0) {
      if (!key.starts_with(k)) return 0;
      key.remove_prefix(k.size());
    } else {
      if (!key.ends_with(k)) return 0;
      key.remove_suffix(k.size());
    }
    if (key.empty()) return used;
  }
  return 0;
}

bool has_key(const std::vector<token>& toks, std::size_t b, std::size_t e) {
  for (std::size_t i = b; i < e; ++i)
    if (!toks[i].key.empty()) return true;
  return false;
}

bool is_edge_punct(char c) {
  return c == ' ' || c == ',' || c == ';' || c == ':' || c == '-' || c == '&' || c == '/' ||
         c == '(' || c == ')' || c == '\t';
}

bool starts_with_quote(std::string_view s, std::size_t& len) {
  for (const std::string_view q : {"\"", "\xC2\xAB", "\xC2\xBB", "\xE2\x80\x9C", "\xE2\x80\x9D",
                                   "\xE2\x80\x9E", "'", "\xE2\x80\x98", "\xE2\x80\x99"})
    if (s.starts_with(q)) {
      len = q.size();
      return true;
    }
  return false;
}

bool ends_with_quote(std::string_view s, std::size_t& len) {
  for (const std::string_view q : {"\"", "\xC2\xAB", "\xC2\xBB", "\xE2\x80\x9C", "\xE2\x80\x9D",
                                   "\xE2\x80\x9E", "'", "\xE2\x80\x98", "\xE2\x80\x99"})
    if (s.ends_with(q)) {
      len = q.size();
      return true;
    }
  return false;
}

std::string_view trim_edges(std::string_view s) {
  while (!s.empty() && is_edge_punct(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_edge_punct(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string strip_legal_forms(std::string_view name) {
  std::vector<token> toks;
  for (std::size_t i = 0; i < name.size();) {
    while (i < name.size() && is_separator(name[i])) ++i;
    if (i >= name.size()) break;
    const std::size_t b = i;
    while (i < name.size() && !is_separator(name[i])) ++i;
    toks.push_back({b, i, detail::fold_key(name.substr(b, i - b))});
  }
  std::size_t lo = 0;
  std::size_t hi = toks.size();
  bool changed = true;
  bool stripped = false;
  while (changed && lo < hi) {
    changed = false;
    for (const compiled_form& f : compiled()) {
      if (f.suffix) {
        const std::size_t n = match_at(toks, static_cast<std::ptrdiff_t>(hi) - 1, -1,
                                       static_cast<std::ptrdiff_t>(lo) - 1, f.key);
        if (n) {
          hi -= n;
          changed = stripped = true;
          break;
        }
      }
      if (f.prefix) {
        const std::size_t n = match_at(toks, static_cast<std::ptrdiff_t>(lo), 1,
                                       static_cast<std::ptrdiff_t>(hi), f.key);
        if (n) {
          lo += n;
          changed = stripped = true;
          break;
        }
      }
    }
  }
  // A name that is nothing but legal forms ("COMPANY LIMITED") keeps all of them.
  if (!stripped || !has_key(toks, lo, hi)) return std::string(detail::trim(name));
  std::string_view rest =
      trim_edges(name.substr(toks[lo].begin, toks[hi - 1].end - toks[lo].begin));
  // `OOO "ROMASHKA"`: the quotes belonged to the name as a whole, not to its words.
  std::size_t ql = 0;
  std::size_t qr = 0;
  if (rest.size() > 2 && starts_with_quote(rest, ql) && ends_with_quote(rest, qr) &&
      ql + qr < rest.size())
    rest = trim_edges(rest.substr(ql, rest.size() - ql - qr));
  return std::string(rest);
}

}  // namespace sanctwatch::entities
