// The alert queue: one index row per story alert with what the queue shows and filters on,
// rewritten with every revision, so that a filtered page reads narrow rows, never documents.
// Multi-valued fields are stored delimited ("|sanctions|entity|") and matched with LIKE,
// values in the matching form (text/normalize.hpp), so both backends compare alike.
#include <ctime>
#include <stdexcept>
#include <tuple>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"
#include "core/severity.hpp"
#include "store/rows.hpp"
#include "store/store.hpp"
#include "text/normalize.hpp"

namespace sanctwatch::store {

using namespace rows;

namespace {

using json = nlohmann::json;

// "|a|b|" of the normalized values, each once, in order.
struct delimited {
  std::string text = "|";
  std::vector<std::string> values;
  void add(const std::string& v) {
    if (v.empty()) return;
    std::string n = text::normalize_text(v);
    for (auto& c : n)
      if (c == '|') c = '/';
    if (text.find("|" + n + "|") != std::string::npos) return;
    text += n + "|";
    values.push_back(v);
  }
};

std::vector<std::string> split(const std::string& d) {
  std::vector<std::string> out;
  std::size_t at = 1;
  while (at < d.size()) {
    const auto end = d.find('|', at);
    if (end == std::string::npos) break;
    out.push_back(d.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// A LIKE pattern for `value` anywhere, with LIKE's own characters escaped (ESCAPE '\').
std::string like(const std::string& value) {
  std::string out = "%";
  for (char c : value) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

std::string field_pattern(const std::string& value) {
  std::string n = text::normalize_text(value);
  for (auto& c : n)
    if (c == '|') c = '/';
  return like("|" + n + "|");
}

}  // namespace

void store::index_alert(const std::string& id, const std::string& document,
                        timestamp created_at) {
  const json doc = json::parse(document, nullptr, false);
  if (!doc.is_object() || !doc.contains("rules")) return;  // not a story alert
  const json& item = doc.contains("item") ? doc["item"] : json::object();
  delimited tags, rules, lists, feeds;
  for (const auto& t : json_array(doc, "tags"))
    if (t.is_string()) tags.add(t.get<std::string>());
  for (const auto& r : json_array(doc, "rules")) rules.add(json_string(r, "id"));
  const std::string feed_id = item.contains("feed") ? json_string(item["feed"], "id") : std::string();
  feeds.add(feed_id);
  for (const auto& s : json_array(doc, "sources")) feeds.add(json_string(s, "feed"));
  std::string headline = json_string(item, "title");
  if (headline.empty() && !json_array(doc, "rules").empty()) headline = json_string(doc["rules"][0], "title");
  std::string search = headline;
  json entities = json::array();
  for (const auto& e : json_array(doc, "entities")) {
    lists.add(json_string(e, "list"));
    entities.push_back({{"id", json_string(e, "id")}, {"name", json_string(e, "name")}, {"list", json_string(e, "list")}});
    search += "\n" + json_string(e, "name") + "\n" + json_string(e, "matched");
  }
  const auto sev = parse_severity(json_string(doc, "severity")).value_or(severity::info);
  std::int64_t sources = 1;
  if (const auto it = doc.find("sources_total"); it != doc.end() && it->is_number_integer())
    sources = it->get<std::int64_t>();
  timestamp updated = created_at;
  if (const auto u = json_string(doc, "updated_at"); !u.empty()) {
    // RFC 3339 "…Z" as the pipeline writes it; anything else keeps the creation time.
    std::tm tm{};
    if (strptime(u.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm))
      updated = timestamp{std::chrono::seconds{timegm(&tm)}};
  }
  auto st = db_->prepare(
      "INSERT INTO alert_index (alert_id, created_at, updated_at, severity, headline, link, "
      "feed_id, tags, rules, lists, feeds, entities, search, sources, silenced, lookback) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
      "ON CONFLICT (alert_id) DO UPDATE SET updated_at = excluded.updated_at, "
      "severity = excluded.severity, headline = excluded.headline, link = excluded.link, "
      "tags = excluded.tags, rules = excluded.rules, lists = excluded.lists, "
      "feeds = excluded.feeds, entities = excluded.entities, search = excluded.search, "
      "sources = excluded.sources, silenced = excluded.silenced, lookback = excluded.lookback");
  st.bind(1, id).bind(2, secs(created_at)).bind(3, secs(updated)).bind(4, static_cast<int>(sev));
  st.bind(5, headline).bind(6, json_string(item, "link")).bind(7, feed_id).bind(8, tags.text);
  st.bind(9, rules.text).bind(10, lists.text).bind(11, feeds.text).bind(12, entities.dump());
  st.bind(13, text::normalize_text(search)).bind(14, sources);
  st.bind(15, doc.value("silenced", false) ? 1 : 0).bind(16, doc.value("lookback", false) ? 1 : 0);
  st.run();
}

std::int64_t store::index_missing() {
  auto st = db_->prepare(
      "SELECT a.id, a.created_at, COALESCE((SELECT u.document FROM alert_updates u WHERE "
      "u.alert_id = a.id ORDER BY u.revision DESC LIMIT 1), a.document) FROM alerts a "
      "WHERE a.kind = 'alert' AND NOT EXISTS (SELECT 1 FROM alert_index i WHERE i.alert_id = a.id)");
  std::vector<std::tuple<std::string, timestamp, std::string>> missing;
  while (st.step()) missing.emplace_back(st.text(0), at(st.integer(1)), st.text(2));
  st.reset();
  if (missing.empty()) return 0;
  batch tx(*this);
  for (const auto& [id, created, doc] : missing) index_alert(id, doc, created);
  tx.commit();
  return static_cast<std::int64_t>(missing.size());
}

queue_page store::queue(const queue_filter& f, int limit, const std::string& after,
                        bool documents) {
  std::string where = " WHERE 1 = 1";
  std::vector<std::variant<std::int64_t, std::string>> params;
  auto add = [&](const std::string& cond, std::variant<std::int64_t, std::string> value) {
    where += " AND " + cond;
    params.push_back(std::move(value));
  };
  const char* esc = " ESCAPE '\\'";
  if (f.min_severity) add("i.severity >= ?", std::int64_t{*f.min_severity});
  if (!f.tag.empty()) add(std::string("i.tags LIKE ?") + esc, field_pattern(f.tag));
  if (!f.rule.empty()) add(std::string("i.rules LIKE ?") + esc, field_pattern(f.rule));
  if (!f.list.empty()) add(std::string("i.lists LIKE ?") + esc, field_pattern(f.list));
  if (!f.feed.empty()) add(std::string("i.feeds LIKE ?") + esc, field_pattern(f.feed));
  if (!f.text.empty()) add(std::string("i.search LIKE ?") + esc, like(text::normalize_text(f.text)));
  if (f.since) add("i.created_at >= ?", secs(*f.since));
  if (f.until) add("i.created_at < ?", secs(*f.until));
  if (f.state == "new")
    where += " AND i.silenced = 0 AND t.acknowledged_at IS NULL AND COALESCE(t.label, '') = ''";
  else if (f.state == "acknowledged")
    where += " AND t.acknowledged_at IS NOT NULL";
  else if (f.state == "true-positive" || f.state == "false-positive")
    add("t.label = ?", f.state);
  else if (f.state == "silenced")
    where += " AND i.silenced = 1";
  else if (!f.state.empty())
    throw std::invalid_argument("unknown state '" + f.state + "'");
  const std::string from =
      " FROM alert_index i LEFT JOIN alert_triage t ON t.alert_id = i.alert_id";
  auto bind_all = [&](statement& st) {
    int n = 0;
    for (const auto& v : params) std::visit([&](const auto& x) { st.bind(++n, x); }, v);
    return n;
  };
  queue_page page;
  {
    auto count = db_->prepare("SELECT COUNT(*)" + from + where);
    bind_all(count);
    count.step();
    page.total = count.integer(0);
  }
  // Keyset paging: "created_at:id" of the last row shown.
  std::string page_where = where;
  std::int64_t after_time = 0;
  std::string after_id;
  if (!after.empty()) {
    const auto colon = after.find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      after_time = std::stoll(after.substr(0, colon));
      after_id = after.substr(colon + 1);
    } catch (const std::exception&) {
      throw std::invalid_argument("malformed page cursor '" + after + "'");
    }
    page_where += " AND (i.created_at < ? OR (i.created_at = ? AND i.alert_id < ?))";
  }
  auto st = db_->prepare(
      "SELECT i.alert_id, i.created_at, i.updated_at, i.severity, i.headline, i.link, i.feed_id, "
      "i.tags, i.rules, i.feeds, i.entities, i.sources, i.silenced, i.lookback, "
      "t.acknowledged_at, COALESCE(t.label, '')" +
      std::string(documents ? ", COALESCE((SELECT u.document FROM alert_updates u WHERE "
                              "u.alert_id = i.alert_id ORDER BY u.revision DESC LIMIT 1), "
                              "(SELECT a.document FROM alerts a WHERE a.id = i.alert_id), '')"
                            : "") +
      from + page_where + " ORDER BY i.created_at DESC, i.alert_id DESC LIMIT ?");
  int n = bind_all(st);
  if (!after.empty()) {
    st.bind(n + 1, after_time).bind(n + 2, after_time).bind(n + 3, after_id);
    n += 3;
  }
  st.bind(++n, limit + 1);
  while (st.step()) {
    queue_row r;
    r.id = st.text(0);
    r.created_at = at(st.integer(1));
    r.updated_at = at(st.integer(2));
    r.severity = static_cast<int>(st.integer(3));
    r.headline = st.text(4);
    r.link = st.text(5);
    r.feed_id = st.text(6);
    r.tags = split(st.text(7));
    r.rules = split(st.text(8));
    r.feeds = split(st.text(9));
    r.entities = st.text(10);
    r.sources = st.integer(11);
    r.silenced = st.integer(12) != 0;
    r.lookback = st.integer(13) != 0;
    r.acknowledged = !st.is_null(14);
    r.label = st.text(15);
    if (documents) r.document = st.text(16);
    page.rows.push_back(std::move(r));
  }
  if (static_cast<int>(page.rows.size()) > limit) {
    page.rows.pop_back();
    const auto& last = page.rows.back();
    page.next = std::to_string(secs(last.created_at)) + ":" + last.id;
  }
  return page;
}

}  // namespace sanctwatch::store
