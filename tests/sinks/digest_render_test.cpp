// Digests as people read them, delivered to real receivers on loopback: email (aiosmtpd, read
// back with Python's email package) and every chat dialect (the loopback test_server). One
// digest of four alerts in three headline rules, listed out of order in the document: what is
// tested is the order (most severe first, grouped by the headline rule the sink shows), the
// counts of updates, what an update of a story seen before brought, the rule the sink's filter
// hides, and the limits every dialect keeps with a digest far too big for one message.
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <optional>

#include <nlohmann/json.hpp>

#include "http/test_server.hpp"
#include "sinks/chat_sink.hpp"
#include "sinks/digest_reading.hpp"
#include "sinks/email_message.hpp"
#include "sinks/email_sink.hpp"
#include "sinks/mail_tools.hpp"
#include "sinks/text_render.hpp"

namespace sanctwatch::sinks {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const json designation = {{"id", "sanc.designation"},
                          {"title", "Firm designated"},
                          {"severity", "high"},
                          {"tags", {"sanctions"}}};
const json export_control = {{"id", "sanc.export"},
                             {"title", "Export controls imposed"},
                             {"severity", "critical"},
                             {"tags", {"sanctions"}}};
const json threat = {{"id", "sanc.threat"},
                     {"title", "Sanctions threatened"},
                     {"severity", "low"},
                     {"tags", {"sanctions"}}};
const json watched = {{"id", "watch.firm"},
                      {"title", "Watched firm named"},
                      {"severity", "low"},
                      {"tags", {"watch"}}};

// A schema-2 alert document with what a digest shows.
json alert_doc(const std::string& id, const std::string& title, const std::string& severity,
               json rules, int revision = 0) {
  json doc = {
      {"schema", "sanctwatch.alert/2"},
      {"id", id},
      {"type", revision == 0 ? "alert.created" : "alert.updated"},
      {"revision", revision},
      {"created_at", "2024-06-01T09:10:00Z"},
      {"severity", severity},
      {"tags", {"sanctions"}},
      {"rules", std::move(rules)},
      {"item",
       {{"id", id},
        {"title", title},
        {"link", "https://news.example/" + id},
        {"published", "2024-06-01T09:00:00Z"},
        {"feed", {{"id", "wire"}, {"title", "Example Wire"}, {"url", nullptr}}}}},
      {"evidence",
       json::array(
           {{{"field", "content"},
             {"text", "The Treasury designated " + title + " today."},
             {"marks",
              json::array(
                  {{{"start", 13}, {"end", 23}, {"term", "designated"}, {"list", "desig"}}})}}})},
      {"entities", json::array()},
      {"sources", json::array()},
      {"sources_total", 1}};
  if (revision > 0) doc["updated_at"] = "2024-06-01T09:40:00Z";
  return doc;
}

json entry(json alert, bool is_new, int updates, json changes = nullptr) {
  json e = {{"new", is_new}, {"updates", updates}, {"alert", std::move(alert)}};
  if (!changes.is_null()) e["changes"] = std::move(changes);
  return e;
}

json digest_doc(json alerts) {
  return {{"schema", "sanctwatch.digest/1"},
          {"type", "digest"},
          {"id", "digest-0123456789abcdef"},
          {"sink", "desk"},
          {"created_at", "2024-06-01T10:00:00Z"},
          {"period_start", "2024-06-01T09:00:00Z"},
          {"period_end", "2024-06-01T10:00:00Z"},
          {"period_seconds", 3600},
          {"severity", "critical"},
          {"alerts_total", alerts.size()},
          {"alerts", std::move(alerts)},
          {"producer", {{"name", "sanctwatch"}, {"version", "test"}}}};
}

// Four alerts, out of order: a low one first, the critical one third.
json sample_digest() {
  return digest_doc(json::array(
      {entry(alert_doc("a4", "Minister hints at sanctions", "low", {threat}), true, 0),
       entry(
           alert_doc("a1", "Treasury designates Acme & <Partners>", "high", {designation, watched}),
           true, 0),
       entry(alert_doc("a2", "Commerce adds Gamma to the Entity List", "critical", {export_control},
                       2),
             true, 2),
       entry(alert_doc("a3", "Acme follow-up", "high", {designation, watched}, 3), false, 3,
             {{"rules_added", {"watch.firm"}}, {"entities_added", {"x:1"}}})}));
}

alert_view view(const json& doc) { return view_of(doc.dump()).value(); }

const filter sanctions_only{.tags = {"sanctions"}};

bool has(const std::string& hay, std::string_view needle) {
  return hay.find(needle) != std::string::npos;
}

// Where `needles` occur in `hay`, in order; npos for a missing one.
bool in_order(const std::string& hay, std::initializer_list<std::string_view> needles) {
  std::size_t at = 0;
  for (auto n : needles) {
    const auto found = hay.find(n, at);
    if (found == std::string::npos) return false;
    at = found + n.size();
  }
  return true;
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

class digest_io : public ::testing::Test {
 protected:
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    if (io_.stopped()) io_.restart();
    auto guard = asio::make_work_guard(io_);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
    return done();
  }
  outcome deliver(sink& s, const alert_view& a) {
    std::optional<outcome> out;
    s.deliver(a, [&](outcome o) { out = std::move(o); });
    EXPECT_TRUE(run_until([&] { return out.has_value(); })) << "no completion";
    return out.value_or(outcome::dead("no completion"));
  }
  asio::io_context io_;
  http::client client_{io_};
};

}  // namespace

