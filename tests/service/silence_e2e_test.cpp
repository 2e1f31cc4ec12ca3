// Silences end to end, with the real binary: `silence add` beside the state, then `poll` with
// a chat receiver and a JSON lines file. The silenced alert is kept from chat, still written
// for machines marked `silenced`, and listed by `alerts`; `silence list` and `expire` work.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "alert_schema.hpp"
#include "http/test_server.hpp"
#include "process.hpp"
#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using sanctwatch::test::http_reply;
using sanctwatch::testing::slurp;

std::string rss(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (const auto& [id, title] : items)
    out += "<item><guid>" + id + "</guid><title>" + title + "</title><description>" + title +
           "</description></item>";
  return out + "</channel></rss>";
}

class silence_e2e : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route("/wire", http_reply{.body = rss({
                               {"1", "US threatens sanctions on Chinese banks that help Russia "
                                     "evade sanctions"},
                               {"2", "Treasury imposed sanctions on three Hong Kong firms over "
                                     "Russia"}})});
    server_.route("/chat", http_reply{.body = "ok"});
    std::ofstream out(config_);
    out << "state: {path: " << dir_.file("state.db") << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "feeds:\n  - {id: wire, url: \"" << server_.url("/wire") << "\", interval: 1m}\n"
        << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n"
        << "  - {type: slack, name: desk, url: \"" << server_.url("/chat") << "\"}\n";
  }
  testing::run_result sw(const std::string& args) {
    return testing::run_sanctwatch(args + " -c '" + config_ + "'", false);
  }
  int chat_posts() const {
    int n = 0;
    for (const auto& r : server_.requests()) n += r.path == "/chat" ? 1 : 0;
    return n;
  }
  sanctwatch::test::test_server server_;
  sanctwatch::testing::temp_dir dir_;
  std::string config_ = dir_.file("sanctwatch.yaml");
  std::string alerts_ = dir_.file("alerts.jsonl");
};

}  // namespace

TEST_F(silence_e2e, a_silenced_alert_reaches_machines_marked_and_not_the_chat) {
  auto r = sw("silence add --match 'text=hong kong' --match tag=sanctions --for 2h "
              "--comment 'known designation' --by desk");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string id = r.out.substr(0, r.out.find('\n'));
  ASSERT_EQ(id.size(), 32u) << r.out;

  ASSERT_EQ(sw("poll").exit_code, 0);
  // Chat: only the threat.
  EXPECT_EQ(chat_posts(), 1);
  for (const auto& q : server_.requests())
    if (q.path == "/chat") {
      EXPECT_NE(q.body.find("Chinese banks"), std::string::npos) << q.body;
      EXPECT_EQ(q.body.find("Hong Kong"), std::string::npos) << q.body;
    }
  // JSON lines: both, the designation marked with the silence that held it.
  std::istringstream lines(slurp(alerts_));
  int silenced = 0, total = 0;
  for (std::string line; std::getline(lines, line); ++total) {
    const auto j = nlohmann::json::parse(line);
    if (j["item"]["title"].get<std::string>().find("Hong Kong") != std::string::npos) {
      EXPECT_EQ(j["silenced"], true);
      EXPECT_EQ(j["silenced_by"], nlohmann::json::array({id}));
      ++silenced;
    } else {
      EXPECT_FALSE(j.contains("silenced")) << line;
    }
  }
  EXPECT_EQ(total, 2);
  EXPECT_EQ(silenced, 1);
  if (testing::alert_validator_available()) {
    const auto [status, report] = testing::validate_alert_lines(alerts_);
    EXPECT_EQ(status, 0) << report;
  }
  // Recorded like any other alert: `alerts` lists both, the silenced one for jsonl only.
  r = sw("alerts --format json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::istringstream listed(r.out);
  int seen = 0;
  for (std::string line; std::getline(listed, line); ++seen) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["deliveries"].size(), j["alert"].contains("silenced") ? 1u : 2u) << line;
  }
  EXPECT_EQ(seen, 2);

  // Listed while active; expired, it is gone from the list but kept with --all.
  r = sw("silence list");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(id), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("active"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("text=hong kong tag=sanctions"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("known designation"), std::string::npos) << r.out;
  r = sw("silence list --format json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["id"], id);
  EXPECT_EQ(j[0]["state"], "active");
  EXPECT_EQ(j[0]["created_by"], "desk");
  EXPECT_EQ(j[0]["matchers"], nlohmann::json::array({"text=hong kong", "tag=sanctions"}));
  r = sw("silence expire " + id);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(sw("silence list").out.find("no silences"), std::string::npos);
  r = sw("silence list --all");
  EXPECT_NE(r.out.find(id), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expired"), std::string::npos) << r.out;
}

TEST_F(silence_e2e, bad_silences_are_refused_with_the_reason) {
  auto r = testing::run_sanctwatch("silence add --for 1h -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("at least one --match"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("silence add --match colour=red --for 1h -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown field 'colour'"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("silence add --match rule=* --for 1h -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("matches everything"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("silence add --match tag=x -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--for DURATION or --until TIME"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("silence add --match tag=x --for soon -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("'soon' is not a duration"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("silence add --match tag=x --until 2001-01-01 -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("before it starts"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("silence expire 0123 -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("no silence has the id 0123"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("silence mute -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("give add, list or expire"), std::string::npos) << r.out;
  // Nothing was added by any of them.
  EXPECT_NE(testing::run_sanctwatch("silence list --all -c '" + config_ + "'").out.find("no silences"),
            std::string::npos);
}

}  // namespace sanctwatch::service
