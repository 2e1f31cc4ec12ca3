#include "service/runtime.hpp"

#include <asio.hpp>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/log.hpp"
#include "core/time.hpp"
#include "core/version.hpp"
#include "core/uri.hpp"
#include "engine/alert.hpp"
#include "engine/load.hpp"
#include "service/dispatcher.hpp"
#include "service/lookback.hpp"
#include "service/metrics.hpp"
#include "service/opml.hpp"
#include "service/pipeline.hpp"
#include "service/state_lock.hpp"
#include "sinks/chat_sink.hpp"
#include "sinks/email_sink.hpp"
#include "sinks/file_sink.hpp"
#include "sinks/signing.hpp"
#include "sinks/webhook_sink.hpp"
#include "sinks/journal_sink.hpp"
#include "store/store.hpp"
#include "web/server.hpp"

namespace sanctwatch::service {

using config::expand_env;

namespace {

bool read_file(const std::string& path, std::string& out, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = path + ": cannot open";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return true;
}

// The file a `password_file` or `secret_file` names: `${NAME}` in the path expanded (systemd's
// `${CREDENTIALS_DIRECTORY}/name`), relative to the config. Returns the path or the problem.
result<std::string> secret_path(const config::config& c, const std::string& written) {
  auto p = expand_env(written);
  if (!p) return p;
  return config::resolve_path(c, *p);
}

// One password, as the file holds it; editors end the file with a line break. Empty when the
// file could not be read or holds nothing, with `problem` saying why.
std::string read_password_file(const config::config& c, const std::string& written,
                               std::string& problem) {
  auto p = secret_path(c, written);
  if (!p) {
    problem = "password_file: " + p.err().message;
    return {};
  }
  std::string text, why;
  if (!read_file(*p, text, why)) {
    problem = "password_file " + why;
    return {};
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) problem = "password_file " + *p + " holds no password";
  return text;
}

// An http(s) feed URL for the poller: read by libcurl's URL API, its user and password moved
// into `spec` (libcurl gets them apart), so that the URL the poller stores, logs and puts in
// alerts carries none. Returns what is wrong with it, if anything, showing the URL redacted.
std::optional<std::string> take_url(const std::string& url, feed_spec& spec) {
  auto parts = config::parse_url(url, {"http", "https"});
  if (!parts) return "url " + redact_url(url) + " " + parts.err().message;
  spec.url = strip_userinfo(url);
  spec.user = std::move(parts->user);
  spec.password = std::move(parts->password);
  return std::nullopt;
}

// Why a jsonl sink cannot append to `path`, found at load: a missing or read-only directory
// would start a daemon whose every delivery fails. The state directory counts as there when
// it is missing, since `run` creates it before the sinks open.
std::optional<std::string> unwritable(const std::string& path, const std::string& state_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path file(path);
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  if (fs::is_directory(file, ec)) return path + " is a directory";
  if (fs::exists(file, ec)) {
    if (::access(path.c_str(), W_OK) == 0) return std::nullopt;
    return path + ": " + std::strerror(errno);
  }
  if (!fs::is_directory(dir, ec)) {
    const auto same = [&](const fs::path& a, const fs::path& b) {
      return fs::absolute(a, ec).lexically_normal() == fs::absolute(b, ec).lexically_normal();
    };
    if (!state_dir.empty() && same(dir, state_dir)) return std::nullopt;
    return path + ": directory " + dir.string() + " does not exist";
  }
  if (::access(dir.c_str(), W_OK | X_OK) == 0) return std::nullopt;
  return path + ": directory " + dir.string() + ": " + std::strerror(errno);
}

timestamp now_seconds() { return now_utc(); }

// Sockets, the state database and its journal share one descriptor limit, whose soft value
// is usually 1024 for the sake of select(), which nothing here uses; the hard limit is what
// the administrator granted. Returns the limit in force.
std::uint64_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    const auto before = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return before;
    log::info("file descriptor limit raised from " + std::to_string(before) + " to " +
              std::to_string(rl.rlim_cur));
  }
  return rl.rlim_cur;
}

}  // namespace


