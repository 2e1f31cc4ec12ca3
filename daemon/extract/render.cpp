#include "extract/render.hpp"

#include <algorithm>
#include <cctype>

#include "text/html.hpp"

namespace sanctwatch::extract {
namespace {

// Bylines, dates and credits longer than this are prose that happens to carry such a class.
constexpr std::uint32_t k_meta_max_chars = 200;
// A paragraph that is mostly link text and shorter than this points elsewhere.
constexpr std::uint32_t k_link_line_max_chars = 300;

// Lines that label page furniture rather than say anything, compared in lower case.
constexpr std::string_view k_labels[] = {
    "advertisement",
    "advertising",
    "ad",
    "anzeige",
    "werbung",
    "реклама",
    "publicité",
    "sponsored",
    "sponsored content",
    "story continues below advertisement",
    "article continues below advertisement",
    "continue reading below",
    "continue reading",
    "scroll to continue with content",
    "skip advertisement",
    "read more",
    "read more:",
    "related",
    "related:",
    "related articles",
    "related stories",
    "share",
    "share this",
    "share this article",
    "share this story",
    "lesen sie auch",
    "mehr zum thema",
    "читайте также",
    "смотрите также",
};

bool is_heading(tag t) {
  return t == tag::h2 || t == tag::h3 || t == tag::h4 || t == tag::h5 || t == tag::h6;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Lower case for the Cyrillic labels too: just enough of Unicode for the table above.
bool is_label(std::string_view s) {
  if (s.size() > 48) return false;
  std::string l = lower_ascii(s);
  while (!l.empty() && (l.back() == ':' || l.back() == '.' || l.back() == ' ')) l.pop_back();
  if (l.starts_with("\xd0\xa0")) l.replace(0, 2, "\xd1\x80");  // Р -> р
  if (l.starts_with("\xd0\xa7")) l.replace(0, 2, "\xd1\x87");  // Ч -> ч
  if (l.starts_with("\xd0\xa1")) l.replace(0, 2, "\xd1\x81");  // С -> с
  for (auto label : k_labels) {
    std::string_view bare = label;
    while (!bare.empty() && bare.back() == ':') bare.remove_suffix(1);
    if (l == bare) return true;
  }
  return false;
}

struct paragraph {
  std::string text;
  bool heading = false;
};

class renderer {
 public:
  explicit renderer(const page& p) : p_(p), doc_(p.doc) {}

  void container(std::uint32_t root) {
    walk(
        doc_, root,
        [&](std::uint32_t n) {
          if (!p_.live(n)) return false;
          const node& x = doc_.nodes[n];
          if (x.kind == node_kind::text) {
            buf_.append(doc_.text(n));
            if (in_link_) link_chars_ += p_.stats[n].chars;
            chars_ += p_.stats[n].chars;
            return false;
          }
          if (x.kind != node_kind::element) return true;
          if (n != root && skipped(n)) return false;
          if (x.name == tag::a) ++in_link_;
          if (x.name == tag::br || x.name == tag::hr) flush();
          if (is_block(x.name)) {
            flush();
            if (is_heading(x.name)) heading_ = true;
          }
          return true;
        },
        [&](std::uint32_t n) {
          if (!p_.live(n) || !doc_.is_element(n)) return;
          const node& x = doc_.nodes[n];
          if (n != root && skipped(n)) return;
          if (x.name == tag::a) --in_link_;
          if (is_block(x.name)) flush();
        });
    flush();
  }

  rendered finish() {
    // A heading followed by another heading or by nothing introduced something now gone
    // ("Related coverage" above a dropped link list).
    rendered out = std::move(out_);
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      const bool orphan = parts_[i].heading && (i + 1 == parts_.size() || parts_[i + 1].heading);
      if (!orphan) out.paragraphs.push_back(std::move(parts_[i].text));
    }
    return out;
  }

 private:
  bool skipped(std::uint32_t n) const {
    const node& x = doc_.nodes[n];
    if (x.name == tag::h1) return true;
    return p_.stats[n].chars <= k_meta_max_chars && boilerplate_of(doc_, n) == boilerplate::meta;
  }

  void flush() {
    const bool heading = heading_;
    heading_ = false;
    if (buf_.empty()) return;
    std::string t = text::collapse_whitespace(buf_);
    const std::uint32_t chars = chars_, links = link_chars_;
    buf_.clear();
    chars_ = link_chars_ = 0;
    if (t.empty()) return;
    if (chars > 0 && links * 2 > chars && chars < k_link_line_max_chars) {
      ++out_.dropped_link_lines;
      return;
    }
    if (is_label(t)) {
      ++out_.dropped_labels;
      return;
    }
    parts_.push_back({std::move(t), heading});
  }

  const page& p_;
  const document& doc_;
  std::string buf_;
  std::uint32_t chars_ = 0, link_chars_ = 0;
  int in_link_ = 0;
  bool heading_ = false;
  std::vector<paragraph> parts_;
  rendered out_;
};

}  // namespace

rendered render(const page& p, const std::vector<std::uint32_t>& containers) {
  renderer r(p);
  for (std::uint32_t c : containers) r.container(c);
  return r.finish();
}

std::vector<std::string> split_paragraphs(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t end = text.find('\n', i);
    if (end == std::string_view::npos) end = text.size();
    std::string line = text::collapse_whitespace(text.substr(i, end - i));
    if (!line.empty()) out.push_back(std::move(line));
    i = end + 1;
  }
  return out;
}

}  // namespace sanctwatch::extract
