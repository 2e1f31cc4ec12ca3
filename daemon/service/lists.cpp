#include "service/lists.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <asio.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "entities/import.hpp"

namespace sanctwatch::service {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// A list name as a file name: the config allows any string.
std::string file_stem(const std::string& name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out.empty() ? "_" : out;
}

std::optional<std::string> write_atomically(const fs::path& path, std::string_view bytes) {
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return tmp + ": " + std::strerror(errno);
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return why;
    }
    off += static_cast<std::size_t>(n);
  }
  // The copy is what a restart without network screens with: on disk before it is named.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return tmp + ": " + std::strerror(errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return path.string() + ": " + std::strerror(errno);
  return std::nullopt;
}

std::optional<std::string> read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(ss).str();
}

json opt_time(const std::optional<timestamp>& t) {
  return t ? json(t->time_since_epoch().count()) : json(nullptr);
}
std::optional<timestamp> get_time(const json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return timestamp{std::chrono::seconds{it->get<std::int64_t>()}};
}

std::string content_hash(const list_copy& c) {
  std::uint64_t h = fnv1a64(c.bytes ? *c.bytes : std::string());
  h = fnv1a64("\x1f", h);
  if (c.aliases) h = fnv1a64(*c.aliases, h);
  h = fnv1a64("\x1f", h);
  if (c.addresses) h = fnv1a64(*c.addresses, h);
  return hex64(h);
}

// 32 hex digits over the parts, each length-prefixed so ("a", "bc") differs from ("ab", "c").
std::string stable_id(std::initializer_list<std::string_view> parts) {
  std::string in;
  for (auto p : parts) in += std::to_string(p.size()) + ":" + std::string(p);
  return hex64(fnv1a64(in)) + hex64(fnv1a64(in, 0x84222325cbf29ce4ULL));
}

json entity_json(const entities::entity& e) {
  json aliases = json::array();
  for (std::size_t i = 1; i < e.names.size(); ++i) aliases.push_back(e.names[i].text);
  return {{"id", e.id},
          {"name", e.primary_name},
          {"type", std::string(entities::to_string(e.type))},
          {"programs", e.programs},
          {"aliases", aliases}};
}

std::int64_t count_names(const entities::entity_list& l) {
  std::int64_t n = 0;
  for (const auto& e : l.entities) n += static_cast<std::int64_t>(e.names.size());
  return n;
}

bool same_bytes(const std::shared_ptr<const std::string>& a,
                const std::shared_ptr<const std::string>& b) {
  if (!a || !b) return !a && !b;
  return a == b || *a == *b;
}

}  // namespace

std::string lists_dir(const std::string& state_path) {
  const fs::path parent = fs::path(state_path).parent_path();
  return ((parent.empty() ? fs::path(".") : parent) / "lists").string();
}

std::optional<list_meta> read_list_meta(const std::string& dir, const std::string& name) {
  auto text = read_whole(fs::path(dir) / (file_stem(name) + ".json"));
  if (!text) return std::nullopt;
  const json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  list_meta m;
  const auto s = [&](const char* k) { return j.value(k, std::string()); };
  m.name = s("name");
  m.source = s("source");
  m.format = s("format");
  m.etag = s("etag");
  m.last_modified = s("last_modified");
  m.aliases_etag = s("aliases_etag");
  m.aliases_last_modified = s("aliases_last_modified");
  m.addresses_etag = s("addresses_etag");
  m.addresses_last_modified = s("addresses_last_modified");
  m.version = s("version");
  m.content_hash = s("content_hash");
  m.status = j.value("status", std::string("ok"));
  m.entries = j.value("entries", std::int64_t{0});
  m.names = j.value("names", std::int64_t{0});
  m.fetched_at = get_time(j, "fetched_at");
  m.checked_at = get_time(j, "checked_at");
  m.changed_at = get_time(j, "changed_at");
  return m;
}

