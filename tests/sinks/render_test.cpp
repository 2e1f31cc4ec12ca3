// Schema-2 alerts as people read them, delivered to real receivers on loopback: every chat
// dialect (the loopback test_server), email (aiosmtpd, read back with Python's email package)
// and the stdout sink as text. The documents come from the engine (a small ruleset matched on
// an article), so what is tested is what the daemon sends: one alert with two rules of which
// the sink's filter passes one, evidence marks around non-ASCII text and markup characters, an
// update with `changes`, and a schema-1 document recorded before the upgrade.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "engine/alert.hpp"
#include "engine/helpers.hpp"
#include "http/test_server.hpp"
#include "sinks/alert_fixture.hpp"
#include "sinks/alert_reading.hpp"
#include "sinks/chat_sink.hpp"
#include "sinks/email_sink.hpp"
#include "sinks/file_sink.hpp"
#include "sinks/mail_tools.hpp"

namespace sanctwatch::sinks {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// Two rules: the high one (tag sanctions) is what the sinks below ask for; the low one (tag
// watch) fires on the same story and must not be shown to them.
const char* const ruleset_yaml = R"(
lists:
  desig: [designated]
  firm: [Acme]
rules:
  - id: sanc.designation
    title: Firm designated
    severity: high
    tags: [sanctions]
    when: '@desig'
  - id: watch.firm
    title: Watched firm named
    severity: low
    tags: [watch]
    when: '@firm'
)";

// Non-ASCII right around both marks (“Acme”, Zoë, café) and every markup character the
// dialects care about in the unmarked text.
const std::string sentence =
    "Zo\xc3\xab's \xe2\x80\x9c" "Acme\xe2\x80\x9d was designated\xe2\x80\x94" "a*b_c <x> & y | z, caf\xc3\xa9.";

json engine_document() {
  auto l = engine::test::load_yaml(ruleset_yaml);
  EXPECT_TRUE(l.rules) << engine::test::errors_of(l);
  if (!l.rules) return json::object();
  item it = engine::test::content_item(sentence, "Treasury designates Acme_Co <HK> & *partners*");
  it.id = "https://news.example/acme";
  it.link = "https://news.example/acme";
  it.published = from_civil(2024, 6, 1, 9, 0, 0);
  const auto fired = engine::match(*l.rules, it);
  EXPECT_EQ(fired.size(), 2u);
  const timestamp now{std::chrono::seconds(1717232400)};
  return engine::make_alert(fired, it, {"wire", "Example Wire", "https://news.example/feed"},
                            {it.id, "wire"}, l.rules->hash, now, {"sanctwatch", "test", "h"},
                            {{"wire", it.link, std::nullopt},
                             {"other", "https://other.example/acme", std::nullopt}});
}

// The same story again with new findings, as the pipeline marks it.
json update_of(json doc) {
  doc["type"] = "alert.updated";
  doc["revision"] = 1;
  doc["updated_at"] = "2024-06-01T10:00:00Z";
  doc["changes"] = {{"rules_added", {"sanc.designation", "watch.firm"}},
                    {"entities_added", {"x:1", "x:2"}},
                    {"severity_from", "low"}};
  return doc;
}

// A schema-1 document as alerts recorded before the upgrade carry it.
json schema1_document() {
  json doc = json::parse(testing::sample_alert("old-1").document);
  doc["evidence"] = json::array({{{"field", "content"},
                                  {"text", "sanctions"},
                                  {"start", 20},
                                  {"end", 29},
                                  {"list", "sanc"},
                                  {"snippet", "Washington threatens sanctions on banks."}}});
  return doc;
}

alert_view view(const json& doc) { return view_of(doc.dump()).value(); }

const filter sanctions_only{.tags = {"sanctions"}};

bool has(const std::string& hay, std::string_view needle) {
  return hay.find(needle) != std::string::npos;
}

std::string all_text(const json& j) {
  if (j.is_string()) return j.get<std::string>() + "\n";
  std::string out;
  if (j.is_structured())
    for (const auto& v : j) out += all_text(v);
  return out;
}

// A sink to call shown_rules() on without delivering.
class probe final : public sink {
 public:
  using sink::sink;
  void deliver(const alert_view&, done_fn done) override { done(outcome::ok()); }
};

