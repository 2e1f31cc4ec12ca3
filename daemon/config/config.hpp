#pragma once
/// The daemon's configuration: YAML bytes in, a validated typed config out. No I/O: OPML
/// feed lists and secret files are read one layer up (service/), paths stay as written and
/// are resolved against the config file's folder with resolve_path().

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/ip.hpp"
#include "core/result.hpp"
#include "core/severity.hpp"

namespace sanctwatch::config {

using seconds = std::chrono::seconds;

using sanctwatch::severity;

/// Whether the page behind an item's link is fetched and its article text matched too
/// (docs/full-text.md): `auto` when the item's own text is short, `always`, or `never`.
enum class full_text_mode { auto_, always, never };
std::string_view to_string(full_text_mode m);

struct feed {
  std::string id;
  /// http(s)://, file:///abs/path, or file:rel/path (relative to the config). May carry
  /// `user:password@` (percent-encoded) and ${ENV} parts, expanded one layer up.
  std::string url;
  std::string password_file;  ///< a file holding the password for the URL's user, as it is
  std::optional<seconds> interval;  ///< empty: defaults.interval
  std::map<std::string, std::string> headers;
  std::vector<std::string> tags;
  std::string user_agent;  ///< empty: network.user_agent
  bool enabled = true;
  std::optional<bool> adaptive;  ///< empty: defaults.adaptive
  std::optional<int> max_new_items;  ///< empty: defaults.max_new_items
  std::optional<full_text_mode> full_text;  ///< empty: defaults.full_text
  int line = 0;  ///< where it was declared, for messages
};

/// A feed list in OPML; its feeds get ids from their outline titles or URLs.
struct opml_source {
  std::string path;
  std::optional<seconds> interval;
  std::vector<std::string> tags;
  int line = 0;
};

struct entity_source {
  std::string name;
  std::string source;  ///< a path, or an http(s) URL refreshed every `refresh`
  std::string format;  ///< yaml | ofac-sdn-csv | ofac-sdn-xml | csl-csv | opensanctions-ftm | uk-csv |
                       ///< eu-fsf-xml | un-sc-xml
  seconds refresh{24 * 3600};  ///< URL sources: how often to look for a new version
  /// URL sources: a new version with fewer entries than (1 - max_shrink) × the last good
  /// copy's is refused (a truncated or emptied publication), the last good copy kept.
  double max_shrink = 0.2;
  /// ofac-sdn-csv from a URL: the URLs of alt.csv and add.csv (empty: none). A list on disk
  /// has them beside it instead.
  std::string aliases;
  std::string addresses;
  /// When a refresh adds entities, kept items of this period are screened for them (look-back
  /// alerts); 0: no look-back for this list.
  seconds lookback{30 * 24 * 3600};
  std::vector<std::string> types;
  int line = 0;