std::shared_ptr<const list_copy> read_list_copy(const std::string& dir, const std::string& name) {
  auto meta = read_list_meta(dir, name);
  if (!meta || !meta->fetched_at) return nullptr;
  const fs::path base = fs::path(dir) / file_stem(name);
  auto c = std::make_shared<list_copy>();
  c->meta = std::move(*meta);
  auto bytes = read_whole(base.string() + ".data");
  if (!bytes) return nullptr;
  c->bytes = std::make_shared<const std::string>(std::move(*bytes));
  if (auto a = read_whole(base.string() + ".aliases"))
    c->aliases = std::make_shared<const std::string>(std::move(*a));
  if (auto a = read_whole(base.string() + ".addresses"))
    c->addresses = std::make_shared<const std::string>(std::move(*a));
  // A copy whose files do not match its metadata (a crash between them) is not the good one.
  if (!c->meta.content_hash.empty() && content_hash(*c) != c->meta.content_hash) return nullptr;
  return c;
}

std::optional<std::string> write_list_meta(const std::string& dir, const list_meta& m) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const json j = {{"name", m.name},
                  {"source", m.source},
                  {"format", m.format},
                  {"etag", m.etag},
                  {"last_modified", m.last_modified},
                  {"aliases_etag", m.aliases_etag},
                  {"aliases_last_modified", m.aliases_last_modified},
                  {"addresses_etag", m.addresses_etag},
                  {"addresses_last_modified", m.addresses_last_modified},
                  {"version", m.version},
                  {"content_hash", m.content_hash},
                  {"entries", m.entries},
                  {"names", m.names},
                  {"fetched_at", opt_time(m.fetched_at)},
                  {"checked_at", opt_time(m.checked_at)},
                  {"changed_at", opt_time(m.changed_at)},
                  {"status", m.status}};
  return write_atomically(fs::path(dir) / (file_stem(m.name) + ".json"), j.dump(2) + "\n");
}

std::optional<std::string> write_list_copy(const std::string& dir, const list_copy& c) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return dir + ": " + ec.message();
  const std::string base = (fs::path(dir) / file_stem(c.meta.name)).string();
  if (auto e = write_atomically(base + ".data", c.bytes ? *c.bytes : std::string())) return e;
  for (const auto& [ext, part] :
       {std::pair{".aliases", c.aliases}, std::pair{".addresses", c.addresses}}) {
    if (part) {
      if (auto e = write_atomically(base + ext, *part)) return e;
    } else {
      ::unlink((base + ext).c_str());
    }
  }
  return write_list_meta(dir, c.meta);
}

std::string list_version(std::string_view format, std::string_view bytes) {
  const std::string_view head = bytes.substr(0, std::min<std::size_t>(bytes.size(), 1 << 16));
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  // "2024-05-14" from the start of an ISO date or date-time.
  const auto iso_after = [&](std::string_view marker) -> std::string {
    const auto at = head.find(marker);
    if (at == std::string_view::npos || at + marker.size() + 10 > head.size()) return {};
    const auto d = head.substr(at + marker.size(), 10);
    if (!digits(d.substr(0, 4)) || d[4] != '-' || !digits(d.substr(5, 2)) || d[7] != '-' ||
        !digits(d.substr(8, 2)))
      return {};
    return std::string(d);
  };
  // "05/14/2024" (OFAC, month first) or "14/05/2024" (UK, day first).
  const auto slashed = [&](std::string_view d, bool month_first) -> std::string {
    if (d.size() < 10 || !digits(d.substr(0, 2)) || d[2] != '/' || !digits(d.substr(3, 2)) ||
        d[5] != '/' || !digits(d.substr(6, 4)))
      return {};
    const auto a = d.substr(0, 2), b = d.substr(3, 2);
    return std::string(d.substr(6, 4)) + "-" + std::string(month_first ? a : b) + "-" +
           std::string(month_first ? b : a);
  };
  if (format == "ofac-sdn-xml") {
    constexpr std::string_view tag = "<Publish_Date>";
    const auto at = head.find(tag);
    if (at == std::string_view::npos) return {};
    return slashed(head.substr(at + tag.size()), true);
  }
  if (format == "eu-fsf-xml") return iso_after("generationDate=\"");
  if (format == "un-sc-xml") return iso_after("dateGenerated=\"");
  if (format == "uk-csv") {
    std::string_view line = head.substr(0, head.find('\n'));
    if (line.starts_with("\xef\xbb\xbf")) line.remove_prefix(3);
    constexpr std::string_view lead = "Last Updated,";
    if (!line.starts_with(lead)) return {};
    return slashed(line.substr(lead.size()), false);
  }
  return {};
}

