// Sharing the work through the store: feed and delivery claims, leases that lapse, daemons
// that register and leave. Two store objects on one state stand for two daemons.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "store/backends.hpp"
#include "store/store.hpp"

namespace sanctwatch::store {
namespace {

class lease_test : public backends_test {
 protected:
  // A daemon: its own connection to the state, claiming in its own name.
  std::unique_ptr<store> daemon(const std::string& node) {
    auto s = std::make_unique<store>(path_);
    s->set_node(node);
    return s;
  }
  static std::vector<std::string> ids(const std::vector<feed_claim>& claims) {
    std::vector<std::string> out;
    for (const auto& c : claims) out.push_back(c.st.id);
    return out;
  }
  const std::string all_ = R"(["f1","f2","f3"])";
};

const std::vector<std::pair<std::string, std::string>> three_feeds = {
    {"f1", "https://a.example/feed"}, {"f2", "https://b.example/feed"}, {"f3", "https://c.example/feed"}};

alert_record alert_to(const std::string& id, std::vector<std::string> sinks) {
  return {id, "r", "high", "story-" + id, "{\"id\":\"" + id + "\"}", t(100), std::move(sinks)};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(backends, lease_test, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(lease_test, a_due_feed_is_claimed_by_one_daemon_until_its_lease_lapses) {
  auto a = daemon("a"), b = daemon("b");
  a->sync_feeds(three_feeds);
  // New feeds are due at once; at most `limit` are taken, soonest first.
  const auto first = a->claim_feeds(all_, t(100), t(160), 2, false);
  EXPECT_EQ(ids(first), (std::vector<std::string>{"f1", "f2"}));
  EXPECT_TRUE(first[0].taken_from.empty());
  EXPECT_EQ(first[0].st.lease_owner, "a");
  // The other daemon gets what is left, and nothing more until the lease lapses.
  EXPECT_EQ(ids(b->claim_feeds(all_, t(100), t(160), 10, false)), (std::vector<std::string>{"f3"}));
  EXPECT_TRUE(b->claim_feeds(all_, t(120), t(180), 10, false).empty());
  EXPECT_EQ(b->next_feed_due(all_, t(120)), t(160));
  // a died: at 161 its feeds are b's, and b says whose they were (f3 was its own: its poll
  // never ended either).
  const auto taken = b->claim_feeds(all_, t(161), t(221), 10, false);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].taken_from, "a");
  EXPECT_EQ(taken[1].taken_from, "a");
  EXPECT_EQ(taken[2].taken_from, "");
  EXPECT_EQ(b->load_feed("f1")->lease_owner, "b");
}

TEST_P(lease_test, a_saved_poll_ends_its_lease_and_sets_the_next_poll) {
  auto a = daemon("a"), b = daemon("b");
  a->sync_feeds(three_feeds);
  auto c = a->claim_feeds(R"(["f1"])", t(100), t(160), 10, false);
  ASSERT_EQ(c.size(), 1u);
  feed_state st = c[0].st;
  st.last_poll = t(100);
  st.next_poll = t(1000);
  a->save_feed(st);
  const auto saved = a->load_feed("f1");
  EXPECT_TRUE(saved->lease_owner.empty());
  EXPECT_FALSE(saved->lease_until);
  EXPECT_EQ(b->next_feed_due(R"(["f1"])", t(100)), t(1000));
  EXPECT_TRUE(b->claim_feeds(R"(["f1"])", t(999), t(1060), 10, false).empty());
  EXPECT_EQ(b->claim_feeds(R"(["f1"])", t(1000), t(1060), 10, false).size(), 1u);
  // A daemon whose lease was taken over ends only its own: b's lease stays.
  st.next_poll = t(2000);
  a->save_feed(st);
  EXPECT_EQ(a->load_feed("f1")->lease_owner, "b");
}

TEST_P(lease_test, renewed_leases_keep_the_work_and_all_claims_regardless_of_due_time) {
  auto a = daemon("a"), b = daemon("b");
  a->sync_feeds(three_feeds);
  ASSERT_EQ(a->claim_feeds(all_, t(100), t(160), 10, false).size(), 3u);
  a->renew_leases(t(150), t(300));
  EXPECT_TRUE(b->claim_feeds(all_, t(200), t(260), 10, true).empty());
  for (const auto& [id, url] : three_feeds) {
    feed_state st = *a->load_feed(id);
    st.next_poll = t(5000);
    a->save_feed(st);
  }
  // Not due, but `poll --all` takes every free feed.
  EXPECT_TRUE(b->claim_feeds(all_, t(200), t(260), 10, false).empty());
  EXPECT_EQ(b->claim_feeds(all_, t(200), t(260), 10, true).size(), 3u);
}

TEST_P(lease_test, only_configured_enabled_feeds_are_claimed_and_a_moved_feed_starts_over) {
  auto a = daemon("a");
  a->sync_feeds(three_feeds);
  feed_state st = *a->load_feed("f2");
  st.etag = "\"v1\"";
  st.error_streak = 3;
  st.disabled = true;
  st.last_poll = t(50);
  st.next_poll = t(5000);
  a->save_feed(st);
  // Gone (410): never claimed, and not what the next due time waits for.
  EXPECT_EQ(ids(a->claim_feeds(R"(["f2","f3"])", t(100), t(160), 10, true)),
            (std::vector<std::string>{"f3"}));
  EXPECT_FALSE(a->next_feed_due(R"(["f2"])", t(100)));
  // Its URL changed in the config: a new feed, due now.
  a->sync_feeds({{"f2", "https://b.example/moved"}});
  const auto moved = a->load_feed("f2");
  EXPECT_EQ(moved->url, "https://b.example/moved");
  EXPECT_TRUE(moved->etag.empty());
  EXPECT_EQ(moved->error_streak, 0);
  EXPECT_FALSE(moved->disabled);
  EXPECT_FALSE(moved->last_poll);
  EXPECT_EQ(ids(a->claim_feeds(R"(["f2"])", t(100), t(160), 10, false)),
            (std::vector<std::string>{"f2"}));
  // The same URL again changes nothing.
  a->sync_feeds({{"f2", "https://b.example/moved"}});
  EXPECT_EQ(a->load_feed("f2")->lease_owner, "a");
}

// Feed ids are the config's, any text: quotes, backslashes, commas, braces, spaces, the word
// NULL and non-ASCII letters reach the claim intact on both backends.
TEST_P(lease_test, feed_ids_with_any_characters_are_claimed_by_exactly_their_feeds) {
  auto a = daemon("a");
  const std::vector<std::string> odd = {"say \"hi\"", "back\\slash", "a,b", "{x}", "NULL",
                                        "two words", "Zürich-Außen"};
  std::vector<std::pair<std::string, std::string>> feeds;
  for (const auto& id : odd) feeds.push_back({id, "https://odd.example/" + std::to_string(feeds.size())});
  feeds.push_back({"not-configured", "https://odd.example/x"});
  a->sync_feeds(feeds);
  const std::string configured =
      R"(["say \"hi\"","back\\slash","a,b","{x}","NULL","two words","Zürich-Außen"])";
  auto got = ids(a->claim_feeds(configured, t(100), t(160), 100, false));
  std::sort(got.begin(), got.end());
  auto want = odd;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(a->next_feed_due(configured, t(100)), t(160));
  // A different list is converted anew, not taken from the last one.
  auto b = daemon("b");
  EXPECT_EQ(ids(b->claim_feeds(R"(["not-configured"])", t(100), t(160), 100, false)),
            (std::vector<std::string>{"not-configured"}));
  EXPECT_TRUE(b->claim_feeds(configured, t(100), t(160), 100, false).empty());
}

