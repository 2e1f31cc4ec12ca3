// Chat sinks: the rendering of each service's payload (shape, escaping, highlight, length
// limits) and delivery against the loopback test_server (outcomes, rate limits, tokens).
#include "sinks/chat_sink.hpp"

#include <gtest/gtest.h>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include <optional>

#include "http/test_server.hpp"
#include "sinks/alert_fixture.hpp"

namespace sanctwatch::sinks {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using test::http_reply;
using test::http_request;
using test::test_server;

// An alert with everything a message shows, and text that needs escaping in every format.
alert_view rich_alert(severity level = severity::high) {
  json doc = json::parse(testing::sample_alert("rich-1", level).document);
  doc["rule"]["title"] = "Banks & <firms> *threatened* @everyone";
  doc["item"]["title"] = "US warns [Chinese] banks_of <doom> & co";
  doc["item"]["feed"] = {{"id", "f1"}, {"title", "Wire & Co"}, {"url", "https://wire.invalid/"}};
  doc["evidence"] =
      json::array({{{"field", "content"},
                    {"list", "sanction_terms"},
                    {"text", "sanctions"},
                    {"start", 812},
                    {"end", 821},
                    {"snippet", "Washington could impose Sanctions on <firms> & banks."}},
                   {{"field", "title"},
                    {"text", "Sinno Electronics"},
                    {"snippet", "no match in this snippet"}}});
  doc["entities"] = json::array({{{"id", "ofac-sdn:38641"},
                                  {"name", "SINNO ELECTRONICS CO., LIMITED"},
                                  {"matched", "Sinno Electronics"},
                                  {"list", "ofac_sdn"},
                                  {"programs", {"RUSSIA-EO14024"}},
                                  {"ambiguous", false}}});
  doc["sources"] = json::array(
      {{{"feed", "Other Outlet"}, {"link", "https://other.invalid/story"}, {"published", "x"}}});
  return view_of(doc.dump()).value();
}

// Huge and multi-byte everywhere: every limit is hit, and a cut in the middle of a UTF-8
// sequence would make dump() (inside render_chat) throw.
alert_view huge_alert() {
  std::string big;
  for (int i = 0; i < 3000; ++i) big += "é€*_<>&";
  json doc = json::parse(testing::sample_alert("huge", severity::critical).document);
  doc["rule"]["title"] = big;
  doc["item"]["title"] = big;
  doc["item"]["feed"] = {{"title", big}};
  for (int i = 0; i < 40; ++i) {
    doc["evidence"].push_back({{"text", "€"}, {"snippet", big}});
    doc["entities"].push_back({{"name", big}, {"list", "l"}, {"programs", {big}}});
    doc["sources"].push_back({{"feed", big}, {"link", "https://x.invalid/" + std::to_string(i)}});
  }
  return view_of(doc.dump()).value();
}

json render(chat_service s, const alert_view& a) {
  auto body = render_chat(s, a);
  EXPECT_TRUE(body.ok()) << (body.ok() ? "" : body.err().message);
  return body.ok() ? json::parse(*body) : json();
}

std::string all_text(const json& j) {
  if (j.is_string()) return j.get<std::string>() + "\n";
  std::string out;
  if (j.is_structured())
    for (const auto& v : j) out += all_text(v);
  return out;
}

bool has(const std::string& hay, std::string_view needle) {
  return hay.find(needle) != std::string::npos;
}

TEST(chat_render, slack_blocks_escape_and_highlight) {
  const json j = render(chat_service::slack, rich_alert());
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j["text"].is_string());
  ASSERT_TRUE(j["blocks"].is_array());
  EXPECT_EQ(j["blocks"][0]["type"], "header");
  EXPECT_EQ(j["blocks"][0]["text"]["type"], "plain_text");
  for (const auto& b : j["blocks"]) EXPECT_TRUE(b.contains("type"));
  const std::string text = all_text(j["blocks"]) + j["text"].get<std::string>();
  EXPECT_TRUE(has(text, "*Sanctions*")) << text;  // the match, in Slack bold
  EXPECT_TRUE(has(text, "&lt;firms&gt; &amp; banks")) << text;
  EXPECT_TRUE(has(text, "no match in this snippet (*Sinno Electronics*)")) << text;
  EXPECT_TRUE(has(
      text,
      "<https://sample.sanctwatch.invalid/1|US warns [Chinese] banks\xcb\x8dof &lt;doom&gt; &amp; co>"))
      << text;
  EXPECT_TRUE(has(text, "SINNO ELECTRONICS CO., LIMITED (ofac-sdn:38641; RUSSIA-EO14024) as "
                        "\xe2\x80\x9cSinno Electronics\xe2\x80\x9d"))
      << text;
  // A schema 1 document shows its one rule; Slack formatting characters in text are defused.
  EXPECT_TRUE(has(text, "Banks &amp; &lt;firms&gt; \xe2\x88\x97threatened\xe2\x88\x97 @everyone "
                        "`sanctions.threat.china-finance`"))
      << text;
  EXPECT_TRUE(has(text, "<https://other.invalid/story|Other Outlet>")) << text;
  EXPECT_TRUE(has(text, "`sanctions.threat.china-finance`")) << text;
  // No raw angle brackets except the link syntax: nothing can become <!channel>.
  // (The header block is plain_text, which Slack never parses.)
  EXPECT_EQ(j["blocks"][0]["text"]["type"], "plain_text");
  json mrkdwn = j["blocks"];
  mrkdwn.erase(0);
  EXPECT_FALSE(has(all_text(mrkdwn), "<firms>"));
  EXPECT_FALSE(has(all_text(mrkdwn) + j["text"].get<std::string>(), "<doom>"));
}