  bool from_url() const {
    return source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0;
  }
};

struct sink {
  std::string type;  ///< stdout | jsonl | journald | syslog | webhook | slack | teams | discord | mattermost | email
  std::string name;  ///< unique; defaults to the type, then type-2, ...
  severity min_severity = severity::info;
  std::vector<std::string> tags;          ///< deliver only alerts carrying one of these (empty: all)
  std::vector<std::string> exclude_tags;  ///< never deliver alerts carrying one of these
  std::vector<std::string> rules;         ///< deliver only these rule ids (empty: all)
  std::string path;                       ///< jsonl; syslog: its socket (default /dev/log)
  std::string format = "auto";            ///< stdout: auto | text | json; syslog: rfc3164 | rfc5424
  std::string url;                        ///< webhook and chat sinks; email: smtp(s)://host[:port]
  /// webhook: signing secrets as written, e.g. "${WEBHOOK_SECRET}" (several during key
  /// rotation: every one signs, receivers accept any)
  std::vector<std::string> secrets;
  std::string secret_file;  ///< webhook: a file holding the secret(s), whitespace-separated
  std::map<std::string, std::string> headers;
  seconds timeout{10};  ///< email: 30 s unless given
  // email
  std::string from;             ///< "sanctwatch <alerts@example.org>", checked (core/mailbox.hpp)
  std::vector<std::string> to;  ///< at least one, each checked
  std::string username;         ///< SMTP AUTH; may hold ${ENV} parts
  std::string password;         ///< as written, e.g. "${SMTP_PASSWORD}"; a secret
  std::string password_file;    ///< a file holding the password, as it is
  bool starttls = true;         ///< smtp:// only: require STARTTLS
  /// email and chat: collect alerts into one message per this period; empty: each as it comes
  std::optional<seconds> digest;
  /// What the sink is sent: "alerts" (alert documents), "lists" (list events, docs/entities.md);
  /// default alerts only, so readers that expect alerts never see another document unasked.
  std::vector<std::string> events{"alerts"};
  bool takes(std::string_view kind) const {
    for (const auto& e : events)
      if (e == kind) return true;
    return false;
  }
  int line = 0;
};

struct network_settings {
  int per_host = 2;
  int max_parallel = 64;
  seconds timeout{30};
  seconds low_speed_time{30};  ///< abort when below 1 byte/s for this long
  std::uint64_t max_body = 16ull << 20;
  int max_redirects = 10;
  std::string user_agent;  ///< empty: "sanctwatch/<version> (+feed monitor)"
  /// PEM bundle of CAs to trust instead of the system store, resolved against the config
  /// file's directory; empty: the system store. TLS verification is never off.
  std::string ca_file;
  /// Special-purpose ranges (loopback, private, link-local, ...) that redirects and URLs
  /// taken from feed content may reach all the same; empty: none. A feed URL written in the
  /// config may point anywhere whatever this says.
  std::vector<ip_network> allow_private;
  /// "http://proxy:3128": every request goes through this proxy; empty: none. Proxy
  /// environment variables (http_proxy, ...) are not read.
  std::string proxy;
};

struct defaults_settings {
  seconds interval{15 * 60};
  /// Poll busy feeds more often: after a poll that brought new items the next one comes
  /// sooner (down to a quarter of the interval, never under a minute).
  bool adaptive = false;
  /// New or changed items taken from one feed per poll; the rest wait for the next poll (a
  /// feed flooding thousands of items cannot hold the daemon for minutes).
  int max_new_items = 1000;
  /// Fetch the article behind an item's link: `auto` when title + summary + content hold
  /// fewer than full_text_min_words words.
  full_text_mode full_text = full_text_mode::auto_;
  /// Items published longer ago than this are never fetched (old news is not worth a request).
  seconds full_text_max_age{7 * 24 * 3600};
  /// Article fetches per host and minute at most; the rest wait in a queue.
  int full_text_rate = 12;
};

struct state_settings {
  std::string path;  ///< empty: $STATE_DIRECTORY/state.db, else ./var/state.db
  /// A libpq connection URI (postgresql://…): the state lives in PostgreSQL, where several
  /// daemons share it; empty: the SQLite file at `path`. May hold ${ENV} parts.
  std::string url;
  std::string password;       ///< for `url` (${ENV} expanded when loaded); else:
  std::string password_file;  ///< a file holding it; neither: the URI's, PGPASSFILE's
  /// How long a daemon holds a feed or a delivery it claimed without renewing the claim
  /// (renewed every third of it while working): a daemon that dies has its work taken over
  /// within one lease.
  seconds lease{60};
  seconds retention{90 * 24 * 3600};            ///< items not seen for this long are forgotten
  seconds delivered_retention{30 * 24 * 3600};  ///< delivered outbox rows; dead letters stay
  /// Items' normalized text kept for look-back screening and `backtest`; at most `retention`
  /// (a longer value is lowered to it when read); 0: keep none.
  seconds text_retention{30 * 24 * 3600};
};

struct stories_settings {
  bool enabled = true;
  seconds window{72 * 3600};
};

struct alerts_settings {
  /// Evidence sentences an alert carries (1-20).
  int max_evidence = 3;
};

struct metrics_settings {
  std::string listen;  ///< "127.0.0.1:9464"; empty: off
  /// A connection must have sent its request and read the answer within this time.
  seconds request_timeout{10};
  /// Connections served at once; more are answered 503 and closed at once.
  int max_connections = 64;
};

/// A person who may sign in to the triage page and its feeds (`web.users`).
struct web_user {
  std::string name;
  std::string password_hash;  ///< argon2id, encoded ("$argon2id$v=19$..."): `sanctwatch passwd`
  bool operator==(const web_user&) const = default;
};

/// The triage page, the JSON API and the Atom feed of alerts (docs/triage.md); off unless
/// `listen` is set.
struct web_settings {
  std::string listen;  ///< "127.0.0.1:8080"; empty: off
  /// Reading (the queue, the API, the Atom feed) without signing in.
  bool public_read = false;
  std::vector<web_user> users;
  int threads = 4;               ///< requests served at once
  seconds request_timeout{10};   ///< to send a request, and to read the answer
  bool operator==(const web_settings&) const = default;
};

struct config {
  std::string file;  ///< the file it was read from; relative paths are relative to its folder
  /// This daemon's name among those sharing a PostgreSQL state (`status`, `feeds`, leases);
  /// empty: HOST:PID.
  std::string node;
  state_settings state;
  std::vector<std::string> rules;  ///< rule directories
  bool rules_allow_empty = false;  ///< start even when the directories hold no rule
  std::vector<feed> feeds;
  std::vector<opml_source> opml;
  std::vector<entity_source> entity_lists;
  std::vector<sink> sinks;
  network_settings network;
  defaults_settings defaults;
  stories_settings stories;
  alerts_settings alerts;
  metrics_settings metrics;
  web_settings web;
};

struct load_result {
  config value;
  std::vector<diagnostic> errors;  ///< every problem, located; the config is usable only if empty
  bool ok() const { return errors.empty(); }
};

/// Parses and validates a config document. Unknown keys, repeated keys, wrong types, bad
/// durations, sizes, severities, URLs (those without ${ENV} parts; the rest are checked once
/// expanded), duplicate feed ids or sink names are errors with file:line:col.
load_result parse(std::string_view yaml, std::string_view file_name);

/// A URL as libcurl's URL API reads it: the parser of what fetches and delivers it.
struct url_parts {
  std::string scheme;    ///< lower case
  std::string user;      ///< percent-decoded; empty when none
  std::string password;  ///< percent-decoded; empty when none
};

/// `url` read by libcurl: an absolute URL with a host and one of `schemes`, or why not. The
/// message never repeats the URL, which may hold a password.
result<url_parts> parse_url(const std::string& url,
                            std::initializer_list<std::string_view> schemes);

/// "90s", "15m", "1h30m", "2d", "1w" or a bare number of seconds.
std::optional<seconds> parse_duration(std::string_view s);
/// "16MiB", "512KiB", "1GB", "100k" or a bare number of bytes.
std::optional<std::uint64_t> parse_size(std::string_view s);

/// `p` as written in the config, made relative to the config file's folder (absolute
/// paths and URLs are returned unchanged).
std::string resolve_path(const config& c, const std::string& p);

/// "${NAME}" parts replaced from the environment; an unset variable is an error naming it.
/// The reader expands every string value of the file this way, with a located error, except
/// the secrets and what may carry them (urls, username, password, secret, headers and the
/// password_file / secret_file paths): those are expanded when the daemon loads the config
/// (service/), so that no message of the reader ever shows their values.
result<std::string> expand_env(const std::string& s);

/// A feed URL ready to fetch: `file:rel/path` becomes an absolute file:// URL (resolved
/// against the config's folder and the working directory); other URLs are unchanged.
std::string resolve_url(const config& c, const std::string& url);

}  // namespace sanctwatch::config
