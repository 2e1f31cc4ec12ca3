// Triage end to end, with the real binary. Silences: `silence add` beside the state, then
// `poll` with a chat receiver and a JSON lines file; the silenced alert is kept from chat,
// still written for machines marked `silenced`, and listed by `alerts`; `silence list` and
// `expire` work. Labels: `labels export` gives a folder `eval` reads and rule tests in YAML.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "alert_schema.hpp"
#include "http/test_server.hpp"
#include "process.hpp"
#include "run_binary.hpp"
#include "store/store.hpp"
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

class triage_e2e : public ::testing::Test {
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

TEST_F(triage_e2e, a_silenced_alert_reaches_machines_marked_and_not_the_chat) {
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

TEST_F(triage_e2e, bad_silences_are_refused_with_the_reason) {
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

TEST_F(triage_e2e, labels_export_to_an_evaluation_set_and_to_rule_tests) {
  ASSERT_EQ(sw("poll").exit_code, 0);
  std::string threat_id, designation_id;
  {
    store::store db(dir_.file("state.db"));
    for (const auto& a : db.alerts(std::nullopt, "", 10)) {
      const auto j = nlohmann::json::parse(a.document);
      (j["item"]["title"].get<std::string>().find("Hong Kong") != std::string::npos ? designation_id
                                                                                     : threat_id) = a.id;
    }
    ASSERT_FALSE(threat_id.empty());
    ASSERT_FALSE(designation_id.empty());
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    ASSERT_TRUE(db.set_label(threat_id, "true-positive", "", "ana", now));
    ASSERT_TRUE(db.set_label(designation_id, "false-positive", "old news\tretold", "ben", now));
  }
  const std::string out = dir_.file("eval-set");
  auto r = sw("labels export --out '" + out + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string tsv = slurp(out + "/labels.tsv");
  EXPECT_NE(tsv.find("id\ttags\tverdict\n"), std::string::npos) << tsv;
  EXPECT_NE(tsv.find(threat_id + "\tsanctions"), std::string::npos) << tsv;
  EXPECT_NE(tsv.find(designation_id + "\tnone\tfalse-positive by ben: old news retold\n"),
            std::string::npos)
      << tsv;
  const std::string article = slurp(out + "/articles/" + threat_id + ".txt");
  EXPECT_EQ(article.rfind("Title: US threatens sanctions", 0), 0u) << article;
  // `eval` reads it: the rules find the true positive and raise the false one again.
  r = testing::run_sanctwatch("eval --rules '" + std::string(SANCTWATCH_SOURCE_DIR) +
                                  "/rules' --labels '" + out + "/labels.tsv' '" + out +
                                  "/articles'",
                              false);
  EXPECT_NE(r.out.find("sanctions"), std::string::npos) << r.out;
  std::istringstream report(r.out);
  bool scored = false;
  for (std::string line; std::getline(report, line);)
    if (line.rfind("sanctions ", 0) == 0) {
      std::istringstream cols(line.substr(9));
      int labels = 0, tp = 0, fp = 0, fn = 0;
      cols >> labels >> tp >> fp >> fn;
      EXPECT_EQ(labels, 1) << line;
      EXPECT_EQ(tp, 1) << line;
      EXPECT_EQ(fp, 1) << line;
      EXPECT_EQ(fn, 0) << line;
      scored = true;
      break;
    }
  EXPECT_TRUE(scored) << r.out;

  // Rule tests: the false positive's sentences are no_match cases of each rule that fired.
  const std::string yaml = dir_.file("cases.yaml");
  r = sw("labels export --format rule-tests --out '" + yaml + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string cases = slurp(yaml);
  EXPECT_NE(cases.find("    no_match:\n      - \"Treasury imposed sanctions on three Hong Kong"),
            std::string::npos)
      << cases;
  EXPECT_NE(cases.find("    match:\n      - \"US threatens sanctions"), std::string::npos) << cases;
  EXPECT_NE(cases.find("# alert " + designation_id + ", false-positive by ben: old news retold"),
            std::string::npos)
      << cases;
  // It is YAML: the rule ids are keys with tests under them.
  const auto parsed = std::system(("/usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); "
                                   "assert all(\"tests\" in v for v in d.values()), d' '" +
                                   yaml + "'")
                                      .c_str());
  EXPECT_EQ(parsed, 0);
  // To stdout by default; only what was labelled since a time.
  r = sw("labels export --format rule-tests --since 1h");
  EXPECT_NE(r.out.find("no_match:"), std::string::npos) << r.out;
  r = sw("labels export --format rule-tests --since 2099-01-01");
  EXPECT_EQ(r.out.find("match:"), std::string::npos) << r.out;
  // Usage errors say what is missing.
  r = testing::run_sanctwatch("labels export -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("give --out DIR"), std::string::npos) << r.out;
  r = testing::run_sanctwatch("labels export --format csv -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
  r = testing::run_sanctwatch("labels import -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 2);
}

// The daemon serves its queue: the API lists what it alerted, the feed reads as Atom, and
// without public_read only a configured user gets in.
TEST_F(triage_e2e, the_running_daemon_serves_the_queue_as_json_and_atom) {
  const std::string hash = [] {
    auto r = testing::run_sanctwatch("passwd", false, std::string("correct horse battery\n"));
    return r.out.substr(0, r.out.find('\n'));
  }();
  ASSERT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  std::ofstream(config_, std::ios::app) << "web: {listen: \"127.0.0.1:0\", users: [{name: desk, "
                                           "password_hash: \"" << hash << "\"}]}\n";
  const std::string log = dir_.file("daemon.log");
  const pid_t pid = testing::spawn_sanctwatch({"run", "-c", config_}, log);
  ASSERT_GT(pid, 0);
  std::string address;
  const bool up = testing::eventually([&] {
    const std::string text = slurp(log);
    const auto at = text.find("web on http://");
    if (at == std::string::npos) return false;
    address = text.substr(at + 14, text.find('/', at + 14) - at - 14);
    return true;
  });
  // Both alerts recorded (the poll runs at start).
  const bool polled = up && testing::eventually([&] {
    std::istringstream lines(slurp(alerts_));
    int n = 0;
    for (std::string l; std::getline(lines, l);) ++n;
    return n == 2;
  });
  // The body, then a line with the status.
  auto get = [&](const std::string& path, bool signed_in) {
    httplib::Client c("http://" + address);
    if (signed_in) c.set_basic_auth("desk", "correct horse battery");
    const auto r = c.Get(path);
    return r ? r->body + "\n" + std::to_string(r->status) : std::string("\nno answer");
  };
  std::string api, atom, anonymous;
  if (polled) {
    api = get("/api/alerts?tag=sanctions", true);
    atom = get("/alerts.atom?q=hong%20kong", true);
    anonymous = get("/api/alerts", false);
  }
  ::kill(pid, SIGTERM);
  EXPECT_EQ(testing::wait_exit(pid, std::chrono::seconds(20)), 0);
  ASSERT_TRUE(up) << slurp(log);
  ASSERT_TRUE(polled) << slurp(log);
  ASSERT_EQ(api.substr(api.rfind('\n') + 1), "200") << api;
  const auto j = nlohmann::json::parse(api.substr(0, api.rfind('\n')));
  EXPECT_EQ(j["total"], 2);
  EXPECT_EQ(j["alerts"][0]["triage"]["state"], "new");
  EXPECT_EQ(atom.substr(atom.rfind('\n') + 1), "200") << atom;
  EXPECT_NE(atom.find("<feed xmlns=\"http://www.w3.org/2005/Atom\">"), std::string::npos) << atom;
  EXPECT_NE(atom.find("Hong Kong"), std::string::npos) << atom;
  EXPECT_EQ(atom.find("Chinese banks"), std::string::npos) << atom;  // filtered out
  EXPECT_EQ(anonymous.substr(anonymous.rfind('\n') + 1), "401") << anonymous;
}

}  // namespace sanctwatch::service