TEST(chat_render, discord_embed_colour_markdown_and_no_mentions) {
  const json j = render(chat_service::discord, rich_alert(severity::critical));
  ASSERT_TRUE(j["content"].is_string());
  ASSERT_EQ(j["embeds"].size(), 1u);
  const json& e = j["embeds"][0];
  EXPECT_EQ(e["color"], 0xE74C3C);
  EXPECT_EQ(e["url"], "https://sample.sanctwatch.invalid/1");
  EXPECT_EQ(e["timestamp"], "2026-11-22T10:15:03Z");
  EXPECT_TRUE(j["allowed_mentions"]["parse"].is_array());
  EXPECT_TRUE(j["allowed_mentions"]["parse"].empty());
  const std::string d = e["description"];
  EXPECT_TRUE(has(d, "**Sanctions**")) << d;
  EXPECT_TRUE(has(d, "\\<firms\\> & banks")) << d;
  // The headline is the item's title; the rules are a field of their own.
  EXPECT_TRUE(has(j["content"].get<std::string>(), "US warns \\[Chinese\\] banks\\_of \\<doom\\> & co"))
      << j["content"];
  EXPECT_TRUE(has(all_text(e["fields"]), "Banks & \\<firms\\> \\*threatened\\*")) << e["fields"];
  EXPECT_TRUE(has(all_text(e["fields"]), "[Other Outlet](https://other.invalid/story)"));
  EXPECT_EQ(render(chat_service::discord, rich_alert(severity::low))["embeds"][0]["color"],
            0x3498DB);
}

TEST(chat_render, mattermost_markdown_text_with_defused_mentions) {
  const json j = render(chat_service::mattermost, rich_alert());
  ASSERT_TRUE(j["text"].is_string());
  const std::string t = j["text"];
  EXPECT_TRUE(has(t, "> Washington could impose **Sanctions** on \\<firms\\> & banks.")) << t;
  EXPECT_TRUE(has(
      t,
      "[US warns \\[Chinese\\] banks\\_of \\<doom\\> & co](https://sample.sanctwatch.invalid/1)"))
      << t;
  EXPECT_TRUE(has(t,
                  "@\xe2\x80\x8b"
                  "everyone"))
      << t;
  EXPECT_FALSE(has(t, "@everyone")) << t;
  EXPECT_TRUE(has(t, "\\*threatened\\*")) << t;
}

