// The alert queue on both backends: one index row per story alert, kept in step with its
// latest revision; every filter, paging by cursor, the triage states, and alerts recorded
// before the index existed indexed when the store opens.
#include <gtest/gtest.h>

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "store/backends.hpp"
#include "store/store.hpp"

namespace sanctwatch::store {
namespace {

using json = nlohmann::json;

class queue_test : public backends_test {
 protected:
  // Wipes the index, as a state recorded before schema 9 (or by an older daemon) has it.
  void drop_index() {
    if (GetParam() == "sqlite") {
      connection c(path_);
      c.exec("DELETE FROM alert_index");
    } else {
      ASSERT_TRUE(pg_->psql("DELETE FROM alert_index"));
    }
  }
};

struct spec {
  std::string id;
  std::int64_t when;
  std::string severity, title, feed;
  std::vector<std::string> tags, rules, other_feeds;
  std::vector<std::tuple<std::string, std::string, std::string>> entities;  // id, name, list
};

std::string document(const spec& s) {
  json rules = json::array(), entities = json::array(), sources = json::array();
  for (const auto& r : s.rules) rules.push_back({{"id", r}, {"title", r}, {"severity", s.severity}});
  for (const auto& [id, name, list] : s.entities)
    entities.push_back({{"id", id}, {"name", name}, {"matched", name}, {"list", list}});
  sources.push_back({{"feed", s.feed}});
  for (const auto& f : s.other_feeds) sources.push_back({{"feed", f}});
  return json{{"schema", "sanctwatch.alert/2"},
              {"id", s.id},
              {"type", "alert.created"},
              {"severity", s.severity},
              {"tags", s.tags},
              {"rules", rules},
              {"item",
               {{"title", s.title}, {"link", "https://news.example/" + s.id}, {"feed", {{"id", s.feed}}}}},
              {"entities", entities},
              {"sources", sources},
              {"sources_total", sources.size()}}
      .dump();
}

void record(store& db, const spec& s) {
  db.record({s.feed, "item-" + s.id, "h", t(s.when)},
            {{s.id, s.rules.front(), s.severity, "story-" + s.id, document(s), t(s.when), {}}});
}

// Five alerts over five hours.
void seed(store& db) {
  record(db, {"a1", 1000, "high", "Treasury lists Harbourline Terminals", "coastwire",
              {"sanctions", "entity"}, {"sanctions.new-measures", "entity.watched-firm.mention"},
              {"portdaily"}, {{"ofac-sdn:9001", "HARBOURLINE TERMINALS", "sdn"}}});
  record(db, {"a2", 2000, "medium", "Minister threatens penalties on banks", "capitalnews",
              {"sanctions"}, {"sanctions.threat"}, {}, {}});
  record(db, {"a3", 3000, "high", "Commerce adds nine firms to the Entity List", "tradewatch",
              {"export-controls"}, {"export-controls.entity-list"}, {}, {}});
  record(db, {"a4", 4000, "info", "Société Générale named in a filing", "capitalnews",
              {"entity"}, {"entity.watched-firm.mention"}, {},
              {{"watch:12", "SOCIÉTÉ GÉNÉRALE", "watchlist"}}});
  record(db, {"a5", 5000, "critical", "Embargo on arms shipments widened", "coastwire",
              {"export-controls", "sanctions"}, {"export-controls.arms-embargo"}, {}, {}});
}

std::vector<std::string> ids(const queue_page& p) {
  std::vector<std::string> out;
  for (const auto& r : p.rows) out.push_back(r.id);
  return out;
}

using v = std::vector<std::string>;

}  // namespace

INSTANTIATE_TEST_SUITE_P(backends, queue_test, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(queue_test, rows_show_what_the_queue_lists_newest_first) {
  store s(path_);
  seed(s);
  const auto p = s.queue({}, 50);
  EXPECT_EQ(ids(p), (v{"a5", "a4", "a3", "a2", "a1"}));
  EXPECT_EQ(p.total, 5);
  EXPECT_TRUE(p.next.empty());
  const auto& a1 = p.rows.back();
  EXPECT_EQ(a1.headline, "Treasury lists Harbourline Terminals");
  EXPECT_EQ(a1.link, "https://news.example/a1");
  EXPECT_EQ(a1.feed_id, "coastwire");
  EXPECT_EQ(a1.severity, 3);
  EXPECT_EQ(a1.created_at, t(1000));
  EXPECT_EQ(a1.tags, (v{"sanctions", "entity"}));
  EXPECT_EQ(a1.rules, (v{"sanctions.new-measures", "entity.watched-firm.mention"}));
  EXPECT_EQ(a1.feeds, (v{"coastwire", "portdaily"}));
  EXPECT_EQ(a1.sources, 2);
  EXPECT_EQ(json::parse(a1.entities),
            json::parse(R"([{"id":"ofac-sdn:9001","name":"HARBOURLINE TERMINALS","list":"sdn"}])"));
  EXPECT_FALSE(a1.silenced);
  EXPECT_FALSE(a1.acknowledged);
  EXPECT_EQ(a1.label, "");
}

TEST_P(queue_test, every_filter_narrows_the_queue) {
  store s(path_);
  seed(s);
  auto q = [&](queue_filter f) { return ids(s.queue(f, 50)); };
  EXPECT_EQ(q({.min_severity = 3}), (v{"a5", "a3", "a1"}));
  EXPECT_EQ(q({.tag = "sanctions"}), (v{"a5", "a2", "a1"}));
  EXPECT_EQ(q({.tag = "Export-Controls"}), (v{"a5", "a3"}));  // any case
  EXPECT_EQ(q({.tag = "export"}), v{});                        // a whole tag, not a part
  EXPECT_EQ(q({.rule = "entity.watched-firm.mention"}), (v{"a4", "a1"}));
  EXPECT_EQ(q({.list = "sdn"}), v{"a1"});
  EXPECT_EQ(q({.feed = "portdaily"}), v{"a1"});  // any source's feed
  EXPECT_EQ(q({.feed = "capitalnews"}), (v{"a4", "a2"}));
  EXPECT_EQ(q({.text = "entity list"}), v{"a3"});                 // headline
  EXPECT_EQ(q({.text = "harbourline"}), v{"a1"});                 // headline and entity
  EXPECT_EQ(q({.text = "societe generale"}), v{"a4"});            // accents folded
  EXPECT_EQ(q({.text = "100%_off"}), v{});                        // LIKE's characters are text
  EXPECT_EQ(q({.since = t(2000), .until = t(4000)}), (v{"a3", "a2"}));
  EXPECT_EQ(q({.min_severity = 3, .tag = "sanctions", .feed = "coastwire"}), (v{"a5", "a1"}));
  EXPECT_EQ(s.queue({.tag = "sanctions"}, 50).total, 3);
}

TEST_P(queue_test, pages_follow_their_cursor_to_the_end) {
  store s(path_);
  seed(s);
  // Two alerts at the same second: the id breaks the tie, none is lost or repeated.
  record(s, {"a0", 1000, "low", "Same second", "coastwire", {"sanctions"}, {"sanctions.threat"}, {}, {}});
  std::vector<std::string> seen;
  std::string after;
  int pages = 0;
  do {
    const auto p = s.queue({}, 2, after);
    EXPECT_EQ(p.total, 6);
    EXPECT_LE(p.rows.size(), 2u);
    for (const auto& r : p.rows) seen.push_back(r.id);
    after = p.next;
    ++pages;
  } while (!after.empty() && pages < 10);
  EXPECT_EQ(seen, (v{"a5", "a4", "a3", "a2", "a1", "a0"}));
  EXPECT_EQ(pages, 3);
  EXPECT_THROW(s.queue({}, 2, "yesterday"), std::invalid_argument);
  EXPECT_THROW(s.queue({.state = "lost"}, 2), std::invalid_argument);
}

TEST_P(queue_test, triage_states_and_silences_filter_and_show) {
  store s(path_);
  seed(s);
  spec muted{"a6", 6000, "high", "Muted story", "coastwire", {"sanctions"}, {"sanctions.threat"}, {}, {}};
  auto doc = json::parse(document(muted));
  doc["silenced"] = true;
  doc["silenced_by"] = {"s1"};
  s.record({"coastwire", "item-a6", "h", t(6000)},
           {{"a6", "sanctions.threat", "high", "story-a6", doc.dump(), t(6000), {}}});
  s.acknowledge("a5", "ana", "", t(7000));
  s.set_label("a4", "false-positive", "not a designation", "ana", t(7000));
  s.set_label("a3", "true-positive", "", "ben", t(7000));
  s.acknowledge("a3", "ben", "", t(7000));
  auto q = [&](const std::string& state) { return ids(s.queue({.state = state}, 50)); };
  EXPECT_EQ(q("new"), (v{"a2", "a1"}));
  EXPECT_EQ(q("acknowledged"), (v{"a5", "a3"}));
  EXPECT_EQ(q("false-positive"), v{"a4"});
  EXPECT_EQ(q("true-positive"), v{"a3"});
  EXPECT_EQ(q("silenced"), v{"a6"});
  const auto rows = s.queue({}, 50).rows;
  EXPECT_TRUE(rows[0].silenced);
  EXPECT_TRUE(rows[1].acknowledged);
  EXPECT_EQ(rows[2].label, "false-positive");
}

TEST_P(queue_test, a_revision_rewrites_the_row) {
  store s(path_);
  seed(s);
  spec later{"a2", 2000, "high", "Minister threatens penalties on banks and names Harbourline",
             "capitalnews", {"sanctions", "entity"}, {"sanctions.threat", "entity.watched-firm.mention"},
             {"coastwire", "portdaily"}, {{"ofac-sdn:9001", "HARBOURLINE TERMINALS", "sdn"}}};
  auto doc = json::parse(document(later));
  doc["type"] = "alert.updated";
  doc["revision"] = 1;
  doc["updated_at"] = "1970-01-01T01:40:00Z";
  s.record({"coastwire", "copy-a2", "h", t(6000), "story-a2"}, {},
           {{"a2", 1, doc.dump(), t(6000), {}}});
  const auto p = s.queue({.list = "sdn"}, 50);
  ASSERT_EQ(ids(p), (v{"a2", "a1"}));
  EXPECT_EQ(p.rows[0].severity, 3);
  EXPECT_EQ(p.rows[0].sources, 3);
  EXPECT_EQ(p.rows[0].created_at, t(2000));  // still where it was first recorded
  EXPECT_EQ(p.rows[0].updated_at, t(6000));
  EXPECT_EQ(ids(s.queue({.rule = "entity.watched-firm.mention"}, 50)), (v{"a4", "a2", "a1"}));
}

TEST_P(queue_test, one_alert_reads_with_its_deliveries_and_revisions) {
  store s(path_);
  s.record({"capitalnews", "item-a2", "h", t(2000)},
           {{"a2", "sanctions.threat", "medium", "story-a2",
             document({"a2", 2000, "medium", "Minister threatens penalties on banks", "capitalnews",
                       {"sanctions"}, {"sanctions.threat"}, {}, {}}),
             t(2000), {"desk", "archive"}}});
  auto doc = json::parse(document({"a2", 2000, "high", "Minister names two banks", "capitalnews",
                                   {"sanctions"}, {"sanctions.threat"}, {"coastwire"}, {}}));
  doc["revision"] = 1;
  s.record({"coastwire", "copy-a2", "h", t(3000), "story-a2"}, {},
           {{"a2", 1, doc.dump(), t(3000), {"desk"}}});
  s.mark_delivered("a2", "archive", t(2001), 0);
  s.mark_retry("a2", "desk", t(4000), 503, "busy");

  EXPECT_FALSE(s.alert("nope"));
  EXPECT_FALSE(s.alert(""));
  const auto a = s.alert("a2");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->rule_id, "sanctions.threat");
  EXPECT_EQ(json::parse(a->document)["item"]["title"], "Minister names two banks");  // latest
  ASSERT_EQ(a->deliveries.size(), 3u);  // by sink, then revision
  EXPECT_EQ(a->deliveries[0].sink, "archive");
  EXPECT_EQ(a->deliveries[0].state, delivery_state::delivered);
  EXPECT_EQ(a->deliveries[1].sink, "desk");
  EXPECT_EQ(a->deliveries[1].revision, 0);
  EXPECT_EQ(a->deliveries[1].last_error, "busy");
  EXPECT_EQ(a->deliveries[1].last_status, 503);
  EXPECT_EQ(a->deliveries[2].sink, "desk");
  EXPECT_EQ(a->deliveries[2].revision, 1);
  EXPECT_EQ(a->deliveries[2].state, delivery_state::pending);
  const auto revs = s.revisions("a2");
  ASSERT_EQ(revs.size(), 2u);
  EXPECT_EQ(revs[0].revision, 0);
  EXPECT_EQ(revs[0].created_at, t(2000));
  EXPECT_EQ(json::parse(revs[0].document)["item"]["title"], "Minister threatens penalties on banks");
  EXPECT_EQ(revs[1].revision, 1);
  EXPECT_EQ(revs[1].created_at, t(3000));
  EXPECT_TRUE(s.revisions("nope").empty());
}

TEST_P(queue_test, alerts_the_retention_removes_leave_the_queue) {
  store s(path_);
  seed(s);
  s.set_label("a3", "true-positive", "", "ben", t(6000));
  s.purge(t(100000), t(100000), std::nullopt);
  EXPECT_EQ(ids(s.queue({}, 50)), v{"a3"});  // the labelled one stays, the rest are gone
  EXPECT_EQ(s.index_missing(), 0);
}

TEST_P(queue_test, alerts_without_an_index_row_are_indexed_when_asked) {
  {
    store s(path_);
    seed(s);
  }
  drop_index();
  store s(path_);
  EXPECT_EQ(s.queue({}, 50).total, 0);  // opening costs no scan of the alerts
  EXPECT_EQ(s.index_missing(), 5);
  EXPECT_EQ(s.queue({}, 50).total, 5);
  EXPECT_EQ(ids(s.queue({.list = "sdn"}, 50)), v{"a1"});
  EXPECT_EQ(s.index_missing(), 0);
}

}  // namespace sanctwatch::store