result<entities::entity_list> import_copy(const list_copy& c) {
  entities::import_options o;
  o.list_name = c.meta.name;
  if (!c.bytes) return error{"empty", "no bytes"};
  if (c.meta.format == "ofac-sdn-csv")
    return entities::import_ofac_sdn_csv(*c.bytes, c.aliases ? *c.aliases : std::string(),
                                         c.addresses ? *c.addresses : std::string(), o);
  return entities::import_entities(c.meta.format, *c.bytes, o);
}

std::optional<std::string> shrink_refusal(std::int64_t before, std::int64_t after,
                                          double max_shrink) {
  if (before <= 0 || after >= before) return std::nullopt;
  const double lost = static_cast<double>(before - after) / static_cast<double>(before);
  if (lost <= max_shrink + 1e-9) return std::nullopt;
  return "shrank from " + std::to_string(before) + " to " + std::to_string(after) + " entries (" +
         std::to_string(static_cast<int>(lost * 100 + 0.5)) + "%), more than max_shrink " +
         std::to_string(static_cast<int>(max_shrink * 100 + 0.5)) + "%";
}

list_change diff_lists(const entities::entity_list& before, const entities::entity_list& after) {
  list_change c;
  c.list = after.name;
  std::map<std::string_view, const entities::entity*> old;
  for (const auto& e : before.entities) old.emplace(e.id, &e);
  std::set<std::string_view> kept;
  for (const auto& e : after.entities) {
    const auto it = old.find(e.id);
    if (it == old.end()) {
      c.added.push_back(e);
      continue;
    }
    kept.insert(e.id);
    const auto& was = *it->second;
    bool changed = was.primary_name != e.primary_name;
    std::set<std::string_view> had;
    for (const auto& n : was.names) had.insert(n.text);
    entities::entity fresh = e;
    fresh.names.clear();
    for (const auto& n : e.names)
      if (!had.count(n.text)) fresh.names.push_back(n);
    changed = changed || !fresh.names.empty();
    if (changed) c.changed.push_back(e);
    if (!fresh.names.empty()) c.new_names.push_back(std::move(fresh));
  }
  for (const auto& e : before.entities)
    if (!kept.count(e.id)) c.removed.push_back(e);
  return c;
}

std::vector<list_event> list_events(const list_change& c, timestamp detected_at) {
  std::vector<list_event> out;
  const auto add = [&](const entities::entity& e, const char* type, const char* severity) {
    list_event ev;
    ev.id = stable_id({c.list, e.id, c.version, c.content_hash});
    ev.type = type;
    ev.severity = severity;
    ev.entity_id = e.id;
    ev.document = json{
        {"schema", "sanctwatch.list-event/1"},
        {"type", type},
        {"id", ev.id},
        {"list", c.list},
        {"list_version", c.version},
        {"entity", entity_json(e)},
        {"detected_at", format_rfc3339(detected_at)},
        {"severity",
         severity}}.dump();
    out.push_back(std::move(ev));
  };
  for (const auto& e : c.added) add(e, "list.added", "high");
  for (const auto& e : c.changed) add(e, "list.changed", "medium");
  for (const auto& e : c.removed) add(e, "list.removed", "low");
  return out;
}

