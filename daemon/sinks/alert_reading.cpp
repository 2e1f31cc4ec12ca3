#include "sinks/alert_reading.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

const std::string ellipsis = "\xe2\x80\xa6";

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return {};
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json arr(const json& o, const char* key) {
  if (!o.is_object()) return json::array();
  const auto it = o.find(key);
  return it != o.end() && it->is_array() ? *it : json::array();
}

std::vector<std::string> strings(const json& o, const char* key) {
  std::vector<std::string> out;
  for (const auto& x : arr(o, key))
    if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

// One line: a title with a line break must not end a header, a list item or a quote, and no
// control character from a feed reaches a client. UTF-8 continuation bytes are >= 0x80, so
// replacing bytes below 0x20 never breaks a character.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return s;
}

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::size_t ifind(std::string_view hay, std::string_view needle) {
  if (needle.empty() || needle.size() > hay.size()) return std::string_view::npos;
  const auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  const auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                              [&](char x, char y) { return lower(x) == lower(y); });
  return it == hay.end() ? std::string_view::npos : static_cast<std::size_t>(it - hay.begin());
}

// The runs cut to `max` bytes in all, the last one kept whole or cut at a code point with an
// ellipsis; one_line applied to each.
std::vector<text_run> clip(std::vector<text_run> runs, std::size_t max) {
  std::vector<text_run> out;
  std::size_t used = 0;
  for (auto& r : runs) {
    if (r.text.empty()) continue;
    if (used + r.text.size() > max) {
      r.text = truncate_utf8(r.text, max - used < ellipsis.size() ? ellipsis.size() : max - used);
      out.push_back({one_line(std::move(r.text)), r.marked});
      break;
    }
    used += r.text.size();
    out.push_back({one_line(std::move(r.text)), r.marked});
  }
  return out;
}

// Schema 1: one entry per matched word, `text` the word and `snippet` its sentence; the word
// is marked where the snippet has it, else shown after it.
std::vector<text_run> schema1_runs(const json& e) {
  const std::string word = str(e, "text"), snippet = str(e, "snippet");
  if (snippet.empty()) return {{word, true}};
  const std::size_t at = ifind(snippet, word);
  if (at == std::string::npos) {
    if (word.empty()) return {{snippet, false}};
    return {{snippet + " (", false}, {word, true}, {")", false}};
  }
  return {{snippet.substr(0, at), false},
          {snippet.substr(at, word.size()), true},
          {snippet.substr(at + word.size()), false}};
}

}  // namespace

std::string truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  if (max < ellipsis.size()) return {};
  std::size_t cut = max - ellipsis.size();
  while (cut > 0 && continuation(s[cut])) --cut;
  return std::string(s.substr(0, cut)) + ellipsis;
}

std::vector<text_run> marked_runs(std::string_view text,
                                  std::vector<std::pair<std::size_t, std::size_t>> marks) {
  // Offsets are bytes of the delivered text; one that lands inside a character (a document
  // edited by hand, a future engine) is widened to the whole character rather than cutting it.
  std::vector<std::pair<std::size_t, std::size_t>> ok;
  for (auto [b, e] : marks) {
    if (b >= e || e > text.size()) continue;
    while (b > 0 && continuation(text[b])) --b;
    while (e < text.size() && continuation(text[e])) ++e;
    ok.emplace_back(b, e);
  }
  std::sort(ok.begin(), ok.end());
  std::vector<text_run> out;
  std::size_t at = 0;
  for (std::size_t i = 0; i < ok.size();) {
    // Overlapping or touching marks read as one highlight (markers back to back would not
    // render in Markdown).
    auto [b, e] = ok[i];
    for (++i; i < ok.size() && ok[i].first <= e; ++i) e = std::max(e, ok[i].second);
    if (b > at) out.push_back({std::string(text.substr(at, b - at)), false});
    out.push_back({std::string(text.substr(b, e - b)), true});
    at = e;
  }
  if (at < text.size()) out.push_back({std::string(text.substr(at)), false});
  return out;
}

