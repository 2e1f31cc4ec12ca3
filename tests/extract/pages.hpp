#pragma once
// The hand-written article pages under tests/extract/pages/ and their expected extraction:
// NAME.html beside NAME.expected.txt, which holds
//
//   title: …  byline: …  published: …  site: …  language: …   (one per line; empty = none)
//   keep: text that must be in the extracted text          (any number)
//   drop: text that must not be in it                      (any number)
//   ---
//   one expected paragraph per line
//
// and word-level F1 as trafilatura's evaluation computes it: the extracted and the expected
// text as bags of words, precision and recall over the words they share.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sanctwatch::testing {

struct expected_page {
  std::string name;
  std::string html;
  std::map<std::string, std::string> fields;  // title, byline, published, site, language
  std::vector<std::string> keep, drop;
  std::vector<std::string> paragraphs;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::filesystem::path pages_dir() { return SANCTWATCH_EXTRACT_PAGES; }

inline std::vector<std::string> page_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(pages_dir()))
    if (e.path().extension() == ".html") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

inline expected_page load_page(const std::string& name) {
  expected_page p;
  p.name = name;
  p.html = read_file(pages_dir() / (name + ".html"));
  const std::string exp = read_file(pages_dir() / (name + ".expected.txt"));
  std::size_t i = 0;
  bool body = false;
  while (i < exp.size()) {
    std::size_t end = exp.find('\n', i);
    if (end == std::string::npos) end = exp.size();
    const std::string line = exp.substr(i, end - i);
    i = end + 1;
    if (body) {
      if (!line.empty()) p.paragraphs.push_back(line);
      continue;
    }
    if (line == "---") {
      body = true;
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "keep")
      p.keep.push_back(value);
    else if (key == "drop")
      p.drop.push_back(value);
    else
      p.fields[key] = value;
  }
  return p;
}

// Words: whitespace-separated, ASCII letters lower-cased, punctuation trimmed from both ends
// (ASCII and the quotes, dashes and dots typography uses).
inline std::vector<std::string> words_of(std::string_view text) {
  static const std::string_view k_punct[] = {
      "\xe2\x80\x9e", "\xe2\x80\x9c", "\xe2\x80\x9d", "\xe2\x80\x98", "\xe2\x80\x99",
      "\xc2\xab",     "\xc2\xbb",     "\xe2\x80\x94", "\xe2\x80\x93", "\xe2\x80\xa6",
      "\xc2\xb7",     "\xe2\x80\xa2", "\xe2\x80\x9a"};
  auto trim = [](std::string_view w) {
    for (bool changed = true; changed && !w.empty();) {
      changed = false;
      if (std::ispunct(static_cast<unsigned char>(w.front())))
        w.remove_prefix(1), changed = true;
      else if (std::ispunct(static_cast<unsigned char>(w.back())))
        w.remove_suffix(1), changed = true;
      for (auto p : k_punct) {
        if (w.starts_with(p)) w.remove_prefix(p.size()), changed = true;
        if (w.ends_with(p)) w.remove_suffix(p.size()), changed = true;
      }
    }
    return w;
  };
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    std::string w(trim(text.substr(i, j - i)));
    for (auto& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!w.empty()) out.push_back(std::move(w));
    i = j;
  }
  return out;
}

struct f1_score {
  double precision = 0, recall = 0, f1 = 0;
};

inline f1_score word_f1(std::string_view extracted, std::string_view expected) {
  std::map<std::string, int> got, want;
  int got_n = 0, want_n = 0;
  for (auto& w : words_of(extracted)) ++got[w], ++got_n;
  for (auto& w : words_of(expected)) ++want[w], ++want_n;
  int common = 0;
  for (const auto& [w, n] : got) {
    auto it = want.find(w);
    if (it != want.end()) common += std::min(n, it->second);
  }
  f1_score s;
  if (common == 0) return s;
  s.precision = static_cast<double>(common) / got_n;
  s.recall = static_cast<double>(common) / want_n;
  s.f1 = 2 * s.precision * s.recall / (s.precision + s.recall);
  return s;
}

inline std::string joined(const std::vector<std::string>& paragraphs) {
  std::string out;
  for (const auto& p : paragraphs) out += p + "\n";
  return out;
}

}  // namespace sanctwatch::testing