list_event list_refresh_summary(const list_change& c, timestamp detected_at) {
  std::string counts;
  const auto count = [&](std::size_t n, const char* what) {
    if (n) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  count(c.added.size(), "added");
  count(c.removed.size(), "removed");
  count(c.changed.size(), "changed");
  constexpr std::size_t max_lines = 200, max_in_line = 10;
  std::string text = c.list + ": " + counts + " (version " + c.version + ")\n";
  std::string names;
  std::size_t lines = 0, in_line = 0, total = 0;
  const auto group = [&](const std::vector<entities::entity>& v, const char* what) {
    for (const auto& e : v) {
      ++total;
      if (in_line < max_in_line) {
        names += (names.empty() ? "" : ", ") + e.primary_name;
        ++in_line;
      }
      if (lines < max_lines) {
        std::string programs;
        for (const auto& p : e.programs) programs += (programs.empty() ? "" : ", ") + p;
        text += std::string(what) + ": " + e.primary_name + " (" + e.id +
                (programs.empty() ? "" : "; " + programs) + ")\n";
        ++lines;
      }
    }
  };
  group(c.added, "added");
  group(c.removed, "removed");
  group(c.changed, "changed");
  if (total > lines) text += "… and " + std::to_string(total - lines) + " more\n";
  if (total > in_line) names += " and " + std::to_string(total - in_line) + " more";
  if (!text.empty() && text.back() == '\n') text.pop_back();
  list_event s;
  s.id = stable_id({c.list, "refresh", c.version, c.content_hash});
  s.type = "list.refresh";
  s.severity = !c.added.empty() ? "high" : !c.changed.empty() ? "medium" : "low";
  json ids = json::array();
  for (const auto& e : list_events(c, detected_at)) ids.push_back(e.id);
  s.document = json{
      {"schema", "sanctwatch.list-refresh/1"},
      {"type", "list.refresh"},
      {"id", s.id},
      {"list", c.list},
      {"list_version", c.version},
      {"counts",
       {{"added", c.added.size()}, {"removed", c.removed.size()}, {"changed", c.changed.size()}}},
      {"events", ids},
      {"line", c.list + ": " + counts + ": " + names},
      {"text", text},
      {"detected_at", format_rfc3339(detected_at)},
      {"severity",
       s.severity}}.dump();
  return s;
}

engine::load_outcome compile_ruleset(const compile_inputs& in, const list_copies& copies) {
  engine::load_options o;
  for (const auto& l : in.lists) {
    engine::extra_entity_list x;
    x.name = l.name;
    x.format = l.format;
    x.path = l.source;  // a URL only names the list in messages: its bytes are the copy's
    if (l.from_url()) {
      const auto it = copies.find(l.name);
      if (it == copies.end() || !it->second || !it->second->bytes) continue;
      x.bytes = it->second->bytes;
      x.aliases = it->second->aliases;
      x.addresses = it->second->addresses;
    }
    o.extra_entities.push_back(std::move(x));
  }
  o.read = engine::read_disk_file;
  o.cache = engine::disk_list_cache(engine::default_cache_dir());
  return engine::load_ruleset(in.rule_files, o);
}

// ---------------------------------------------------------------------------------------------

struct list_refresher::list_state {
  config::entity_source src;
  list_meta meta;
  std::shared_ptr<const list_copy> copy;
  asio::steady_timer timer;
  bool busy = false;
  explicit list_state(asio::io_context& io) : timer(io) {}
};

// A look at one list: fetched on the io thread part by part, then (when something changed)
// handed to the worker; or a reconfiguration of the worker.
struct list_refresher::job {
  enum class kind { candidate, configure } what = kind::candidate;
  std::string name;
  config::entity_source src;
  std::shared_ptr<const list_copy> base;  ///< the copy in use when the look started
  std::shared_ptr<list_copy> cand;
  bool any_new = false;
  compile_inputs inputs;  ///< configure
  list_copies copies;     ///< configure
  std::uint64_t generation = 0;
};

list_refresher::list_refresher(http::client& client, std::string state_path, clock_fn now)
    : client_(client),
      io_(client.context()),
      dir_(lists_dir(state_path)),
      now_(std::move(now)),
      alive_(std::make_shared<bool>(true)) {
  worker_ = std::thread([this] { work(); });
}

list_refresher::~list_refresher() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  worker_.join();
  alive_.reset();
}