result<std::vector<std::shared_ptr<sinks::sink>>> make_sinks(const loaded_config& lc,
                                                             http::client& client) {
  std::vector<std::shared_ptr<sinks::sink>> out;
  const auto& c = lc.cfg;
  for (const auto& spec : lc.sinks) {
    const auto& s = spec.cfg;
    sinks::filter f{s.min_severity, s.tags, s.exclude_tags, s.rules};
    std::vector<std::pair<std::string, std::string>> headers(s.headers.begin(), s.headers.end());
    try {
      if (s.type == "stdout") {
        // Text or JSON lines, decided once here (a terminal now is a terminal for the run);
        // the config check has refused any other value.
        const auto format = sinks::stdout_format(s.format).value_or(sinks::file_format{});
        out.push_back(std::make_shared<sinks::file_sink>(s.name, f, "-", format));
      } else if (s.type == "jsonl") {
        out.push_back(std::make_shared<sinks::file_sink>(s.name, f, config::resolve_path(c, s.path)));
      } else if (s.type == "journald") {
        out.push_back(std::make_shared<sinks::journald_sink>(s.name, f));
      } else if (s.type == "syslog") {
        out.push_back(std::make_shared<sinks::syslog_sink>(
            s.name, f, s.path,
            s.format == "rfc5424" ? sinks::syslog_sink::line_format::rfc5424
                                  : sinks::syslog_sink::line_format::rfc3164));
      } else if (s.type == "webhook") {
        sinks::webhook_settings w{s.url, spec.secrets, headers, s.timeout};
        out.push_back(std::make_shared<sinks::webhook_sink>(s.name, f, std::move(w), client));
      } else if (auto svc = sinks::parse_chat_service(s.type)) {
        sinks::chat_settings cs{*svc, s.url, headers, s.timeout};
        out.push_back(std::make_shared<sinks::chat_sink>(s.name, f, std::move(cs), client));
      } else if (s.type == "email") {
        sinks::email_settings es;
        es.url = s.url;
        // Checked when the config was read; a failure here would be a bug, said at start.
        const auto address = [&](const std::string& text) {
          auto m = parse_mailbox(text);
          if (!m) throw std::invalid_argument(m.err().message);
          return *m;
        };
        es.from = address(s.from);
        for (const auto& to : s.to) es.to.push_back(address(to));
        es.username = s.username;
        es.password = spec.password;
        es.starttls = s.starttls;
        es.timeout = s.timeout;
        out.push_back(std::make_shared<sinks::email_sink>(s.name, f, std::move(es), client));
      } else {
        return error{"sink", c.file + ":" + std::to_string(s.line) + ": unknown sink type '" + s.type + "'"};
      }
      out.back()->set_events(s.takes("alerts"), s.takes("lists"));
      // Only sinks people read take digests; the config check refuses `digest` elsewhere.
      if (s.digest && out.back()->takes_digests()) out.back()->set_digest(*s.digest);
    } catch (const std::invalid_argument& e) {
      return error{"sink", c.file + ":" + std::to_string(s.line) + ": sink '" + s.name + "': " + e.what()};
    }
  }
  return out;
}

std::size_t metrics_connection_cap(int configured, std::uint64_t fd_limit, int max_parallel) {
  const std::uint64_t reserve = 2 * static_cast<std::uint64_t>(max_parallel) + 64;
  const std::uint64_t spare = fd_limit > reserve ? fd_limit - reserve : 0;
  return static_cast<std::size_t>(std::max<std::uint64_t>(
      1, std::min<std::uint64_t>(static_cast<std::uint64_t>(configured), spare)));
}

std::string state_path_for(const config::config& c) {
  if (!c.state.path.empty()) return config::resolve_path(c, c.state.path);
  if (const char* dir = std::getenv("STATE_DIRECTORY"); dir && *dir) {
    std::string d = dir;
    if (auto colon = d.find(':'); colon != std::string::npos) d.resize(colon);
    return d + "/state.db";
  }
  return "var/state.db";
}

result<state_access> state_access_for(const config::config& c) {
  if (c.state.url.empty()) return state_access{state_path_for(c), "", c.state.lease};
  state_access out;
  out.lease = c.state.lease;
  auto url = expand_env(c.state.url);
  if (!url) return error{"config", "state.url: " + url.err().message};
  if (!store::store::is_postgresql(*url))
    return error{"config", "state.url must be a postgresql:// URI once expanded"};
  out.location = std::move(*url);
  if (!c.state.password.empty()) {
    auto v = expand_env(c.state.password);
    if (!v) return error{"config", "state.password: " + v.err().message};
    out.password = std::move(*v);
  } else if (!c.state.password_file.empty()) {
    std::string problem;
    out.password = read_password_file(c, c.state.password_file, problem);
    if (!problem.empty()) return error{"config", "state." + problem};
  }
  return out;
}

std::string node_name(const config::config& c) {
  if (!c.node.empty()) return c.node;
  return engine::host_name() + ":" + std::to_string(::getpid());
}