TEST_P(lease_test, a_delivery_is_claimed_by_one_daemon_and_its_outcome_ends_the_lease) {
  auto a = daemon("a"), b = daemon("b");
  a->record({"f", "i1", "h", t(100)}, {alert_to("x1", {"hook", "mail"})});
  const auto mine = a->claim_due(t(100), t(160), 1);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].document, "{\"id\":\"x1\"}");
  const auto theirs = b->claim_due(t(100), t(160), 10);
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_NE(theirs[0].sink, mine[0].sink);
  EXPECT_TRUE(b->claim_due(t(120), t(180), 10).empty());
  // Both in flight: the next claim is possible when the leases lapse, not at once.
  EXPECT_EQ(b->next_due(t(120)), t(160));
  a->mark_delivered(mine[0].alert_id, mine[0].sink, t(130), 200);
  b->mark_retry(theirs[0].alert_id, theirs[0].sink, t(400), 503, "HTTP 503");
  EXPECT_EQ(a->next_due(t(130)), t(400));
  // Retried by whoever is first once it is due again.
  EXPECT_TRUE(a->claim_due(t(399), t(460), 10).empty());
  EXPECT_EQ(a->claim_due(t(400), t(460), 10).size(), 1u);
  // The daemon holding it died: the delivery is free when its lease lapses.
  EXPECT_TRUE(b->claim_due(t(460), t(520), 10).empty());
  EXPECT_EQ(b->claim_due(t(461), t(520), 10).size(), 1u);
}