std::size_t list_refresher::busy() const {
  std::size_t n = 0;
  for (const auto& [name, l] : lists_) n += l->busy;
  return n;
}

void list_refresher::configure(compile_inputs inputs, list_copies copies,
                               list_fetch_settings settings) {
  settings_ = std::move(settings);
  ++generation_;
  std::map<std::string, std::unique_ptr<list_state>> next;
  for (const auto& src : inputs.lists) {
    if (!src.from_url()) continue;
    auto it = lists_.find(src.name);
    std::unique_ptr<list_state> l;
    if (it != lists_.end() && it->second->src.source == src.source &&
        it->second->src.format == src.format && it->second->src.aliases == src.aliases &&
        it->second->src.addresses == src.addresses) {
      l = std::move(it->second);
      l->src = src;  // refresh, max_shrink may have changed
    } else {
      l = std::make_unique<list_state>(io_);
      l->src = src;
      const auto c = copies.find(src.name);
      if (c != copies.end() && c->second) {
        l->copy = c->second;
        l->meta = c->second->meta;
      } else if (auto m = read_list_meta(dir_, src.name); m && m->source == src.source) {
        l->meta = *m;  // looked at before, never taken: its status, its last check
      } else {
        l->meta = {};
      }
      l->meta.name = src.name;
      l->meta.source = src.source;
      l->meta.format = src.format;
    }
    next[src.name] = std::move(l);
  }
  lists_ = std::move(next);  // removed lists: their timers are cancelled with them

  auto j = std::make_shared<job>();
  j->what = job::kind::configure;
  j->inputs = std::move(inputs);
  j->copies = std::move(copies);
  j->generation = generation_;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(j));
  }
  wake_.notify_one();

  const auto now = now_();
  for (auto& [name, l] : lists_) {
    if (l->busy) continue;
    // Due at its last check + refresh; a list never fetched (or moved) now.
    const auto last = l->meta.checked_at ? l->meta.checked_at : l->meta.fetched_at;
    auto wait = std::chrono::seconds{0};
    if (last && l->copy) wait = std::max(std::chrono::seconds{0}, *last + l->src.refresh - now);
    schedule(*l, wait);
  }
}

void list_refresher::check_all_now() {
  for (auto& [name, l] : lists_)
    if (!l->busy) schedule(*l, std::chrono::seconds{0});
}

void list_refresher::stop() {
  stopped_ = true;
  for (auto& [name, l] : lists_) l->timer.cancel();
}

void list_refresher::schedule(list_state& l, std::chrono::seconds after) {
  if (stopped_) return;
  l.timer.expires_after(after);
  l.timer.async_wait(
      [this, name = l.src.name, alive = std::weak_ptr<bool>(alive_)](std::error_code ec) {
        if (ec || alive.expired()) return;
        check(name);
      });
}

void list_refresher::check(const std::string& name) {
  auto it = lists_.find(name);
  if (stopped_ || it == lists_.end() || it->second->busy) return;
  auto& l = *it->second;
  l.busy = true;
  auto j = std::make_shared<job>();
  j->name = name;
  j->src = l.src;
  j->base = l.copy;
  j->cand = std::make_shared<list_copy>();
  j->cand->meta = l.meta;
  j->generation = generation_;
  fetch_part(j, 0);
}