result<loaded_config> load_config(const std::string& path) {
  std::string bytes, why;
  if (!read_file(path, bytes, why)) return error{"config", why};
  auto parsed = config::parse(bytes, path);
  if (!parsed.ok()) return error{"config", format_diagnostics(parsed.errors)};
  loaded_config out;
  out.cfg = std::move(parsed.value);
  const auto& c = out.cfg;
  std::string problems;

  for (const auto& f : c.feeds) {
    const std::string where = c.file + ":" + std::to_string(f.line) + ": feed '" + f.id + "': ";
    feed_spec spec;
    spec.id = f.id;
    spec.interval = f.interval.value_or(c.defaults.interval);
    spec.max_new_items =
        static_cast<std::size_t>(f.max_new_items.value_or(c.defaults.max_new_items));
    for (const auto& [k, v] : f.headers) spec.headers.emplace_back(k, v);
    spec.user_agent = f.user_agent.empty() ? c.network.user_agent : f.user_agent;
    spec.enabled = f.enabled;
    spec.adaptive = f.adaptive.value_or(c.defaults.adaptive);
    spec.full_text = f.full_text.value_or(c.defaults.full_text);
    auto url = expand_env(f.url);
    if (!url) {
      problems += where + "url: " + url.err().message + "\n";
      continue;
    }
    if (url->rfind("file:", 0) == 0) {
      spec.url = config::resolve_url(c, *url);
    } else if (auto problem = take_url(*url, spec)) {
      problems += where + *problem + "\n";
      continue;
    }
    if (!f.password_file.empty()) {
      std::string problem;
      if (!spec.password.empty()) {
        problems += where + "give the password in url or password_file, not both\n";
      } else if (auto text = read_password_file(c, f.password_file, problem); !problem.empty()) {
        problems += where + problem + "\n";
      } else {
        spec.password = std::move(text);
      }
    }
    out.feeds.push_back(std::move(spec));
  }
  for (const auto& o : c.opml) {
    const std::string p = config::resolve_path(c, o.path);
    std::string xml;
    if (!read_file(p, xml, why)) {
      problems += c.file + ":" + std::to_string(o.line) + ": opml " + why + "\n";
      continue;
    }
    auto list = parse_opml(xml);
    if (!list) {
      problems += p + ": " + list.err().message + "\n";
      continue;
    }
    for (auto& f : *list) {
      bool clash = false;
      for (const auto& e : out.feeds) clash = clash || e.id == f.id;
      if (clash) f.id = slug(o.path) + "-" + f.id;
      feed_spec spec;
      spec.id = f.id;
      spec.title = f.title;
      spec.interval = o.interval.value_or(c.defaults.interval);
      spec.user_agent = c.network.user_agent;
      spec.adaptive = c.defaults.adaptive;
      spec.full_text = c.defaults.full_text;
      // No ${ENV} here: a list from elsewhere must not send our environment to its servers.
      if (f.url.rfind("file:", 0) == 0) spec.url = f.url;
      else if (auto problem = take_url(f.url, spec))
        problems += p + ": feed '" + f.id + "': " + *problem + "\n";
      out.feeds.push_back(std::move(spec));
    }
  }

  std::vector<std::string> dirs;
  for (const auto& d : c.rules) dirs.push_back(config::resolve_path(c, d));
  if (dirs.empty()) problems += c.file + ": no rules directories configured (rules: [DIR])\n";
  // The rules and lists are read once here; the refresher compiles the same rule files with
  // each new version of a URL list (edits on disk wait for a reload, which checks them).
  std::vector<engine::load_error> read_errors;
  out.inputs.rule_files = engine::read_rule_dirs(dirs, read_errors);
  for (const auto& e : read_errors) problems += engine::format_error(e);
  const std::string copies_dir = lists_dir(state_path_for(c));
  for (auto e : c.entity_lists) {
    if (!e.from_url()) {
      e.source = config::resolve_path(c, e.source);
    } else if (auto copy = read_list_copy(copies_dir, e.name);
               copy && copy->meta.source == e.source && copy->meta.format == e.format) {
      out.copies[e.name] = copy;
    }
    out.inputs.lists.push_back(std::move(e));
  }
  if (!dirs.empty() && read_errors.empty()) {
    auto rules = compile_ruleset(out.inputs, out.copies);
    for (const auto& e : rules.errors) problems += engine::format_error(e);
    out.rules = rules.rules;
    // An empty or mistyped directory would start a daemon that can never alert.
    if (out.rules && out.rules->rules.empty() && !c.rules_allow_empty) {
      std::string list;
      for (const auto& d : dirs) list += (list.empty() ? "" : ", ") + d;
      problems += c.file + ": no rules in " + list +
                  " (rules_allow_empty: true starts without any)\n";
    }
  }

  const std::string state_dir = std::filesystem::path(state_path_for(c)).parent_path().string();
  for (const auto& s : c.sinks) {
    sink_spec spec{s, {}, {}};
    const std::string where = c.file + ":" + std::to_string(s.line) + ": sink '" + s.name + "': ";
    if (s.type == "jsonl")
      if (auto problem = unwritable(config::resolve_path(c, s.path), state_dir))
        problems += where + "path " + *problem + "\n";
    if (!s.url.empty()) {
      // The URL itself is never shown: a webhook's path is often its secret.
      auto url = expand_env(s.url);
      const bool mail = s.type == "email";
      if (!url) problems += where + "url: " + url.err().message + "\n";
      else if (auto parts = mail ? config::parse_url(*url, {"smtp", "smtps"})
                                 : config::parse_url(*url, {"http", "https"});
               !parts)
        problems += where + "url " + parts.err().message + "\n";
      else if (mail && (!parts->user.empty() || !parts->password.empty()))
        problems += where + "url: give username and password as keys of the sink, not in the url\n";
      else if (mail && parts->scheme == "smtps" && !s.starttls)
        problems += where + "starttls: false contradicts smtps://, which is TLS from the start\n";
      else spec.cfg.url = std::move(*url);
    }
    if (s.type == "email") {
      if (auto u = expand_env(s.username); !u)
        problems += where + "username: " + u.err().message + "\n";
      else spec.cfg.username = std::move(*u);
      if (!s.password_file.empty()) {
        std::string problem;
        auto text = read_password_file(c, s.password_file, problem);
        if (!problem.empty()) problems += where + problem + "\n";
        else spec.password = std::move(text);
      } else if (!s.password.empty()) {
        // Named, never shown: the message says which variable is missing, not a value.
        if (auto v = expand_env(s.password); !v)
          problems += where + "password: " + v.err().message + "\n";
        else if (v->empty())
          problems += where + "password is empty\n";
        else spec.password = std::move(*v);
      }
    }
    std::vector<std::string> written = s.secrets;
    if (!s.secret_file.empty()) {
      std::string text, p;
      if (auto sp = secret_path(c, s.secret_file); !sp)
        problems += where + "secret_file: " + sp.err().message + "\n";
      else if (p = *sp; !read_file(p, text, why))
        problems += where + "secret_file " + why + "\n";
      std::istringstream words(text);
      for (std::string w; words >> w;) written.push_back(w);
      if (written.empty()) problems += where + "secret_file " + p + " holds no secret\n";
    }
    for (std::size_t i = 0; i < written.size(); ++i) {
      // Messages name a secret by position only: its value never reaches a log.
      auto v = expand_env(written[i]);
      if (!v) {
        problems += where + "secret #" + std::to_string(i + 1) + ": " + v.err().message + "\n";
        continue;
      }
      if (auto key = sinks::signing::decode_secret(*v); !key)
        problems += where + "secret #" + std::to_string(i + 1) + ": " + key.err().message + "\n";
      spec.secrets.push_back(std::move(*v));
    }
    for (auto& [k, v] : spec.cfg.headers) {
      auto e = expand_env(v);
      if (!e) problems += where + "header " + k + ": " + e.err().message + "\n";
      else v = *e;
    }
    out.sinks.push_back(std::move(spec));
  }
  auto access = state_access_for(c);
  if (!access) problems += c.file + ": " + access.err().message + "\n";
  if (!problems.empty()) return error{"config", problems};
  out.state_path = state_path_for(c);
  out.state_location = std::move(access->location);
  out.state_password = std::move(access->password);
  return out;
}

