#include "sinks/sink.hpp"

#include <gtest/gtest.h>

#include "sinks/alert_fixture.hpp"

namespace sanctwatch::sinks {

TEST(sink_view, rebuilt_from_the_stored_document) {
  auto a = testing::sample_alert();
  EXPECT_EQ(a.id, "a1f3");
  EXPECT_EQ(a.rule_id, "sanctions.threat.china-finance");
  EXPECT_EQ(a.level, severity::high);
  EXPECT_EQ(a.tags, (std::vector<std::string>{"sanctions", "china"}));
  EXPECT_EQ(a.item_link, "https://sample.sanctwatch.invalid/1");
  // Headline first, then the rules (ids), then the link.
  EXPECT_EQ(summary_line(a),
            "[HIGH] US warns Chinese banks \xe2\x80\x94 sanctions.threat.china-finance "
            "https://sample.sanctwatch.invalid/1");
}

TEST(sink_view, updates_have_their_own_message_id) {
  auto a = testing::sample_alert("a1f3");
  EXPECT_EQ(a.revision, 0);
  EXPECT_EQ(a.message_id(), "a1f3");
  auto doc = nlohmann::json::parse(a.document);
  doc["type"] = "alert.updated";
  doc["revision"] = 2;
  auto u = view_of(doc.dump()).value();
  EXPECT_EQ(u.id, "a1f3");  // the same alert ...
  EXPECT_EQ(u.revision, 2);
  EXPECT_EQ(u.message_id(), "a1f3-2");  // ... a different message
  doc["revision"] = "7";                // not a number: treated as the alert itself
  EXPECT_EQ(view_of(doc.dump()).value().message_id(), "a1f3");
}

TEST(sink_view, rejects_documents_that_are_not_alerts) {
  EXPECT_FALSE(view_of("not json"));
  EXPECT_FALSE(view_of("{\"id\": \"x\"}"));
  EXPECT_EQ(view_of("[]").err().code, "bad_alert");
}

TEST(sink_filter, severity_tags_and_rules) {
  auto a = testing::sample_alert("x", severity::medium, {"sanctions", "entity"});
  EXPECT_TRUE(filter{}.accepts(a));
  EXPECT_TRUE(filter{severity::medium}.accepts(a));
  EXPECT_FALSE(filter{severity::high}.accepts(a));
  EXPECT_TRUE((filter{severity::info, {"export-controls", "sanctions"}}.accepts(a)));
  EXPECT_FALSE((filter{severity::info, {"export-controls"}}.accepts(a)));
  EXPECT_FALSE((filter{severity::info, {}, {"entity"}}.accepts(a)));
  EXPECT_TRUE((filter{severity::info, {}, {}, {"sanctions.threat.china-finance"}}.accepts(a)));
  EXPECT_FALSE((filter{severity::info, {}, {}, {"other.rule"}}.accepts(a)));
}

}  // namespace sanctwatch::sinks
