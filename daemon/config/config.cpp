#include "config/config.hpp"

#include "core/mailbox.hpp"

#include <curl/curl.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>

namespace sanctwatch::config {

namespace {

// Parses "<number><unit>" runs; `unit_value` maps a unit to its multiplier or 0 if unknown.
template <class F>
std::optional<std::uint64_t> parse_units(std::string_view s, F unit_value, bool allow_chain) {
  if (s.empty()) return std::nullopt;
  std::uint64_t total = 0;
  std::size_t i = 0;
  int parts = 0;
  while (i < s.size()) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    std::uint64_t n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
      n = n * 10 + static_cast<std::uint64_t>(s[i++] - '0');
    }
    std::size_t u = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    const std::uint64_t mult = unit_value(s.substr(u, i - u));
    if (mult == 0) return std::nullopt;
    if (n != 0 && mult > UINT64_MAX / n) return std::nullopt;
    total += n * mult;
    if (++parts > 1 && !allow_chain) return std::nullopt;
  }
  return total;
}

}  // namespace

std::string_view to_string(full_text_mode m) {
  switch (m) {
    case full_text_mode::always:
      return "always";
    case full_text_mode::never:
      return "never";
    case full_text_mode::auto_:
      break;
  }
  return "auto";
}

std::optional<seconds> parse_duration(std::string_view s) {
  auto v = parse_units(
      s,
      [](std::string_view u) -> std::uint64_t {
        if (u.empty() || u == "s") return 1;
        if (u == "m") return 60;
        if (u == "h") return 3600;
        if (u == "d") return 86400;
        if (u == "w") return 7 * 86400;
        return 0;
      },
      true);
  if (!v || *v > (1ull << 40)) return std::nullopt;
  return seconds{static_cast<seconds::rep>(*v)};
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
  return parse_units(
      s,
      [](std::string_view u) -> std::uint64_t {
        std::string l(u);
        for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (l.empty() || l == "b") return 1;
        if (l == "k" || l == "kb") return 1000;
        if (l == "kib") return 1024;
        if (l == "m" || l == "mb") return 1000 * 1000;
        if (l == "mib") return 1024 * 1024;
        if (l == "g" || l == "gb") return 1000ull * 1000 * 1000;
        if (l == "gib") return 1024ull * 1024 * 1024;
        return 0;
      },
      false);
}

std::string resolve_path(const config& c, const std::string& p) {
  if (p.empty() || p.front() == '/' || p.find("://") != std::string::npos) return p;
  const std::filesystem::path dir = std::filesystem::path(c.file).parent_path();
  return dir.empty() ? p : (dir / p).lexically_normal().string();
}

std::string resolve_url(const config& c, const std::string& url) {
  if (url.rfind("file:", 0) != 0 || url.rfind("file://", 0) == 0) return url;
  return "file://" + std::filesystem::absolute(resolve_path(c, url.substr(5))).lexically_normal().string();
}

namespace {

struct url_deleter {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
struct curl_free_deleter {
  void operator()(char* p) const noexcept { curl_free(p); }
};

// A part of a parsed URL, decoded; empty when absent.
std::string url_part(CURLU* u, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, CURLU_URLDECODE) != CURLUE_OK || !raw) return {};
  const std::unique_ptr<char, curl_free_deleter> owned(raw);
  return raw;
}

}  // namespace

result<std::string> expand_env(const std::string& s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto open = s.find("${", i);
    if (open == std::string::npos) break;
    const auto close = s.find('}', open + 2);
    if (close == std::string::npos) break;
    out.append(s, i, open - i);
    const std::string name = s.substr(open + 2, close - open - 2);
    const char* v = std::getenv(name.c_str());
    if (!v) return error{"env", "environment variable " + name + " is not set"};
    out += v;
    i = close + 1;
  }
  out.append(s, i, std::string::npos);
  return out;
}

result<url_parts> parse_url(const std::string& url,
                            std::initializer_list<std::string_view> schemes) {
  const std::unique_ptr<CURLU, url_deleter> u(curl_url());
  if (!u) return error{"bad_url", "URL parser unavailable"};
  // libcurl refuses an http(s) URL without a host ("http://", "http://user@") by itself.
  if (const CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK)
    return error{"bad_url", std::string("is not a valid URL (") + curl_url_strerror(rc) + ")"};
  url_parts p{url_part(u.get(), CURLUPART_SCHEME), url_part(u.get(), CURLUPART_USER),
              url_part(u.get(), CURLUPART_PASSWORD)};
  std::transform(p.scheme.begin(), p.scheme.end(), p.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(schemes.begin(), schemes.end(), p.scheme) == schemes.end()) {
    std::string list;
    for (auto s : schemes) list += (list.empty() ? "" : " or ") + std::string(s) + "://";
    return error{"bad_url", "must start with " + list};
  }
  return p;
}