namespace {

void notify(const std::string& what) { sd_notify(0, what.c_str()); }

// One running instance: owns the loop and everything on it.
class instance {
 public:
  instance(loaded_config cfg, run_options opts, std::uint64_t fd_limit)
      : cfg_(std::move(cfg)),
        opts_(opts),
        client_(io_, client_options(cfg_.cfg)),
        sinks_(build_sinks(cfg_, client_)),
        db_(cfg_.state_location, cfg_.state_password),
        pipe_(db_, sinks_, stories(cfg_.cfg)),
        dispatch_(db_, sinks_, now_seconds),
        full_text_(client_, db_, now_seconds, full_text_settings_of(cfg_.cfg)),
        poller_(client_, db_, pipe_, settings(cfg_.cfg), now_seconds, &full_text_),
        lists_(client_, cfg_.state_path, now_seconds),
        timer_(io_),
        watchdog_(io_),
        housekeeping_(io_),
        leases_(io_),
        signals_(io_, SIGINT, SIGTERM) {
    // Claims are made in this daemon's name from the first poll on.
    db_.set_node(node_name(cfg_.cfg));
    db_.register_node(engine::host_name(), ::getpid(), version, now_seconds());
    dispatch_.set_lease(cfg_.cfg.state.lease);
    metrics_.set_node(db_.node(), std::string(db_.backend()));
    pipe_.set_ruleset(cfg_.rules);
    pipe_.set_max_evidence(std::size_t(cfg_.cfg.alerts.max_evidence));
    pipe_.set_keep_text(cfg_.cfg.state.text_retention.count() > 0);
    poller_.set_feeds(cfg_.feeds);
    poller_.on_result([this](const poll_result& r) { on_polled(r); });
    full_text_.on_fetched([this](const store::article_record& a) { metrics_.article(a.status); });
    dispatch_.on_settled([this] {
      maybe_finish();
      // A completed delivery may make another one due before the timer: re-arm it then.
      if (opts_.mode == run_mode::daemon && !stopping_ && !degraded_) {
        std::optional<timestamp> d;
        guarded([&] { d = dispatch_.next_due(); });
        if (degraded_ || (d && (!timer_due_ || *d < *timer_due_))) schedule();
      }
    });
    dispatch_.on_outcome([this](const store::delivery& d, const sinks::outcome& o) {
      metrics_.delivery(d.sink, o.result == sinks::outcome::kind::delivered ? "delivered"
                                : o.result == sinks::outcome::kind::retry   ? "retry"
                                                                            : "dead");
      if (o.result != sinks::outcome::kind::delivered)
        log::warning("delivery of " + d.alert_id + " to " + d.sink + " failed: " + o.error);
    });
    metrics_.set_feeds(static_cast<std::int64_t>(cfg_.feeds.size()));
    for (const auto& [name, copy] : cfg_.copies)
      metrics_.set_list(name, copy->meta.entries, unix_or_zero(copy->meta.changed_at));
    lists_.on_report([this](const refresh_report& r) { on_list_report(r); });
    lists_.add_change_listener([this](const list_change& c) { record_list_events(c); });
    // Look-back: the entities a refresh added, screened against the kept items once the
    // ruleset with them is in use.
    lists_.add_change_listener([this](const list_change& c) {
      if (c.added.empty() && c.new_names.empty()) return;
      entities::entity_list added;
      added.name = c.list;
      added.entities = c.added;
      // A new alias of an entity already listed is a new name too: screened alone.
      added.entities.insert(added.entities.end(), c.new_names.begin(), c.new_names.end());
      on_list_added(c.list, added);
    });
    // Lists are refreshed by the daemon; `poll` screens with the last good copies.
    if (opts_.mode == run_mode::daemon)
      lists_.configure(cfg_.inputs, cfg_.copies, list_settings(cfg_.cfg));
    // Error streaks survive restarts in the state file; the gauge starts from them.
    for (const auto& st : db_.feeds())
      for (const auto& f : cfg_.feeds)
        if (f.id == st.id) metrics_.set_error_streak(st.id, st.error_streak);
    if (opts_.mode == run_mode::daemon && !cfg_.cfg.metrics.listen.empty()) {
      const auto& mc = cfg_.cfg.metrics;
      const std::size_t cap =
          metrics_connection_cap(mc.max_connections, fd_limit, cfg_.cfg.network.max_parallel);
      if (cap < static_cast<std::size_t>(mc.max_connections))
        log::warning("metrics.max_connections lowered to " + std::to_string(cap) +
                     ": the descriptor limit is " + std::to_string(fd_limit));
      metrics_server_ = std::make_unique<metrics_server>(
          io_, mc.listen, metrics_,
          metrics_limits{std::chrono::duration_cast<std::chrono::milliseconds>(mc.request_timeout),
                         cap});
    }
    // The triage side (API, Atom feed): its own threads and connection to the state.
    if (opts_.mode == run_mode::daemon && !cfg_.cfg.web.listen.empty())
      web_server_ = std::make_unique<web::server>(cfg_.cfg.web, cfg_.state_location,
                                                  cfg_.state_password);
    if (opts_.mode == run_mode::daemon) signals_.add(SIGHUP);
  }