TEST(chat_render, teams_adaptive_card_message) {
  const json j = render(chat_service::teams, rich_alert());
  EXPECT_EQ(j["type"], "message");
  ASSERT_EQ(j["attachments"].size(), 1u);
  EXPECT_EQ(j["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
  const json& card = j["attachments"][0]["content"];
  EXPECT_EQ(card["type"], "AdaptiveCard");
  ASSERT_TRUE(card["body"].is_array());
  EXPECT_EQ(card["body"][0]["type"], "TextBlock");
  EXPECT_EQ(card["body"][0]["color"], "Attention");
  EXPECT_TRUE(has(card["body"][0]["text"], "US warns \\[Chinese\\] banks\\_of \\<doom\\> & co"))
      << card["body"][0]["text"];
  EXPECT_EQ(card["actions"][0]["url"], "https://sample.sanctwatch.invalid/1");
  const std::string text = all_text(card["body"]);
  EXPECT_TRUE(has(text, "**Sanctions**")) << text;
  EXPECT_TRUE(has(text, "SINNO ELECTRONICS")) << text;
}

TEST(chat_render, length_limits_hold_for_a_huge_alert) {
  const alert_view a = huge_alert();
  {
    const json j = render(chat_service::discord, a);
    EXPECT_LE(j["content"].get<std::string>().size(), 2000u);
    const json& e = j["embeds"][0];
    std::size_t total =
        e["title"].get<std::string>().size() + e["footer"]["text"].get<std::string>().size();
    EXPECT_LE(e["title"].get<std::string>().size(), 256u);
    EXPECT_LE(e.value("description", "").size(), 4096u);
    total += e.value("description", "").size();
    EXPECT_LE(e["fields"].size(), 25u);
    for (const auto& f : e["fields"]) {
      EXPECT_LE(f["name"].get<std::string>().size(), 256u);
      EXPECT_LE(f["value"].get<std::string>().size(), 1024u);
      total += f["name"].get<std::string>().size() + f["value"].get<std::string>().size();
    }
    EXPECT_LE(total, 6000u);
  }
  {
    const json j = render(chat_service::slack, a);
    EXPECT_LE(j["blocks"].size(), 50u);
    EXPECT_LE(j["blocks"][0]["text"]["text"].get<std::string>().size(), 150u);
    for (const auto& b : j["blocks"])
      if (b["type"] == "section") {
        EXPECT_LE(b["text"]["text"].get<std::string>().size(), 3000u);
      }
    EXPECT_LE(j["text"].get<std::string>().size(), 4000u);
    EXPECT_TRUE(has(all_text(j["blocks"]), "more"));  // "… 35 more"
  }
  EXPECT_LE(render(chat_service::mattermost, a)["text"].get<std::string>().size(), 16383u);
  EXPECT_LE(render(chat_service::teams, a).dump().size(), 28u * 1024);  // Teams' payload cap
}

TEST(chat_render, not_an_alert_document_fails) {
  alert_view a = testing::sample_alert();
  a.document = "not json";
  EXPECT_FALSE(render_chat(chat_service::slack, a).ok());
  EXPECT_EQ(parse_chat_service("teams"), chat_service::teams);
  EXPECT_FALSE(parse_chat_service("irc").has_value());
}

TEST(chat_render, non_web_links_are_not_linked) {
  json doc = json::parse(testing::sample_alert().document);
  doc["item"]["link"] = "javascript:alert(1)";
  const alert_view a = view_of(doc.dump()).value();
  EXPECT_FALSE(has(render_chat(chat_service::mattermost, a).value(), "](javascript"));
  EXPECT_FALSE(has(render_chat(chat_service::slack, a).value(), "<javascript"));
  EXPECT_FALSE(render(chat_service::discord, a)["embeds"][0].contains("url"));
}

TEST(chat_render, also_reported_by_lists_the_other_outlets_only) {
  json doc = json::parse(rich_alert().document);
  // `sources` holds every outlet of the story, this item's own first.
  doc["sources"] = json::array(
      {{{"feed", "f1"}, {"link", "https://sample.sanctwatch.invalid/1"}, {"published", nullptr}},
       {{"feed", "Other Outlet"}, {"link", "https://other.invalid/story"}, {"published", "x"}}});
  const alert_view a = view_of(doc.dump()).value();
  const std::string md = render_chat(chat_service::mattermost, a).value();
  EXPECT_TRUE(has(md, "[Other Outlet](https://other.invalid/story)")) << md;
  EXPECT_FALSE(has(md, "[f1]")) << md;
  doc["sources"] = json::array({doc["sources"][0]});  // only itself: no line at all
  EXPECT_FALSE(has(render_chat(chat_service::mattermost, view_of(doc.dump()).value()).value(),
                   "Also reported by"));
}

class chat_sink_test : public ::testing::Test {
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

  chat_settings settings(chat_service service, std::string path) {
    return {.service = service, .url = server_.url(path), .timeout = 2s};
  }

  asio::io_context io_;
  test_server server_;
  http::client client_{io_};
};

TEST_F(chat_sink_test, each_service_gets_its_payload_as_json) {
  for (auto service : {chat_service::slack, chat_service::discord, chat_service::mattermost,
                       chat_service::teams}) {
    const std::string path = "/hooks/" + std::string(to_string(service));
    server_.route(path,
                  http_reply{.status = service == chat_service::discord ? 204 : 200, .body = "ok"});
    chat_sink s("chat", {}, settings(service, path), client_);
    const outcome o = deliver(s, rich_alert());
    EXPECT_EQ(o.result, outcome::kind::delivered) << to_string(service) << ": " << o.error;
  }
  const auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 4u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.header("content-type"), "application/json");
    const json j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.path;
  }
  EXPECT_TRUE(json::parse(reqs[0].body).contains("blocks"));
  EXPECT_TRUE(json::parse(reqs[1].body).contains("embeds"));
  EXPECT_TRUE(json::parse(reqs[2].body).contains("text"));
  EXPECT_EQ(json::parse(reqs[3].body)["type"], "message");
}