void list_refresher::fetch_part(std::shared_ptr<job> j, int part) {
  for (; part < 3; ++part) {
    const std::string& url = part == 0   ? j->src.source
                             : part == 1 ? j->src.aliases
                                         : j->src.addresses;
    if (url.empty()) continue;
    const auto& base = j->base;
    std::shared_ptr<const std::string> had = !base       ? nullptr
                                             : part == 0 ? base->bytes
                                             : part == 1 ? base->aliases
                                                         : base->addresses;
    http::request req;
    req.url = url;
    if (had) {
      const auto& m = base->meta;
      req.etag = part == 0 ? m.etag : part == 1 ? m.aliases_etag : m.addresses_etag;
      req.last_modified = part == 0   ? m.last_modified
                          : part == 1 ? m.aliases_last_modified
                                      : m.addresses_last_modified;
    }
    req.user_agent = settings_.user_agent;
    req.timeout = settings_.timeout;
    req.low_speed_time = settings_.low_speed_time;
    req.max_body = max_list_bytes;
    req.max_redirects = settings_.max_redirects;
    client_.start(std::move(req), [this, j, part, had, url,
                                   alive = std::weak_ptr<bool>(alive_)](http::response r) {
      if (alive.expired()) return;
      if (!r.ok()) return fail(j->name, "fetch", r.error_message);
      auto& m = j->cand->meta;
      std::shared_ptr<const std::string> bytes;
      if (r.not_modified && had) {
        bytes = had;
      } else if (r.status >= 200 && r.status < 300) {
        bytes = std::make_shared<const std::string>(std::move(r.body));
        j->any_new = true;
        (part == 0 ? m.etag : part == 1 ? m.aliases_etag : m.addresses_etag) = r.header("etag");
        (part == 0   ? m.last_modified
         : part == 1 ? m.aliases_last_modified
                     : m.addresses_last_modified) = r.header("last-modified");
      } else {
        return fail(j->name, "fetch", url + ": HTTP " + std::to_string(r.status));
      }
      (part == 0 ? j->cand->bytes : part == 1 ? j->cand->aliases : j->cand->addresses) = bytes;
      fetch_part(j, part + 1);
    });
    return;
  }
  finish_fetch(std::move(j));
}

void list_refresher::finish_fetch(std::shared_ptr<job> j) {
  auto it = lists_.find(j->name);
  if (it == lists_.end()) return;  // removed by a reload meanwhile
  auto& l = *it->second;
  const auto now = now_();
  if (!j->any_new) {
    // 304 for every file: the copy in use is current.
    l.busy = false;
    l.meta.checked_at = now;
    l.meta.status = "ok";
    if (auto e = write_list_meta(dir_, l.meta)) log::warning("entity list " + j->name + ": " + *e);
    refresh_report r;
    r.list = j->name;
    r.meta = l.meta;
    r.generation = generation_;
    schedule(l, l.src.refresh);
    if (report_) report_(r);
    return;
  }
  j->cand->meta.fetched_at = now;
  j->cand->meta.checked_at = now;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(j));
  }
  wake_.notify_one();
}

void list_refresher::fail(const std::string& name, const std::string& reason,
                          const std::string& message) {
  auto it = lists_.find(name);
  if (stopped_ || it == lists_.end()) return;  // transfers aborted at shutdown are no news
  auto& l = *it->second;
  l.busy = false;
  l.meta.checked_at = now_();
  l.meta.status = reason + " failed: " + message;
  if (auto e = write_list_meta(dir_, l.meta)) log::warning("entity list " + name + ": " + *e);
  refresh_report r;
  r.list = name;
  r.failure = reason;
  r.message = message;
  r.meta = l.meta;
  r.generation = generation_;
  // Sooner than the next regular look: a publisher's outage is usually short.
  schedule(l, std::min(l.src.refresh, std::chrono::seconds{15 * 60}));
  if (report_) report_(r);
}