namespace {

bool is_url(std::string_view u, bool allow_file) {
  return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0 ||
         (allow_file && u.rfind("file:", 0) == 0);
}

// ${ENV} parts of secret-bearing values are expanded when the config is loaded (service/),
// and the URL checked then.
bool has_env(std::string_view s) { return s.find("${") != std::string_view::npos; }

// Reads one document, collecting every error with its position.
class reader {
 public:
  reader(std::string_view src, std::string file, std::vector<diagnostic>& errors)
      : src_(src), file_(std::move(file)), errors_(errors) {}

  void error(const YAML::Mark& m, std::string msg) {
    const int line = m.line >= 0 ? m.line + 1 : 0;
    errors_.push_back({file_, line, m.column >= 0 ? m.column + 1 : 0, std::move(msg),
                       std::string(line_of(src_, line))});
  }
  void error(const YAML::Node& n, std::string msg) { error(n.Mark(), std::move(msg)); }

  /// Checks that `n` is a mapping whose keys are all in `allowed`. Keys in `misplaced` are
  /// known elsewhere: the caller says why they do not belong here.
  bool mapping(const YAML::Node& n, std::string_view what,
               std::initializer_list<std::string_view> allowed,
               std::initializer_list<std::string_view> misplaced = {}) {
    if (!n.IsMap()) {
      error(n, std::string(what) + " must be a mapping");
      return false;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      if (std::find(misplaced.begin(), misplaced.end(), key) != misplaced.end()) continue;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(it->first, "unknown key '" + key + "' in " + std::string(what) + " (expected one of: " + list + ")");
      }
    }
    return true;
  }

  /// A string value, `${NAME}` expanded (expand_env), but for the secrets and what carries
  /// them, which the daemon expands at load where no message shows them.
  std::optional<std::string> string(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
      error(n, std::string(what) + " must be a string");
      return std::nullopt;
    }
    static const std::set<std::string_view> secret_bearing = {
        "url", "username", "password", "password_file", "secret", "secret entries", "secret_file"};
    if (secret_bearing.count(what) || !has_env(n.Scalar())) return n.Scalar();
    auto v = expand_env(n.Scalar());
    if (!v) {
      error(n, std::string(what) + ": " + v.err().message);
      return std::nullopt;
    }
    return *v;
  }

  std::optional<std::int64_t> integer(const YAML::Node& n, std::string_view what, std::int64_t lo,
                                      std::int64_t hi) {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      std::int64_t v = 0;
      bool digits = !s.empty() && s.size() < 18;
      for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
      if (digits) {
        v = std::stoll(s);
        if (v >= lo && v <= hi) return v;
      }
    }
    error(n, std::string(what) + " must be a whole number from " + std::to_string(lo) + " to " +
                 std::to_string(hi));
    return std::nullopt;
  }

  std::optional<bool> boolean(const YAML::Node& n, std::string_view what) {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s == "true" || s == "yes" || s == "on") return true;
      if (s == "false" || s == "no" || s == "off") return false;
    }
    error(n, std::string(what) + " must be true or false");
    return std::nullopt;
  }

  std::optional<full_text_mode> full_text(const YAML::Node& n, std::string_view what) {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s == "auto") return full_text_mode::auto_;
      if (s == "always") return full_text_mode::always;
      if (s == "never") return full_text_mode::never;
    }
    error(n, std::string(what) + " must be auto, always or never");
    return std::nullopt;
  }

  std::optional<seconds> duration(const YAML::Node& n, std::string_view what, seconds min = seconds{0}) {
    if (n.IsScalar())
      if (auto d = parse_duration(n.Scalar())) {
        if (*d >= min) return d;
        error(n, std::string(what) + " must be at least " + std::to_string(min.count()) + "s");
        return std::nullopt;
      }
    error(n, std::string(what) + " must be a duration such as 90s, 15m, 1h30m or 2d");
    return std::nullopt;
  }

  std::vector<std::string> strings(const YAML::Node& n, std::string_view what) {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      if (auto s = string(n, what)) out.push_back(*s);
    } else if (n.IsSequence()) {
      for (const auto& e : n)
        if (auto s = string(e, std::string(what) + " entries")) out.push_back(*s);
    } else {
      error(n, std::string(what) + " must be a string or a list of strings");
    }
    return out;
  }

  /// An http(s) URL as libcurl reads it; one with ${ENV} parts waits until they are expanded.
  void check_web_url(const YAML::Node& n, const std::string& url, std::string_view key = "url") {
    if (has_env(url)) return;
    if (auto u = parse_url(url, {"http", "https"}); !u)
      error(n, std::string(key) + " " + u.err().message);
  }

  /// yaml-cpp keeps every entry of a repeated key and answers lookups with the first, so a
  /// second `state:` would be silently ignored: each repeat is an error at its own mark.
  void repeated_keys(const YAML::Node& root) {
    struct repeat {
      YAML::Mark at;
      std::string key;
      int first_line;
    };
    std::vector<repeat> repeats;
    // Containers are told apart by where they start: an alias is the node it names, so a
    // self-referencing anchor is walked once.
    std::set<int> walked;
    std::vector<YAML::Node> todo{root};
    while (!todo.empty()) {
      const YAML::Node n = todo.back();
      todo.pop_back();
      if (!(n.IsMap() || n.IsSequence()) || !walked.insert(n.Mark().pos).second) continue;
      if (n.IsSequence()) {
        for (const auto& e : n) todo.push_back(e);
        continue;
      }
      std::map<std::string, int> first_line;
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (it->first.IsScalar()) {
          const auto [at, fresh] =
              first_line.emplace(it->first.Scalar(), it->first.Mark().line + 1);
          if (!fresh) repeats.push_back({it->first.Mark(), at->first, at->second});
        }
        todo.push_back(it->second);
      }
    }
    std::sort(repeats.begin(), repeats.end(),
              [](const repeat& a, const repeat& b) { return a.at.pos < b.at.pos; });
    for (const auto& r : repeats)
      error(r.at, "duplicate key '" + r.key + "' (first on line " +
                      std::to_string(r.first_line) + ")");
  }

  std::map<std::string, std::string> string_map(const YAML::Node& n, std::string_view what) {
    std::map<std::string, std::string> out;
    if (!n.IsMap()) {
      error(n, std::string(what) + " must be a mapping of names to strings");
      return out;
    }
    for (auto it = n.begin(); it != n.end(); ++it)
      if (auto v = string(it->second, std::string(what) + " values"))
        out[it->first.as<std::string>()] = *v;
    return out;
  }

  void read(const YAML::Node& root, config& c);

 private:
  void read_feed(const YAML::Node& n, config& c);
  void read_sink(const YAML::Node& n, config& c);
  void read_email(const YAML::Node& n, sink& s);
  void read_entity_list(const YAML::Node& n, config& c);
  void read_web(const YAML::Node& n, web_settings& w);

  std::string_view src_;
  std::string file_;
  std::vector<diagnostic>& errors_;
  std::set<std::string> feed_ids_, sink_names_, list_names_;
};