TEST(digest_reading, groups_by_the_shown_headline_rule_most_severe_first) {
  probe p("desk", sanctions_only);
  const alert_view d = view(sample_digest());
  EXPECT_TRUE(d.digest);
  EXPECT_EQ(d.id, "digest-0123456789abcdef");
  EXPECT_EQ(d.level, severity::critical);
  const auto r = read_digest(
      d, [&](const alert_view& v) { return p.shown_rules(v); }, 1000);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->alerts, 4u);
  ASSERT_EQ(r->groups.size(), 3u);
  EXPECT_EQ(r->groups[0].rule.id, "sanc.export");
  EXPECT_EQ(r->groups[1].rule.id, "sanc.designation");
  EXPECT_EQ(r->groups[2].rule.id, "sanc.threat");
  ASSERT_EQ(r->groups[1].entries.size(), 2u);
  EXPECT_EQ(r->groups[1].entries[0].alert.id, "a1");
  // Rules the filter hides are not shown, nor named among an update's findings.
  for (const auto& g : r->groups)
    for (const auto& e : g.entries)
      for (const auto& rule : e.alert.rules) EXPECT_NE(rule.id, "watch.firm") << e.alert.id;
  const auto& followup = r->groups[1].entries[1];
  EXPECT_FALSE(followup.is_new);
  EXPECT_EQ(digest_note(followup), "Update: now also 1 more entity (3 updates)");
  EXPECT_EQ(digest_note(r->groups[0].entries[0]), "2 updates since it was first reported");
  EXPECT_EQ(digest_note(r->groups[1].entries[0]), "");
  EXPECT_EQ(digest_counts(*r), "4 alerts (1 critical, 2 high, 1 low)");
  EXPECT_EQ(digest_period(*r),
            "2024-06-01 09:00\xe2\x80\x93"
            "10:00 UTC");
  // Not a digest, or one with nothing readable: an error, never an empty message.
  EXPECT_FALSE(read_digest(view(digest_doc(json::array({{{"alert", 1}}}))), {}, 100).ok());
  EXPECT_FALSE(view_of(R"({"type":"digest","id":"d"})").ok());
}

TEST(digest_reading, a_terminal_block_lists_every_alert_under_its_rule) {
  const auto text = render_digest_text(view(sample_digest()), {});
  ASSERT_TRUE(text.ok()) << text.err().message;
  EXPECT_TRUE(
      in_order(*text, {"[CRITICAL] digest for desk: 4 alerts (1 critical, 2 high, 1 low)\n",
                       "  sanc.export (Export controls imposed): 1 alert\n",
                       "    [CRITICAL] Commerce adds Gamma to the Entity List \xc2\xb7 2 updates",
                       "  sanc.designation (Firm designated): 2 alerts\n",
                       "    [HIGH] Treasury designates Acme & <Partners>\n",
                       "    [HIGH] Acme follow-up \xc2\xb7 Update: now also Watched firm named, "
                       "1 more entity (3 updates)\n",
                       "  sanc.threat"}))
      << *text;
}

