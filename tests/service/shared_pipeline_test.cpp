// Two daemons' pipelines on one PostgreSQL state, each with its own connection and thread,
// recording two copies of one story at the same moment: one story, one alert, two sources.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/load.hpp"
#include "pg_fixture.hpp"
#include "service/pipeline.hpp"
#include "story/wire_texts.hpp"

namespace sanctwatch::service {
namespace {

namespace wire = sanctwatch::testing::wire;

constexpr const char* rules_yaml = R"(
rules:
  - id: t.sanctions
    title: Sanctions
    severity: high
    when: '"sanctions"'
)";

class quiet_sink final : public sinks::sink {
 public:
  quiet_sink() : sink("hook", sinks::filter{}) {}
  void deliver(const sinks::alert_view&, sinks::done_fn done) override {
    done(sinks::outcome::ok());
  }
};

feed_document copy_of_story(const std::string& id, const std::string& link, const std::string& title,
                   const std::string& body) {
  item it;
  it.id = id;
  it.link = link;
  it.title = title;
  it.content = body;
  it.published = timestamp{std::chrono::seconds{1717236000}};
  feed_document d;
  d.items.push_back(std::move(it));
  return d;
}

class shared_pipeline_test : public sanctwatch::testing::pg_fixture {};

}  // namespace

TEST_F(shared_pipeline_test, two_copies_recorded_at_once_by_two_daemons_make_one_alert) {
  auto loaded = engine::load_ruleset({{"rules.yaml", rules_yaml}});
  ASSERT_TRUE(loaded.errors.empty());
  const auto sink = std::make_shared<quiet_sink>();
  // Several rounds, each on an empty database: the race is a matter of timing.
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(server_->psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"));
    store::store a(server_->uri()), b(server_->uri());
    pipeline pa(a, {sink}), pb(b, {sink});
    pa.set_ruleset(loaded.rules);
    pb.set_ruleset(loaded.rules);
    std::barrier start(2);
    const timestamp now{std::chrono::seconds{1717240000}};
    std::thread other([&] {
      start.arrive_and_wait();
      pb.process({"daily", "", ""},
                 copy_of_story("d-1", "https://daily.example/us-weighs-sanctions", wire::title_2, wire::body_2),
                 now);
    });
    start.arrive_and_wait();
    pa.process({"wire", "", ""},
               copy_of_story("w-1", "https://wire.example/world/us-china-banks", wire::title, wire::body), now);
    other.join();
    const auto alerts = a.alerts(std::nullopt, "", 10);
    ASSERT_EQ(alerts.size(), 1u) << "round " << round;
    const auto doc = nlohmann::json::parse(alerts[0].document);
    EXPECT_EQ(doc["sources"].size(), 2u) << "round " << round << ": " << alerts[0].document;
    EXPECT_EQ(a.source_count(alerts[0].id), 2) << "round " << round;
  }
}

}  // namespace sanctwatch::service
