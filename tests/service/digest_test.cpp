// Digests in the dispatcher: sealed when a sink's oldest queued entry is one period old, each
// entry in exactly one digest, delivered and retried like an alert, across a reopened state
// file; the document folds an alert's revisions into one entry.
#include "service/digest.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <set>

#include "service/dispatcher.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

timestamp t(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }

std::string alert_doc(const std::string& id, const std::string& severity, int revision = 0,
                      json changes = nullptr) {
  json j = {{"schema", "sanctwatch.alert/2"},
            {"id", id},
            {"type", revision ? "alert.updated" : "alert.created"},
            {"revision", revision},
            {"severity", severity},
            {"rules", json::array({{{"id", "r." + severity},
                                    {"title", "R"},
                                    {"severity", severity},
                                    {"tags", json::array()}}})},
            {"item", {{"title", "Story " + id}}}};
  if (!changes.is_null()) j["changes"] = std::move(changes);
  return j.dump();
}

// A sink people read, collecting digests; its outcomes are scripted.
class people_sink final : public sinks::sink {
 public:
  explicit people_sink(std::string name, std::optional<std::chrono::seconds> period = 60s)
      : sink(std::move(name), {}) {
    set_digest(period);
  }
  void deliver(const sinks::alert_view& a, sinks::done_fn done) override {
    delivered.push_back(a);
    sinks::outcome o = script.empty() ? sinks::outcome::ok(250) : script.front();
    if (!script.empty()) script.pop_front();
    done(o);
  }
  bool takes_digests() const override { return true; }
  std::deque<sinks::outcome> script;
  std::vector<sinks::alert_view> delivered;
};

// A machine sink under the same name, after a config change.
class machine_sink final : public sinks::sink {
 public:
  explicit machine_sink(std::string name) : sink(std::move(name), {}) {}
  void deliver(const sinks::alert_view& a, sinks::done_fn done) override {
    seen.push_back(a.id);
    done(sinks::outcome::ok(200));
  }
  std::vector<std::string> seen;
};

// The alert ids a digest lists.
std::set<std::string> members(const sinks::alert_view& d) {
  std::set<std::string> out;
  const json doc = json::parse(d.document);
  for (const auto& e : doc["alerts"]) out.insert(e["alert"]["id"].get<std::string>());
  return out;
}

class digest_test : public ::testing::Test {
 protected:
  void record(const std::string& id, std::int64_t at, const std::string& severity = "high",
              std::vector<std::string> digests = {"mail"}) {
    store::alert_record a{id, "r." + severity, severity, "", alert_doc(id, severity), t(at), {}};
    a.digests = std::move(digests);
    db_.record({"f", id, "h", t(at)}, {a});
  }
  sanctwatch::testing::temp_dir dir_;
  store::store db_{dir_.file("state.db")};
  timestamp now_ = t(100);
};

}  // namespace