  int run() {
    do_signals();
    if (opts_.mode == run_mode::poll_once) {
      const int started = poller_.poll_due(opts_.all);
      log::info("polling " + std::to_string(started) + " feed(s)");
      dispatch_.run_due();
      maybe_finish();
    } else {
      log::notice("sanctwatch started: " + std::to_string(cfg_.feeds.size()) + " feeds, " +
                  std::to_string(cfg_.rules->rules.size()) + " rules, state " + state_shown() +
                  ", node " + db_.node());
      if (metrics_server_) log::notice("metrics on http://" + metrics_server_->address() + "/metrics");
      if (web_server_) log::notice("web on http://" + web_server_->address() + "/");
      notify("READY=1\nSTATUS=" + status());
      start_watchdog();
      do_housekeeping();
      renew_leases();
      schedule();
    }
    io_.run();
    // Whatever this daemon still held is free for the others at once, not after a lease.
    try {
      db_.unregister_node();
    } catch (const store::db_error& e) {
      log::warning(std::string("leaving the state: ") + e.what() + " (its leases lapse instead)");
    }
    if (opts_.mode == run_mode::poll_once) {
      log::info("poll done: " + std::to_string(polled_) + " feed(s), " + std::to_string(failed_) +
                " failed, " + std::to_string(alerts_) + " alert(s), " +
                std::to_string(dispatch_.stats().delivered) + " delivered");
      return failed_ > 0 ? 1 : 0;
    }
    return 0;
  }