TEST_P(lease_test, daemons_register_show_their_leases_and_free_them_when_they_leave) {
  auto a = daemon("a"), b = daemon("b");
  a->register_node("host-a", 11, "1.0", t(100));
  b->register_node("host-b", 22, "1.0", t(100));
  a->sync_feeds(three_feeds);
  a->record({"f", "i1", "h", t(100)}, {alert_to("x1", {"hook"})});
  ASSERT_EQ(a->claim_feeds(all_, t(100), t(160), 2, false).size(), 2u);
  ASSERT_EQ(a->claim_due(t(100), t(160), 10).size(), 1u);
  ASSERT_EQ(b->claim_feeds(all_, t(100), t(160), 2, false).size(), 1u);
  b->renew_leases(t(120), t(180));
  const auto nodes = a->nodes(t(130));
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].name, "b");  // the newest heartbeat first
  EXPECT_EQ(nodes[0].host, "host-b");
  EXPECT_EQ(nodes[0].pid, 22);
  EXPECT_EQ(nodes[0].heartbeat, t(120));
  EXPECT_EQ(nodes[0].feeds, 1);
  EXPECT_EQ(nodes[1].feeds, 2);
  EXPECT_EQ(nodes[1].deliveries, 1);
  // Leaving frees the work at once, for the others.
  a->unregister_node();
  EXPECT_EQ(b->claim_feeds(all_, t(131), t(191), 10, false).size(), 2u);
  EXPECT_EQ(b->claim_due(t(131), t(191), 10).size(), 1u);
  ASSERT_EQ(b->nodes(t(131)).size(), 1u);
}

TEST_P(lease_test, a_restarted_daemon_frees_what_its_previous_process_held) {
  {
    auto a = daemon("a");
    a->sync_feeds(three_feeds);
    ASSERT_EQ(a->claim_feeds(all_, t(100), t(160), 10, false).size(), 3u);
  }  // killed: nothing released
  auto again = daemon(GetParam() == "sqlite" ? "a-after-restart" : "a");
  again->register_node("host", 2, "1.0", t(110));
  // Its own name's leases are free at once; on SQLite (one daemon per file) every lease is.
  EXPECT_EQ(again->claim_feeds(all_, t(110), t(170), 10, false).size(), 3u);
}

TEST_P(lease_test, a_node_that_others_still_hold_leases_for_keeps_them_on_postgresql) {
  if (GetParam() == "sqlite") GTEST_SKIP() << "a SQLite file has one daemon: nothing to keep";
  auto a = daemon("a"), b = daemon("b");
  a->sync_feeds(three_feeds);
  ASSERT_EQ(a->claim_feeds(all_, t(100), t(160), 10, false).size(), 3u);
  b->register_node("host-b", 22, "1.0", t(110));
  EXPECT_TRUE(b->claim_feeds(all_, t(110), t(170), 10, false).empty());
}

TEST_P(lease_test, serialized_work_holds_until_the_batch_ends) {
  auto a = daemon("a");
  store::batch tx(*a);
  a->serialize(store::work::stories);
  a->serialize(store::work::stories);  // taken again inside the same batch: no deadlock
  a->serialize(store::work::digests);
  tx.commit();
  // Released with the transaction: another batch takes it at once.
  store::batch again(*a);
  a->serialize(store::work::stories);
  again.commit();
}

TEST_P(lease_test, a_digest_is_sealed_by_one_daemon_the_other_finds_the_entries_taken) {
  if (GetParam() == "sqlite") GTEST_SKIP() << "one daemon per SQLite file";
  auto a = daemon("a"), b = daemon("b");
  alert_record queued = alert_to("x1", {});
  queued.digests = {"mail"};
  a->record({"f", "i1", "h", t(100)}, {queued});
  // What service::seal_due_digests does on each daemon: lock, read the queue, seal.
  const auto seal = [](store& s, const std::string& id) {
    store::batch tx(s);
    s.serialize(store::work::digests);
    const auto entries = s.queued("mail", t(200));
    if (entries.empty()) return 0;
    const int taken = s.seal_digest({id, "mail", "r", "high", "{}", t(200)}, t(200));
    tx.commit();
    return taken;
  };
  std::atomic<int> b_took{-1};
  std::thread other;
  {
    store::batch tx(*a);
    a->serialize(store::work::digests);
    ASSERT_EQ(a->queued("mail", t(200)).size(), 1u);
    // b reaches the lock while a holds it, and waits.
    other = std::thread([&] { b_took = seal(*b, "digest-b"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(b_took, -1) << "b did not wait for a";
    EXPECT_EQ(a->seal_digest({"digest-a", "mail", "r", "high", "{}", t(200)}, t(200)), 1);
    tx.commit();
  }
  other.join();
  EXPECT_EQ(b_took, 0);
  EXPECT_EQ(a->due(t(300), 10).size(), 1u);  // one digest, to go out once
}

}  // namespace sanctwatch::store