class digest_email_test : public digest_io {
 protected:
  void SetUp() override {
    if (const auto why = sanctwatch::testing::python_missing(true); !why.empty())
      GTEST_SKIP() << why;
  }
  sanctwatch::testing::temp_dir dir_;
};

TEST_F(digest_email_test, one_message_most_severe_first_grouped_with_update_counts) {
  sanctwatch::testing::smtp_server smtp(dir_, {});
  ASSERT_GT(smtp.port(), 0);
  email_settings st;
  st.url = smtp.url();
  st.from = {"sanctwatch", "alerts@example.org"};
  st.to = {{"", "risk@example.org"}};
  st.starttls = false;
  st.timeout = 5s;
  email_sink s("desk", sanctions_only, st, client_);
  EXPECT_TRUE(s.takes_digests());
  const outcome o = deliver(s, view(sample_digest()));
  ASSERT_EQ(o.result, outcome::kind::delivered) << o.error;
  ASSERT_TRUE(run_until([&] { return smtp.received() == 1; }));
  const json p = sanctwatch::testing::parse_email(smtp.message(1), dir_);
  ASSERT_TRUE(p.is_object());
  EXPECT_EQ(p["defects"], json::array());
  EXPECT_EQ(p["headers"]["Subject"],
            "[sanctwatch] digest: 4 alerts (1 critical, 2 high, 1 low) \xe2\x80\x94 2024-06-01 "
            "09:00\xe2\x80\x93"
            "10:00 UTC");
  EXPECT_EQ(p["headers"]["Message-ID"], "<sanctwatch.digest-0123456789abcdef@example.org>");
  EXPECT_FALSE(p["headers"].contains("In-Reply-To"));
  EXPECT_EQ(p["date"], "2024-06-01T10:00:00+00:00");
  EXPECT_EQ(p["content_type"], "multipart/alternative");
  ASSERT_EQ(p["parts"].size(), 2u);
  EXPECT_EQ(p["parts"][0]["type"], "text/plain");
  EXPECT_EQ(p["parts"][1]["type"], "text/html");
  const std::string text = p["parts"][0]["content"], html = p["parts"][1]["content"];
  EXPECT_TRUE(in_order(
      text,
      {"sanctwatch digest: 4 alerts (1 critical, 2 high, 1 low)\n2024-06-01 09:00",
       "== Export controls imposed (sanc.export): 1 alert\n",
       "[CRITICAL] Commerce adds Gamma to the Entity List\n",
       "  Example Wire \xc2\xb7 2024-06-01 \xc2\xb7 https://news.example/a2\n",
       "  2 updates since it was first reported\n",
       "  > The Treasury \xc2\xbb"
       "designated\xc2\xab Commerce adds Gamma",
       "== Firm designated (sanc.designation): 2 alerts\n",
       "[HIGH] Treasury designates Acme & <Partners>\n", "[HIGH] Acme follow-up\n",
       "  Update: now also 1 more entity (3 updates)\n",
       "== Sanctions threatened (sanc.threat): 1 alert\n", "[LOW] Minister hints at sanctions\n",
       "-- \nsanctwatch digest digest-0123456789abcdef for desk\n"}))
      << text;
  EXPECT_FALSE(has(text, "watch.firm")) << text;
  EXPECT_FALSE(has(text, "Watched firm named")) << text;
  EXPECT_TRUE(in_order(html, {"<h3>Export controls imposed (sanc.export): 1 alert</h3>",
                              "<a href=\"https://news.example/a2\">Commerce adds Gamma",
                              "<h3>Firm designated (sanc.designation): 2 alerts</h3>",
                              "Treasury designates Acme &amp; &lt;Partners&gt;",
                              "<em>Update: now also 1 more entity (3 updates)</em>",
                              "<mark><b>designated</b></mark>", "<h3>Sanctions threatened"}))
      << html;
  EXPECT_FALSE(has(html, "<Partners>")) << html;
  EXPECT_FALSE(has(html, "Watched firm named")) << html;
}