TEST(make_digest, folds_revisions_most_severe_first) {
  const std::vector<store::queued_entry> entries = {
      {"a1", 0, t(100), alert_doc("a1", "medium")},
      {"a2", 3, t(110),
       alert_doc("a2", "high", 3, {{"rules_added", {"x"}}, {"entities_added", {"e1"}}})},
      {"a1", 1, t(120), alert_doc("a1", "medium", 1, {{"rules_added", {"y"}}})},
      {"a2", 4, t(130),
       alert_doc("a2", "critical", 4, {{"rules_added", {"x", "z"}}, {"severity_from", "high"}})},
      {"a3", 0, t(140), "not json"}};
  const json d = make_digest("mail", 3600s, entries, t(200));
  EXPECT_EQ(d["schema"], "sanctwatch.digest/1");
  EXPECT_EQ(d["type"], "digest");
  EXPECT_TRUE(d["id"].get<std::string>().starts_with("digest-")) << d["id"];
  EXPECT_EQ(d["sink"], "mail");
  EXPECT_EQ(d["period_start"], "1970-01-01T00:01:40Z");
  EXPECT_EQ(d["period_end"], "1970-01-01T00:03:20Z");
  EXPECT_EQ(d["created_at"], d["period_end"]);
  EXPECT_EQ(d["period_seconds"], 3600);
  EXPECT_EQ(d["severity"], "critical");
  EXPECT_EQ(d["alerts_total"], 2);
  ASSERT_EQ(d["alerts"].size(), 2u);
  // a2 (critical now) first: a story seen before, its two updates' findings together.
  const json& a2 = d["alerts"][0];
  EXPECT_EQ(a2["alert"]["id"], "a2");
  EXPECT_EQ(a2["alert"]["revision"], 4);  // the latest
  EXPECT_EQ(a2["new"], false);
  EXPECT_EQ(a2["updates"], 2);
  EXPECT_EQ(a2["changes"]["rules_added"], json({"x", "z"}));
  EXPECT_EQ(a2["changes"]["entities_added"], json({"e1"}));
  EXPECT_EQ(a2["changes"]["severity_from"], "high");
  // a1: new in this digest, with one update; people see it as it stands, no changes.
  const json& a1 = d["alerts"][1];
  EXPECT_EQ(a1["alert"]["revision"], 1);
  EXPECT_EQ(a1["new"], true);
  EXPECT_EQ(a1["updates"], 1);
  EXPECT_FALSE(a1.contains("changes"));
  // Another sink, or another time, another id; the same entries and time, the same id.
  EXPECT_NE(make_digest("chat", 3600s, entries, t(200))["id"], d["id"]);
  EXPECT_NE(make_digest("mail", 3600s, entries, t(201))["id"], d["id"]);
  EXPECT_EQ(make_digest("mail", 3600s, entries, t(200))["id"], d["id"]);
}

TEST_F(digest_test, sealed_once_a_period_after_the_oldest_entry_and_sent_as_one_message) {
  auto mail = std::make_shared<people_sink>("mail");
  dispatcher d(db_, {mail}, [this] { return now_; });
  record("a1", 100, "medium");
  record("a2", 130, "critical");
  d.run_due();
  EXPECT_TRUE(mail->delivered.empty());
  EXPECT_EQ(d.next_due(), t(160));  // a1's time plus the period
  now_ = t(159);
  d.run_due();
  EXPECT_TRUE(mail->delivered.empty());
  now_ = t(160);
  d.run_due();
  ASSERT_EQ(mail->delivered.size(), 1u);
  const auto sent = mail->delivered[0];  // a copy: later deliveries grow the vector
  EXPECT_TRUE(sent.digest);
  EXPECT_EQ(sent.level, severity::critical);
  EXPECT_EQ(members(sent), (std::set<std::string>{"a1", "a2"}));
  EXPECT_EQ(json::parse(sent.document)["alerts"][0]["alert"]["id"], "a2");  // most severe first
  EXPECT_EQ(db_.queued_count(), 0);
  EXPECT_FALSE(d.next_due());
  // Nothing more to send, however often the loop comes by.
  now_ = t(1000);
  d.run_due();
  EXPECT_EQ(mail->delivered.size(), 1u);
  // The next alert starts the next period.
  record("a3", 1000);
  EXPECT_EQ(d.next_due(), t(1060));
  now_ = t(1060);
  d.run_due();
  ASSERT_EQ(mail->delivered.size(), 2u);
  EXPECT_EQ(members(mail->delivered[1]), (std::set<std::string>{"a3"}));
  EXPECT_NE(mail->delivered[1].id, sent.id);
}

TEST_F(digest_test, a_failed_digest_is_retried_as_it_was_and_new_alerts_wait_for_the_next) {
  auto mail = std::make_shared<people_sink>("mail");
  mail->script.push_back(sinks::outcome::retry("SMTP 451: try again later", 451));
  dispatcher d(db_, {mail}, [this] { return now_; });
  record("a1", 100);
  now_ = t(160);
  d.run_due();
  ASSERT_EQ(mail->delivered.size(), 1u);
  const std::string first = mail->delivered[0].id;
  record("a2", 161);  // after the seal: the next digest's
  const auto due = d.next_due();
  ASSERT_TRUE(due);
  EXPECT_GE(*due, t(164));  // the retry, 5 s +-10%
  now_ = *due;
  d.run_due();
  ASSERT_EQ(mail->delivered.size(), 2u);
  EXPECT_EQ(mail->delivered[1].id, first);  // the same digest, the same message id
  EXPECT_EQ(mail->delivered[1].message_id(), mail->delivered[0].message_id());
  EXPECT_EQ(members(mail->delivered[1]), (std::set<std::string>{"a1"}));
  now_ = t(221);
  d.run_due();
  ASSERT_EQ(mail->delivered.size(), 3u);
  EXPECT_EQ(members(mail->delivered[2]), (std::set<std::string>{"a2"}));
}