void reader::read_feed(const YAML::Node& n, config& c) {
  if (n.IsMap() && n["opml"]) {
    if (!mapping(n, "an opml entry", {"opml", "interval", "tags"})) return;
    opml_source o;
    o.line = n.Mark().line + 1;
    if (auto p = string(n["opml"], "opml")) o.path = *p;
    if (n["interval"]) o.interval = duration(n["interval"], "interval", seconds{60});
    if (n["tags"]) o.tags = strings(n["tags"], "tags");
    c.opml.push_back(std::move(o));
    return;
  }
  if (!mapping(n, "a feed", {"id", "url", "password_file", "interval", "headers", "tags",
                             "user_agent", "enabled", "adaptive", "max_new_items", "full_text"}))
    return;
  feed f;
  f.line = n.Mark().line + 1;
  if (!n["id"]) error(n, "a feed needs an id");
  if (!n["url"]) error(n, "a feed needs a url");
  if (n["id"])
    if (auto id = string(n["id"], "id")) {
      f.id = *id;
      if (f.id.empty()) error(n["id"], "a feed id must not be empty");
      else if (!feed_ids_.insert(f.id).second) error(n["id"], "duplicate feed id '" + f.id + "'");
    }
  if (n["url"])
    if (auto u = string(n["url"], "url")) {
      f.url = *u;
      if (!is_url(f.url, true) && !has_env(f.url))
        error(n["url"], "url must start with http://, https://, file:// or file: (a path relative to this file)");
      else if (f.url.rfind("file:", 0) != 0)
        check_web_url(n["url"], f.url);
    }
  if (n["password_file"])
    if (auto v = string(n["password_file"], "password_file")) {
      f.password_file = *v;
      if (f.url.rfind("file:", 0) == 0)
        error(n["password_file"], "password_file needs an http(s) url");
    }
  if (n["interval"]) f.interval = duration(n["interval"], "interval", seconds{60});
  if (n["headers"]) f.headers = string_map(n["headers"], "headers");
  if (n["tags"]) f.tags = strings(n["tags"], "tags");
  if (n["user_agent"])
    if (auto s = string(n["user_agent"], "user_agent")) f.user_agent = *s;
  if (n["enabled"])
    if (auto b = boolean(n["enabled"], "enabled")) f.enabled = *b;
  if (n["adaptive"]) f.adaptive = boolean(n["adaptive"], "adaptive");
  if (n["max_new_items"])
    if (auto v = integer(n["max_new_items"], "max_new_items", 1, 1000000))
      f.max_new_items = static_cast<int>(*v);
  if (n["full_text"]) f.full_text = full_text(n["full_text"], "full_text");
  c.feeds.push_back(std::move(f));
}