TEST(render_document, the_engine_document_has_what_the_tests_rely_on) {
  const json doc = engine_document();
  ASSERT_EQ(doc["rules"].size(), 2u) << doc.dump(2);
  EXPECT_EQ(doc["rules"][0]["id"], "sanc.designation");
  // The content's sentence, then the title's (it names the firm too).
  ASSERT_EQ(doc["evidence"].size(), 2u) << doc.dump(2);
  EXPECT_EQ(doc["evidence"][0]["text"], sentence);
  EXPECT_EQ(doc["evidence"][0]["marks"].size(), 2u) << doc.dump(2);
  const auto v = view(doc);
  ASSERT_EQ(probe("s", sanctions_only).shown_rules(v).size(), 1u);
}

TEST(render_document, marks_never_split_a_code_point_and_overlaps_merge) {
  // "é" is two bytes at 1..3: a mark from 2 widens to it, whole.
  const auto runs = marked_runs("c\xc3\xa9z abc", {{2, 4}, {5, 7}, {6, 8}, {7, 99}});
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].text, "c");
  EXPECT_EQ(runs[1].text, "\xc3\xa9z");
  EXPECT_TRUE(runs[1].marked);
  EXPECT_EQ(runs[2].text, " ");
  EXPECT_EQ(runs[3].text, "abc");
  EXPECT_TRUE(runs[3].marked);
}

class render_chat_test : public ::testing::Test {
 protected:
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    if (io_.stopped()) io_.restart();
    auto guard = asio::make_work_guard(io_);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
    return done();
  }

  // Delivers `docs` through a sink of `service` that takes only the sanctions rule; returns
  // the bodies the receiver got, as JSON.
  std::vector<json> received(chat_service service, const std::vector<json>& docs) {
    const std::string path = "/hook/" + std::string(to_string(service));
    server_.route(path, test::http_reply{.status = 200, .body = "ok"});
    server_.clear_log();
    chat_sink s("chat", sanctions_only,
                {.service = service, .url = server_.url(path), .timeout = 2s}, client_);
    for (const auto& d : docs) {
      std::optional<outcome> out;
      s.deliver(view(d), [&](outcome o) { out = std::move(o); });
      EXPECT_TRUE(run_until([&] { return out.has_value(); }));
      EXPECT_EQ(out.value_or(outcome::dead("none")).result, outcome::kind::delivered)
          << out.value_or(outcome::dead("none")).error;
    }
    std::vector<json> bodies;
    for (const auto& r : server_.requests()) bodies.push_back(json::parse(r.body, nullptr, false));
    EXPECT_EQ(bodies.size(), docs.size());
    return bodies;
  }

  asio::io_context io_;
  test::test_server server_;
  http::client client_{io_};
};

// What every dialect must show of the alert and must not show: the hidden rule.
void expect_common(const std::string& t) {
  EXPECT_TRUE(has(t, "Firm designated")) << t;
  EXPECT_TRUE(has(t, "sanc.designation")) << t;
  EXPECT_FALSE(has(t, "watch.firm")) << t;
  EXPECT_FALSE(has(t, "Watched firm named")) << t;
  EXPECT_TRUE(has(t, "Example Wire")) << t;
  EXPECT_TRUE(has(t, "2024-06-01")) << t;
  EXPECT_TRUE(has(t, "Also reported by 1 other outlet")) << t;
  EXPECT_TRUE(has(t, "https://other.example/acme")) << t;
  EXPECT_TRUE(has(t, "https://news.example/acme")) << t;
}

TEST_F(render_chat_test, slack) {
  const json doc = engine_document();
  const auto bodies = received(chat_service::slack, {doc, update_of(doc), schema1_document()});
  ASSERT_EQ(bodies.size(), 3u);
  const std::string t = all_text(bodies[0]);
  expect_common(t);
  EXPECT_EQ(bodies[0]["blocks"][0]["type"], "header");
  EXPECT_TRUE(has(bodies[0]["blocks"][0]["text"]["text"].get<std::string>(),
                  "[HIGH] Treasury designates Acme_Co <HK> & *partners*"));  // plain_text
  // Marks in Slack bold; & < > as entities; * _ defused; non-ASCII intact beside the marks.
  EXPECT_TRUE(has(t, "Zo\xc3\xab's \xe2\x80\x9c*Acme*\xe2\x80\x9d was *designated*\xe2\x80\x94"
                     "a\xe2\x88\x97" "b\xcb\x8d" "c &lt;x&gt; &amp; y | z, caf\xc3\xa9."))
      << t;
  EXPECT_TRUE(has(t, "<https://news.example/acme|Treasury designates Acme\xcb\x8d" "Co &lt;HK&gt; "
                     "&amp; \xe2\x88\x97partners\xe2\x88\x97>"))
      << t;
  EXPECT_FALSE(has(bodies[0]["text"].get<std::string>(), "Update"));
  // The update says so at the top, naming only the added rule the sink shows.
  const json& u = bodies[1];
  EXPECT_EQ(u["blocks"][0]["type"], "section");
  EXPECT_EQ(u["blocks"][0]["text"]["text"],
            "*Update:* now also Firm designated, 2 more entities, severity raised from low");
  EXPECT_TRUE(has(u["text"].get<std::string>(), "[HIGH] Update: now also Firm designated"));
  EXPECT_FALSE(has(all_text(u), "Watched firm named"));
  // Schema 1: its one rule, its snippet with the word marked.
  const std::string old = all_text(bodies[2]);
  EXPECT_TRUE(has(old, "Washington threatens *sanctions* on banks.")) << old;
  EXPECT_TRUE(has(old, "`sanctions.threat.china-finance`")) << old;
}

