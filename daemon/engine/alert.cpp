#include "engine/alert.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include "core/time.hpp"

namespace sanctwatch::engine {
namespace {

nlohmann::json nullable(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}
nlohmann::json nullable(const std::optional<timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json();
}

}  // namespace

std::string alert_id(const std::string& rule_id, const std::string& item_id,
                     const std::string& feed_id) {
  // Length-prefixed parts: ("a", "bc") and ("ab", "c") must not collide.
  std::string in;
  for (const auto* p : {&rule_id, &item_id, &feed_id})
    in += std::to_string(p->size()) + ":" + *p + ";";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(in.data(), in.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < 16 && i < len; ++i) s += hex[md[i] >> 4], s += hex[md[i] & 15];
  return s;
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

nlohmann::json make_alert(const rule_match& m, const item& it, const feed_ref& feed,
                          const std::string& ruleset_hash, timestamp created_at,
                          const producer_info& producer, const std::vector<source_ref>& sources) {
  const rule& r = *m.matched_rule;
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : m.evidence) {
    nlohmann::json j = {{"field", field_name(e.where)},
                        {"list", nullable(e.list)},
                        {"text", e.text},
                        {"start", e.start},
                        {"end", e.end},
                        {"snippet", e.snippet}};
    if (!e.term.empty()) j["term"] = e.term;
    ev.push_back(std::move(j));
  }
  nlohmann::json ents = nlohmann::json::array();
  for (const auto& e : m.entities) {
    nlohmann::json j = {{"id", e.id},          {"name", e.name}, {"type", e.type},
                        {"matched", e.matched}, {"list", e.list}, {"programs", e.programs},
                        {"ambiguous", e.ambiguous}};
    if (e.ambiguous) j["candidates"] = e.candidates;
    ents.push_back(std::move(j));
  }
  nlohmann::json srcs = nlohmann::json::array();
  for (const auto& s : sources)
    srcs.push_back(
        {{"feed", s.feed}, {"link", nullable(s.link)}, {"published", nullable(s.published)}});
  const std::string& plain = it.summary.empty() ? it.content : it.summary;
  return {{"schema", "sanctwatch.alert/1"},
          {"id", alert_id(r.id, it.id, feed.id)},
          {"created_at", format_rfc3339(created_at)},
          {"rule",
           {{"id", r.id},
            {"title", r.title},
            {"severity", std::string(to_string(r.level))},
            {"tags", r.tags}}},
          {"item",
           {{"id", it.id},
            {"title", nullable(it.title)},
            {"link", nullable(it.link)},
            {"published", nullable(it.published)},
            {"authors", it.authors},
            {"summary", nullable(first_chars(plain, 300))},
            {"feed",
             {{"id", nullable(feed.id)},
              {"title", nullable(feed.title)},
              {"url", nullable(feed.url)}}}}},
          {"evidence", ev},
          {"entities", ents},
          {"sources", srcs},
          {"ruleset", ruleset_hash},
          {"producer",
           {{"name", producer.name},
            {"version", producer.version},
            {"host", nullable(producer.host)}}}};
}

}  // namespace sanctwatch::engine
