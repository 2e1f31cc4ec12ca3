// Hostile feeds against the real binary: each one gets a bounded, clear outcome (an error
// naming the feed and the reason, or items recovered with warnings), memory stays bounded,
// nothing is fetched that a document merely names, and the good feed beside them alerts.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "http/test_server.hpp"
#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using sanctwatch::test::http_reply;

constexpr std::uint64_t mib = 1024 * 1024;
// A different alerting story per feed, so that story grouping keeps them apart.
const char* threat = "US threatens sanctions on Chinese banks that help Russia evade sanctions";
const char* designation = "Treasury imposed sanctions on three Hong Kong firms over Russia";
const char* entity_list =
    "The Commerce Department added twelve Chinese chip firms to the Entity List over military "
    "end uses";
const char* evasion =
    "Britain froze the assets of an Iranian shipping network accused of sanctions evasion";
const char* secondary =
    "Washington warned Gulf banks they face secondary sanctions for handling Russian oil payments";
const char* enforcement =
    "OFAC fined a Dutch freight forwarder for shipping dual-use machine tools to Russia in breach "
    "of export controls";

std::string channel(const std::string& items) {
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>" + items +
         "</channel></rss>";
}

std::string item(const std::string& id, const std::string& title, const std::string& body = "") {
  return "<item><guid>" + id + "</guid><title>" + title + "</title><description>" +
         (body.empty() ? title : body) + "</description></item>";
}

using sanctwatch::testing::slurp;

// Lines of the jsonl sink that mention `needle`.
int alerts_with(const std::string& jsonl, const std::string& needle) {
  std::istringstream in(jsonl);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) ++n;
  return n;
}

// The line of `feeds` output for one feed.
std::string feed_row(const std::string& table, const std::string& id) {
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(id + " ", 0) == 0) return line;
  return {};
}

class hostile_feeds : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route("/secret", http_reply{.body = "never to be fetched"});
    // 1 GiB announced and streamed; 1 GiB chunked without a length; 4 GiB from a gzip bomb.
    server_.route("/huge", http_reply{.body = std::string(mib, 'x'), .repeat = 1024});
    server_.route("/huge_chunked",
                  http_reply{.body = std::string(mib, 'x'), .chunked = true, .repeat = 1024});
    server_.route("/bomb", http_reply{.headers = {{"Content-Encoding", "gzip"}},
                                      .body = sanctwatch::test::gzip_bomb(4096 * mib)});
    // 100,000 items in one feed.
    std::string many;
    many.reserve(100000 * 120);
    for (int i = 0; i < 100000; ++i)
      many += item("m" + std::to_string(i), "Weather report " + std::to_string(i));
    server_.route("/many", http_reply{.body = channel(many)});
    // A 10 MB line: one description, the threat at its very end.
    std::string line;
    while (line.size() < 10 * mib) line += "calm markets quiet trading ";
    server_.route("/longline",
                  http_reply{.body = channel(item("l1", "Markets", line + designation))});
    // 100,000 levels of nesting inside an item, then a normal item after it.
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "<x>";
    for (int i = 0; i < 100000; ++i) deep += "</x>";
    server_.route("/nested",
                  http_reply{.body = channel("<item><guid>n1</guid><title>Deep</title>" + deep +
                                             "</item>" + item("n2", entity_list))});
    // Billion laughs and an external entity: the expansion stops at its cap (the reference
    // stays literal), the external entity is never fetched.
    std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY lol \"lol\">";
    for (int i = 1; i < 10; ++i) {
      laughs += "<!ENTITY lol" + std::to_string(i) + " \"";
      for (int k = 0; k < 10; ++k)
        laughs += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
      laughs += "\">";
    }
    laughs += "]><rss version=\"2.0\"><channel><title>T</title>" +
              item("b1", "Laughs &lol9;", evasion) + "</channel></rss>";
    server_.route("/laughs", http_reply{.body = laughs});
    server_.route("/xxe", http_reply{.body = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe "
                                             "SYSTEM \"" +
                                             server_.url("/secret") +
                                             "\">]><rss version=\"2.0\"><channel><title>T</title>" +
                                             item("x1", "External &xxe; entity", secondary) +
                                             "</channel></rss>"});
    // Invalid UTF-8 in every field.
    const std::string bad = "\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc";
    server_.route(
        "/badutf8",
        http_reply{.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\">"
                           "<channel><title>" +
                           bad + "</title>" +
                           item("u1" + bad, bad + enforcement + bad, bad + enforcement) +
                           "</channel></rss>"});
    server_.route("/htmlpage",
                  http_reply{.headers = {{"Content-Type", "text/html"}},
                             .body = "<!DOCTYPE html><html><head><title>Sanctions news</title>"
                                     "</head><body><p>Read our feed elsewhere.</p></body></html>"});
    server_.route("/good", http_reply{.body = channel(item("g1", threat))});
  }

  void write_config() {
    std::ofstream out(config_);
    out << "state: {path: " << dir_.file("state.db") << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "feeds:\n";
    for (const char* id : {"huge", "huge_chunked", "bomb", "many", "longline", "nested", "laughs",
                           "xxe", "badutf8", "htmlpage", "good"})
      out << "  - {id: " << id << ", url: \"" << server_.url(std::string("/") + id)
          << "\", interval: 1m}\n";
    // The 100k-item feed whole in one poll (the default max_new_items takes 1000 a poll).
    out << "defaults: {max_new_items: 100000}\n";
    out << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n";
    // Feeds are processed on the I/O thread: under a sanitizer the 100k-item feed takes long
    // enough to eat the default 30 s of transfers running beside it.
    out << "network: {timeout: 10m}\n";
  }

  // The log line of one feed.
  static std::string line_of(const std::string& log, const std::string& id) {
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);)
      if (line.find("feed " + id + ": ") != std::string::npos) return line;
    return {};
  }

  sanctwatch::test::test_server server_;
  sanctwatch::testing::temp_dir dir_;
  std::string config_ = dir_.file("sanctwatch.yaml");
  std::string alerts_ = dir_.file("alerts.jsonl");
};

}  // namespace

