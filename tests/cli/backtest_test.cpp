// `sanctwatch backtest` against the real binary: a feed polled into a real state file, then
// rules run over the kept texts, compared with `sanctwatch match` on the same feed file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch {
namespace {

struct feed_item {
  std::string guid, link, title, description;
};

std::string rss(const std::vector<feed_item>& items) {
  std::string out =
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Backtest wire</title>"
      "<link>https://wire.example.test/</link>";
  for (const auto& i : items)
    out += "<item><guid>" + i.guid + "</guid><link>" + i.link + "</link><title>" + i.title +
           "</title><description>" + i.description +
           "</description><pubDate>Tue, 03 Nov 2026 09:00:00 GMT</pubDate></item>";
  return out + "</channel></rss>";
}

// Sentences written for this test.
const std::vector<feed_item> items = {
    {"bt-1", "https://wire.example.test/a", "Treasury designates two trading houses",
     "The Treasury Department on Monday imposed sanctions on two Dubai trading houses it said "
     "helped ship drone parts to Russia, freezing their assets."},
    {"bt-2", "https://wire.example.test/a?utm_source=rss", "Treasury designates two trading houses",
     "The Treasury Department on Monday imposed sanctions on two Dubai trading houses it said "
     "helped ship drone parts to Russia, freezing their assets."},
    {"bt-3", "https://wire.example.test/b", "Commerce tightens chip export controls",
     "The Commerce Department added eleven companies to the Entity List and widened export "
     "controls on advanced chips and the tools to make them."},
    {"bt-4", "https://wire.example.test/c", "City council approves new bike lanes",
     "The council voted to paint protected bike lanes along the river road by the summer."},
    {"bt-5", "https://wire.example.test/d", "Ferry timetable changes for the winter",
     "Ferries to the islands will sail twice a day from December, the operator said."},
};

// A rule an author is trying out before deploying it.
constexpr const char* draft_rule = R"(
lists:
  cycling: [bike lane*, cycle path*]
rules:
  - id: draft.cycling
    title: Cycling infrastructure
    severity: low
    tags: [draft]
    when: '@cycling'
    tests:
      match: ["New bike lanes open downtown."]
      no_match: ["The lane was closed."]
)";

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> docs;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') docs.push_back(nlohmann::json::parse(line));
  return docs;
}

// What may differ between a backtest and a match of the same texts: when the document was made
// and the feed's identity (the configured feed id and URL, against the file match was given),
// with the id that derives from it.
nlohmann::json comparable(nlohmann::json d) {
  d.erase("id");
  d.erase("created_at");
  d["item"].erase("feed");
  for (auto& s : d["sources"]) s.erase("feed");
  return d;
}

class backtest_e2e : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(feed_) << rss(items);
    std::filesystem::create_directories(draft_dir_);
    std::ofstream(draft_dir_ + "/draft.yaml") << draft_rule;
  }
  void write_config(const std::string& extra_state = "") {
    std::ofstream(config_) << "state: {path: " << dir_.file("state.db") << extra_state << "}\n"
                           << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
                           << "feeds:\n  - {id: wire, url: \"file://" << feed_ << "\"}\n"
                           << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n";
  }
  std::string cmd(const std::string& c) const { return c + " -c '" + config_ + "'"; }

  sanctwatch::testing::temp_dir dir_;
  std::string feed_ = dir_.file("wire.xml");
  std::string config_ = dir_.file("sanctwatch.yaml");
  std::string alerts_ = dir_.file("alerts.jsonl");
  std::string draft_dir_ = dir_.file("draft");
};

}  // namespace

TEST_F(backtest_e2e, gives_the_alerts_match_gives_on_the_same_texts) {
  write_config();
  auto poll = testing::run_sanctwatch(cmd("poll"));
  ASSERT_EQ(poll.exit_code, 0) << poll.out;
  for (const std::string& rules : {std::string(SANCTWATCH_SOURCE_DIR) + "/rules", draft_dir_}) {
    auto back = testing::run_sanctwatch(
        cmd("backtest") + " --rules '" + rules + "' --since 30d --format json", false);
    auto match = testing::run_sanctwatch("match --rules '" + rules + "' '" + feed_ + "'", false);
    ASSERT_EQ(back.exit_code, 1) << back.out;  // like match: 1 when it found alerts
    ASSERT_EQ(match.exit_code, 1) << match.out;
    const auto b = json_lines(back.out), m = json_lines(match.out);
    ASSERT_FALSE(b.empty());
    ASSERT_EQ(b.size(), m.size()) << back.out << "\n---\n" << match.out;
    for (std::size_t i = 0; i < b.size(); ++i)
      EXPECT_EQ(comparable(b[i]), comparable(m[i])) << rules << " alert " << i;
    if (rules == draft_dir_) {
      ASSERT_EQ(b.size(), 1u);
      EXPECT_EQ(b[0]["rules"][0]["id"], "draft.cycling");
      EXPECT_EQ(b[0]["item"]["title"], "City council approves new bike lanes");
      EXPECT_EQ(b[0]["item"]["feed"]["id"], "wire");
    }
  }
  // The default rules are the config's; the text form is match's text form.
  auto text = testing::run_sanctwatch(cmd("backtest") + " --format text", false);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("Treasury designates two trading houses"), std::string::npos) << text.out;
}

TEST_F(backtest_e2e, records_and_sends_nothing) {
  write_config();
  ASSERT_EQ(testing::run_sanctwatch(cmd("poll")).exit_code, 0);
  const auto before = testing::run_sanctwatch(cmd("alerts") + " --format json", false).out;
  const auto delivered = testing::slurp(alerts_);
  auto back = testing::run_sanctwatch(cmd("backtest") + " --rules '" + draft_dir_ + "'");
  EXPECT_EQ(back.exit_code, 1) << back.out;
  EXPECT_NE(back.out.find("5 kept items"), std::string::npos) << back.out;
  EXPECT_EQ(testing::run_sanctwatch(cmd("alerts") + " --format json", false).out, before);
  EXPECT_EQ(testing::slurp(alerts_), delivered);
  // Nothing kept in the period asked for: nothing to say, exit 0.
  auto later =
      testing::run_sanctwatch(cmd("backtest") + " --rules '" + draft_dir_ + "' --since 2099-01-01");
  EXPECT_EQ(later.exit_code, 0) << later.out;
  EXPECT_NE(later.out.find("0 kept items"), std::string::npos) << later.out;
  auto bad = testing::run_sanctwatch(cmd("backtest") + " --since yesterday");
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
}

TEST_F(backtest_e2e, text_retention_zero_keeps_nothing_to_look_back_at) {
  write_config(", text_retention: 0");
  ASSERT_EQ(testing::run_sanctwatch(cmd("poll")).exit_code, 0);
  auto back = testing::run_sanctwatch(cmd("backtest") + " --rules '" + draft_dir_ + "'");
  EXPECT_EQ(back.exit_code, 0) << back.out;
  EXPECT_NE(back.out.find("0 kept items"), std::string::npos) << back.out;
}

}  // namespace sanctwatch