void reader::read_sink(const YAML::Node& n, config& c) {
  if (!n.IsMap() || !n["type"]) {
    error(n, "a sink needs a type (stdout, jsonl, journald, syslog, webhook, slack, teams, discord, mattermost, email)");
    return;
  }
  sink s;
  s.line = n.Mark().line + 1;
  if (auto t = string(n["type"], "type")) s.type = *t;
  static const std::set<std::string> chat = {"slack", "teams", "discord", "mattermost"};
  const bool common_ok = [&] {
    if (s.type == "stdout")
      return mapping(n, "a stdout sink",
                     {"type", "name", "min_severity", "tags", "exclude_tags", "rules", "events", "format"},
                     {"digest"});
    if (s.type == "journald")
      return mapping(n, "a journald sink",
                     {"type", "name", "min_severity", "tags", "exclude_tags", "rules"}, {"digest"});
    if (s.type == "syslog")
      return mapping(n, "a syslog sink",
                     {"type", "name", "min_severity", "tags", "exclude_tags", "rules", "events", "socket",
                      "format"},
                     {"digest"});
    if (s.type == "jsonl")
      return mapping(n, "a jsonl sink",
                     {"type", "name", "min_severity", "tags", "exclude_tags", "rules", "events", "path"},
                     {"digest"});
    if (s.type == "webhook")
      return mapping(n, "a webhook sink",
                     {"type", "name", "min_severity", "tags", "exclude_tags", "rules", "events", "url",
                      "secret", "secret_file", "headers", "timeout"},
                     {"digest"});
    if (chat.count(s.type))
      return mapping(n, "a " + s.type + " sink",
                     {"type", "name", "min_severity", "tags", "exclude_tags", "rules", "events", "url",
                      "headers", "timeout", "digest"});
    if (s.type == "email")
      return mapping(
          n, "an email sink",
          {"type", "name", "min_severity", "tags", "exclude_tags", "rules", "events", "url", "from", "to",
           "username", "password", "password_file", "starttls", "timeout", "digest"});
    error(n["type"], "unknown sink type '" + s.type +
                         "' (expected stdout, jsonl, journald, syslog, webhook, slack, teams, discord, mattermost or email)");
    return false;
  }();
  if (!common_ok) return;
  s.name = s.type;
  if (n["name"])
    if (auto v = string(n["name"], "name")) s.name = *v;
  for (int i = 2; !n["name"] && sink_names_.count(s.name); ++i) s.name = s.type + "-" + std::to_string(i);
  if (!sink_names_.insert(s.name).second) error(n["name"], "duplicate sink name '" + s.name + "'");
  if (n["min_severity"])
    if (auto v = string(n["min_severity"], "min_severity")) {
      if (auto sev = parse_severity(*v)) s.min_severity = *sev;
      else error(n["min_severity"], "min_severity must be info, low, medium, high or critical");
    }
  if (n["tags"]) s.tags = strings(n["tags"], "tags");
  if (n["exclude_tags"]) s.exclude_tags = strings(n["exclude_tags"], "exclude_tags");
  if (n["rules"]) s.rules = strings(n["rules"], "rules");
  if (n["events"]) {
    s.events = strings(n["events"], "events");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      const auto& at = n["events"].IsSequence() ? n["events"][i] : n["events"];
      if (s.events[i] != "alerts" && s.events[i] != "lists")
        error(at, "unknown event kind '" + s.events[i] + "' (expected alerts or lists)");
      else if (!seen.insert(s.events[i]).second)
        error(at, "event kind '" + s.events[i] + "' given twice");
    }
    if (n["events"].IsSequence() && n["events"].size() == 0)
      error(n["events"], "events must name at least one of alerts, lists");
  }
  if (n["digest"]) {
    // People read one message per period; machines and logs take every alert as it comes.
    if (s.type == "email" || chat.count(s.type)) {
      if (auto d = duration(n["digest"], "digest", seconds{1})) s.digest = *d;
    } else {
      for (auto it = n.begin(); it != n.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == "digest")
          error(it->first,
                "digest collects alerts for people: only email and chat sinks (slack, teams, "
                "discord, mattermost) take it; a " +
                    s.type + " sink delivers each alert as it comes");
    }
  }
  if (s.type == "stdout" && n["format"])
    if (auto v = string(n["format"], "format")) {
      s.format = *v;
      if (s.format != "auto" && s.format != "text" && s.format != "json")
        error(n["format"], "format must be auto, text or json");
    }
  if (s.type == "syslog") {
    s.format = "rfc3164";
    s.path = "/dev/log";
    if (n["format"])
      if (auto v = string(n["format"], "format")) {
        s.format = *v;
        if (s.format != "rfc3164" && s.format != "rfc5424")
          error(n["format"], "format must be rfc3164 (local syslog daemons, journald) or rfc5424");
      }
    if (n["socket"])
      if (auto v = string(n["socket"], "socket")) {
        s.path = *v;
        if (s.path.empty() || s.path[0] != '/') error(n["socket"], "socket must be an absolute path");
      }
  }
  if (s.type == "jsonl") {
    if (!n["path"]) error(n, "a jsonl sink needs a path");
    else if (auto v = string(n["path"], "path")) s.path = *v;
  }
  if (s.type == "webhook" || chat.count(s.type)) {
    if (!n["url"]) error(n, "a " + s.type + " sink needs a url");
    else if (auto v = string(n["url"], "url")) {
      s.url = *v;
      if (!is_url(s.url, false) && !has_env(s.url))
        error(n["url"], "url must start with http:// or https://");
      else
        check_web_url(n["url"], s.url);
    }
    if (n["timeout"])
      if (auto d = duration(n["timeout"], "timeout", seconds{1})) s.timeout = *d;
  }
  if (s.type == "webhook") {
    if (n["secret"] && n["secret_file"]) error(n["secret_file"], "give secret or secret_file, not both");
    if (n["secret"]) s.secrets = strings(n["secret"], "secret");
    if (n["secret_file"])
      if (auto v = string(n["secret_file"], "secret_file")) s.secret_file = *v;
  }
  if ((s.type == "webhook" || chat.count(s.type)) && n["headers"])
    s.headers = string_map(n["headers"], "headers");
  if (s.type == "email") read_email(n, s);
  c.sinks.push_back(std::move(s));
}

