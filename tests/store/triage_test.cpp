// Silences in the state: kept as written, found while active, ended early by expiry; on both
// backends, and seen by another connection (the CLI adds them while a daemon runs).
#include <gtest/gtest.h>

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

}  // namespace sanctwatch::store
