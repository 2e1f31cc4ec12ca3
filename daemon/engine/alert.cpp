#include "engine/alert.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <set>
#include <unistd.h>

#include "core/hash.hpp"
#include "core/time.hpp"

namespace sanctwatch::engine {
namespace {

nlohmann::json nullable(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}
nlohmann::json nullable(const std::optional<timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json();
}

// The first 32 hex digits of sha256 over length-prefixed parts: ("a", "bc") and ("ab", "c")
// must not collide.
std::string hashed_id(std::initializer_list<const std::string*> parts) {
  std::string in;
  for (const auto* p : parts) in += std::to_string(p->size()) + ":" + *p + ";";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(in.data(), in.size(), md, &len, EVP_sha256(), nullptr);
  return hex_bytes(md, std::min(16u, len));
}

}  // namespace

std::string alert_id(const std::string& rule_id, const std::string& item_id,
                     const std::string& feed_id) {
  return hashed_id({&rule_id, &item_id, &feed_id});
}

std::string story_alert_id(const std::string& item_id, const std::string& feed_id) {
  // Not a rule id (those are a-z, 0-9, '.', '-', '_'): never the id of a schema-1 alert.
  static const std::string tag = "\x01story";
  return hashed_id({&tag, &item_id, &feed_id});
}

std::string lookback_alert_id(const std::string& list, const std::string& item_id,
                              const std::string& feed_id,
                              const std::vector<std::string>& entity_ids) {
  static const std::string tag = "\x01lookback";
  std::string ids;
  for (const auto& e : entity_ids) ids += std::to_string(e.size()) + ":" + e + ";";
  return hashed_id({&tag, &list, &item_id, &feed_id, &ids});
}

std::string first_chars(const std::string& s, std::size_t n) {
  std::size_t chars = 0, i = 0;
  while (i < s.size() && chars < n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++chars;
  }
  return s.substr(0, i);
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

std::vector<const rule_match*> headline_order(const std::vector<rule_match>& fired) {
  std::vector<const rule_match*> out;
  for (const auto& m : fired) out.push_back(&m);
  // At equal severity, rules that say what happened lead rules that say who is named
  // (tagged `entity`): the headline of a designation is the designation.
  auto entity_only = [](const rule_match* m) {
    const auto& t = m->matched_rule->tags;
    return std::find(t.begin(), t.end(), "entity") != t.end();
  };
  std::stable_sort(out.begin(), out.end(), [&](const rule_match* a, const rule_match* b) {
    if (a->matched_rule->level != b->matched_rule->level)
      return a->matched_rule->level > b->matched_rule->level;
    return !entity_only(a) && entity_only(b);
  });
  return out;
}

nlohmann::json evidence_json(const std::vector<const rule_match*>& fired,
                             std::size_t max_sentences) {
  std::vector<const std::vector<raw_sentence>*> per_rule;
  for (const auto* m : fired) per_rule.push_back(&m->sentences);
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& s : pick_sentences(per_rule, max_sentences)) {
    nlohmann::json marks = nlohmann::json::array();
    for (const auto& m : s.marks) {
      nlohmann::json j = {{"start", m.start}, {"end", m.end}, {"term", m.term}, {"list", m.list}};
      if (!m.entity.empty()) j["entity"] = m.entity;
      marks.push_back(std::move(j));
    }
    ev.push_back({{"field", field_name(s.where)}, {"text", s.text}, {"marks", std::move(marks)}});
  }
  return ev;
}

nlohmann::json rule_json(const rule& r) {
  return {{"id", r.id},
          {"title", r.title},
          {"severity", std::string(to_string(r.level))},
          {"tags", r.tags}};
}

nlohmann::json entity_json(const entity_hit& e) {
  nlohmann::json j = {{"id", e.id},          {"name", e.name}, {"type", e.type},
                      {"matched", e.matched}, {"list", e.list}, {"programs", e.programs},
                      {"ambiguous", e.ambiguous}};
  if (e.ambiguous) j["candidates"] = e.candidates;
  return j;
}

// One {name, email, uri} per entry of `authors`, in its order. An item made without details
// (not by the feed parser) gets its author names with null email and uri.
nlohmann::json author_details_json(const item& it) {
  nlohmann::json out = nlohmann::json::array();
  const bool have = it.author_details.size() == it.authors.size();
  for (std::size_t i = 0; i < it.authors.size(); ++i) {
    const author a = have ? it.author_details[i] : author{it.authors[i], {}, {}};
    out.push_back(
        {{"name", nullable(a.name)}, {"email", nullable(a.email)}, {"uri", nullable(a.uri)}});
  }
  return out;
}

nlohmann::json make_alert(const std::vector<rule_match>& fired, const item& it,
                          const feed_ref& feed, const story_name& story,
                          const std::string& ruleset_hash, timestamp created_at,
                          const producer_info& producer, const std::vector<source_ref>& sources,
                          std::size_t max_sentences) {
  const auto ordered = headline_order(fired);
  nlohmann::json rules = nlohmann::json::array();
  std::vector<std::string> tags;
  severity level = severity::info;
  nlohmann::json ents = nlohmann::json::array();
  std::set<std::pair<std::string, std::string>> seen;  // (list, id)
  for (const auto* m : ordered) {
    const rule& r = *m->matched_rule;
    rules.push_back(rule_json(r));
    level = std::max(level, r.level);
    for (const auto& t : r.tags)
      if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
    for (const auto& e : m->entities)
      if (seen.insert({e.list, e.id}).second) ents.push_back(entity_json(e));
  }
  nlohmann::json srcs = nlohmann::json::array();
  for (const auto& s : sources)
    srcs.push_back(
        {{"feed", s.feed}, {"link", nullable(s.link)}, {"published", nullable(s.published)}});
  const std::string& plain = it.summary.empty() ? it.content : it.summary;
  return {{"schema", "sanctwatch.alert/2"},
          {"id", story_alert_id(story.item_id, story.feed_id)},
          {"type", "alert.created"},
          {"revision", 0},
          {"created_at", format_rfc3339(created_at)},
          {"severity", std::string(to_string(level))},
          {"tags", tags},
          {"rules", rules},
          {"item",
           {{"id", it.id},
            {"title", nullable(it.title)},
            {"link", nullable(it.link)},
            {"published", nullable(it.published)},
            {"authors", it.authors},
            {"author_details", author_details_json(it)},
            {"summary", nullable(first_chars(plain, 300))},
            {"feed",
             {{"id", nullable(feed.id)},
              {"title", nullable(feed.title)},
              {"url", nullable(feed.url)}}}}},
          {"evidence", evidence_json(ordered, max_sentences)},
          {"entities", ents},
          {"sources", srcs},
          {"sources_total", std::max<std::size_t>(1, sources.size())},
          {"ruleset", ruleset_hash},
          {"producer",
           {{"name", producer.name},
            {"version", producer.version},
            {"host", nullable(producer.host)}}}};
}

}  // namespace sanctwatch::engine