// A crash with entries queued and with a digest sealed but not sent: the state file is all a
// new process has, and it sends each alert in exactly one digest.
TEST_F(digest_test, queued_and_sealed_digests_are_sent_after_a_restart) {
  const std::string path = dir_.file("crash.db");
  {
    store::store db(path);
    auto mail = std::make_shared<people_sink>("mail");
    mail->script.push_back(sinks::outcome::retry("connection refused"));
    dispatcher d(db, {mail}, [] { return t(160); });
    for (const char* id : {"a1", "a2"}) {
      store::alert_record a{id, "r.high", "high", "", alert_doc(id, "high"), t(100), {}};
      a.digests = {"mail"};
      db.record({"f", id, "h", t(100)}, {a});
    }
    d.run_due();  // sealed, the attempt failed: pending
    store::alert_record a{"a3", "r.high", "high", "", alert_doc("a3", "high"), t(161), {}};
    a.digests = {"mail"};
    db.record({"f", "a3", "h", t(161)}, {a});  // queued, not sealed
  }
  store::store db(path);
  auto mail = std::make_shared<people_sink>("mail");
  dispatcher d(db, {mail}, [] { return t(500); });
  d.run_due();
  ASSERT_EQ(mail->delivered.size(), 2u);  // the sealed one, and a3's
  std::multiset<std::string> all;
  for (const auto& m : mail->delivered)
    for (const auto& id : members(m)) all.insert(id);
  EXPECT_EQ(all, (std::multiset<std::string>{"a1", "a2", "a3"}));
  d.run_due();
  EXPECT_EQ(mail->delivered.size(), 2u);
}

TEST_F(digest_test, a_sink_that_stops_collecting_gets_its_queued_alerts_one_by_one) {
  record("a1", 100);
  record("a2", 110);
  auto mail = std::make_shared<people_sink>("mail", std::nullopt);  // `digest` removed
  dispatcher d(db_, {mail}, [this] { return now_; });
  EXPECT_EQ(d.next_due(), t(100));
  d.run_due();
  ASSERT_EQ(mail->delivered.size(), 2u);
  EXPECT_FALSE(mail->delivered[0].digest);
  EXPECT_EQ(db_.queued_count(), 0);
}

TEST_F(digest_test, entries_of_a_sink_not_configured_wait_for_it) {
  record("a1", 100, "high", {"gone"});
  auto mail = std::make_shared<people_sink>("mail");
  dispatcher d(db_, {mail}, [this] { return now_; });
  now_ = t(10000);
  d.run_due();
  EXPECT_FALSE(d.next_due());
  EXPECT_EQ(db_.queued_count(), 1);
  // The sink comes back (a reload): its digest is due at once.
  auto gone = std::make_shared<people_sink>("gone");
  d.set_sinks({mail, gone});
  EXPECT_EQ(d.next_due(), t(160));
  d.run_due();
  EXPECT_EQ(gone->delivered.size(), 1u);
}

TEST_F(digest_test, a_digest_for_a_sink_that_takes_none_is_a_dead_letter) {
  record("a1", 100);
  const json doc = make_digest("mail", 60s, db_.queued("mail", t(100)), t(100));
  db_.seal_digest({doc["id"].get<std::string>(), "mail", "r.high", "high", doc.dump(), t(100)},
                  t(100));
  auto hook = std::make_shared<machine_sink>("mail");
  dispatcher d(db_, {hook}, [] { return t(200); });
  d.run_due();
  EXPECT_TRUE(hook->seen.empty());
  const auto list = db_.alerts(std::nullopt, "", 10);
  bool dead = false;
  for (const auto& a : list)
    if (a.digest) {
      ASSERT_EQ(a.deliveries.size(), 1u);
      EXPECT_EQ(a.deliveries[0].state, store::delivery_state::dead);
      EXPECT_EQ(a.deliveries[0].last_error, "sink mail does not take digests");
      dead = true;
    }
  EXPECT_TRUE(dead);
}

}  // namespace sanctwatch::service