TEST_F(render_chat_test, discord) {
  const json doc = engine_document();
  const auto bodies = received(chat_service::discord, {doc, update_of(doc), schema1_document()});
  ASSERT_EQ(bodies.size(), 3u);
  const json& e = bodies[0]["embeds"][0];
  expect_common(all_text(bodies[0]));
  EXPECT_EQ(e["title"], "Treasury designates Acme_Co <HK> & *partners*");
  EXPECT_EQ(e["url"], "https://news.example/acme");
  const std::string d = e["description"];
  EXPECT_TRUE(has(d, "Zo\xc3\xab's \xe2\x80\x9c**Acme**\xe2\x80\x9d was **designated**\xe2\x80\x94"
                     "a\\*b\\_c \\<x\\> & y \\| z, caf\xc3\xa9."))
      << d;
  EXPECT_TRUE(has(bodies[0]["content"].get<std::string>(),
                  "**[HIGH]** Treasury designates Acme\\_Co \\<HK\\> & \\*partners\\*"))
      << bodies[0]["content"];
  EXPECT_TRUE(has(bodies[1]["content"].get<std::string>(),
                  "**[HIGH]** **Update:** now also Firm designated, 2 more entities, severity "
                  "raised from low"))
      << bodies[1]["content"];
  EXPECT_FALSE(has(all_text(bodies[1]), "Watched firm named"));
  EXPECT_TRUE(has(bodies[2]["embeds"][0]["description"].get<std::string>(),
                  "Washington threatens **sanctions** on banks."));
}

TEST_F(render_chat_test, mattermost) {
  const json doc = engine_document();
  const auto bodies = received(chat_service::mattermost, {doc, update_of(doc), schema1_document()});
  ASSERT_EQ(bodies.size(), 3u);
  const std::string t = bodies[0]["text"];
  expect_common(t);
  EXPECT_TRUE(has(t, "#### \xf0\x9f\x9f\xa0 [HIGH] [Treasury designates Acme\\_Co \\<HK\\> & "
                     "\\*partners\\*](https://news.example/acme)"))
      << t;
  EXPECT_TRUE(has(t, "> Zo\xc3\xab's \xe2\x80\x9c**Acme**\xe2\x80\x9d was **designated**\xe2\x80\x94"
                     "a\\*b\\_c \\<x\\> & y \\| z, caf\xc3\xa9."))
      << t;
  EXPECT_TRUE(has(t, "**Rules:** Firm designated `sanc.designation`")) << t;
  const std::string u = bodies[1]["text"];
  EXPECT_TRUE(u.starts_with("**Update:** now also Firm designated, 2 more entities, severity raised "
                            "from low\n\n#### "))
      << u;
  EXPECT_FALSE(has(u, "Watched firm named"));
  EXPECT_TRUE(has(bodies[2]["text"].get<std::string>(), "> Washington threatens **sanctions** on banks."));
}

TEST_F(render_chat_test, teams) {
  const json doc = engine_document();
  const auto bodies = received(chat_service::teams, {doc, update_of(doc), schema1_document()});
  ASSERT_EQ(bodies.size(), 3u);
  const json& card = bodies[0]["attachments"][0]["content"];
  expect_common(all_text(card));
  EXPECT_EQ(card["body"][0]["color"], "Attention");
  EXPECT_TRUE(has(card["body"][0]["text"].get<std::string>(),
                  "\\[HIGH\\] Treasury designates Acme\\_Co \\<HK\\> & \\*partners\\*"));
  EXPECT_TRUE(has(all_text(card["body"]), "Zo\xc3\xab's \xe2\x80\x9c**Acme**\xe2\x80\x9d was "
                                          "**designated**\xe2\x80\x94"
                                          "a\\*b\\_c \\<x\\> & y \\| z, caf\xc3\xa9."))
      << all_text(card["body"]);
  const json& ucard = bodies[1]["attachments"][0]["content"];
  EXPECT_EQ(ucard["body"][0]["text"],
            "**Update:** now also Firm designated, 2 more entities, severity raised from low");
  EXPECT_TRUE(has(bodies[1]["summary"].get<std::string>(), "Update: [HIGH]"));
  EXPECT_FALSE(has(all_text(bodies[1]), "Watched firm named"));
  EXPECT_TRUE(has(all_text(bodies[2]), "Washington threatens **sanctions** on banks."));
}

