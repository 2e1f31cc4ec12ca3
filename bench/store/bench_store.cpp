// State store operations per second (store/store.hpp) on each backend: a SQLite file, and a
// PostgreSQL 15 server on loopback (tests/pg_server.hpp) run twice, with the test server's
// settings (fsync, synchronous_commit and full_page_writes off: an upper bound) and with
// PostgreSQL's durable defaults. Each operation is what the daemon does per feed poll, per new
// item, per alerting item and per delivery, plus the story lookup by LSH band keys, the
// scheduler's pass over every feed's state, and a page of the alert queue over 100,000 alerts.
// The PostgreSQL cases are skipped when the server cannot be started. Results:
// docs/performance.md.
#include <benchmark/benchmark.h>

#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "../queue_seed.hpp"
#include "pg_server.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"

namespace {

using namespace sanctwatch;

enum class backend { sqlite, postgresql, postgresql_durable };

const std::pair<const char*, backend> backends[] = {
    {"sqlite", backend::sqlite},
    {"postgresql", backend::postgresql},
    {"postgresql_durable", backend::postgresql_durable}};

// One fixed clock: rows are due and stories inside the grouping window whatever the wall time.
const timestamp now{std::chrono::seconds{1'780'000'000}};

using bench::hex_id;
using bench::mix;

// The store a benchmark uses on one backend: its own SQLite file or PostgreSQL database. Google
// Benchmark calls a benchmark once per trial iteration count and per repetition; the store is
// kept across those calls, so seeding happens once and ids keep counting (every record is a
// new row).
struct bench_store {
  std::unique_ptr<store::store> db;
  std::uint64_t next_id = 0;
  bool seeded = false;
};

class session {
 public:
  bench_store* open(benchmark::State& state, backend b, const std::string& name) {
    const std::string db_name = key(b, name);
    if (auto it = stores_.find(db_name); it != stores_.end()) return &it->second;
    std::unique_ptr<store::store> db;
    if (b == backend::sqlite) {
      db = std::make_unique<store::store>(dir_.file(db_name + ".db"));
    } else {
      auto& pg = server(b == backend::postgresql_durable);
      if (!pg.available()) {
        state.SkipWithError(("no PostgreSQL server: " + pg.why()).c_str());
        return nullptr;
      }
      if (!pg.psql("CREATE DATABASE " + db_name)) {
        state.SkipWithError("CREATE DATABASE failed");
        return nullptr;
      }
      db = std::make_unique<store::store>(pg.uri(db_name));
    }
    auto& s = stores_[db_name];
    s.db = std::move(db);
    return &s;
  }

  /// After seeding a PostgreSQL database: table statistics, as autovacuum would have them on
  /// a server in use. Without them the planner joined every story in the window (11 ms a
  /// lookup instead of 0.1).
  void analyze(backend b, const std::string& name) {
    if (b == backend::sqlite) return;
    server(b == backend::postgresql_durable).psql("ANALYZE", key(b, name));
  }

 private:
  // Names both the SQLite file and the PostgreSQL database.
  static std::string key(backend b, const std::string& name) {
    return name + "_" + std::to_string(static_cast<int>(b));
  }
  testing::pg_server& server(bool durable) {
    auto& pg = durable ? durable_ : fast_;
    if (!pg) pg = std::make_unique<testing::pg_server>(durable);
    return *pg;
  }

  // Declared so that the stores close before their files and servers go.
  std::unique_ptr<testing::pg_server> fast_, durable_;
  testing::temp_dir dir_;
  std::map<std::string, bench_store> stores_;
};

session& stores() {
  static session s;
  return s;
}

// 2,000 feeds' state (the poll benchmark's count), shared by the feed benchmarks.
constexpr int feed_count = 2000;

std::string feed_id(std::uint64_t i) { return "feed-" + std::to_string(i % feed_count); }

bench_store* feeds(benchmark::State& state, backend b) {
  auto* s = stores().open(state, b, "feeds");
  if (!s || s->seeded) return s;
  store::store::batch tx(*s->db);
  for (int i = 0; i < feed_count; ++i)
    s->db->save_feed({.id = feed_id(i),
                      .url = "https://news.example/" + feed_id(i) + "/rss",
                      .next_poll = now + std::chrono::minutes(15)});
  tx.commit();
  stores().analyze(b, "feeds");
  s->seeded = true;
  return s;
}

// Each poll loads its feed's state before the request and saves it after (validators, next
// poll, error streak), each statement its own transaction.
void BM_feed_round_trip(benchmark::State& state, backend b) {
  auto* s = feeds(state, b);
  if (!s) return;
  for (auto _ : state) {
    const std::uint64_t n = s->next_id++;
    auto f = s->db->load_feed(feed_id(n));
    if (!f) return state.SkipWithError("feed state missing");
    f->etag = std::string(1, '"').append(hex_id(n)).append(1, '"');
    f->last_modified = "Thu, 03 Dec 2026 21:00:00 GMT";
    f->last_poll = f->last_success = now;
    f->next_poll = now + std::chrono::minutes(15);
    f->last_status = 200;
    f->items_total += 1;
    s->db->save_feed(*f);
  }
  state.SetItemsProcessed(state.iterations());
}

// The scheduler's question after every poll result and timer tick (service::poller::next_due
// and poll_due): when is the next of the 2,000 configured feeds due, and claim those due now
// (none here: every feed was polled a minute ago). Items: scheduling rounds.
void BM_feed_schedule(benchmark::State& state, backend b) {
  auto* s = feeds(state, b);
  if (!s) return;
  std::string ids = "[";
  for (int i = 0; i < feed_count; ++i) ids += (i ? ",\"" : "\"") + feed_id(i) + "\"";
  ids += "]";
  s->db->set_node("bench");
  for (auto _ : state) {
    if (!s->db->next_feed_due(ids, now)) return state.SkipWithError("no feed due");
    if (!s->db->claim_feeds(ids, now, now + std::chrono::minutes(1), 128, false).empty())
      return state.SkipWithError("a feed was due");
  }
  state.SetItemsProcessed(state.iterations());
}

// A new item that fires no rule: the seen check, then the item recorded. Range(0) items share
// one transaction: 1 is a poll that finds one new item, 20 a poll of a feed's whole front page
// (the daemon commits up to 500 items per step).
void BM_new_item(benchmark::State& state, backend b) {
  auto* s = stores().open(state, b, "new_items");
  if (!s) return;
  const auto per_batch = state.range(0);
  for (auto _ : state) {
    store::store::batch tx(*s->db);
    for (std::int64_t k = 0; k < per_batch; ++k) {
      const std::uint64_t n = s->next_id++;
      const std::string key = hex_id(n);
      if (s->db->content_hash("feed-1", key)) return state.SkipWithError("item not new");
      s->db->record({"feed-1", key, hex_id(~n), now}, {});
    }
    tx.commit();
  }
  state.SetItemsProcessed(state.iterations() * per_batch);
}

constexpr int band_count = 20;  // story::bands: keys per story signature

std::vector<std::int64_t> band_keys(std::uint64_t story) {
  std::vector<std::int64_t> keys;
  for (int j = 0; j < band_count; ++j)
    keys.push_back(static_cast<std::int64_t>(mix(story * band_count + j)));
  return keys;
}

store::story_record story(std::uint64_t n) {
  return {"story-" + hex_id(n),
          "feed-1",
          "https://news.example/a/" + std::to_string(n),
          std::string(240, static_cast<char>(n)),  // a signature's 60 values as bytes
          band_keys(n),
          now,
          now};
}

// An item that fires a rule and starts a new story: the seen check, the story lookup by link
// (a miss), the story added with its 20 band keys and link, then the item recorded with its
// alert (a 2 KB document, the size of a real one) routed to two sinks, all in one transaction
// as the daemon's step is. The LSH lookup it also does is BM_story_candidates.
void BM_alerting_item(benchmark::State& state, backend b) {
  auto* s = stores().open(state, b, "alerting_items");
  if (!s) return;
  const std::string document(2000, 'x');
  for (auto _ : state) {
    const std::uint64_t n = s->next_id++;
    const std::string key = hex_id(n);
    const store::story_record st = story(n);
    store::store::batch tx(*s->db);
    if (s->db->content_hash("feed-1", key)) return state.SkipWithError("item not new");
    if (s->db->story_by_link(st.item_id, now - std::chrono::hours(48)))
      return state.SkipWithError("story not new");
    s->db->add_story(st, st.item_id);
    store::alert_record a{
        "alert-" + key,      "sanctions.designation", "high", st.id, document, now,
        {"webhook", "slack"}};
    s->db->record({"feed-1", key, hex_id(~n), now, st.id}, {a});
    tx.commit();
  }
  state.SetItemsProcessed(state.iterations());
}

// One delivery: the oldest due row claimed with its document, then marked delivered (each its
// own transaction). Range(0) rows are pending when the outbox is topped up, outside the timed
// part: 1 is the usual outbox, one alert just recorded; 1,000 a backlog after a sink outage
// (the claim sorts every due row, so the backlog costs each call). Delivered rows stay, as they do
// until the purge.
void BM_delivery(benchmark::State& state, backend b) {
  auto* s = stores().open(state, b, "deliveries_" + std::to_string(state.range(0)));
  if (!s) return;
  const std::string document(2000, 'x');
  std::int64_t pending = s->db->pending_count();
  for (auto _ : state) {
    if (pending == 0) {
      state.PauseTiming();
      store::store::batch tx(*s->db);
      for (; pending < state.range(0); ++pending) {
        const std::string key = hex_id(s->next_id++);
        store::alert_record a{
            "alert-" + key, "sanctions.designation",       "high",     "story-" + key,
            document,       now - std::chrono::minutes(1), {"webhook"}};
        s->db->record({"feed-1", key, key, now}, {a});
      }
      tx.commit();
      state.ResumeTiming();
    }
    const auto due = s->db->claim_due(now, now + std::chrono::minutes(1), 1);
    if (due.empty()) return state.SkipWithError("nothing due");
    s->db->mark_delivered(due[0].alert_id, due[0].sink, now, 200);
    --pending;
  }
  state.SetItemsProcessed(state.iterations());
}

// The LSH lookup of an item that fires a rule, with 8 band keys, on 10,000 stories of 20 keys
// each inside the grouping window. Range(0) 1: the keys are a stored story's (a copy arriving,
// one candidate); 0: keys no story has (a new story, none).
void BM_story_candidates(benchmark::State& state, backend b) {
  auto* s = stores().open(state, b, "stories");
  if (!s) return;
  constexpr std::uint64_t stories = 10'000;
  if (!s->seeded) {
    store::store::batch tx(*s->db);
    for (std::uint64_t i = 0; i < stories; ++i) s->db->add_story(story(i), "");
    tx.commit();
    stores().analyze(b, "stories");
    s->seeded = true;
  }
  const bool hit = state.range(0) == 1;
  benchmark::IterationCount found = 0;
  for (auto _ : state) {
    const std::uint64_t n = s->next_id++;
    auto keys = band_keys(hit ? n % stories : stories + n);
    keys.resize(8);
    found += static_cast<benchmark::IterationCount>(
        s->db->story_candidates(keys, now - std::chrono::hours(48)).size());
  }
  if (found != (hit ? state.iterations() : 0)) state.SkipWithError("unexpected candidates");
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(hit ? "a stored story's keys" : "keys of no story");
}

// The alert queue (the triage page, /api/alerts, the Atom feed) over 100,000 story alerts of
// realistic shape (2 KB documents, 1-3 rules, tags, an entity on one in five, up to 3 sources),
// recorded over 100 days. Range(0): 0 the first page of everything (50 rows and the total), 1
// a filtered page (a tag, a feed and words; total included), 2 the 200th page by cursor.
constexpr int queue_alerts = 100'000;

void BM_queue_page(benchmark::State& state, backend b) {
  auto* s = stores().open(state, b, "queue");
  if (!s) return;
  if (!s->seeded) {
    bench::seed_queue(*s->db, queue_alerts, now);
    stores().analyze(b, "queue");
    s->seeded = true;
  }
  const int which = static_cast<int>(state.range(0));
  store::queue_filter f;
  if (which == 1) {
    f.tag = "sanctions";
    f.feed = "feed-42";
    f.text = "shipping firms";
  }
  std::string after;
  if (which == 2)
    for (int p = 0; p < 199; ++p) after = s->db->queue(f, 50, after).next;
  std::int64_t rows = 0;
  for (auto _ : state) {
    const auto page = s->db->queue(f, 50, after);
    rows += static_cast<std::int64_t>(page.rows.size());
    if (page.total == 0) return state.SkipWithError("nothing in the queue");
  }
  state.counters["rows"] = static_cast<double>(rows) / static_cast<double>(state.iterations());
  state.SetLabel(which == 0 ? "first page" : which == 1 ? "filtered page" : "page 200 by cursor");
}

}  // namespace

int main(int argc, char** argv) {
  for (const auto& [name, b] : backends) {
    const std::string suffix = std::string("/") + name;
    auto add = [&](const char* bm, void (*f)(benchmark::State&, backend)) {
      return benchmark::RegisterBenchmark((bm + suffix).c_str(), f, b)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();  // items/s by the wall clock: the PostgreSQL server's time counts
    };
    add("BM_feed_round_trip", BM_feed_round_trip);
    add("BM_feed_schedule", BM_feed_schedule);
    add("BM_new_item", BM_new_item)->Arg(1)->Arg(20);
    add("BM_alerting_item", BM_alerting_item);
    add("BM_delivery", BM_delivery)->Arg(1)->Arg(1000);
    add("BM_story_candidates", BM_story_candidates)->Arg(1)->Arg(0);
    // The durable server reads as the other does: the queue is measured on two backends.
    if (b != backend::postgresql_durable) add("BM_queue_page", BM_queue_page)->Arg(0)->Arg(1)->Arg(2);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