  /// For the list refresher, after it swapped in a refreshed list `list` that added `added`:
  /// screens the kept items of the list's `lookback` period for those entities only, records
  /// one look-back alert per story not raised before, and delivers them. On the io_context
  /// thread.
  void on_list_added(const std::string& list, const entities::entity_list& added) {
    if (added.entities.empty() || degraded_) return;
    guarded([&] {
      const auto started = std::chrono::steady_clock::now();
      const auto r = run_lookback(db_, cfg_.cfg, sinks_, list, added, now_seconds());
      if (!r.error.empty()) {
        log::error("look-back for list " + list + ": the rules did not load:\n" + r.error);
        return;
      }
      alerts_ += static_cast<int>(r.alerts);
      log::info("look-back for list " + list + ": " + std::to_string(added.entities.size()) +
                " new entities, " + std::to_string(r.screened) + " kept items screened in " +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - started)
                                   .count()) +
                " ms, " + std::to_string(r.hits) + " naming them, " + std::to_string(r.alerts) +
                " look-back alerts");
      if (r.alerts > 0) dispatch_.run_due();
    });
    if (opts_.mode == run_mode::daemon) schedule();
  }

 private:
  static std::vector<std::shared_ptr<sinks::sink>> build_sinks(const loaded_config& c,
                                                              http::client& client) {
    auto s = make_sinks(c, client);
    if (!s) throw std::invalid_argument(s.err().message);
    return std::move(*s);
  }

  static http::client_options client_options(const config::config& c) {
    http::client_options o;
    o.per_host = static_cast<std::size_t>(c.network.per_host);
    o.max_in_flight = static_cast<std::size_t>(c.network.max_parallel);
    o.user_agent = c.network.user_agent;
    o.ca_file = c.network.ca_file;
    o.allow_private = c.network.allow_private;
    o.proxy = c.network.proxy;
    return o;
  }
  static list_fetch_settings list_settings(const config::config& c) {
    list_fetch_settings s;
    s.user_agent = c.network.user_agent;
    s.low_speed_time = c.network.low_speed_time;
    s.max_redirects = c.network.max_redirects;
    return s;
  }
  static std::int64_t unix_or_zero(const std::optional<timestamp>& t) {
    return t ? t->time_since_epoch().count() : 0;
  }

  // A look at an entity list: a new version is swapped in (items matched from now on use it),
  // a refused or failed one is said and counted, the last good copy staying in use.
  void on_list_report(const refresh_report& r) {
    if (!r.failure.empty()) {
      metrics_.list_refresh_failed(r.list, r.failure);
      log::warning("entity list " + r.list + ": " +
                   (r.failure == "shrink" ? "new version refused: " + r.message
                    : r.failure == "fetch" ? "fetch failed: " + r.message
                                           : "new version refused (" + r.failure + "): " + r.message) +
                   (r.meta.fetched_at ? "; keeping the last good copy (" + r.meta.shown_version() +
                                            ", " + std::to_string(r.meta.entries) + " entries)"
                                      : "; not screened until a good copy arrives"));
    }
    if (!r.list.empty() && r.meta.fetched_at)
      metrics_.set_list(r.list, r.meta.entries, unix_or_zero(r.meta.changed_at));
    if (!r.changed || !r.rules) return;
    if (r.generation == lists_.generation()) {
      cfg_.rules = r.rules;
      pipe_.set_ruleset(r.rules);
    }
    if (r.list.empty()) return;
    log::notice("entity list " + r.list + ": version " + r.meta.shown_version() + ", " +
                std::to_string(r.meta.entries) + " entries" +
                (r.baseline ? " (first copy)"
                            : ": " + std::to_string(r.change.added.size()) + " added, " +
                                  std::to_string(r.change.removed.size()) + " removed, " +
                                  std::to_string(r.change.changed.size()) + " changed"));
  }

  // One event per entity for the sinks that read lists by machine, one summary for people.
  void record_list_events(const list_change& c) {
    const auto now = now_seconds();
    const auto events = list_events(c, now);
    const auto summary = list_refresh_summary(c, now);
    std::vector<store::list_event_record> records;
    const auto record = [&](const list_event& e, bool people) {
      store::list_event_record rec{e.id, e.type, e.severity, c.list, e.entity_id, e.document, now, {}};
      const auto level = parse_severity(e.severity).value_or(severity::info);
      for (const auto& s : sinks_)
        if (s->takes_lists() && s->for_people() == people && s->accepts_level(level))
          rec.sinks.push_back(s->name());
      records.push_back(std::move(rec));
    };
    record(summary, true);
    for (const auto& e : events) record(e, false);
    guarded([&] {
      db_.record_list_events(records);
      if (!degraded_) dispatch_.run_due();
    });
    if (opts_.mode == run_mode::daemon) schedule();
  }

  static story_settings stories(const config::config& c) {
    return {c.stories.enabled, c.stories.window};
  }
  static full_text_settings full_text_settings_of(const config::config& c) {
    full_text_settings s;
    s.max_age = c.defaults.full_text_max_age;
    s.rate = c.defaults.full_text_rate;
    s.timeout = c.network.timeout;
    s.low_speed_time = c.network.low_speed_time;
    // A news page is far smaller than a feed may be; an 8 MiB page is not an article.
    s.max_body = std::min<std::size_t>(static_cast<std::size_t>(c.network.max_body), 8u << 20);
    s.max_redirects = c.network.max_redirects;
    return s;
  }
  static poll_settings settings(const config::config& c) {
    // Twice the transfers that run at once: the client's queue never runs dry between two
    // claims, and the rest of the due feeds stay free for the other daemons.
    return {c.network.timeout, c.network.low_speed_time, static_cast<std::size_t>(c.network.max_body),
            c.network.max_redirects, c.state.lease,
            static_cast<std::size_t>(std::max(1, c.network.max_parallel * 2))};
  }

  // The state as logs may show it: the file, or the database without its password.
  std::string state_shown() const {
    if (db_.backend() == "sqlite") return cfg_.state_path;
    // A URI's query may carry a password too: shown without it.
    const auto& url = cfg_.state_location;
    return redact_url(std::string_view(url).substr(0, url.find('?')));
  }

  // Every third of a lease: the claims of the polls and deliveries in flight are renewed and
  // the node's heartbeat written, so no other daemon takes work this one is doing. A daemon
  // that cannot reach the state stops renewing; its work is taken over one lease later.
  void renew_leases() {
    if (stopping_) return;
    if (!degraded_)
      guarded([&] {
        const auto now = now_seconds();
        db_.renew_leases(now, now + cfg_.cfg.state.lease);
      });
    metrics_.set_leases(static_cast<std::int64_t>(poller_.in_flight()),
                        static_cast<std::int64_t>(dispatch_.in_flight()), poller_.takeovers());
    leases_.expires_after(std::max(std::chrono::seconds{1}, cfg_.cfg.state.lease / 3));
    leases_.async_wait([this](std::error_code ec) {
      if (!ec) renew_leases();
    });
  }

  std::string status() const {
    return std::to_string(polled_) + " polls, " + std::to_string(failed_) + " failed, " +
           std::to_string(alerts_) + " alerts, " + std::to_string(dispatch_.stats().delivered) +
           " delivered";
  }

  void on_polled(const poll_result& r) {
    metrics_.poll(r.feed_id, !r.ok ? "error" : r.not_modified ? "not_modified" : "ok",
                  std::chrono::duration<double>(r.elapsed).count(), r.stats.new_items,
                  now_seconds().time_since_epoch().count());
    if (r.deferred) metrics_.deferred(r.feed_id, r.deferred);
    if (!r.disk_error) metrics_.set_error_streak(r.feed_id, r.error_streak);
    for (const auto& rule : r.stats.rules_fired) metrics_.alert(rule);
    if (r.disk_error) degrade(r.error);
    ++polled_;
    if (!r.ok) ++failed_;
    alerts_ += r.stats.alerts;
    if (r.ok && !r.not_modified)
      log::info("feed " + r.feed_id + ": " + std::to_string(r.stats.items) + " items, " +
                std::to_string(r.stats.new_items) + " new, " + std::to_string(r.stats.changed) +
                " changed, " + std::to_string(r.stats.alerts) + " alerts" +
                (r.stats.updates > 0 ? ", " + std::to_string(r.stats.updates) + " updated" : "") +
                (r.articles + r.articles_failed > 0
                     ? ", full text " + std::to_string(r.articles) + " of " +
                           std::to_string(r.articles + r.articles_failed)
                     : ""));
    if ((r.stats.alerts > 0 || r.stats.updates > 0) && !degraded_) guarded([&] { dispatch_.run_due(); });
    if (opts_.mode == run_mode::daemon) {
      notify("STATUS=" + status());
      schedule();
    }
    maybe_finish();
  }

  // poll_once ends when every fetch is back and every delivery that is due now has an
  // outcome; retries scheduled for later stay in the outbox for the next run.
  void maybe_finish() {
    if (opts_.mode != run_mode::poll_once || stopping_) return;
    if (poller_.in_flight() > 0 || dispatch_.in_flight() > 0) return;
    auto due = dispatch_.next_due();
    if (due && *due <= now_seconds()) {
      dispatch_.run_due();
      if (dispatch_.in_flight() > 0) return;
      due = dispatch_.next_due();
      if (due && *due <= now_seconds()) return;  // run_due settled synchronously; loop again
    }
    stop();
  }

  void schedule() {
    if (stopping_) return;
    std::optional<timestamp> next;
    // Degraded, the state is not asked (it cannot answer): the timer is the next probe.
    if (!degraded_)
      guarded([&] {
        metrics_.set_outbox_pending(db_.pending_count());
        metrics_.set_outbox_dead(db_.dead_count());
        metrics_.set_digest_queued(db_.queued_count());
        next = poller_.next_due();
        if (auto d = dispatch_.next_due(); d && (!next || *d < *next)) next = d;
      });
    auto wait = next ? std::max(*next - now_seconds(), std::chrono::seconds{0})
                     : std::chrono::seconds{3600};
    if (degraded_) wait = probe_wait_;
    timer_due_ = now_seconds() + wait;
    timer_.expires_after(wait);
    timer_.async_wait([this](std::error_code ec) {
      if (ec == asio::error::operation_aborted) return;
      if (!degraded_ || recover()) guarded([&] {
        poller_.poll_due(false);
        dispatch_.run_due();
      });
      schedule();
    });
  }

  // A full disk (or quota, or I/O error) on the state file, or the PostgreSQL state out of
  // reach. The daemon keeps running and says so (/healthz, sanctwatch_degraded, STATUS, a log
  // line a minute), takes no new work (no claims, no polls, no deliveries: their outcomes
  // could not be recorded), and probes again after 1 s, 2 s, 4 s ... up to 30 s; what failed
  // was rolled back or is held in memory, so nothing is lost, and nothing sent twice beyond
  // at-least-once (deliveries whose lease lapsed meanwhile may go out from another daemon).
  void degrade(const std::string& why) {
    const auto now = now_seconds();
    const std::string what = db_.backend() == "sqlite" ? "state file not writable"
                                                        : "state database out of reach";
    if (!degraded_ || now - degraded_logged_ >= std::chrono::minutes{1}) {
      log::error(what + ", polls and deliveries paused until it is back: " + why);
      degraded_logged_ = now;
    }
    if (!degraded_) probe_wait_ = std::chrono::seconds{1};
    degraded_ = true;
    metrics_.set_degraded(what + ": " + why);
    notify("STATUS=degraded: " + what);
  }

  // Runs `f`; a disk error on the state file degrades the daemon instead of ending it.
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const store::db_error& e) {
      if (!e.disk()) throw;
      degrade(e.what());
    }
  }

  // Whether the state takes writes again (a lost PostgreSQL connection is made anew; then the
  // outcomes held in memory are recorded first); logs the way back.
  bool recover() {
    try {
      db_.write_probe();
      db_.register_node(engine::host_name(), ::getpid(), version, now_seconds());
      dispatch_.run_due();
    } catch (const store::db_error& e) {
      if (!e.disk()) throw;
      degrade(e.what());
      probe_wait_ = std::min(probe_wait_ * 2, std::chrono::seconds{30});
      return false;
    }
    degraded_ = false;
    metrics_.set_degraded("");
    log::notice(std::string(db_.backend() == "sqlite" ? "state file writable"
                                                      : "state database reachable") +
                " again: polls and deliveries resume");
    notify("STATUS=" + status());
    return true;
  }

  // Retention, once at start and then daily: forget items no feed has published for
  // state.retention, and delivered outbox rows older than state.delivered_retention; drop the
  // text of articles fetched longer than full_text_max_age ago (no copy will need it); index
  // alerts the queue does not list yet.
  void do_housekeeping() {
    const auto now = now_seconds();
    try {
      const auto& st = cfg_.cfg.state;
      db_.purge(now - st.retention, now - st.delivered_retention, now - st.text_retention);
      db_.drop_article_text(now - cfg_.cfg.defaults.full_text_max_age);
      // Alerts recorded without a queue row (before schema 9, or by an older daemon on a
      // shared state during a rolling upgrade): the queue pages list them from now on.
      if (const auto n = db_.index_missing(); n > 0)
        log::notice("queue: indexed " + std::to_string(n) + " alerts recorded without an index row");
    } catch (const store::db_error& e) {
      log::error(std::string("retention purge failed: ") + e.what());
    }
    housekeeping_.expires_after(std::chrono::hours{24});
    housekeeping_.async_wait([this](std::error_code ec) {
      if (!ec) do_housekeeping();
    });
  }

  void start_watchdog() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
    watchdog_interval_ = std::chrono::microseconds{usec / 2};
    do_watchdog();
  }

  void do_watchdog() {
    notify("WATCHDOG=1");
    watchdog_.expires_after(watchdog_interval_);
    watchdog_.async_wait([this](std::error_code ec) {
      if (!ec) do_watchdog();
    });
  }

  void do_signals() {
    signals_.async_wait([this](std::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload();
        do_signals();
        return;
      }
      log::notice(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
      stop();
    });
  }

  void reload() {
    notify("RELOADING=1");
    log::notice("reloading " + opts_.config_path);
    auto fresh = load_config(opts_.config_path);
    if (!fresh) {
      metrics_.reloaded(false);
      log::error("reload failed, keeping the running configuration:\n" + fresh.err().message);
    } else if (fresh->state_path != cfg_.state_path ||
               fresh->state_location != cfg_.state_location) {
      log::error("reload failed: the state cannot change while running (restart instead)");
    } else if (auto fresh_sinks = make_sinks(*fresh, client_); !fresh_sinks) {
      log::error("reload failed, keeping the running configuration: " + fresh_sinks.err().message);
    } else {
      // The HTTP client and the metrics endpoint are built once: say what waits for a restart.
      std::string later;
      const auto& was = cfg_.cfg;
      const auto& now = fresh->cfg;
      const auto note = [&](bool changed, const char* key) {
        if (changed) later += std::string(later.empty() ? "" : ", ") + key;
      };
      note(was.network.per_host != now.network.per_host, "network.per_host");
      note(was.network.max_parallel != now.network.max_parallel, "network.max_parallel");
      note(was.network.user_agent != now.network.user_agent, "network.user_agent");
      note(was.network.ca_file != now.network.ca_file, "network.ca_file");
      note(was.network.proxy != now.network.proxy, "network.proxy");
      note(was.metrics.listen != now.metrics.listen ||
               was.metrics.request_timeout != now.metrics.request_timeout ||
               was.metrics.max_connections != now.metrics.max_connections,
           "metrics");
      // Users and their hashes too: a changed password takes effect at the restart.
      note(was.web != now.web, "web");
      if (!later.empty())
        log::warning("reload: " + later + " changed; that takes effect at the next restart");
      cfg_ = std::move(*fresh);
      sinks_ = std::move(*fresh_sinks);
      pipe_.set_ruleset(cfg_.rules);
      pipe_.set_sinks(sinks_);
      pipe_.set_stories(stories(cfg_.cfg));
      pipe_.set_max_evidence(std::size_t(cfg_.cfg.alerts.max_evidence));
      pipe_.set_keep_text(cfg_.cfg.state.text_retention.count() > 0);
      dispatch_.set_sinks(sinks_);
      poller_.set_feeds(cfg_.feeds);
      poller_.set_settings(settings(cfg_.cfg));
      dispatch_.set_lease(cfg_.cfg.state.lease);
      full_text_.set_settings(full_text_settings_of(cfg_.cfg));
      lists_.configure(cfg_.inputs, cfg_.copies, list_settings(cfg_.cfg));
      // A reload also looks for new versions of the URL lists now (conditional GETs).
      lists_.check_all_now();
      client_.set_allow_private(cfg_.cfg.network.allow_private);
      metrics_.reloaded(true);
      metrics_.set_feeds(static_cast<std::int64_t>(cfg_.feeds.size()));
      log::notice("reloaded: " + std::to_string(cfg_.feeds.size()) + " feeds, " +
                  std::to_string(cfg_.rules->rules.size()) + " rules");
    }
    // New sinks open their files fresh; this also serves logrotate's postrotate SIGHUP.
    for (auto& s : sinks_) s->reopen();
    notify("READY=1\nSTATUS=" + status());
    schedule();
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    notify("STOPPING=1");
    timer_.cancel();
    watchdog_.cancel();
    housekeeping_.cancel();
    leases_.cancel();
    metrics_server_.reset();
    signals_.cancel();
    lists_.stop();
    client_.cancel_all();
    full_text_.cancel_all();
    poller_.stop();
    // Completions of cancelled transfers are posted; let them run (they record nothing
    // for aborted fetches beyond the feed's state), then the loop runs dry.
  }

  loaded_config cfg_;
  run_options opts_;
  asio::io_context io_;
  http::client client_;
  std::vector<std::shared_ptr<sinks::sink>> sinks_;
  store::store db_;
  pipeline pipe_;
  dispatcher dispatch_;
  full_text_fetcher full_text_;
  poller poller_;
  list_refresher lists_;
  asio::steady_timer timer_;
  asio::steady_timer watchdog_;
  asio::steady_timer housekeeping_;
  asio::steady_timer leases_;
  asio::signal_set signals_;
  metrics metrics_;
  std::unique_ptr<metrics_server> metrics_server_;
  std::unique_ptr<web::server> web_server_;
  std::chrono::microseconds watchdog_interval_{0};
  bool stopping_ = false;
  std::optional<timestamp> timer_due_;  ///< when the timer fires next
  bool degraded_ = false;               ///< the state refuses writes or is out of reach
  std::chrono::seconds probe_wait_{1};  ///< until the next probe while degraded
  timestamp degraded_logged_{};
  int polled_ = 0, failed_ = 0, alerts_ = 0;
};

}  // namespace