std::string count_of(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string update_text(const update_reading& u) {
  std::string s;
  const auto add = [&](const std::string& x) { s += (s.empty() ? "" : ", ") + x; };
  for (const auto& t : u.rule_titles) add(t);
  if (u.entities > 0) add(count_of(u.entities, "more entity", "more entities"));
  if (!u.severity_from.empty()) add("severity raised from " + u.severity_from);
  return "now also " + (s.empty() ? std::string("new findings") : s);
}

result<alert_reading> read_alert(const alert_view& a, const std::vector<fired_rule>& shown,
                                 std::size_t max_sentence) {
  const json j = json::parse(a.document, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return error{"bad_alert", "alert " + a.id + ": document is not a JSON object"};
  alert_reading r;
  r.id = str(j, "id").empty() ? a.id : str(j, "id");
  // The view read the rules of either schema (view_of); the story's severity is theirs.
  r.level = parse_severity(str(j, "severity")).value_or(a.level);
  r.rules = shown.empty() ? a.rules : shown;
  for (const auto& rule : r.rules)
    for (const auto& t : rule.tags)
      if (std::find(r.tags.begin(), r.tags.end(), t) == r.tags.end()) r.tags.push_back(t);

  const json item = j.value("item", json::object());
  const json feed = item.is_object() ? item.value("feed", json::object()) : json::object();
  r.item_title = one_line(str(item, "title").empty() ? a.item_title : str(item, "title"));
  r.item_link = one_line(str(item, "link").empty() ? a.item_link : str(item, "link"));
  r.feed_title = one_line(str(feed, "title"));
  r.created_at = str(j, "created_at");
  const std::string published = str(item, "published");
  r.published = one_line(published.substr(0, 10));
  r.date = published.empty() ? one_line(r.created_at.substr(0, 10)) : r.published;
  r.revision = j.value("revision", 0) > 0 ? j.value("revision", 0) : a.revision;
  if (const auto lb = j.find("lookback"); lb != j.end() && lb->is_boolean()) r.lookback = *lb;

  for (const auto& e : arr(j, "evidence")) {
    if (!e.is_object()) continue;
    evidence_sentence s{one_line(str(e, "field")), {}};
    if (const auto m = e.find("marks"); m != e.end() && m->is_array()) {
      std::vector<std::pair<std::size_t, std::size_t>> marks;
      for (const auto& x : *m)
        if (x.is_object() && x.value("start", json()).is_number_unsigned() &&
            x.value("end", json()).is_number_unsigned())
          marks.emplace_back(x["start"].get<std::size_t>(), x["end"].get<std::size_t>());
      s.runs = marked_runs(str(e, "text"), std::move(marks));
    } else {
      s.runs = schema1_runs(e);
    }
    s.runs = clip(std::move(s.runs), max_sentence);
    if (!s.runs.empty()) r.evidence.push_back(std::move(s));
  }

  for (const auto& e : arr(j, "entities")) {
    if (!e.is_object()) continue;
    entity_reading x{one_line(str(e, "id")),      one_line(str(e, "name")),
                     one_line(str(e, "type")),    one_line(str(e, "matched")),
                     one_line(str(e, "list")),    {},
                     e.contains("ambiguous") && e["ambiguous"].is_boolean() &&
                         e["ambiguous"].get<bool>()};
    for (auto& p : strings(e, "programs")) x.programs.push_back(one_line(std::move(p)));
    r.entities.push_back(std::move(x));
  }

  // `sources` lists every outlet of the story, this item's own first: "also reported by"
  // counts and shows the others.
  const std::string feed_id = str(feed, "id");
  const json sources = arr(j, "sources");
  for (const auto& s : sources) {
    source_reading x{one_line(str(s, "feed")), one_line(str(s, "link"))};
    const bool self =
        x.link.empty() ? !feed_id.empty() && x.feed == feed_id : x.link == r.item_link;
    if (!self) r.others.push_back(std::move(x));
  }
  std::size_t total = 0;
  if (const auto t = j.find("sources_total"); t != j.end() && t->is_number_unsigned())
    total = t->get<std::size_t>();
  r.others_total = std::max(r.others.size(), total > 0 ? total - 1 : 0);

  if (const auto c = j.find("changes"); c != j.end() && c->is_object()) {
    update_reading u;
    // Only added rules the sink shows are named: a rule its filter hides stays hidden.
    for (const auto& id : strings(*c, "rules_added"))
      for (const auto& rule : r.rules)
        if (rule.id == id) {
          u.rule_titles.push_back(one_line(rule.title.empty() ? id : rule.title));
          u.rule_ids.push_back(one_line(id));
        }
    u.entities = strings(*c, "entities_added").size();
    u.severity_from = one_line(str(*c, "severity_from"));
    if (!u.rule_titles.empty() || u.entities > 0 || !u.severity_from.empty()) r.update = u;
  }
  return r;
}

}  // namespace sanctwatch::sinks
