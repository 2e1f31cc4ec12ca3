// List events and refresh summaries as sinks read them: the routing view, the one line logs
// show, the chat payloads, the mail, and the stdout/jsonl lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sinks/chat_sink.hpp"
#include "sinks/email_message.hpp"
#include "sinks/file_sink.hpp"
#include "sinks/sink.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

const std::string event_doc = json{
    {"schema", "sanctwatch.list-event/1"},
    {"type", "list.added"},
    {"id", "0123456789abcdef0123456789abcdef"},
    {"list", "ofac-sdn"},
    {"list_version", "2024-05-08"},
    {"entity",
     {{"id", "ofac-sdn:2001"},
      {"name", "ZORVANEXTRADE"},
      {"type", "organization"},
      {"programs", {"RUSSIA-EO14024"}},
      {"aliases", json::array()}}},
    {"detected_at", "2024-05-08T14:02:11Z"},
    {"severity", "high"}}.dump();

const std::string summary_doc = json{
    {"schema", "sanctwatch.list-refresh/1"},
    {"type", "list.refresh"},
    {"id", "fedcba9876543210fedcba9876543210"},
    {"list", "ofac-sdn"},
    {"list_version", "2024-05-08"},
    {"line", "ofac-sdn: 1 added, 1 removed: ZORVANEXTRADE, PELTRANOVIK"},
    {"text",
     "ofac-sdn: 1 added, 1 removed (version 2024-05-08)\nadded: ZORVANEXTRADE "
     "(ofac-sdn:2001; RUSSIA-EO14024)\nremoved: PELTRANOVIK (ofac-sdn:1008; IRAN)"},
    {"severity", "high"}}.dump();

TEST(list_event_view, an_event_and_a_summary_are_list_events_not_alerts) {
  const auto e = view_of(event_doc).value();
  EXPECT_TRUE(e.list_event);
  EXPECT_FALSE(e.digest);
  EXPECT_EQ(e.id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(e.message_id(), e.id);
  EXPECT_EQ(e.level, severity::high);
  EXPECT_EQ(e.rule_id, "list.added");
  EXPECT_EQ(summary_line(e), "[HIGH] ofac-sdn: added ZORVANEXTRADE (ofac-sdn:2001)");
  const auto s = view_of(summary_doc).value();
  EXPECT_TRUE(s.list_event);
  EXPECT_EQ(summary_line(s), "[HIGH] ofac-sdn: 1 added, 1 removed: ZORVANEXTRADE, PELTRANOVIK");
  EXPECT_EQ(s.document, summary_doc);
  EXPECT_FALSE(view_of("{\"schema\": \"sanctwatch.list-event/1\"}"));  // no id
}

TEST(list_event_view, chat_payloads_carry_the_line_and_the_names) {
  const auto s = view_of(summary_doc).value();
  for (auto service : {chat_service::slack, chat_service::discord, chat_service::mattermost,
                       chat_service::teams}) {
    const json j = json::parse(render_chat_list(service, s));
    const std::string all = j.dump();
    EXPECT_NE(all.find("ofac-sdn: 1 added, 1 removed"), std::string::npos) << all;
    // Markdown dialects escape the parentheses.
    EXPECT_NE(all.find("removed: PELTRANOVIK "), std::string::npos) << all;
    EXPECT_NE(all.find("ofac-sdn:1008; IRAN"), std::string::npos) << all;
  }
}

TEST(list_event_view, one_mail_per_refresh) {
  const auto s = view_of(summary_doc).value();
  const mailbox from{"sanctwatch", "alerts@example.org"};
  const std::string m = build_list_email(s, from, {{"", "risk@example.org"}},
                                         std::chrono::system_clock::time_point{});
  EXPECT_NE(m.find("Subject: [HIGH] ofac-sdn: 1 added, 1 removed: ZORVANEXTRADE, PELTRANOVIK"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("Message-ID: <sanctwatch.fedcba9876543210fedcba9876543210@example.org>"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("removed: PELTRANOVIK (ofac-sdn:1008; IRAN)"), std::string::npos) << m;
}

TEST(list_event_view, files_write_the_document_for_machines_and_the_text_for_people) {
  sanctwatch::testing::temp_dir dir;
  file_sink machine("jsonl", {}, dir.file("a.jsonl"));
  file_sink people("text", {}, dir.file("a.txt"), file_format{true, false});
  EXPECT_FALSE(machine.for_people());
  EXPECT_TRUE(people.for_people());
  EXPECT_FALSE(machine.takes_lists());  // until the config says events: [..., lists]
  machine.set_events(true, true);
  EXPECT_TRUE(machine.takes_lists() && machine.takes_alerts());
  const auto e = view_of(event_doc).value();
  const auto s = view_of(summary_doc).value();
  machine.deliver(e, [](outcome o) { EXPECT_EQ(o.result, outcome::kind::delivered); });
  people.deliver(s, [](outcome o) { EXPECT_EQ(o.result, outcome::kind::delivered); });
  EXPECT_EQ(sanctwatch::testing::slurp(dir.file("a.jsonl")), event_doc + "\n");
  EXPECT_EQ(sanctwatch::testing::slurp(dir.file("a.txt")),
            json::parse(summary_doc)["text"].get<std::string>() + "\n");
}

}  // namespace
}  // namespace sanctwatch::sinks
