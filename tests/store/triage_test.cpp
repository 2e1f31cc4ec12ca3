// Triage in the state, on both backends: silences (kept as written, found while active, ended
// early by expiry, seen by another connection: the CLI adds them while a daemon runs), and
// acknowledgements and labels with their history, kept past retention when labelled.
#include <gtest/gtest.h>

#include <stdexcept>

#include "store/backends.hpp"
#include "store/store.hpp"

namespace sanctwatch::store {
namespace {

class triage_test : public backends_test {};

silence_record silence(const std::string& id, std::int64_t from, std::int64_t to,
                       std::int64_t created) {
  return {id, R"(["rule=sanctions.*","feed!=wire"])", t(from), t(to), "known story, Ünïcode ok",
          "analyst", t(created)};
}

// An alert recorded for item `key` of feed "f", seen at `when`.
void alert_on(store& s, const std::string& id, const std::string& key, std::int64_t when) {
  s.record({"f", key, "h-" + key, t(when)},
           {{id, "sanctions.threat", "high", "story-" + id,
             R"({"id":")" + id + R"(","tags":["sanctions"]})", t(when), {}}});
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(backends, triage_test, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(triage_test, silences_are_kept_as_written_and_found_while_active) {
  store s(path_);
  s.add_silence(silence("s-old", 100, 200, 100));
  s.add_silence(silence("s-now", 150, 400, 150));
  s.add_silence(silence("s-later", 300, 500, 160));
  const auto all = s.silences(std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "s-later");  // newest first
  EXPECT_EQ(all[2].id, "s-old");
  const auto& k = all[1];
  EXPECT_EQ(k.matchers, R"(["rule=sanctions.*","feed!=wire"])");
  EXPECT_EQ(k.starts_at, t(150));
  EXPECT_EQ(k.ends_at, t(400));
  EXPECT_EQ(k.comment, "known story, Ünïcode ok");
  EXPECT_EQ(k.created_by, "analyst");
  EXPECT_EQ(k.created_at, t(150));

  auto ids = [&](std::int64_t at) {
    std::vector<std::string> out;
    for (const auto& x : s.silences(t(at))) out.push_back(x.id);
    return out;
  };
  EXPECT_EQ(ids(99), std::vector<std::string>{});
  EXPECT_EQ(ids(150), (std::vector<std::string>{"s-now", "s-old"}));
  EXPECT_EQ(ids(200), std::vector<std::string>{"s-now"});  // the end is exclusive
  EXPECT_EQ(ids(350), (std::vector<std::string>{"s-later", "s-now"}));
  EXPECT_EQ(ids(500), std::vector<std::string>{});
  // Another connection (the CLI beside a daemon) sees them.
  store other(path_);
  EXPECT_EQ(other.silences(t(150)).size(), 2u);
  EXPECT_TRUE(other.silence("s-now"));
  EXPECT_FALSE(other.silence("nope"));
}

TEST_P(triage_test, expiry_ends_a_silence_now_and_never_extends_one) {
  store s(path_);
  s.add_silence(silence("s1", 100, 400, 100));
  s.add_silence(silence("s2", 100, 200, 100));
  EXPECT_TRUE(s.expire_silence("s1", t(250)));
  EXPECT_EQ(s.silence("s1")->ends_at, t(250));
  EXPECT_TRUE(s.silences(t(260)).empty());
  EXPECT_EQ(s.silences(t(240)).size(), 1u);
  // Already over: expiring it again changes nothing.
  EXPECT_TRUE(s.expire_silence("s2", t(300)));
  EXPECT_EQ(s.silence("s2")->ends_at, t(200));
  EXPECT_FALSE(s.expire_silence("missing", t(300)));
  // A duplicate id is refused, not merged.
  EXPECT_ANY_THROW(s.add_silence(silence("s1", 100, 900, 300)));
  EXPECT_EQ(s.silence("s1")->ends_at, t(250));
}

TEST_P(triage_test, acknowledgements_and_labels_keep_their_state_and_history) {
  store s(path_);
  alert_on(s, "a1", "i1", 100);
  alert_on(s, "a2", "i2", 100);
  EXPECT_FALSE(s.triage("a1"));
  EXPECT_TRUE(s.acknowledge("a1", "ana", "called the desk", t(200)));
  EXPECT_TRUE(s.set_label("a1", "false-positive", "a football club, not a bank", "ana", t(210)));
  EXPECT_TRUE(s.set_label("a2", "true-positive", "", "ben", t(220)));
  auto a1 = s.triage("a1");
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->acknowledged_at, t(200));
  EXPECT_EQ(a1->acknowledged_by, "ana");
  EXPECT_EQ(a1->ack_note, "called the desk");
  EXPECT_EQ(a1->label, "false-positive");
  EXPECT_EQ(a1->label_reason, "a football club, not a bank");
  EXPECT_EQ(a1->labelled_at, t(210));
  // Taken back: the state clears, the history keeps every step.
  EXPECT_TRUE(s.unacknowledge("a1", "ben", t(300)));
  EXPECT_TRUE(s.set_label("a1", "", "", "ben", t(310)));
  a1 = s.triage("a1");
  EXPECT_FALSE(a1->acknowledged_at);
  EXPECT_EQ(a1->label, "");
  EXPECT_FALSE(a1->labelled_at);
  const auto h = s.actions("a1");
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].action, "acknowledge");
  EXPECT_EQ(h[0].note, "called the desk");
  EXPECT_EQ(h[1].action, "label");
  EXPECT_EQ(h[1].value, "false-positive");
  EXPECT_EQ(h[1].user, "ana");
  EXPECT_EQ(h[2].action, "unacknowledge");
  EXPECT_EQ(h[3].action, "unlabel");
  EXPECT_EQ(h[3].at, t(310));
  // Unknown alerts and made-up labels are refused, and leave nothing behind.
  EXPECT_FALSE(s.acknowledge("nope", "ana", "", t(400)));
  EXPECT_FALSE(s.set_label("nope", "true-positive", "", "ana", t(400)));
  EXPECT_TRUE(s.actions("nope").empty());
  EXPECT_THROW(s.set_label("a2", "maybe", "", "ana", t(400)), std::invalid_argument);
  EXPECT_EQ(s.triage("a2")->label, "true-positive");
}

TEST_P(triage_test, labelled_alerts_are_listed_for_export_and_outlive_retention) {
  store s(path_);
  alert_on(s, "a1", "i1", 100);
  alert_on(s, "a2", "i2", 100);
  alert_on(s, "a3", "i3", 100);
  s.set_label("a2", "true-positive", "", "ben", t(300));
  s.set_label("a1", "false-positive", "sport", "ana", t(200));
  s.acknowledge("a3", "ana", "", t(250));
  auto all = s.labelled(std::nullopt);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].triage.alert_id, "a1");  // oldest label first
  EXPECT_EQ(all[0].triage.label_reason, "sport");
  EXPECT_EQ(all[0].document, R"({"id":"a1","tags":["sanctions"]})");
  EXPECT_EQ(all[0].feed_id, "f");
  EXPECT_EQ(all[0].item_key, "i1");
  EXPECT_EQ(s.labelled(t(250)).size(), 1u);
  // Long after: the unlabelled alerts go with their items, the labelled ones stay (an
  // evaluation set), and the triage rows of what went go too.
  s.purge(t(1000), t(1000), std::nullopt);
  EXPECT_EQ(s.labelled(std::nullopt).size(), 2u);
  EXPECT_TRUE(s.triage("a1"));
  EXPECT_FALSE(s.triage("a3"));
  EXPECT_TRUE(s.actions("a3").empty());
}

}  // namespace sanctwatch::store