// The worker: one job at a time, in order, so that every compile includes every list taken
// before it.
void list_refresher::work() {
  for (;;) {
    std::shared_ptr<job> j;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return quit_ || !queue_.empty(); });
      if (quit_) return;
      j = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      process(j);
    } catch (const std::exception& e) {
      // A bug or no memory: said like a refused version, the copy in use stays.
      refresh_report r;
      r.list = j->what == job::kind::configure ? "" : j->name;
      r.failure = "compile";
      r.message = e.what();
      r.generation = w_generation_;
      if (const auto c = w_copies_.find(j->name); c != w_copies_.end() && c->second)
        r.meta = c->second->meta;
      else if (j->cand)
        r.meta = j->cand->meta;
      deliver(std::move(r));
    }
  }
}

// One job on the worker thread.
void list_refresher::process(const std::shared_ptr<job>& j) {
  refresh_report r;
  if (j->what == job::kind::configure) {
    // Copies the worker took after the reload read the state directory are newer than the
    // reload's: keep them, and compile a ruleset that has them.
    bool rebuild = false;
    list_copies copies;
    for (const auto& src : j->inputs.lists) {
      if (!src.from_url()) continue;
      const auto mine = w_copies_.find(src.name);
      const auto given = j->copies.find(src.name);
      const bool mine_ok =
          mine != w_copies_.end() && mine->second && mine->second->meta.source == src.source;
      if (given != j->copies.end() && given->second &&
          (!mine_ok || mine->second->meta.content_hash == given->second->meta.content_hash ||
           given->second->meta.fetched_at >= mine->second->meta.fetched_at)) {
        copies[src.name] = given->second;
      } else if (mine_ok) {
        copies[src.name] = mine->second;
        rebuild = true;
      }
    }
    for (auto it = w_imported_.begin(); it != w_imported_.end();) {
      const auto c = copies.find(it->first);
      const auto w = w_copies_.find(it->first);
      const bool same = c != copies.end() && w != w_copies_.end() && c->second == w->second;
      it = same ? std::next(it) : w_imported_.erase(it);
    }
    w_inputs_ = std::move(j->inputs);
    w_copies_ = std::move(copies);
    w_generation_ = j->generation;
    if (!rebuild) return;
    auto out = compile_ruleset(w_inputs_, w_copies_);
    if (!out.rules) return;
    r.rules = out.rules;
    r.changed = true;
    r.generation = w_generation_;
    deliver(std::move(r));
    return;
  }

  const auto now = now_();
  const auto src_it = std::find_if(w_inputs_.lists.begin(), w_inputs_.lists.end(),
                                   [&](const auto& s) { return s.name == j->name; });
  r.list = j->name;
  r.generation = w_generation_;
  if (src_it == w_inputs_.lists.end() || src_it->source != j->src.source) {
    r.failure = "fetch";
    r.message = "the list was removed or moved by a reload";
    r.meta = j->cand->meta;
    deliver(std::move(r));
    return;
  }
  const auto& src = *src_it;
  const auto cur_it = w_copies_.find(j->name);
  const std::shared_ptr<const list_copy> cur = cur_it == w_copies_.end() ? nullptr : cur_it->second;
  auto& cand = *j->cand;
  cand.meta.name = src.name;
  cand.meta.source = src.source;
  cand.meta.format = src.format;
  cand.meta.content_hash = content_hash(cand);

  // What the metadata says after a refusal: the copy in use, with this look's outcome.
  const auto refuse = [&](const std::string& reason, const std::string& message) {
    r.failure = reason;
    r.message = message;
    r.meta = cur ? cur->meta : list_meta{};
    r.meta.name = src.name;
    r.meta.source = src.source;
    r.meta.format = src.format;
    r.meta.checked_at = now;
    r.meta.status = (reason == "shrink" ? "refused: " : reason + " failed, refused: ") + message;
    if (auto e = write_list_meta(dir_, r.meta)) log::warning("entity list " + src.name + ": " + *e);
    deliver(std::move(r));
  };

  if (cur && same_bytes(cur->bytes, cand.bytes) && same_bytes(cur->aliases, cand.aliases) &&
      same_bytes(cur->addresses, cand.addresses)) {
    // The publisher sent the same bytes again (no validators, or new ones on old content).
    auto m = cur->meta;
    m.etag = cand.meta.etag;
    m.last_modified = cand.meta.last_modified;
    m.aliases_etag = cand.meta.aliases_etag;
    m.aliases_last_modified = cand.meta.aliases_last_modified;
    m.addresses_etag = cand.meta.addresses_etag;
    m.addresses_last_modified = cand.meta.addresses_last_modified;
    m.checked_at = now;
    m.status = "ok";
    auto same = std::make_shared<list_copy>(*cur);
    same->meta = m;
    if (auto e = write_list_meta(dir_, m)) log::warning("entity list " + src.name + ": " + *e);
    w_copies_[src.name] = same;
    w_imported_.erase(src.name);  // keyed by the copy; re-imported when needed
    r.meta = m;
    r.copy = same;
    deliver(std::move(r));
    return;
  }

  auto imported = import_copy(cand);
  if (!imported) {
    refuse("parse", src.source + ": " + imported.err().message);
    return;
  }
  std::shared_ptr<const entities::entity_list> before;
  if (cur) {
    if (auto w = w_imported_.find(src.name); w != w_imported_.end())
      before = w->second;
    else if (auto b = import_copy(*cur))
      before = std::make_shared<const entities::entity_list>(std::move(*b));
  }
  const auto entries = static_cast<std::int64_t>(imported->entities.size());
  if (before)
    if (auto why = shrink_refusal(static_cast<std::int64_t>(before->entities.size()), entries,
                                  src.max_shrink)) {
      refuse("shrink", *why);
      return;
    }
  cand.meta.entries = entries;
  cand.meta.names = count_names(*imported);
  cand.meta.version = list_version(src.format, *cand.bytes);
  cand.meta.changed_at = now;
  cand.meta.status = "ok";
  list_copies next = w_copies_;
  next[src.name] = j->cand;
  auto out = compile_ruleset(w_inputs_, next);
  if (!out.rules) {
    refuse("compile", out.errors.empty() ? "no ruleset" : engine::format_error(out.errors.front()));
    return;
  }
  if (auto e = write_list_copy(dir_, cand))
    log::warning("entity list " + src.name +
                 ": the new copy is in use but could not be kept: " + *e);
  w_copies_ = std::move(next);
  auto after = std::make_shared<const entities::entity_list>(std::move(*imported));
  w_imported_[src.name] = after;
  r.changed = true;
  r.baseline = !before;
  r.meta = cand.meta;
  r.rules = out.rules;
  if (before) {
    r.change = diff_lists(*before, *after);
    r.change.list = src.name;
  }
  r.change.list = src.name;
  r.change.version = cand.meta.shown_version();
  r.change.content_hash = cand.meta.content_hash;
  r.copy = j->cand;
  deliver(std::move(r));
}

// Worker -> io thread.
void list_refresher::deliver(refresh_report r) {
  asio::post(io_, [this, r = std::move(r), alive = std::weak_ptr<bool>(alive_)]() {
    if (alive.expired() || stopped_) return;
    if (!r.list.empty())
      if (auto it = lists_.find(r.list); it != lists_.end()) {
        auto& l = *it->second;
        l.busy = false;
        l.meta = r.meta;
        if (r.copy) l.copy = r.copy;  // its validators for the next conditional GET
        schedule(l, r.failure.empty() ? l.src.refresh
                                      : std::min(l.src.refresh, std::chrono::seconds{15 * 60}));
      }
    if (report_) report_(r);
    if (r.changed && !r.baseline && !r.change.empty())
      for (const auto& f : listeners_) f(r.change);
  });
}

}  // namespace sanctwatch::service