TEST_F(chat_sink_test, rate_limit_429_retries_after_and_holds_back_further_deliveries) {
  server_.route(
      "/slack",
      http_reply{.status = 429, .headers = {{"Retry-After", "30"}}, .body = "rate_limited"});
  auto now = std::chrono::steady_clock::now();
  chat_sink s("chat", {}, settings(chat_service::slack, "/slack"), client_, [&] { return now; });
  const outcome first = deliver(s, rich_alert());
  EXPECT_EQ(first.result, outcome::kind::retry);
  EXPECT_EQ(first.status, 429);
  EXPECT_EQ(first.retry_after, std::optional<std::chrono::seconds>(30s));

  now += 10s;
  const outcome held = deliver(s, rich_alert());
  EXPECT_EQ(held.result, outcome::kind::retry);
  EXPECT_EQ(held.retry_after, std::optional<std::chrono::seconds>(20s));
  EXPECT_EQ(server_.count("/slack"), 1u) << "a rate-limited service is not asked again";

  now += 21s;
  server_.route("/slack", http_reply{.status = 200, .body = "ok"});
  EXPECT_EQ(deliver(s, rich_alert()).result, outcome::kind::delivered);
  EXPECT_EQ(server_.count("/slack"), 2u);
}

TEST_F(chat_sink_test, discord_429_delay_from_the_body) {
  server_.route("/discord", http_reply{.status = 429,
                                       .body = R"({"message":"You are being rate limited.",)"
                                               R"("retry_after":2.5,"global":false})"});
  chat_sink s("chat", {}, settings(chat_service::discord, "/discord"), client_);
  const outcome o = deliver(s, rich_alert());
  EXPECT_EQ(o.result, outcome::kind::retry);
  EXPECT_EQ(o.retry_after, std::optional<std::chrono::seconds>(3s));
}

TEST_F(chat_sink_test, outcomes_follow_the_webhook_mapping) {
  chat_sink s("chat", {}, settings(chat_service::slack, "/slack"), client_);
  server_.route("/slack", http_reply{.status = 400, .body = "invalid_blocks"});
  outcome o = deliver(s, rich_alert());
  EXPECT_EQ(o.result, outcome::kind::dead);
  EXPECT_EQ(o.status, 400);
  EXPECT_TRUE(has(o.error, "invalid_blocks")) << o.error;
  server_.route("/slack", http_reply{.status = 410, .body = "channel_is_archived"});
  EXPECT_EQ(deliver(s, rich_alert()).result, outcome::kind::dead);
  server_.route("/slack", http_reply{.status = 503});
  EXPECT_EQ(deliver(s, rich_alert()).result, outcome::kind::retry);
  server_.route("/slack", http_reply{.status = 200, .delay = 3s});
  auto st = settings(chat_service::slack, "/slack");
  st.timeout = 300ms;
  chat_sink slow("chat", {}, st, client_);
  EXPECT_EQ(deliver(slow, rich_alert()).result, outcome::kind::retry);
}

TEST_F(chat_sink_test, the_url_token_never_appears_in_errors) {
  const std::string token_path = "/services/T0000/B0000/XXXXsecretTOKENxxxx";
  server_.route(token_path, [&](const http_request& r) {
    return http_reply{.status = 404, .body = "no_service for " + r.target};
  });
  chat_sink s("chat", {}, settings(chat_service::slack, token_path), client_);
  const outcome o = deliver(s, rich_alert());
  EXPECT_EQ(o.result, outcome::kind::dead);
  EXPECT_FALSE(has(o.error, "XXXXsecretTOKENxxxx")) << o.error;

  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor a(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  chat_settings st{.service = chat_service::discord,
                   .url = "http://127.0.0.1:" + std::to_string(port) + "/api/webhooks/1/tok3n"};
  chat_sink refused("chat", {}, st, client_);
  const outcome r = deliver(refused, rich_alert());
  EXPECT_EQ(r.result, outcome::kind::retry);
  EXPECT_FALSE(has(r.error, "tok3n")) << r.error;
}

TEST_F(chat_sink_test, undeliverable_document_is_dead_without_a_request) {
  chat_sink s("chat", {}, settings(chat_service::teams, "/teams"), client_);
  alert_view a = rich_alert();
  a.document = "[]";
  EXPECT_EQ(deliver(s, a).result, outcome::kind::dead);
  EXPECT_EQ(server_.requests().size(), 0u);
}

}  // namespace
}  // namespace sanctwatch::sinks