int run(const run_options& options) {
  auto cfg = load_config(options.config_path);
  if (!cfg) {
    std::fputs(cfg.err().message.c_str(), stderr);
    return 2;
  }
  std::error_code ec;
  const auto parent = std::filesystem::path(cfg->state_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // Held until the process ends: a second daemon (or a poll) on this state file would deliver
  // every alert again. Daemons sharing a PostgreSQL state share the work through leases.
  std::optional<result<state_lock>> lock;
  if (!store::store::is_postgresql(cfg->state_location)) {
    lock.emplace(state_lock::acquire(cfg->state_path));
    if (!*lock) {
      log::error(std::string("sanctwatch ") + (options.mode == run_mode::daemon ? "run" : "poll") +
                 ": " + lock->err().message);
      return 2;
    }
  }
  // A file size limit (RLIMIT_FSIZE) must fail a write, not kill the daemon: the write
  // errors are handled like a full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  const std::uint64_t fd_limit = raise_fd_limit();
  try {
    instance inst(std::move(*cfg), options, fd_limit);
    return inst.run();
  } catch (const store::db_error& e) {
    log::error(std::string("state: ") + e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    log::error(e.what());
    return 2;
  } catch (const std::runtime_error& e) {  // metrics address in use, ...
    log::error(e.what());
    return 2;
  }
}

}  // namespace sanctwatch::service