void reader::read_email(const YAML::Node& n, sink& s) {
  s.timeout = seconds{30};  // greeting, EHLO, STARTTLS, AUTH and DATA: more round trips than a POST
  bool smtps = false;
  if (!n["url"]) error(n, "an email sink needs a url (smtp://host:port or smtps://host:port)");
  else if (auto v = string(n["url"], "url")) {
    s.url = *v;
    if (!has_env(s.url)) {
      if (auto u = parse_url(s.url, {"smtp", "smtps"}); !u)
        error(n["url"], "url " + u.err().message);
      else if (!u->user.empty() || !u->password.empty())
        error(n["url"], "give username and password as keys of the sink, not in the url");
      else
        smtps = u->scheme == "smtps";
    }
  }
  if (!n["from"]) error(n, "an email sink needs a from address");
  else if (auto v = string(n["from"], "from")) {
    s.from = *v;
    if (auto m = parse_mailbox(s.from); !m) error(n["from"], "from: " + m.err().message);
  }
  if (!n["to"]) error(n, "an email sink needs at least one to address");
  else {
    s.to = strings(n["to"], "to");
    if (n["to"].IsSequence() && n["to"].size() == 0) error(n["to"], "an email sink needs at least one to address");
    for (std::size_t i = 0; i < s.to.size(); ++i)
      if (auto m = parse_mailbox(s.to[i]); !m)
        error(n["to"].IsSequence() ? n["to"][i] : n["to"], "to: " + m.err().message);
  }
  if (n["username"])
    if (auto v = string(n["username"], "username")) s.username = *v;
  if (n["password"] && n["password_file"]) error(n["password_file"], "give password or password_file, not both");
  if (n["password"])
    if (auto v = string(n["password"], "password")) s.password = *v;
  if (n["password_file"])
    if (auto v = string(n["password_file"], "password_file")) s.password_file = *v;
  const bool has_password = !s.password.empty() || !s.password_file.empty();
  if (has_password && s.username.empty())
    error(n["password"] ? n["password"] : n["password_file"], "a password needs a username");
  if (!s.username.empty() && !has_password)
    error(n["username"], "a username needs a password or password_file");
  if (n["starttls"])
    if (auto b = boolean(n["starttls"], "starttls")) {
      s.starttls = *b;
      if (!*b && smtps)
        error(n["starttls"], "starttls: false contradicts smtps://, which is TLS from the start");
      else if (!*b && has_password)
        error(n["starttls"], "a password is only sent over TLS: keep starttls on or use smtps://");
    }
  if (n["timeout"])
    if (auto d = duration(n["timeout"], "timeout", seconds{1})) s.timeout = *d;
}