TEST_F(hostile_feeds, each_gets_a_clear_bounded_outcome_and_the_others_are_served) {
  write_config();
  auto r = testing::run_sanctwatch("poll --all -c '" + config_ + "'");
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  EXPECT_EQ(r.exit_code, 1) << r.out;  // some feeds failed

  // Refused, each with its feed id and the reason.
  // The bomb is cut on the decoded count, by libcurl's size limit or by the body callback,
  // whichever sees it first; the wire carried 4 MB.
  for (const char* id : {"huge", "huge_chunked", "bomb"})
    EXPECT_NE(line_of(r.out, id).find("body larger than 16777216 bytes"), std::string::npos)
        << id << "\n"
        << r.out;
  EXPECT_NE(line_of(r.out, "htmlpage").find("an HTML page"), std::string::npos) << r.out;

  // Served: the alerts of every feed that held one.
  const std::string jsonl = slurp(alerts_);
  for (const char* id : {"g1", "l1", "n2", "b1", "x1"})
    EXPECT_GE(alerts_with(jsonl, std::string("\"id\":\"") + id + "\""), 1) << id << "\n" << r.out;
  EXPECT_GE(alerts_with(jsonl, "\"feed\":{\"id\":\"badutf8\""), 1) << r.out;
  EXPECT_EQ(alerts_with(jsonl, "\"feed\":{\"id\":\"many\""), 0);
  // Billion laughs stays unexpanded (past the cap) and the external entity is never fetched.
  EXPECT_EQ(server_.count("/secret"), 0u);
  EXPECT_EQ(jsonl.find("lollollol"), std::string::npos);
  EXPECT_EQ(jsonl.find("never to be fetched"), std::string::npos);

  // Bounded memory for the whole run: 1 GiB streamed, 4 GiB of gzip and 100k items included.
  EXPECT_LT(usage.ru_maxrss, 1024L * 1024L) << "peak RSS " << usage.ru_maxrss << " KiB";

  // The feeds table: the 100k items were recorded, the refused feeds are failing, the others ok.
  r = testing::run_sanctwatch("feeds -c '" + config_ + "'");
  EXPECT_NE(feed_row(r.out, "many").find("100000"), std::string::npos) << r.out;
  for (const char* id : {"huge", "huge_chunked", "bomb", "htmlpage"})
    EXPECT_NE(feed_row(r.out, id).find("failing"), std::string::npos) << id << "\n" << r.out;
  for (const char* id : {"many", "longline", "nested", "laughs", "xxe", "badutf8", "good"})
    EXPECT_NE(feed_row(r.out, id).find(" ok "), std::string::npos) << id << "\n" << r.out;
}

// A feed that redirects into the private network (another port on loopback, or a name that
// resolves there) is refused by default with the reason in its status; the configured
// loopback feed beside it is fetched and alerts. allow_private opens the range.
TEST_F(hostile_feeds, redirects_into_the_private_network_are_refused_unless_allowed) {
  sanctwatch::test::test_server inner;
  inner.route("/admin", http_reply{.body = channel(item("i1", designation))});
  server_.route("/to_ip", http_reply::redirect(302, inner.url("/admin")));
  server_.route("/to_name", http_reply::redirect(301, inner.url("/admin", "localhost")));
  auto write = [&](const std::string& network) {
    std::ofstream out(config_);
    out << "state: {path: " << dir_.file("state.db") << "}\n"
        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
        << "feeds:\n";
    for (const char* id : {"to_ip", "to_name", "good"})
      out << "  - {id: " << id << ", url: \"" << server_.url(std::string("/") + id)
          << "\", interval: 1m}\n";
    out << "sinks:\n  - {type: jsonl, path: " << alerts_ << "}\n" << network;
  };
  write("");
  auto r = testing::run_sanctwatch("poll --all -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(line_of(r.out, "to_ip")
                .find("/admin: refused: redirect to 127.0.0.1 (loopback) is "
                      "not allowed; network.allow_private opens it"),
            std::string::npos)
      << r.out;
  // localhost may be tried as ::1 first: either address names the range.
  EXPECT_NE(line_of(r.out, "to_name").find("(loopback) is not allowed"), std::string::npos)
      << r.out;
  EXPECT_EQ(inner.connections_accepted(), 0u);
  EXPECT_GE(alerts_with(slurp(alerts_), "\"id\":\"g1\""), 1) << r.out;
  EXPECT_EQ(alerts_with(slurp(alerts_), "\"id\":\"i1\""), 0);
  r = testing::run_sanctwatch("feeds -c '" + config_ + "'");
  for (const char* id : {"to_ip", "to_name"}) {
    EXPECT_NE(feed_row(r.out, id).find("failing"), std::string::npos) << id << "\n" << r.out;
    EXPECT_NE(feed_row(r.out, id).find("(loopback) is not allowed"), std::string::npos)
        << id << "\n"
        << r.out;
  }
  EXPECT_NE(feed_row(r.out, "good").find(" ok "), std::string::npos) << r.out;

  write("network: {allow_private: [127.0.0.0/8, \"::1/128\"]}\n");
  r = testing::run_sanctwatch("poll --all -c '" + config_ + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_GE(inner.count("/admin"), 2u);
  EXPECT_GE(alerts_with(slurp(alerts_), "\"id\":\"i1\""), 1) << r.out;
}

}  // namespace sanctwatch::service