TEST(digest_email, at_most_a_hundred_alerts_then_a_count) {
  json alerts = json::array();
  for (int i = 0; i < 130; ++i)
    alerts.push_back(entry(
        alert_doc("x" + std::to_string(i), "Story " + std::to_string(i), "high", {designation}),
        true, 0));
  const auto m = build_digest_email(view(digest_doc(alerts)), {"", "a@example.org"},
                                    {{"", "b@example.org"}}, std::chrono::system_clock::now());
  ASSERT_TRUE(m.ok()) << m.err().message;
  const auto c = render_email_digest(view(digest_doc(alerts)));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(has(c->text, "Story 99\n")) << c->text;
  EXPECT_FALSE(has(c->text, "Story 100\n"));
  EXPECT_TRUE(has(c->text, "\xe2\x80\xa6 30 more (sanctwatch alerts lists them)")) << c->text;
  EXPECT_TRUE(c->subject.starts_with("[sanctwatch] digest: 130 alerts (130 high)"));
}

class digest_chat_test : public digest_io {
 protected:
  // The body a `service` sink that takes only sanctions rules posts for `doc`.
  json received(chat_service service, const json& doc) {
    const std::string path = "/hook/" + std::string(to_string(service));
    server_.route(path, test::http_reply{.status = 200, .body = "ok"});
    server_.clear_log();
    chat_sink s("desk", sanctions_only,
                {.service = service, .url = server_.url(path), .timeout = 2s}, client_);
    EXPECT_TRUE(s.takes_digests());
    const outcome o = deliver(s, view(doc));
    EXPECT_EQ(o.result, outcome::kind::delivered) << o.error;
    const auto reqs = server_.requests();
    EXPECT_EQ(reqs.size(), 1u);
    return reqs.empty() ? json() : json::parse(reqs[0].body, nullptr, false);
  }
  test::test_server server_;
};

// What every dialect shows: the order, the counts, the notes, never the hidden rule (read past
// Markdown's backslash escapes, which the single-alert tests cover).
void expect_digest(std::string t, const std::string& head_export,
                   const std::string& head_designation) {
  std::erase(t, '\\');
  EXPECT_TRUE(in_order(
      t, {"4 alerts (1 critical, 2 high, 1 low)", head_export,
          "Commerce adds Gamma to the Entity List", "2 updates since it was first reported",
          head_designation, "Treasury designates Acme", "Acme follow-up",
          "Update: now also 1 more entity (3 updates)", "Minister hints at sanctions"}))
      << t;
  EXPECT_TRUE(has(t, "https://news.example/a2")) << t;
  EXPECT_TRUE(has(t, "Example Wire")) << t;
  EXPECT_TRUE(has(t, "digest-0123456789abcdef")) << t;
  EXPECT_FALSE(has(t, "watch.firm")) << t;
  EXPECT_FALSE(has(t, "Watched firm named")) << t;
}

TEST_F(digest_chat_test, slack) {
  const json j = received(chat_service::slack, sample_digest());
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["blocks"][0]["type"], "header");
  EXPECT_TRUE(has(j["blocks"][0]["text"]["text"].get<std::string>(),
                  "sanctwatch digest: 4 alerts (1 critical, 2 high, 1 low)"));
  EXPECT_TRUE(j["text"].get<std::string>().starts_with("[CRITICAL] sanctwatch digest: 4 alerts"));
  const std::string t = all_text(j["blocks"]);
  expect_digest(t, "*Export controls imposed* `sanc.export` \xe2\x80\x94 1 alert",
                "*Firm designated* `sanc.designation` \xe2\x80\x94 2 alerts");
  EXPECT_TRUE(
      has(t, "*[HIGH]* <https://news.example/a1|Treasury designates Acme &amp; &lt;Partners&gt;>"))
      << t;
}

TEST_F(digest_chat_test, discord) {
  const json j = received(chat_service::discord, sample_digest());
  ASSERT_TRUE(j.is_object());
  const json& e = j["embeds"][0];
  EXPECT_EQ(e["title"], "sanctwatch digest: 4 alerts (1 critical, 2 high, 1 low)");
  EXPECT_EQ(e["color"], 0xE74C3C);
  ASSERT_EQ(e["fields"].size(), 3u);
  EXPECT_EQ(e["fields"][0]["name"], "Export controls imposed (sanc.export) \xe2\x80\x94 1 alert");
  EXPECT_EQ(j["allowed_mentions"]["parse"], json::array());
  expect_digest(all_text(j), "Export controls imposed (sanc.export)",
                "Firm designated (sanc.designation)");
  EXPECT_TRUE(has(all_text(e["fields"][1]),
                  "**[HIGH]** [Treasury designates Acme & \\<Partners\\>]"
                  "(https://news.example/a1)"))
      << e["fields"][1];
}

