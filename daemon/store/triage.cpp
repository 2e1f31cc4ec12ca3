// Working the alerts: silences, acknowledgements and labels with their history. What a
// silence matches is read by sinks/silence.hpp; the store keeps its matchers as written.
#include <stdexcept>

#include "store/rows.hpp"
#include "store/store.hpp"

namespace sanctwatch::store {

using namespace rows;

namespace {

constexpr const char* silence_columns =
    "id, matchers, starts_at, ends_at, comment, created_by, created_at";

silence_record read_silence(const statement& st) {
  return {st.text(0),         st.text(1), at(st.integer(2)), at(st.integer(3)),
          st.text(4),         st.text(5), at(st.integer(6))};
}

}  // namespace

void store::add_silence(const silence_record& s) {
  auto st = db_->prepare(std::string("INSERT INTO silences (") + silence_columns +
                         ") VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, s.id).bind(2, s.matchers).bind(3, secs(s.starts_at)).bind(4, secs(s.ends_at));
  st.bind(5, s.comment).bind(6, s.created_by).bind(7, secs(s.created_at));
  st.run();
}

std::vector<silence_record> store::silences(std::optional<timestamp> when) {
  auto st = db_->prepare(std::string("SELECT ") + silence_columns +
                         " FROM silences WHERE ?1 = 0 OR (starts_at <= ?2 AND ends_at > ?2)"
                         " ORDER BY created_at DESC, id");
  st.bind(1, when ? 1 : 0).bind(2, when ? secs(*when) : 0);
  std::vector<silence_record> out;
  while (st.step()) out.push_back(read_silence(st));
  return out;
}

std::optional<silence_record> store::silence(const std::string& id) {
  auto st = db_->prepare(std::string("SELECT ") + silence_columns + " FROM silences WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_silence(st);
}

bool store::expire_silence(const std::string& id, timestamp now) {
  batch tx(*this);
  auto find = db_->prepare("SELECT ends_at FROM silences WHERE id = ?");
  find.bind(1, id);
  if (!find.step()) return false;
  const bool later = find.integer(0) > secs(now);
  find.reset();
  if (later) {
    auto st = db_->prepare("UPDATE silences SET ends_at = ? WHERE id = ?");
    st.bind(1, secs(now)).bind(2, id);
    st.run();
  }
  tx.commit();
  return true;
}

namespace {

constexpr const char* triage_columns =
    "alert_id, acknowledged_at, acknowledged_by, ack_note, label, label_reason, labelled_by, "
    "labelled_at";

alert_triage read_triage(const statement& st, int from = 0) {
  alert_triage t;
  t.alert_id = st.text(from);
  t.acknowledged_at = at(st.optional_integer(from + 1));
  t.acknowledged_by = st.text(from + 2);
  t.ack_note = st.text(from + 3);
  t.label = st.text(from + 4);
  t.label_reason = st.text(from + 5);
  t.labelled_by = st.text(from + 6);
  t.labelled_at = at(st.optional_integer(from + 7));
  return t;
}

}  // namespace

// One change of an alert's triage state and its line in the history, in one transaction.
bool store::change_triage(const std::string& alert_id, const char* set_sql,
                          const std::function<void(statement&)>& bind_set,
                          const triage_action& action) {
  batch tx(*this);
  auto known = db_->prepare("SELECT 1 FROM alerts WHERE id = ? AND kind = 'alert'");
  known.bind(1, alert_id);
  if (!known.step()) return false;
  known.reset();
  db_->prepare("INSERT INTO alert_triage (alert_id) VALUES (?) ON CONFLICT DO NOTHING")
      .bind(1, alert_id)
      .run();
  auto set = db_->prepare(std::string("UPDATE alert_triage SET ") + set_sql + " WHERE alert_id = ?");
  bind_set(set);
  set.run();
  auto log = db_->prepare(
      "INSERT INTO alert_actions (alert_id, at, user_name, action, value, note) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  log.bind(1, alert_id).bind(2, secs(action.at)).bind(3, action.user).bind(4, action.action);
  log.bind(5, action.value).bind(6, action.note);
  log.run();
  tx.commit();
  return true;
}

bool store::acknowledge(const std::string& alert_id, const std::string& user,
                        const std::string& note, timestamp now) {
  return change_triage(
      alert_id, "acknowledged_at = ?, acknowledged_by = ?, ack_note = ?",
      [&](statement& st) { st.bind(1, secs(now)).bind(2, user).bind(3, note).bind(4, alert_id); },
      {alert_id, now, user, "acknowledge", "", note});
}

bool store::unacknowledge(const std::string& alert_id, const std::string& user, timestamp now) {
  return change_triage(
      alert_id, "acknowledged_at = NULL, acknowledged_by = '', ack_note = ''",
      [&](statement& st) { st.bind(1, alert_id); }, {alert_id, now, user, "unacknowledge", "", ""});
}

bool store::set_label(const std::string& alert_id, const std::string& label,
                      const std::string& reason, const std::string& user, timestamp now) {
  if (!label.empty() && label != "true-positive" && label != "false-positive")
    throw std::invalid_argument("a label is true-positive or false-positive, not '" + label + "'");
  if (label.empty())
    return change_triage(
        alert_id, "label = '', label_reason = '', labelled_by = '', labelled_at = NULL",
        [&](statement& st) { st.bind(1, alert_id); }, {alert_id, now, user, "unlabel", "", reason});
  return change_triage(
      alert_id, "label = ?, label_reason = ?, labelled_by = ?, labelled_at = ?",
      [&](statement& st) {
        st.bind(1, label).bind(2, reason).bind(3, user).bind(4, secs(now)).bind(5, alert_id);
      },
      {alert_id, now, user, "label", label, reason});
}

std::optional<alert_triage> store::triage(const std::string& alert_id) {
  auto st = db_->prepare(std::string("SELECT ") + triage_columns +
                         " FROM alert_triage WHERE alert_id = ?");
  st.bind(1, alert_id);
  if (!st.step()) return std::nullopt;
  return read_triage(st);
}

std::vector<triage_action> store::actions(const std::string& alert_id) {
  auto st = db_->prepare(
      "SELECT alert_id, at, user_name, action, value, note FROM alert_actions "
      "WHERE alert_id = ? ORDER BY id");
  st.bind(1, alert_id);
  std::vector<triage_action> out;
  while (st.step())
    out.push_back({st.text(0), at(st.integer(1)), st.text(2), st.text(3), st.text(4), st.text(5)});
  return out;
}

std::vector<labelled_alert> store::labelled(std::optional<timestamp> since) {
  auto st = db_->prepare(
      std::string("SELECT ") + triage_columns +
      ", COALESCE((SELECT u.document FROM alert_updates u WHERE u.alert_id = a.id "
      "ORDER BY u.revision DESC LIMIT 1), a.document), a.feed_id, a.item_key "
      "FROM alert_triage t JOIN alerts a ON a.id = t.alert_id "
      "WHERE t.label <> '' AND t.labelled_at >= ? ORDER BY t.labelled_at, t.alert_id");
  st.bind(1, since ? secs(*since) : std::int64_t{0});
  std::vector<labelled_alert> out;
  while (st.step()) out.push_back({read_triage(st), st.text(8), st.text(9), st.text(10)});
  return out;
}

}  // namespace sanctwatch::store