class render_email_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = sanctwatch::testing::python_missing(true); !why.empty()) GTEST_SKIP() << why;
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    if (io_.stopped()) io_.restart();
    auto guard = asio::make_work_guard(io_);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
    return done();
  }
  sanctwatch::testing::temp_dir dir_;
  asio::io_context io_;
  http::client client_{io_};
};

TEST_F(render_email_test, subject_parts_highlighting_and_only_the_shown_rules) {
  sanctwatch::testing::smtp_server smtp(dir_, {});
  ASSERT_GT(smtp.port(), 0);
  email_settings st;
  st.url = smtp.url();
  st.from = {"sanctwatch", "alerts@example.org"};
  st.to = {{"", "risk@example.org"}};
  st.starttls = false;
  st.timeout = 5s;
  email_sink s("mail", sanctions_only, st, client_);
  const json doc = engine_document();
  for (const json& d : {doc, update_of(doc), schema1_document()}) {
    std::optional<outcome> out;
    s.deliver(view(d), [&](outcome o) { out = std::move(o); });
    ASSERT_TRUE(run_until([&] { return out.has_value(); }));
    ASSERT_EQ(out->result, outcome::kind::delivered) << out->error;
  }
  ASSERT_EQ(smtp.received(), 3);
  const json p = sanctwatch::testing::parse_email(smtp.message(1), dir_);
  ASSERT_TRUE(p.is_object());
  EXPECT_EQ(p["defects"], json::array());
  EXPECT_EQ(p["headers"]["Subject"], "[HIGH] Treasury designates Acme_Co <HK> & *partners*");
  ASSERT_EQ(p["parts"].size(), 2u);
  const std::string text = p["parts"][0]["content"], html = p["parts"][1]["content"];
  expect_common(text);
  expect_common(html);
  EXPECT_TRUE(has(text, "Rules:      Firm designated (sanc.designation)")) << text;
  EXPECT_TRUE(has(text, "Tags:       sanctions\n")) << text;  // the shown rule's tags only
  EXPECT_TRUE(has(text, "Zo\xc3\xab's \xe2\x80\x9c\xc2\xbb" "Acme\xc2\xab\xe2\x80\x9d was "
                        "\xc2\xbb" "designated\xc2\xab\xe2\x80\x94" "a*b_c <x> & y | z, caf\xc3\xa9."))
      << text;
  EXPECT_TRUE(has(html, "Zo\xc3\xab&#39;s \xe2\x80\x9c<mark><b>Acme</b></mark>\xe2\x80\x9d was "
                        "<mark><b>designated</b></mark>\xe2\x80\x94" "a*b_c &lt;x&gt; &amp; y | z, "
                        "caf\xc3\xa9."))
      << html;
  EXPECT_TRUE(has(html, "Treasury designates Acme_Co &lt;HK&gt; &amp; *partners*")) << html;

  // The update: marked in the subject and at the top, threaded under the alert.
  const json u = sanctwatch::testing::parse_email(smtp.message(2), dir_);
  EXPECT_EQ(u["headers"]["Subject"], "[HIGH] Update: Treasury designates Acme_Co <HK> & *partners*");
  EXPECT_EQ(u["headers"]["In-Reply-To"], p["headers"]["Message-ID"]);
  EXPECT_EQ(u["headers"]["References"], p["headers"]["Message-ID"]);
  const std::string ut = u["parts"][0]["content"];
  EXPECT_TRUE(ut.starts_with("Update: now also Firm designated, 2 more entities, severity raised "
                             "from low\n"))
      << ut;
  EXPECT_FALSE(has(ut, "Watched firm named"));
  EXPECT_FALSE(has(u["parts"][1]["content"].get<std::string>(), "Watched firm named"));

  // Schema 1 still reads: its rule and snippet.
  const json old = sanctwatch::testing::parse_email(smtp.message(3), dir_);
  const std::string ot = old["parts"][0]["content"];
  EXPECT_TRUE(has(ot, "Washington threatens \xc2\xbbsanctions\xc2\xab on banks.")) << ot;
  EXPECT_TRUE(has(ot, "Sanctions threatened against Chinese firms or banks (sanctions.threat.china-finance)"))
      << ot;
}

