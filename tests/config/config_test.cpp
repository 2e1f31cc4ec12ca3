#include "config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <fstream>
#include <sstream>

#include <unistd.h>

namespace sanctwatch::config {
namespace {

load_result load(std::string_view yaml) { return parse(yaml, "conf/test.yaml"); }

std::string all_errors(const load_result& r) { return format_diagnostics(r.errors); }

}  // namespace

TEST(config, minimal_form_from_the_docs) {
  auto r = load(R"(
state: {path: /tmp/x/state.db}
rules: [rules]
feeds:
  - {id: example, url: "http://127.0.0.1:8080/feed.xml", interval: 5m}
sinks:
  - {type: jsonl, path: /tmp/x/alerts.jsonl}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const auto& c = r.value;
  EXPECT_EQ(c.state.path, "/tmp/x/state.db");
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(resolve_path(c, c.rules[0]), "conf/rules");
  ASSERT_EQ(c.feeds.size(), 1u);
  EXPECT_EQ(c.feeds[0].id, "example");
  EXPECT_EQ(c.feeds[0].interval, seconds{300});
  EXPECT_EQ(c.feeds[0].line, 5);
  ASSERT_EQ(c.sinks.size(), 1u);
  EXPECT_EQ(c.sinks[0].type, "jsonl");
  EXPECT_EQ(c.sinks[0].name, "jsonl");
  EXPECT_EQ(c.defaults.interval, seconds{900});
  EXPECT_EQ(c.network.per_host, 2);
  EXPECT_EQ(c.network.max_body, 16u << 20);
}

TEST(config, full_form) {
  auto r = load(R"(
rules: [../rules, /etc/sanctwatch/rules.d]
defaults: {interval: 10m, adaptive: true}
network: {per_host: 4, timeout: 20s, max_body: 8MiB, max_redirects: 5, user_agent: "acme-monitor/1"}
stories: {enabled: false, window: 48h}
metrics: {listen: "127.0.0.1:9464"}
feeds:
  - id: ofac
    url: https://ofac.treasury.gov/recent-actions.rss
    interval: 1h30m
    tags: [official, us]
    headers: {Accept-Language: en}
  - opml: feeds/news.opml
    tags: news
entity_lists:
  - {name: sdn, source: "https://example.invalid/sdn.csv", format: ofac-sdn-csv, refresh: 1d}
sinks:
  - {type: stdout}
  - {type: webhook, url: "https://hooks.example.invalid/a", secret: "${HOOK_SECRET}", min_severity: high}
  - {type: webhook, url: "https://hooks.example.invalid/b", secret_file: /run/secrets/b, exclude_tags: [entity]}
  - {type: slack, name: desk, url: "https://hooks.slack.invalid/x", tags: [sanctions]}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const auto& c = r.value;
  EXPECT_EQ(resolve_path(c, c.rules[0]), "rules");
  EXPECT_EQ(resolve_path(c, c.rules[1]), "/etc/sanctwatch/rules.d");
  EXPECT_EQ(c.defaults.interval, seconds{600});
  EXPECT_TRUE(c.defaults.adaptive);
  EXPECT_FALSE(c.feeds[0].adaptive);
  EXPECT_EQ(c.network.per_host, 4);
  EXPECT_EQ(c.network.max_body, 8u << 20);
  EXPECT_FALSE(c.stories.enabled);
  EXPECT_EQ(c.feeds[0].interval, seconds{5400});
  EXPECT_EQ(c.feeds[0].tags, (std::vector<std::string>{"official", "us"}));
  EXPECT_EQ(c.feeds[0].headers.at("Accept-Language"), "en");
  ASSERT_EQ(c.opml.size(), 1u);
  EXPECT_EQ(c.opml[0].tags, std::vector<std::string>{"news"});
  EXPECT_EQ(c.entity_lists[0].refresh, seconds{86400});
  ASSERT_EQ(c.sinks.size(), 4u);
  EXPECT_EQ(c.sinks[1].name, "webhook");
  EXPECT_EQ(c.sinks[2].name, "webhook-2");
  EXPECT_EQ(c.sinks[1].secrets, std::vector<std::string>{"${HOOK_SECRET}"});
  EXPECT_EQ(c.sinks[1].min_severity, severity::high);
  EXPECT_EQ(c.sinks[3].name, "desk");
}

TEST(config, every_error_is_located_and_all_are_reported) {
  auto r = load(
      "feeds:\n"
      "  - {id: a, url: \"ftp://x\", intervall: 5m}\n"
      "  - {id: a, url: \"http://x\", interval: 5 minutes}\n"
      "sinks:\n"
      "  - {type: pager}\n"
      "  - {type: webhook, url: \"http://h\", min_severity: urgent}\n"
      "network: {per_host: 0}\n"
      "colour: blue\n");
  ASSERT_FALSE(r.ok());
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("conf/test.yaml:2:29: error: unknown key 'intervall' in a feed"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:2:18: error: url must start with http://, https://, file:// or file:"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:3:10: error: duplicate feed id 'a'"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:3:40: error: interval must be a duration"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:5:12: error: unknown sink type 'pager'"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:6:52: error: min_severity must be info"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:7:21: error: network.per_host must be a whole number from 1 to 64"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:8:1: error: unknown key 'colour' in the config"), std::string::npos) << e;
  EXPECT_EQ(r.errors.size(), 8u) << e;
  // The caret line points at the offending key.
  EXPECT_NE(e.find(" 8 | colour: blue\n   | ^\n"), std::string::npos) << e;
}

TEST(config, full_text_settings_and_their_errors) {
  auto r = load("rules: [r]\nfeeds:\n  - {id: a, url: \"https://a.example/f\"}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.defaults.full_text, full_text_mode::auto_);
  EXPECT_EQ(r.value.defaults.full_text_max_age, seconds{7 * 24 * 3600});
  EXPECT_EQ(r.value.defaults.full_text_rate, 12);
  EXPECT_FALSE(r.value.feeds[0].full_text);
  r = load(
      "defaults: {full_text: always, full_text_max_age: 2d, full_text_rate: 30}\n"
      "feeds:\n  - {id: a, url: \"https://a.example/f\", full_text: never}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.defaults.full_text, full_text_mode::always);
  EXPECT_EQ(r.value.defaults.full_text_max_age, seconds{2 * 24 * 3600});
  EXPECT_EQ(r.value.defaults.full_text_rate, 30);
  EXPECT_EQ(r.value.feeds[0].full_text, full_text_mode::never);
  EXPECT_EQ(to_string(full_text_mode::auto_), "auto");
  r = load(
      "defaults: {full_text: true, full_text_rate: 0, full_text_max_age: soon}\n"
      "feeds:\n  - {id: a, url: \"https://a.example/f\", full_text: sometimes}\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("conf/test.yaml:1:23: error: defaults.full_text must be auto, always or never"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:1:45: error: defaults.full_text_rate must be"), std::string::npos)
      << e;
  EXPECT_NE(e.find("defaults.full_text_max_age must be a duration"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:3:52: error: full_text must be auto, always or never"),
            std::string::npos)
      << e;
  EXPECT_EQ(r.errors.size(), 4u) << e;
}

TEST(config, story_grouping_settings_and_their_errors) {
  auto r = load("rules: [r]\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.stories.enabled);  // on by default, 72 h window
  EXPECT_EQ(r.value.stories.window, seconds{72 * 3600});
  r = load("stories: {window: 1d12h}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.stories.window, seconds{36 * 3600});
  r = load(
      "stories:\n"
      "  enabled: maybe\n"
      "  window: 3 days\n"
      "  windw: 1h\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("conf/test.yaml:2:12: error: stories.enabled must be true or false"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:3:11: error: stories.window must be a duration"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:4:3: error: unknown key 'windw' in stories (expected one of: "
                   "enabled, window)"),
            std::string::npos)
      << e;
  EXPECT_EQ(r.errors.size(), 3u) << e;
  r = load("stories: {window: 30s}\n");
  EXPECT_NE(all_errors(r).find("conf/test.yaml:1:19: error: stories.window must be at least 60s"),
            std::string::npos)
      << all_errors(r);
  r = load("stories: on\n");
  EXPECT_NE(all_errors(r).find("conf/test.yaml:1:10: error: stories must be a mapping"),
            std::string::npos)
      << all_errors(r);
}

TEST(config, alert_evidence_settings_and_their_errors) {
  auto r = load("rules: [r]\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.alerts.max_evidence, 3);
  r = load("alerts: {max_evidence: 5}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.alerts.max_evidence, 5);
  r = load("alerts:\n  max_evidence: 0\n  max_evidnce: 2\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("conf/test.yaml:2:17: error: alerts.max_evidence must be"), std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:3:3: error: unknown key 'max_evidnce' in alerts"),
            std::string::npos)
      << e;
}

TEST(config, yaml_syntax_error_is_located) {
  auto r = load("feeds:\n  - {id: a, url: [unclosed\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].file, "conf/test.yaml");
  EXPECT_GT(r.errors[0].line, 0);
}

TEST(config, empty_and_wrong_shapes) {
  EXPECT_EQ(format_diagnostics(load("").errors), "conf/test.yaml: error: the config is empty\n");
  auto r = load("- just\n- a list\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "the config must be a mapping");
  r = load("feeds: {id: x}\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "feeds must be a list");
}

TEST(config, webhook_and_list_requirements) {
  auto r = load(
      "sinks:\n"
      "  - {type: webhook, secret: a, secret_file: b}\n"
      "  - {type: jsonl}\n"
      "entity_lists:\n"
      "  - {name: x, source: y, format: pdf}\n"
      "feeds:\n"
      "  - {id: fast, url: \"http://x\", interval: 10s}\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("a webhook sink needs a url"), std::string::npos) << e;
  EXPECT_NE(e.find("give secret or secret_file, not both"), std::string::npos) << e;
  EXPECT_NE(e.find("a jsonl sink needs a path"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown format 'pdf'"), std::string::npos) << e;
  EXPECT_NE(e.find("interval must be at least 60s"), std::string::npos) << e;
}

TEST(config, eu_and_un_list_formats_are_accepted) {
  auto r = load(
      "entity_lists:\n"
      "  - {name: eu, source: /data/eu.xml, format: eu-fsf-xml}\n"
      "  - {name: un, source: /data/un.xml, format: un-sc-xml}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  ASSERT_EQ(r.value.entity_lists.size(), 2u);
  EXPECT_EQ(r.value.entity_lists[0].format, "eu-fsf-xml");
  EXPECT_EQ(r.value.entity_lists[1].format, "un-sc-xml");
}

TEST(config, relative_file_urls_resolve_against_the_config) {
  auto r = load("feeds:\n  - {id: s, url: \"file:sample-feed.xml\"}\n  - {id: t, url: \"file:///abs/x.xml\"}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const std::string u = resolve_url(r.value, r.value.feeds[0].url);
  EXPECT_EQ(u.rfind("file:///", 0), 0u) << u;
  EXPECT_NE(u.find("/conf/sample-feed.xml"), std::string::npos) << u;
  EXPECT_EQ(resolve_url(r.value, r.value.feeds[1].url), "file:///abs/x.xml");
  EXPECT_EQ(resolve_url(r.value, "https://x.invalid/f"), "https://x.invalid/f");
}

TEST(config, ca_file_resolves_against_the_config_and_must_exist) {
  auto r = load("network: {ca_file: no-such-ca.pem}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(all_errors(r).find("conf/test.yaml:1:20: error: network.ca_file: no such file: "
                               "conf/no-such-ca.pem"),
            std::string::npos)
      << all_errors(r);
  const auto abs = parse("network: {ca_file: /etc/hostname}\n", "conf/test.yaml");
  if (std::filesystem::exists("/etc/hostname")) {
    ASSERT_TRUE(abs.ok()) << all_errors(abs);
    EXPECT_EQ(abs.value.network.ca_file, "/etc/hostname");
  }
}

TEST(config, urls_are_read_by_libcurl_and_need_a_host) {
  auto r = load(
      "feeds:\n"
      "  - {id: a, url: \"http://\"}\n"
      "  - {id: b, url: \"https://ho st/feed\"}\n"
      "  - {id: c, url: \"https://news.example/feed\"}\n"
      "sinks:\n"
      "  - {type: webhook, url: \"https://\"}\n"
      "  - {type: slack, url: \"http://a b@hooks.example/x\"}\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("conf/test.yaml:2:18: error: url is not a valid URL (No host part in the URL)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:3:18: error: url is not a valid URL (Bad hostname)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:6:26: error: url is not a valid URL (No host part in the URL)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:7:24: error: url is not a valid URL (Bad user)"), std::string::npos)
      << e;
  EXPECT_EQ(r.errors.size(), 4u) << e;
  // Messages name no URL: the caret line shows where it is.
  EXPECT_EQ(e.find("error: url http"), std::string::npos) << e;
}

TEST(config, urls_with_env_parts_are_checked_once_expanded) {
  auto r = load(
      "feeds:\n"
      "  - {id: a, url: \"https://reader:${FEED_PASSWORD}@news.example/feed\"}\n"
      "  - {id: b, url: \"${FEED_URL}\"}\n"
      "  - {id: c, url: \"https://reader@news.example/feed\", password_file: pw.txt}\n"
      "sinks:\n"
      "  - {type: slack, url: \"${SLACK_WEBHOOK_URL}\"}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.feeds[0].url, "https://reader:${FEED_PASSWORD}@news.example/feed");
  EXPECT_EQ(r.value.feeds[2].password_file, "pw.txt");
  EXPECT_EQ(r.value.sinks[0].url, "${SLACK_WEBHOOK_URL}");
  r = load("feeds:\n  - {id: a, url: \"file:x.xml\", password_file: pw.txt}\n");
  EXPECT_NE(all_errors(r).find("conf/test.yaml:2:47: error: password_file needs an http(s) url"),
            std::string::npos)
      << all_errors(r);
}

TEST(config, parse_url_gives_scheme_user_and_password_decoded) {
  auto u = parse_url("HTTPS://re%40der:p%3Ass@news.example:8443/feed?q=1", {"http", "https"});
  ASSERT_TRUE(u) << u.err().message;
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->user, "re@der");
  EXPECT_EQ(u->password, "p:ss");
  u = parse_url("http://news.example/feed", {"http", "https"});
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "");
  EXPECT_EQ(u->password, "");
  EXPECT_EQ(parse_url("ftp://x/", {"http", "https"}).err().message,
            "must start with http:// or https://");
  EXPECT_TRUE(parse_url("smtp://mail.example", {"smtp", "smtps"}));
  EXPECT_EQ(parse_url("http://", {"http"}).err().message, "is not a valid URL (No host part in the URL)");
  EXPECT_FALSE(parse_url("", {"http"}));
  EXPECT_FALSE(parse_url("news.example/feed", {"http"}));
}

TEST(config, repeated_keys_are_errors_at_the_repeat) {
  auto r = load(
      "state: {path: /a/state.db}\n"
      "rules: [r]\n"
      "state: {path: /b/state.db}\n"
      "feeds:\n"
      "  - {id: a, url: \"http://x\", interval: 5m, interval: 1h}\n"
      "  - id: b\n"
      "    url: \"http://y\"\n"
      "    headers: {X-Key: a, X-Key: b}\n"
      "    id: c\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("conf/test.yaml:3:1: error: duplicate key 'state' (first on line 1)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:5:44: error: duplicate key 'interval' (first on line 5)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:8:25: error: duplicate key 'X-Key' (first on line 8)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:9:5: error: duplicate key 'id' (first on line 6)"),
            std::string::npos)
      << e;
  EXPECT_EQ(r.errors.size(), 4u) << e;
  // An anchor that refers to itself is walked once, not forever.
  r = load("rules: [r]\nfeeds: &loop [*loop]\n");
  EXPECT_FALSE(r.ok());
}

TEST(config, rules_allow_empty) {
  auto r = load("rules: [r]\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value.rules_allow_empty);
  r = load("rules: [r]\nrules_allow_empty: true\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_TRUE(r.value.rules_allow_empty);
  r = load("rules_allow_empty: sometimes\n");
  EXPECT_NE(all_errors(r).find("conf/test.yaml:1:20: error: rules_allow_empty must be true or false"),
            std::string::npos)
      << all_errors(r);
}

TEST(config, durations_and_sizes) {
  EXPECT_EQ(parse_duration("90"), seconds{90});
  EXPECT_EQ(parse_duration("90s"), seconds{90});
  EXPECT_EQ(parse_duration("15m"), seconds{900});
  EXPECT_EQ(parse_duration("1h30m"), seconds{5400});
  EXPECT_EQ(parse_duration("2d"), seconds{172800});
  EXPECT_EQ(parse_duration("1w"), seconds{604800});
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("m"));
  EXPECT_FALSE(parse_duration("5 m"));
  EXPECT_FALSE(parse_duration("5y"));
  EXPECT_FALSE(parse_duration("99999999999999999999"));
  EXPECT_EQ(parse_size("16MiB"), 16u << 20);
  EXPECT_EQ(parse_size("512kib"), 512u << 10);
  EXPECT_EQ(parse_size("1GB"), 1000000000u);
  EXPECT_EQ(parse_size("100"), 100u);
  EXPECT_FALSE(parse_size("1MiB2KiB"));
  EXPECT_FALSE(parse_size("lots"));
}

TEST(config, shipped_configs_are_valid) {
  // sanctwatch.yaml.in is the installed config before CMake fills in its paths.
  for (const char* name : {"/config/local.yaml", "/config/sanctwatch.yaml.in"}) {
    std::ifstream in(std::string(SANCTWATCH_SOURCE_DIR) + name);
    ASSERT_TRUE(in) << name;
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = parse(ss.str(), name);
    EXPECT_TRUE(r.ok()) << all_errors(r);
  }
}


TEST(config, allow_private_networks_and_their_errors) {
  auto r = load("rules: [r]\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.network.allow_private.empty());  // nothing private by default
  EXPECT_EQ(r.value.network.proxy, "");
  r = load(
      "network:\n"
      "  allow_private: [10.0.0.0/8, \"::1/128\", 127.0.0.1, \"fd00::/8\"]\n"
      "  proxy: \"http://proxy.example:3128\"\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const auto& allowed = r.value.network.allow_private;
  ASSERT_EQ(allowed.size(), 4u);
  EXPECT_EQ(to_string(allowed[0]), "10.0.0.0/8");
  EXPECT_EQ(to_string(allowed[1]), "::1/128");
  EXPECT_EQ(to_string(allowed[2]), "127.0.0.1/32");
  EXPECT_EQ(to_string(allowed[3]), "fd00::/8");
  EXPECT_EQ(r.value.network.proxy, "http://proxy.example:3128");
  r = load(
      "network:\n"
      "  allow_private:\n"
      "    - 10.0.0.1/8\n"
      "    - 192.168.0.0/33\n"
      "    - intranet.example\n"
      "  proxy: \"socks://x\"\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("conf/test.yaml:3:7: error: network.allow_private: '10.0.0.1/8' has bits set "
                   "after the prefix; the network is 10.0.0.0/8"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:4:7: error: network.allow_private: the prefix length after '/' "
                   "must be a number from 0 to 32"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:5:7: error: network.allow_private: 'intranet.example' is not an "
                   "IPv4 or IPv6 address"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("conf/test.yaml:6:10: error: network.proxy must start with http:// or https://"),
            std::string::npos)
      << e;
  EXPECT_EQ(r.errors.size(), 4u) << e;
  r = load("network: {allow_private: 10.0.0.0/8}\n");
  EXPECT_NE(all_errors(r).find("1:26: error: network.allow_private must be a list"),
            std::string::npos)
      << all_errors(r);
}

TEST(config, metrics_limits_and_their_errors) {
  auto r = load("metrics: {listen: \"127.0.0.1:0\"}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.metrics.request_timeout, seconds{10});
  EXPECT_EQ(r.value.metrics.max_connections, 64);
  r = load("metrics: {listen: \"127.0.0.1:0\", request_timeout: 2s, max_connections: 8}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.metrics.request_timeout, seconds{2});
  EXPECT_EQ(r.value.metrics.max_connections, 8);
  r = load("metrics: {request_timeout: 0s, max_connections: 0}\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("1:28: error: metrics.request_timeout must be at least 1s"), std::string::npos)
      << e;
  EXPECT_NE(e.find("1:49: error: metrics.max_connections must be a whole number from 1 to 1024"),
            std::string::npos)
      << e;
}

TEST(config, web_listen_users_and_their_errors) {
  const std::string hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo";
  auto r = load("web: {listen: \"127.0.0.1:8080\", users: [{name: ana, password_hash: \"" + hash +
                "\"}]}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.web.listen, "127.0.0.1:8080");
  EXPECT_FALSE(r.value.web.public_read);
  ASSERT_EQ(r.value.web.users.size(), 1u);
  EXPECT_EQ(r.value.web.users[0].name, "ana");
  EXPECT_EQ(r.value.web.users[0].password_hash, hash);
  EXPECT_EQ(r.value.web.threads, 4);
  r = load("web: {listen: \"[::1]:0\", public_read: true, threads: 2, request_timeout: 5s}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.web.threads, 2);
  EXPECT_EQ(r.value.web.request_timeout, seconds{5});
  // Off by default.
  EXPECT_TRUE(load("feeds: []\n").value.web.listen.empty());
  r = load("web:\n  listen: \"127.0.0.1:8080\"\n");
  EXPECT_NE(all_errors(r).find("2:3: error: web: nobody could read the page: add users or set "
                               "public_read: true"),
            std::string::npos)
      << all_errors(r);
  r = load("web:\n  listen: 8080\n  public_read: true\n  users:\n    - {name: ana, password_hash: "
           "secret}\n    - {name: \"a:b\", password_hash: \"" + hash + "\"}\n  colour: blue\n");
  const std::string e = all_errors(r);
  EXPECT_NE(e.find("2:11: error: web.listen must be HOST:PORT"), std::string::npos) << e;
  EXPECT_NE(e.find("5:34: error: web user 'ana': password_hash must be an argon2id hash"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("`sanctwatch passwd`"), std::string::npos) << e;
  EXPECT_NE(e.find("6:7: error: a web user needs a name without ':'"), std::string::npos) << e;
  EXPECT_NE(e.find("colour"), std::string::npos) << e;
}

TEST(config, email_sink_keys) {
  auto r = load(R"(
sinks:
  - type: email
    url: "smtp://127.0.0.1:2525"
    from: "sanctwatch <alerts@example.org>"
    to: ["risk@example.org", "\"Desk, Asia\" <asia@example.org>"]
    username: "${SMTP_USER}"
    password: "${SMTP_PASSWORD}"
    min_severity: high
  - {type: email, url: "smtps://mail.example.org", from: a@example.org, to: b@example.org,
     username: u, password_file: /run/secrets/smtp, timeout: 1m}
  - {type: email, url: "smtp://relay.internal:25", from: a@example.org, to: [b@example.org],
     starttls: false}
  - {type: email, url: "${SMTP_URL}", from: a@example.org, to: [b@example.org]}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const auto& s = r.value.sinks;
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].type, "email");
  EXPECT_EQ(s[0].name, "email");
  EXPECT_EQ(s[1].name, "email-2");
  EXPECT_EQ(s[0].url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(s[0].from, "sanctwatch <alerts@example.org>");
  EXPECT_EQ(s[0].to, (std::vector<std::string>{"risk@example.org", "\"Desk, Asia\" <asia@example.org>"}));
  EXPECT_EQ(s[0].username, "${SMTP_USER}");
  EXPECT_EQ(s[0].password, "${SMTP_PASSWORD}");
  EXPECT_TRUE(s[0].starttls);
  EXPECT_EQ(s[0].timeout, seconds{30});  // SMTP takes more round trips than a POST
  EXPECT_EQ(s[0].min_severity, severity::high);
  EXPECT_EQ(s[1].password_file, "/run/secrets/smtp");
  EXPECT_EQ(s[1].to, std::vector<std::string>{"b@example.org"});
  EXPECT_EQ(s[1].timeout, seconds{60});
  EXPECT_FALSE(s[2].starttls);
}

TEST(config, email_sink_errors_are_located) {
  auto r = load(
      "sinks:\n"
      "  - {type: email, url: \"https://mail.example.org\", from: a@example.org, to: b@example.org}\n"
      "  - {type: email, url: \"smtp://u:pw@mail.example.org\", from: a@example.org, to: b@example.org}\n"
      "  - {type: email, url: \"smtp://mail.example.org\"}\n"
      "  - {type: email, url: \"smtp://m.example.org\", from: \"no-at\", to: [ok@example.org, \"x@-y\"]}\n"
      "  - {type: email, url: \"smtp://m.example.org\", from: a@example.org, to: [], secret: s}\n"
      "  - {type: email, url: \"smtp://m.example.org\", from: a@example.org, to: b@example.org,\n"
      "     username: u, password: p, password_file: f}\n"
      "  - {type: email, url: \"smtps://m.example.org\", from: a@example.org, to: b@example.org, starttls: false}\n"
      "  - {type: email, url: \"smtp://m.example.org\", from: a@example.org, to: b@example.org,\n"
      "     username: u, password: p, starttls: false}\n"
      "  - {type: email, url: \"smtp://m.example.org\", from: a@example.org, to: b@example.org, password: p}\n"
      "  - {type: email, url: \"smtp://m.example.org\", from: a@example.org, to: b@example.org, username: u}\n");
  ASSERT_FALSE(r.ok());
  const std::string e = all_errors(r);
  for (const char* want :
       {"conf/test.yaml:2:24: error: url must start with smtp:// or smtps://",
        "conf/test.yaml:3:24: error: give username and password as keys of the sink, not in the url",
        "conf/test.yaml:4:5: error: an email sink needs a from address",
        "conf/test.yaml:4:5: error: an email sink needs at least one to address",
        "conf/test.yaml:6:73: error: an email sink needs at least one to address",
        "conf/test.yaml:5:54: error: from: the address has no '@'",
        "conf/test.yaml:5:84: error: to: the address has a bad domain",
        "conf/test.yaml:6:77: error: unknown key 'secret' in an email sink",
        "conf/test.yaml:8:47: error: give password or password_file, not both",
        "conf/test.yaml:9:99: error: starttls: false contradicts smtps://",
        "conf/test.yaml:11:42: error: a password is only sent over TLS",
        "conf/test.yaml:12:98: error: a password needs a username",
        "conf/test.yaml:13:98: error: a username needs a password or password_file"})
    EXPECT_NE(e.find(want), std::string::npos) << want << "\n" << e;
}

}  // namespace sanctwatch::config

namespace sanctwatch::config {

TEST(config, stdout_sink_format) {
  auto r = load(R"(
rules: [rules]
feeds:
  - {id: a, url: "http://127.0.0.1/feed.xml"}
sinks:
  - {type: stdout}
  - {type: stdout, name: people, format: text}
  - {type: stdout, name: machines, format: json}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  ASSERT_EQ(r.value.sinks.size(), 3u);
  EXPECT_EQ(r.value.sinks[0].format, "auto");  // text at a terminal, JSON lines otherwise
  EXPECT_EQ(r.value.sinks[1].format, "text");
  EXPECT_EQ(r.value.sinks[2].format, "json");
  auto bad = load(R"(
rules: [rules]
feeds:
  - {id: a, url: "http://127.0.0.1/feed.xml"}
sinks:
  - {type: stdout, format: html}
  - {type: jsonl, path: /tmp/a.jsonl, format: text}
)");
  ASSERT_FALSE(bad.ok());
  const std::string e = all_errors(bad);
  EXPECT_NE(e.find("conf/test.yaml:6:28: error: format must be auto, text or json"), std::string::npos) << e;
  // Only stdout has a format: a jsonl file is JSON lines.
  EXPECT_NE(e.find("conf/test.yaml:7:39: error: unknown key 'format' in a jsonl sink"), std::string::npos) << e;
}

TEST(config, syslog_sink_socket_and_format) {
  auto r = load(R"(
rules: [rules]
feeds:
  - {id: a, url: "http://127.0.0.1/feed.xml"}
sinks:
  - {type: syslog}
  - {type: syslog, name: remote, socket: /run/rsyslog/sanctwatch.sock, format: rfc5424}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.sinks[0].path, "/dev/log");
  EXPECT_EQ(r.value.sinks[0].format, "rfc3164");
  EXPECT_EQ(r.value.sinks[1].path, "/run/rsyslog/sanctwatch.sock");
  EXPECT_EQ(r.value.sinks[1].format, "rfc5424");
  auto bad = load(R"(
rules: [rules]
feeds:
  - {id: a, url: "http://127.0.0.1/feed.xml"}
sinks:
  - {type: syslog, format: json}
  - {type: syslog, name: b, socket: dev/log}
  - {type: journald, socket: /dev/log}
)");
  ASSERT_FALSE(bad.ok());
  const std::string e = all_errors(bad);
  EXPECT_NE(e.find("conf/test.yaml:6:28: error: format must be rfc3164"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:7:37: error: socket must be an absolute path"), std::string::npos) << e;
  EXPECT_NE(e.find("conf/test.yaml:8:22: error: unknown key 'socket' in a journald sink"), std::string::npos) << e;
}

// ${NAME} works in every string value, with a located error for a variable that is not set.
// Secret-bearing values (urls, passwords, secrets, headers) keep it for the daemon's load.
TEST(config, environment_variables_in_every_string_value) {
  setenv("SANCTWATCH_TEST_STATE", "/srv/sw", 1);
  setenv("SANCTWATCH_TEST_TEAM", "risk@example.org", 1);
  unsetenv("SANCTWATCH_TEST_UNSET");
  auto r = load(R"(
state: {path: "${SANCTWATCH_TEST_STATE}/state.db"}
rules: ["${SANCTWATCH_TEST_STATE}/rules"]
feeds:
  - {id: a, url: "https://${SANCTWATCH_TEST_UNSET}/feed.xml", tags: ["${SANCTWATCH_TEST_TEAM}"]}
sinks:
  - {type: email, url: "smtp://127.0.0.1:2525", from: "sw <${SANCTWATCH_TEST_TEAM}>",
     to: ["${SANCTWATCH_TEST_TEAM}"], username: u, password: "${SANCTWATCH_TEST_UNSET}"}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.state.path, "/srv/sw/state.db");
  EXPECT_EQ(r.value.sinks[0].to, std::vector<std::string>{"risk@example.org"});
  EXPECT_EQ(r.value.feeds[0].url, "https://${SANCTWATCH_TEST_UNSET}/feed.xml");  // at load
  EXPECT_EQ(r.value.sinks[0].password, "${SANCTWATCH_TEST_UNSET}");

  auto bad = load(R"(
rules: [rules]
feeds:
  - {id: a, url: "http://127.0.0.1/feed.xml"}
sinks:
  - {type: jsonl, path: "${SANCTWATCH_TEST_UNSET}/alerts.jsonl"}
)");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(all_errors(bad).find("conf/test.yaml:6:25: error: path: environment variable "
                                 "SANCTWATCH_TEST_UNSET is not set"),
            std::string::npos)
      << all_errors(bad);
  unsetenv("SANCTWATCH_TEST_STATE");
  unsetenv("SANCTWATCH_TEST_TEAM");
}

// The example of docs/configuration.md (which names every key) is a valid configuration.
TEST(config, the_documented_example_is_valid) {
  std::ifstream in(std::string(SANCTWATCH_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const auto begin = doc.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  const auto end = doc.find("```", begin + 8);
  const std::string yaml = doc.substr(begin + 8, end - begin - 8);
  // The files it names, beside it.
  const auto dir = std::filesystem::temp_directory_path() / ("sw-doc-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "feeds");
  std::ofstream(dir / "corp-ca.pem") << "-----BEGIN CERTIFICATE-----\n";
  auto r = parse(yaml, (dir / "sanctwatch.yaml").string());
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(r.ok()) << all_errors(r);
  EXPECT_FALSE(r.value.sinks.empty());
  EXPECT_FALSE(r.value.feeds.empty());
}

}  // namespace sanctwatch::config

namespace sanctwatch::config {

TEST(config, digest_on_email_and_chat_sinks) {
  auto r = load(R"(
rules: [rules]
sinks:
  - {type: email, url: "smtp://127.0.0.1:2525", from: a@example.org, to: b@example.org, digest: 1h}
  - {type: slack, url: "https://hooks.example/x", digest: 30m}
  - {type: teams, url: "https://hooks.example/t", digest: 1d}
  - {type: discord, url: "https://hooks.example/d", digest: 90s}
  - {type: mattermost, url: "https://hooks.example/m"}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const auto& s = r.value.sinks;
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].digest, seconds{3600});
  EXPECT_EQ(s[1].digest, seconds{1800});
  EXPECT_EQ(s[2].digest, seconds{86400});
  EXPECT_EQ(s[3].digest, seconds{90});
  EXPECT_FALSE(s[4].digest);  // one message per alert
}

TEST(config, digest_elsewhere_and_bad_periods_are_located_errors) {
  auto r = load(
      "rules: [rules]\n"
      "sinks:\n"
      "  - {type: webhook, url: \"https://hooks.example/x\", digest: 1h}\n"
      "  - {type: jsonl, path: /tmp/a.jsonl, digest: 1h}\n"
      "  - {type: stdout, digest: 1h}\n"
      "  - {type: journald, digest: 1h}\n"
      "  - {type: email, url: \"smtp://m.example.org\", from: a@example.org, to: b@example.org, "
      "digest: soon}\n"
      "  - {type: slack, url: \"https://hooks.example/s\", digest: 0s}\n"
      "  - {type: discord, url: \"https://hooks.example/d\", digest: [1h]}\n");
  ASSERT_FALSE(r.ok());
  const std::string e = all_errors(r);
  for (const char* want :
       {"conf/test.yaml:3:53: error: digest collects alerts for people: only email and chat sinks "
        "(slack, teams, discord, mattermost) take it; a webhook sink delivers each alert as it "
        "comes",
        "conf/test.yaml:4:39: error: digest collects alerts for people",
        "conf/test.yaml:5:20: error: digest collects alerts for people: only email and chat sinks "
        "(slack, teams, discord, mattermost) take it; a stdout sink",
        "conf/test.yaml:6:22: error: digest collects alerts for people",
        "conf/test.yaml:7:96: error: digest must be a duration such as 90s, 15m, 1h30m or 2d",
        "conf/test.yaml:8:59: error: digest must be at least 1s",
        "conf/test.yaml:9:61: error: digest must be a duration"})
    EXPECT_NE(e.find(want), std::string::npos) << want << "\n" << e;
  // Said once, not also as an unknown key.
  EXPECT_EQ(e.find("unknown key 'digest'"), std::string::npos) << e;
}

}  // namespace sanctwatch::config

namespace sanctwatch::config {

TEST(config, text_retention_and_lookback) {
  auto r = load(R"(
rules: [rules]
entity_lists:
  - {name: a, source: a.yaml, format: yaml}
  - {name: b, source: b.yaml, format: yaml, lookback: 7d}
  - {name: c, source: c.yaml, format: yaml, lookback: 0}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.state.text_retention, std::chrono::hours{24 * 30});
  ASSERT_EQ(r.value.entity_lists.size(), 3u);
  EXPECT_EQ(r.value.entity_lists[0].lookback, std::chrono::hours{24 * 30});
  EXPECT_EQ(r.value.entity_lists[1].lookback, std::chrono::hours{24 * 7});
  EXPECT_EQ(r.value.entity_lists[2].lookback.count(), 0);
  // Never longer than the items it belongs to are remembered.
  r = load("rules: [rules]\nstate: {retention: 10d, text_retention: 60d}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.state.text_retention, std::chrono::hours{24 * 10});
  r = load("rules: [rules]\nstate: {text_retention: 0}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.state.text_retention.count(), 0);
  r = load("rules: [rules]\nstate: {text_retention: soon}\n");
  EXPECT_FALSE(r.ok());
  r = load("rules: [rules]\nentity_lists:\n  - {name: a, source: a.yaml, format: yaml, lookback: x}\n");
  EXPECT_FALSE(r.ok());
}

TEST(config, a_postgresql_state_shared_by_named_daemons) {
  auto r = load(R"(
node: scan-1
rules: [rules]
state:
  url: "postgresql://sanctwatch@db1:5432,db2:5432/sanctwatch?target_session_attrs=read-write"
  password_file: pg-password
  lease: 2m
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.node, "scan-1");
  EXPECT_EQ(r.value.state.url,
            "postgresql://sanctwatch@db1:5432,db2:5432/sanctwatch?target_session_attrs=read-write");
  EXPECT_EQ(r.value.state.password_file, "pg-password");
  EXPECT_EQ(r.value.state.lease, std::chrono::minutes{2});
  // Defaults: SQLite, a minute's lease, HOST:PID as the name.
  r = load("rules: [rules]\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.state.url.empty());
  EXPECT_EQ(r.value.state.lease, std::chrono::seconds{60});
  EXPECT_TRUE(r.value.node.empty());
  ::setenv("SANCTWATCH_TEST_PG", "postgresql://h/db", 1);
  r = load("rules: [rules]\nstate: {url: \"${SANCTWATCH_TEST_PG}\", password: \"${SANCTWATCH_TEST_PG}\"}\n");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(r.value.state.url, "postgresql://h/db");

  const std::pair<const char*, const char*> bad[] = {
      {"rules: [rules]\nstate: {path: s.db, url: \"postgresql://h/db\"}\n",
       "conf/test.yaml:2:26: error: state: give path (SQLite) or url (PostgreSQL), not both"},
      {"rules: [rules]\nstate: {path: \"postgresql://h/db\"}\n",
       "error: state.path is a file; a PostgreSQL state goes in state.url"},
      {"rules: [rules]\nstate: {url: \"mysql://h/db\"}\n",
       "conf/test.yaml:2:14: error: state.url must be a postgresql:// URI"},
      {"rules: [rules]\nstate: {password: x}\n",
       "conf/test.yaml:2:19: error: state.password needs state.url"},
      {"rules: [rules]\nstate: {url: \"postgres://h/db\", password: x, password_file: f}\n",
       "error: give state.password or state.password_file, not both"},
      {"rules: [rules]\nstate: {url: \"postgres://h/db\", lease: 5s}\n", "state.lease"},
      {"rules: [rules]\nstate: {url: \"postgres://h/db\", lease: 2h}\n",
       "error: state.lease must be at most 1h"},
      {"node: \"two words\"\nrules: [rules]\n",
       "conf/test.yaml:1:7: error: node must be 1-64 letters, digits, '.', '-', '_' or ':'"},
  };
  for (const auto& [text, message] : bad) {
    const auto b = load(text);
    EXPECT_FALSE(b.ok()) << text;
    EXPECT_NE(all_errors(b).find(message), std::string::npos) << all_errors(b);
  }
}

TEST(config, entity_lists_from_urls_and_sinks_that_take_list_events) {
  auto r = load(R"(
rules: [rules]
entity_lists:
  - {name: sdn, source: "https://example.org/sdn.csv", format: ofac-sdn-csv, refresh: 6h,
     max_shrink: 35%, aliases: "https://example.org/alt.csv", addresses: "https://example.org/add.csv"}
  - {name: local, source: lists/eu.xml, format: eu-fsf-xml}
sinks:
  - {type: jsonl, path: a.jsonl}
  - {type: webhook, url: "https://hooks.example/x", events: [alerts, lists]}
  - {type: slack, url: "https://hooks.example/s", events: lists}
)");
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const auto& l = r.value.entity_lists;
  ASSERT_EQ(l.size(), 2u);
  EXPECT_TRUE(l[0].from_url());
  EXPECT_EQ(l[0].refresh, seconds{6 * 3600});
  EXPECT_DOUBLE_EQ(l[0].max_shrink, 0.35);
  EXPECT_EQ(l[0].aliases, "https://example.org/alt.csv");
  EXPECT_EQ(l[0].addresses, "https://example.org/add.csv");
  EXPECT_FALSE(l[1].from_url());
  EXPECT_DOUBLE_EQ(l[1].max_shrink, 0.2);
  const auto& s = r.value.sinks;
  EXPECT_TRUE(s[0].takes("alerts"));
  EXPECT_FALSE(s[0].takes("lists"));  // the default: alerts only
  EXPECT_TRUE(s[1].takes("alerts") && s[1].takes("lists"));
  EXPECT_TRUE(!s[2].takes("alerts") && s[2].takes("lists"));
}

TEST(config, bad_list_sources_and_events_are_located) {
  auto r = load(R"(
rules: [rules]
entity_lists:
  - {name: a, source: "ftp://example.org/sdn.xml", format: ofac-sdn-xml}
  - {name: b, source: "https://example.org/sdn.xml", format: ofac-sdn-xml, max_shrink: 120%}
  - {name: c, source: "https://example.org/sdn.xml", format: ofac-sdn-xml, aliases: "https://example.org/alt.csv"}
  - {name: d, source: sdn.csv, format: ofac-sdn-csv, addresses: "https://example.org/add.csv"}
  - {name: e, source: "https://", format: uk-csv}
sinks:
  - {type: jsonl, path: a.jsonl, events: [alerts, news]}
  - {type: stdout, events: []}
)");
  ASSERT_FALSE(r.ok());
  const std::string all = all_errors(r);
  EXPECT_NE(all.find(":4:23: error: source must be a path or an http:// or https:// URL"), std::string::npos) << all;
  EXPECT_NE(all.find(":5:88: error: max_shrink must be a percentage from 0% to 100%"), std::string::npos) << all;
  EXPECT_NE(all.find(":6:85: error: aliases names a companion file of ofac-sdn-csv only"), std::string::npos) << all;
  EXPECT_NE(all.find(":7:65: error: addresses is for a list fetched from a URL"), std::string::npos) << all;
  EXPECT_NE(all.find(":8:23: error: source is not a valid URL"), std::string::npos) << all;
  EXPECT_NE(all.find(":10:51: error: unknown event kind 'news' (expected alerts or lists)"), std::string::npos) << all;
  EXPECT_NE(all.find(":11:28: error: events must name at least one of alerts, lists"), std::string::npos) << all;
}

}  // namespace sanctwatch::config