void reader::read_entity_list(const YAML::Node& n, config& c) {
  if (!mapping(n, "an entity list",
               {"name", "source", "format", "refresh", "lookback", "max_shrink", "aliases",
                "addresses", "types"}))
    return;
  static const std::set<std::string> formats = {"yaml",   "ofac-sdn-csv", "ofac-sdn-xml",
                                                "csl-csv", "opensanctions-ftm", "uk-csv",
                                                "eu-fsf-xml", "un-sc-xml"};
  entity_source e;
  e.line = n.Mark().line + 1;
  for (const char* k : {"name", "source", "format"})
    if (!n[k]) error(n, std::string("an entity list needs a ") + k);
  if (n["name"])
    if (auto v = string(n["name"], "name")) {
      e.name = *v;
      if (!list_names_.insert(e.name).second) error(n["name"], "duplicate entity list '" + e.name + "'");
    }
  if (n["source"])
    if (auto v = string(n["source"], "source")) {
      e.source = *v;
      if (e.from_url()) check_web_url(n["source"], e.source, "source");
      else if (e.source.find("://") != std::string::npos)
        error(n["source"], "source must be a path or an http:// or https:// URL");
    }
  if (n["format"])
    if (auto v = string(n["format"], "format")) {
      e.format = *v;
      if (!formats.count(e.format))
        error(n["format"], "unknown format '" + e.format +
                               "' (expected yaml, ofac-sdn-csv, ofac-sdn-xml, csl-csv, opensanctions-ftm, "
                               "uk-csv, eu-fsf-xml or un-sc-xml)");
    }
  if (n["refresh"])
    if (auto d = duration(n["refresh"], "refresh", seconds{60})) e.refresh = *d;
  if (n["lookback"])
    if (auto d = duration(n["lookback"], "lookback")) e.lookback = *d;
  if (n["max_shrink"]) {
    const auto& m = n["max_shrink"];
    std::optional<double> v;
    if (m.IsScalar()) {
      std::string t = m.Scalar();
      const bool percent = !t.empty() && t.back() == '%';
      if (percent) t.pop_back();
      char* end = nullptr;
      const double d = t.empty() ? -1 : std::strtod(t.c_str(), &end);
      if (end && *end == '\0' && d >= 0 && d <= 100) v = d / 100;
    }
    if (v) e.max_shrink = *v;
    else error(m, "max_shrink must be a percentage from 0% to 100%, such as 20%");
  }
  for (const char* k : {"aliases", "addresses"})
    if (n[k])
      if (auto v = string(n[k], k)) {
        if (e.format != "ofac-sdn-csv")
          error(n[k], std::string(k) + " names a companion file of ofac-sdn-csv only");
        else if (!e.from_url())
          error(n[k], std::string(k) + " is for a list fetched from a URL; a list on disk has "
                      "alt.csv and add.csv beside it");
        else if (!is_url(*v, false))
          error(n[k], std::string(k) + " must be an http:// or https:// URL");
        else
          check_web_url(n[k], *v, k);
        (std::string(k) == "aliases" ? e.aliases : e.addresses) = *v;
      }
  if (n["types"]) e.types = strings(n["types"], "types");
  c.entity_lists.push_back(std::move(e));
}

