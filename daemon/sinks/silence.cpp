#include "sinks/silence.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/json_fields.hpp"
#include "core/time.hpp"
#include "text/normalize.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

constexpr std::pair<std::string_view, matcher::field> fields[] = {
    {"rule", matcher::field::rule},     {"tag", matcher::field::tag},
    {"feed", matcher::field::feed},     {"entity", matcher::field::entity},
    {"text", matcher::field::text}};

std::string_view name_of(matcher::field f) {
  for (const auto& [name, value] : fields)
    if (value == f) return name;
  return "?";
}

// `pattern` with `*` for any run of characters, over the whole of `s`.
bool glob(std::string_view pattern, std::string_view s) {
  std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pattern.size() && pattern[p] == s[i]) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// `words` in `text`, starting and ending at word boundaries ("iran" is not in "tirana").
bool contains_words(std::string_view text, std::string_view words) {
  if (words.empty()) return false;
  for (std::size_t at = text.find(words); at != std::string_view::npos;
       at = text.find(words, at + 1)) {
    const std::size_t end = at + words.size();
    const bool starts = at == 0 || !word_byte(static_cast<unsigned char>(text[at - 1])) ||
                        !word_byte(static_cast<unsigned char>(words.front()));
    const bool ends = end == text.size() || !word_byte(static_cast<unsigned char>(text[end])) ||
                      !word_byte(static_cast<unsigned char>(words.back()));
    if (starts && ends) return true;
  }
  return false;
}

// What the matchers look at, normalized once per document.
struct alert_fields {
  std::vector<std::string> rules, tags, feeds, entities;
  std::string text;
  const std::vector<std::string>& of(matcher::field f) const {
    switch (f) {
      case matcher::field::rule: return rules;
      case matcher::field::tag: return tags;
      case matcher::field::feed: return feeds;
      default: return entities;
    }
  }
};

void add(std::vector<std::string>& to, const std::string& s) {
  if (!s.empty()) to.push_back(text::normalize_text(s));
}

alert_fields fields_of(const json& doc) {
  alert_fields f;
  for (const auto& r : json_array(doc, "rules")) add(f.rules, json_string(r, "id"));
  if (doc.contains("rule")) add(f.rules, json_string(doc["rule"], "id"));  // schema 1
  for (const auto& t : json_array(doc, "tags"))
    if (t.is_string()) add(f.tags, t.get<std::string>());
  const json& item = doc.contains("item") ? doc["item"] : json::object();
  if (item.is_object() && item.contains("feed")) add(f.feeds, json_string(item["feed"], "id"));
  for (const auto& s : json_array(doc, "sources")) add(f.feeds, json_string(s, "feed"));
  std::string text = json_string(item, "title") + "\n" + json_string(item, "summary");
  for (const auto& e : json_array(doc, "evidence")) text += "\n" + json_string(e, "text");
  for (const auto& e : json_array(doc, "entities")) {
    for (const char* key : {"id", "name", "matched"}) add(f.entities, json_string(e, key));
    text += "\n" + json_string(e, "name") + "\n" + json_string(e, "matched");
  }
  f.text = text::normalize_text(text);
  return f;
}

bool holds(const matcher& m, const alert_fields& f) {
  bool found = false;
  if (m.what == matcher::field::text) {
    found = contains_words(f.text, m.normalized);
  } else {
    for (const auto& v : f.of(m.what))
      if ((found = glob(m.normalized, v))) break;
  }
  return found != m.negated;
}

}  // namespace

std::string matcher::to_string() const {
  return std::string(name_of(what)) + (negated ? "!=" : "=") + value;
}

result<matcher> parse_matcher(std::string_view s) {
  const auto eq = s.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return error{"matcher", "'" + std::string(s) +
                                "' is not FIELD=VALUE or FIELD!=VALUE (fields: rule, tag, feed, "
                                "entity, text)"};
  matcher m;
  m.negated = s[eq - 1] == '!';
  const std::string_view name = s.substr(0, m.negated ? eq - 1 : eq);
  bool known = false;
  for (const auto& [n, f] : fields)
    if (n == name) {
      m.what = f;
      known = true;
    }
  if (!known)
    return error{"matcher", "unknown field '" + std::string(name) + "' in '" + std::string(s) +
                                "' (fields: rule, tag, feed, entity, text)"};
  m.value = std::string(s.substr(eq + 1));
  m.normalized = text::normalize_text(m.value);
  // What normalization leaves of the value must still say something.
  if (m.normalized.find_first_not_of(" *") == std::string::npos)
    return error{"matcher", "'" + std::string(s) + "' matches everything: give a value"};
  return m;
}

result<std::vector<matcher>> parse_matchers(std::string_view json_array) {
  const json j = json::parse(json_array, nullptr, false);
  if (!j.is_array()) return error{"matcher", "matchers are not a JSON array"};
  std::vector<matcher> out;
  for (const auto& s : j) {
    if (!s.is_string()) return error{"matcher", "a matcher is not a string"};
    auto m = parse_matcher(s.get<std::string>());
    if (!m) return m.err();
    out.push_back(std::move(m.value()));
  }
  return out;
}

std::string matchers_json(const std::vector<matcher>& m) {
  json j = json::array();
  for (const auto& x : m) j.push_back(x.to_string());
  return j.dump();
}

result<silence> new_silence(const std::vector<std::string>& matchers, silence::time_point starts,
                            silence::time_point ends, std::string comment, std::string by,
                            silence::time_point now) {
  silence s;
  for (const auto& text : matchers) {
    auto m = parse_matcher(text);
    if (!m) return m.err();
    s.matchers.push_back(std::move(m.value()));
  }
  if (s.matchers.empty())
    return error{"silence", "give at least one matcher FIELD=VALUE (a silence of everything is not one)"};
  if (ends <= starts)
    return error{"silence", "it would end (" + format_rfc3339(ends) + ") before it starts (" +
                                format_rfc3339(starts) + ")"};
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for an id");
  s.id = hex_bytes(bytes, sizeof bytes);
  s.starts_at = starts;
  s.ends_at = ends;
  s.comment = std::move(comment);
  s.created_by = std::move(by);
  s.created_at = now;
  return s;
}

std::vector<std::string> silencing(const std::vector<silence>& active, const json& doc) {
  std::vector<std::string> out;
  if (active.empty()) return out;
  if (!doc.is_object() || (!doc.contains("rules") && !doc.contains("rule"))) return out;
  const alert_fields f = fields_of(doc);
  for (const auto& s : active) {
    if (s.matchers.empty()) continue;  // never everything
    bool all = true;
    for (const auto& m : s.matchers)
      if (!(all = holds(m, f))) break;
    if (all) out.push_back(s.id);
  }
  return out;
}

}  // namespace sanctwatch::sinks