TEST_F(digest_chat_test, mattermost) {
  const json j = received(chat_service::mattermost, sample_digest());
  ASSERT_TRUE(j.is_object());
  const std::string t = j["text"];
  EXPECT_TRUE(t.starts_with("#### \xf0\x9f\x94\xb4 sanctwatch digest: 4 alerts")) << t;
  expect_digest(t, "**Export controls imposed** `sanc.export` \xe2\x80\x94 1 alert",
                "**Firm designated** `sanc.designation` \xe2\x80\x94 2 alerts");
  EXPECT_TRUE(has(t, "- \xf0\x9f\x9f\xa0 **[HIGH]** [Acme follow-up](https://news.example/a3)"))
      << t;
}

TEST_F(digest_chat_test, teams) {
  const json j = received(chat_service::teams, sample_digest());
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["type"], "message");
  EXPECT_TRUE(
      j["summary"].get<std::string>().starts_with("[CRITICAL] sanctwatch digest: 4 alerts"));
  const json& card = j["attachments"][0]["content"];
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["body"][0]["color"], "Attention");
  expect_digest(all_text(card["body"]),
                "**Export controls imposed** (sanc.export) \xe2\x80\x94 1 alert",
                "**Firm designated** (sanc.designation) \xe2\x80\x94 2 alerts");
}

// 30 rules with 20 alerts each and long titles: every dialect stays within its service's
// limits and says how much it left out.
TEST_F(digest_chat_test, a_huge_digest_keeps_every_limit_and_counts_the_rest) {
  json alerts = json::array();
  const std::string long_title(180, 'T');
  for (int g = 0; g < 30; ++g)
    for (int i = 0; i < 20; ++i) {
      json rule = designation;
      rule["id"] = "sanc.rule-" + std::to_string(g);
      alerts.push_back(
          entry(alert_doc("g" + std::to_string(g) + "-" + std::to_string(i),
                          long_title + " \xc3\xa9" + std::to_string(i), "high", {rule}),
                true, 0));
    }
  const json doc = digest_doc(alerts);

  const json slack = received(chat_service::slack, doc);
  ASSERT_TRUE(slack.is_object());
  EXPECT_LE(slack["blocks"].size(), 50u);
  for (const auto& b : slack["blocks"])
    if (b["type"] == "section") {
      EXPECT_LE(b["text"]["text"].get<std::string>().size(), 3000u);
    }
  EXPECT_LE(slack.dump().size(), 20000u);
  EXPECT_TRUE(has(all_text(slack), " more rules (")) << all_text(slack);
  EXPECT_TRUE(has(all_text(slack), " more\n")) << all_text(slack);  // lines of a group left out

  const json discord = received(chat_service::discord, doc);
  ASSERT_TRUE(discord.is_object());
  const json& e = discord["embeds"][0];
  EXPECT_LE(e["fields"].size(), 25u);
  std::size_t total = e["title"].get<std::string>().size() +
                      e["footer"]["text"].get<std::string>().size() +
                      e.value("description", std::string()).size();
  for (const auto& f : e["fields"]) {
    EXPECT_LE(f["value"].get<std::string>().size(), 1024u);
    EXPECT_LE(f["name"].get<std::string>().size(), 256u);
    total += f["name"].get<std::string>().size() + f["value"].get<std::string>().size();
  }
  EXPECT_LE(total, 6000u);
  EXPECT_TRUE(has(all_text(e["fields"]), "more rules (")) << all_text(e["fields"]);
  EXPECT_LE(discord["content"].get<std::string>().size(), 2000u);

  const json mm = received(chat_service::mattermost, doc);
  ASSERT_TRUE(mm.is_object());
  EXPECT_LE(mm["text"].get<std::string>().size(), 16383u);
  EXPECT_TRUE(has(mm["text"], " more rules (")) << mm["text"];
  EXPECT_TRUE(has(mm["text"], "sanctwatch digest `digest-0123456789abcdef`")) << mm["text"];

  const json teams = received(chat_service::teams, doc);
  ASSERT_TRUE(teams.is_object());
  EXPECT_LE(teams.dump().size(), 28u * 1024);  // a Teams message's payload limit
  EXPECT_TRUE(has(all_text(teams), " more rules (")) << all_text(teams);
}

}  // namespace sanctwatch::sinks