void reader::read(const YAML::Node& root, config& c) {
  if (root.IsNull()) {
    errors_.push_back({file_, 0, 0, "the config is empty", ""});
    return;
  }
  if (!mapping(root, "the config", {"state", "node", "rules", "rules_allow_empty", "feeds", "entity_lists",
                                    "sinks", "network", "defaults", "stories", "alerts", "metrics", "web"}))
    return;
  repeated_keys(root);
  if (const auto& n = root["state"]) {
    if (mapping(n, "state", {"path", "url", "password", "password_file", "lease", "retention",
                             "delivered_retention", "text_retention"})) {
      if (n["path"])
        if (auto v = string(n["path"], "state.path")) {
          c.state.path = *v;
          if (v->rfind("postgresql://", 0) == 0 || v->rfind("postgres://", 0) == 0)
            error(n["path"], "state.path is a file; a PostgreSQL state goes in state.url");
        }
      if (n["url"])
        if (auto v = string(n["url"], "state.url")) {
          c.state.url = *v;
          if (n["path"]) error(n["url"], "state: give path (SQLite) or url (PostgreSQL), not both");
          else if (!has_env(*v) && v->rfind("postgresql://", 0) != 0 &&
                   v->rfind("postgres://", 0) != 0)
            error(n["url"], "state.url must be a postgresql:// URI");
        }
      for (const char* key : {"password", "password_file"})
        if (n[key] && !n["url"]) error(n[key], std::string("state.") + key + " needs state.url");
      if (n["password"] && n["password_file"])
        error(n["password_file"], "give state.password or state.password_file, not both");
      if (n["password"])
        if (auto v = string(n["password"], "state.password")) c.state.password = *v;
      if (n["password_file"])
        if (auto v = string(n["password_file"], "state.password_file")) c.state.password_file = *v;
      if (n["lease"])
        if (auto d = duration(n["lease"], "state.lease", seconds{10})) {
          if (*d > seconds{3600}) error(n["lease"], "state.lease must be at most 1h");
          else c.state.lease = *d;
        }
      if (n["retention"])
        if (auto d = duration(n["retention"], "state.retention", seconds{3600})) c.state.retention = *d;
      if (n["delivered_retention"])
        if (auto d = duration(n["delivered_retention"], "state.delivered_retention", seconds{3600}))
          c.state.delivered_retention = *d;
      if (n["text_retention"])
        if (auto d = duration(n["text_retention"], "state.text_retention"))
          c.state.text_retention = *d;
    }
  }
  if (const auto& n = root["node"])
    if (auto v = string(n, "node")) {
      const bool plain = !v->empty() && v->size() <= 64 &&
                         std::all_of(v->begin(), v->end(), [](unsigned char ch) {
                           return std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == ':';
                         });
      if (!plain) error(n, "node must be 1-64 letters, digits, '.', '-', '_' or ':'");
      else c.node = *v;
    }
  // A text outliving its item could never be looked at: the item's row is what names it.
  c.state.text_retention = std::min(c.state.text_retention, c.state.retention);
  if (const auto& n = root["rules"]) c.rules = strings(n, "rules");
  if (const auto& n = root["rules_allow_empty"])
    if (auto b = boolean(n, "rules_allow_empty")) c.rules_allow_empty = *b;
  if (const auto& n = root["feeds"]) {
    if (!n.IsSequence()) error(n, "feeds must be a list");
    else for (const auto& f : n) read_feed(f, c);
  }
  if (const auto& n = root["entity_lists"]) {
    if (!n.IsSequence()) error(n, "entity_lists must be a list");
    else for (const auto& e : n) read_entity_list(e, c);
  }
  if (const auto& n = root["sinks"]) {
    if (!n.IsSequence()) error(n, "sinks must be a list");
    else for (const auto& s : n) read_sink(s, c);
  }
  if (const auto& n = root["network"]) {
    if (mapping(n, "network",
                {"per_host", "max_parallel", "timeout", "low_speed_time", "max_body",
                 "max_redirects", "user_agent", "ca_file", "allow_private", "proxy"})) {
      if (n["per_host"])
        if (auto v = integer(n["per_host"], "network.per_host", 1, 64)) c.network.per_host = static_cast<int>(*v);
      if (n["max_parallel"])
        if (auto v = integer(n["max_parallel"], "network.max_parallel", 1, 4096))
          c.network.max_parallel = static_cast<int>(*v);
      if (n["timeout"])
        if (auto d = duration(n["timeout"], "network.timeout", seconds{1})) c.network.timeout = *d;
      if (n["low_speed_time"])
        if (auto d = duration(n["low_speed_time"], "network.low_speed_time", seconds{1}))
          c.network.low_speed_time = *d;
      if (n["max_body"]) {
        auto v = n["max_body"].IsScalar() ? parse_size(n["max_body"].Scalar()) : std::nullopt;
        if (v && *v >= 1024) c.network.max_body = *v;
        else error(n["max_body"], "network.max_body must be a size of at least 1KiB, such as 16MiB");
      }
      if (n["max_redirects"])
        if (auto v = integer(n["max_redirects"], "network.max_redirects", 0, 50))
          c.network.max_redirects = static_cast<int>(*v);
      if (n["user_agent"])
        if (auto v = string(n["user_agent"], "network.user_agent")) c.network.user_agent = *v;
      if (n["ca_file"])
        if (auto v = string(n["ca_file"], "network.ca_file")) {
          c.network.ca_file = resolve_path(c, *v);
          if (!std::filesystem::is_regular_file(c.network.ca_file))
            error(n["ca_file"], "network.ca_file: no such file: " + c.network.ca_file);
        }
      if (const auto& a = n["allow_private"]) {
        if (!a.IsSequence())
          error(a, "network.allow_private must be a list of networks, such as [10.0.0.0/8]");
        else
          for (const auto& e : a)
            if (auto text = string(e, "network.allow_private entries")) {
              std::string why;
              if (auto net = parse_ip_network(*text, why))
                c.network.allow_private.push_back(*net);
              else
                error(e, "network.allow_private: " + why);
            }
      }
      if (n["proxy"])
        if (auto v = string(n["proxy"], "network.proxy")) {
          c.network.proxy = *v;
          if (!is_url(*v, false))
            error(n["proxy"], "network.proxy must start with http:// or https://");
        }
    }
  }
  if (const auto& n = root["defaults"]) {
    if (mapping(n, "defaults", {"interval", "adaptive", "max_new_items", "full_text",
                                "full_text_max_age", "full_text_rate"})) {
      if (n["interval"])
        if (auto d = duration(n["interval"], "defaults.interval", seconds{60})) c.defaults.interval = *d;
      if (n["adaptive"])
        if (auto b = boolean(n["adaptive"], "defaults.adaptive")) c.defaults.adaptive = *b;
      if (n["max_new_items"])
        if (auto v = integer(n["max_new_items"], "defaults.max_new_items", 1, 1000000))
          c.defaults.max_new_items = static_cast<int>(*v);
      if (n["full_text"])
        if (auto m = full_text(n["full_text"], "defaults.full_text")) c.defaults.full_text = *m;
      if (n["full_text_max_age"])
        if (auto d = duration(n["full_text_max_age"], "defaults.full_text_max_age", seconds{60}))
          c.defaults.full_text_max_age = *d;
      if (n["full_text_rate"])
        if (auto v = integer(n["full_text_rate"], "defaults.full_text_rate", 1, 600))
          c.defaults.full_text_rate = static_cast<int>(*v);
    }
  }
  if (const auto& n = root["stories"]) {
    if (mapping(n, "stories", {"enabled", "window"})) {
      if (n["enabled"])
        if (auto b = boolean(n["enabled"], "stories.enabled")) c.stories.enabled = *b;
      if (n["window"])
        if (auto d = duration(n["window"], "stories.window", seconds{60})) c.stories.window = *d;
    }
  }
  if (const auto& n = root["alerts"]) {
    if (mapping(n, "alerts", {"max_evidence"})) {
      if (n["max_evidence"])
        if (auto v = integer(n["max_evidence"], "alerts.max_evidence", 1, 20))
          c.alerts.max_evidence = static_cast<int>(*v);
    }
  }
  if (const auto& n = root["metrics"]) {
    if (mapping(n, "metrics", {"listen", "request_timeout", "max_connections"})) {
      if (n["listen"])
        if (auto v = string(n["listen"], "metrics.listen")) {
          c.metrics.listen = *v;
          const auto colon = v->rfind(':');
          if (colon == std::string::npos || colon + 1 == v->size())
            error(n["listen"], "metrics.listen must be HOST:PORT, such as 127.0.0.1:9464");
        }
      if (n["request_timeout"])
        if (auto d = duration(n["request_timeout"], "metrics.request_timeout", seconds{1}))
          c.metrics.request_timeout = *d;
      if (n["max_connections"])
        if (auto v = integer(n["max_connections"], "metrics.max_connections", 1, 1024))
          c.metrics.max_connections = static_cast<int>(*v);
    }
  }
  if (const auto& n = root["web"]) read_web(n, c.web);
}

