// Working the alerts: silences. What a silence matches is read by sinks/silence.hpp; the
// store keeps its matchers as written.
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

}  // namespace sanctwatch::store
