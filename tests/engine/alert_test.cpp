// The alert document of docs/alerts.md and the stability of its id.
#include <gtest/gtest.h>

#include <set>

#include "core/time.hpp"
#include "engine/alert.hpp"
#include "helpers.hpp"

namespace sanctwatch::engine::test {
namespace {

TEST(engine_alert, ids_are_stable_and_depend_on_the_story) {
  const std::string a = story_alert_id("item-1", "feed-1");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, story_alert_id("item-1", "feed-1"));
  EXPECT_NE(a, story_alert_id("item-2", "feed-1"));
  EXPECT_NE(a, story_alert_id("item-1", "feed-2"));
  EXPECT_NE(story_alert_id("ab", "c"), story_alert_id("a", "bc"));
  // Never the id a schema-1 alert (one per rule) had for the same item.
  EXPECT_NE(a, alert_id("story", "item-1", "feed-1"));
  EXPECT_NE(alert_id("r", "item-1", "feed-1"), alert_id("r2", "item-1", "feed-1"));
}

TEST(engine_alert, one_document_per_story_with_every_fired_rule) {
  auto l = load_yaml(R"(
lists:
  sanc: [sanction*]
  china: [China, Chinese]
  bank: [bank, banks]
rules:
  - id: low.mention
    title: Sanctions mentioned
    severity: low
    tags: [watch]
    when: '@sanc'
  - id: high.banks
    title: Chinese banks face sanctions
    severity: high
    tags: [sanctions]
    when: near(@sanc, @china, @bank, within=5, scope=sentence)
)");
  ASSERT_TRUE(l.rules) << errors_of(l);
  const auto& rs = *l.rules;
  item it = content_item("Markets were calm.   The US may impose sanctions on Chinese banks. "
                         "Sanctions were discussed again later.",
                         "US weighs sanctions");
  it.id = "https://example.com/a";
  it.link = "https://example.com/a";
  it.authors = {"A. Writer"};
  it.author_details = {{"A. Writer", "writer@example.com", ""}};
  it.published = from_civil(2024, 6, 1, 0, 0, 0);
  auto m = match(rs, it);
  ASSERT_EQ(m.size(), 2u);
  const timestamp now{std::chrono::seconds(1700000000)};
  auto doc = make_alert(m, it, {"f1", "Feed", "https://example.com/feed"}, {it.id, "f1"}, rs.hash,
                        now, {"sanctwatch", "0.1.0", "host1"});
  EXPECT_EQ(doc["schema"], "sanctwatch.alert/2");
  EXPECT_EQ(doc["id"], story_alert_id(it.id, "f1"));
  EXPECT_EQ(doc["type"], "alert.created");
  EXPECT_EQ(doc["revision"], 0);
  EXPECT_EQ(doc["created_at"], "2023-11-14T22:13:20Z");
  // Most severe rule first (the headline); severity the highest; tags the union.
  ASSERT_EQ(doc["rules"].size(), 2u);
  EXPECT_EQ(doc["rules"][0]["id"], "high.banks");
  EXPECT_EQ(doc["rules"][0]["title"], "Chinese banks face sanctions");
  EXPECT_EQ(doc["rules"][0]["severity"], "high");
  EXPECT_EQ(doc["rules"][1]["id"], "low.mention");
  EXPECT_EQ(doc["severity"], "high");
  EXPECT_EQ(doc["tags"], nlohmann::json::array({"sanctions", "watch"}));
  EXPECT_EQ(doc["item"]["title"], "US weighs sanctions");
  EXPECT_EQ(doc["item"]["link"], "https://example.com/a");
  EXPECT_EQ(doc["item"]["published"], "2024-06-01T00:00:00Z");
  EXPECT_EQ(doc["item"]["authors"][0], "A. Writer");
  EXPECT_EQ(doc["item"]["author_details"],
            nlohmann::json::parse(
                R"([{"name": "A. Writer", "email": "writer@example.com", "uri": null}])"));
  EXPECT_EQ(doc["item"]["feed"]["id"], "f1");
  EXPECT_EQ(doc["item"]["feed"]["url"], "https://example.com/feed");
  // Evidence: sentences, each once, the headline rule's first, at most three; marks at exact
  // byte offsets of the text as delivered (whitespace collapsed).
  const auto& ev = doc["evidence"];
  ASSERT_GE(ev.size(), 2u);
  ASSERT_LE(ev.size(), 3u);
  EXPECT_EQ(ev[0]["field"], "content");
  EXPECT_EQ(ev[0]["text"], "The US may impose sanctions on Chinese banks.");
  std::set<std::string> texts;
  for (const auto& e : ev) {
    EXPECT_TRUE(texts.insert(e["field"].get<std::string>() + e["text"].get<std::string>()).second);
    const std::string text = e["text"];
    ASSERT_FALSE(e["marks"].empty());
    for (const auto& mk : e["marks"]) {
      const auto a = mk["start"].get<std::size_t>(), b = mk["end"].get<std::size_t>();
      EXPECT_EQ(text.substr(a, b - a), mk["term"].get<std::string>());
      EXPECT_TRUE(mk["list"].is_string());
    }
    EXPECT_FALSE(e.contains("snippet"));
  }
  EXPECT_TRUE(doc["entities"].is_array());
  EXPECT_TRUE(doc["sources"].is_array());
  EXPECT_EQ(doc["sources_total"], 1);
  EXPECT_EQ(doc["ruleset"], rs.hash);
  EXPECT_EQ(doc["producer"]["name"], "sanctwatch");
  EXPECT_EQ(doc["producer"]["host"], "host1");
  // Fewer sentences when asked.
  auto one = make_alert(m, it, {"f1", "Feed", ""}, {it.id, "f1"}, rs.hash, now, {}, {}, 1);
  EXPECT_EQ(one["evidence"].size(), 1u);
}

TEST(engine_alert, summary_is_first_300_characters) {
  std::string s;
  for (int i = 0; i < 400; ++i) s += "\xC3\xA9";  // 2 bytes each
  EXPECT_EQ(first_chars(s, 300).size(), 600u);
}

}  // namespace
}  // namespace sanctwatch::engine::test