void reader::read_web(const YAML::Node& n, web_settings& w) {
  if (!mapping(n, "web", {"listen", "public_read", "users", "threads", "request_timeout"})) return;
  if (n["listen"])
    if (auto v = string(n["listen"], "web.listen")) {
      w.listen = *v;
      const auto colon = v->rfind(':');
      if (colon == std::string::npos || colon + 1 == v->size())
        error(n["listen"], "web.listen must be HOST:PORT, such as 127.0.0.1:8080");
    }
  if (n["public_read"])
    if (auto v = boolean(n["public_read"], "web.public_read")) w.public_read = *v;
  if (n["threads"])
    if (auto v = integer(n["threads"], "web.threads", 1, 64)) w.threads = static_cast<int>(*v);
  if (n["request_timeout"])
    if (auto d = duration(n["request_timeout"], "web.request_timeout", seconds{1}))
      w.request_timeout = *d;
  if (const auto& users = n["users"]) {
    if (!users.IsSequence()) {
      error(users, "web.users must be a list of {name, password_hash}");
    } else {
      for (const auto& u : users) {
        if (!mapping(u, "a web user", {"name", "password_hash"})) continue;
        web_user user;
        if (u["name"])
          if (auto v = string(u["name"], "web.users[].name")) user.name = *v;
        if (u["password_hash"])
          if (auto v = string(u["password_hash"], "web.users[].password_hash"))
            user.password_hash = *v;
        if (user.name.empty() || user.name.find_first_of(":\r\n") != std::string::npos) {
          error(u, "a web user needs a name without ':' or line breaks");
          continue;
        }
        if (user.password_hash.rfind("$argon2id$", 0) != 0) {
          error(u["password_hash"] ? u["password_hash"] : u,
                "web user '" + user.name +
                    "': password_hash must be an argon2id hash ($argon2id$...): make one with "
                    "`sanctwatch passwd`");
          continue;
        }
        for (const auto& other : w.users)
          if (other.name == user.name) error(u, "web user '" + user.name + "' is listed twice");
        w.users.push_back(std::move(user));
      }
    }
  }
  if (!w.listen.empty() && !w.public_read && w.users.empty())
    error(n, "web: nobody could read the page: add users or set public_read: true");
}

}  // namespace

load_result parse(std::string_view yaml, std::string_view file_name) {
  load_result r;
  r.value.file = std::string(file_name);
  reader rd(yaml, std::string(file_name), r.errors);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    rd.error(e.mark, e.msg);
    return r;
  }
  try {
    rd.read(root, r.value);
  } catch (const YAML::Exception& e) {
    rd.error(e.mark, e.msg);
  }
  return r;
}

}  // namespace sanctwatch::config