// stdout: the format is chosen once from what standard output is, and text blocks list only
// the rules the filter passes.
class stdout_swap {
 public:
  explicit stdout_swap(int fd) : saved_(::dup(STDOUT_FILENO)) { ::dup2(fd, STDOUT_FILENO); }
  ~stdout_swap() {
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

TEST(render_stdout, format_follows_the_setting_and_the_terminal) {
  EXPECT_FALSE(stdout_format("bogus").has_value());
  EXPECT_FALSE(stdout_format("json")->text);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    stdout_swap to_pipe(fds[1]);
    EXPECT_FALSE(stdout_format("auto")->text);  // a pipe gets JSON lines
    EXPECT_TRUE(stdout_format("text")->text);
    EXPECT_FALSE(stdout_format("text")->color);  // colour only at a terminal
  }
  ::close(fds[0]);
  ::close(fds[1]);
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) GTEST_SKIP() << "no pty";
  const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  {
    stdout_swap to_tty(slave);
    const char* old = std::getenv("NO_COLOR");
    const std::string saved = old ? old : "";
    ::unsetenv("NO_COLOR");
    const auto tty = stdout_format("auto");
    ::setenv("NO_COLOR", "1", 1);
    const auto plain = stdout_format("auto");
    if (old) ::setenv("NO_COLOR", saved.c_str(), 1);
    else ::unsetenv("NO_COLOR");
    EXPECT_TRUE(tty->text);
    EXPECT_TRUE(tty->color);
    EXPECT_TRUE(plain->text);
    EXPECT_FALSE(plain->color);
  }
  ::close(slave);
  ::close(master);
}

TEST(render_stdout, text_blocks_for_people_json_lines_for_machines) {
  sanctwatch::testing::temp_dir dir;
  const json doc = engine_document();
  const auto write = [&](file_format f, const std::string& name) {
    file_sink s("stdout", sanctions_only, dir.file(name), f);
    for (const json& d : {doc, update_of(doc)}) {
      std::optional<outcome> out;
      s.deliver(view(d), [&](outcome o) { out = o; });
      EXPECT_EQ(out.value_or(outcome::dead("none")).result, outcome::kind::delivered);
    }
    std::ifstream in(dir.file(name));
    std::stringstream ss;
    ss << in.rdbuf();
    return std::make_pair(s.supports_updates(), ss.str());
  };
  const auto [json_updates, lines] = write({}, "out.jsonl");
  EXPECT_TRUE(json_updates);
  EXPECT_EQ(lines, doc.dump() + "\n" + update_of(doc).dump() + "\n");
  const auto [text_updates, text] = write({true, false}, "out.txt");
  EXPECT_FALSE(text_updates);  // only revisions with changes reach it (sink::supports_updates)
  EXPECT_TRUE(has(text, "[HIGH] Treasury designates Acme_Co <HK> & *partners*\n")) << text;
  EXPECT_TRUE(has(text, "rules: sanc.designation (Firm designated)\n")) << text;
  EXPECT_FALSE(has(text, "watch.firm")) << text;
  EXPECT_TRUE(has(text, "\xe2\x80\x9c\xc2\xbb" "Acme\xc2\xab\xe2\x80\x9d")) << text;
  EXPECT_TRUE(has(text, "update: now also sanc.designation, 2 more entities")) << text;
  EXPECT_FALSE(has(text, "\x1b[")) << text;
}

TEST(render_logs, summary_line_headline_first_with_the_shown_rules) {
  const json doc = engine_document();
  const auto v = view(doc);
  probe p("journald", sanctions_only);
  EXPECT_EQ(summary_line(v, p.shown_rules(v)),
            "[HIGH] Treasury designates Acme_Co <HK> & *partners* \xe2\x80\x94 sanc.designation "
            "https://news.example/acme");
  EXPECT_EQ(summary_line(v), "[HIGH] Treasury designates Acme_Co <HK> & *partners* \xe2\x80\x94 "
                             "sanc.designation watch.firm https://news.example/acme");
  const auto u = view(update_of(doc));
  EXPECT_EQ(summary_line(u, p.shown_rules(u)),
            "update: now also sanc.designation, 2 more entities, severity raised from low "
            "\xe2\x80\x94 [HIGH] Treasury designates Acme_Co <HK> & *partners* \xe2\x80\x94 "
            "sanc.designation https://news.example/acme");
}

}  // namespace
}  // namespace sanctwatch::sinks
