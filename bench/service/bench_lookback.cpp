// Look-back screening (service/lookback.hpp): 10,000 kept items of scripts/gen-corpus.py in a
// real state file, screened against 100 names a list refresh has just added, with the default
// rules. One item in a hundred names one of them. Also reports what keeping the texts costs:
// compressed bytes per 10,000 items and the state file's growth.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "feed/parse.hpp"
#include "service/lookback.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sanctwatch;

// Invented company names: two made-up words and a legal form, none in the corpus.
std::string invented_name(int i) {
  static const char* first[] = {"Vell", "Quor", "Dran", "Mez",  "Tulv",
                                "Osk",  "Pral", "Fenn", "Zarv", "Kelm"};
  static const char* second[] = {"ora", "ith", "ane", "uvo",  "esk",
                                 "ald", "imo", "arn", "ysta", "ent"};
  static const char* trade[] = {"Maritime", "Logistics", "Metals", "Avionics", "Chemicals"};
  return std::string(first[i % 10]) + second[(i / 10) % 10] + " " + first[(i / 3) % 10] +
         second[(i / 7) % 10] + "ex " + trade[i % 5] + " LLC";
}

entities::entity_list new_names() {
  entities::entity_list l;
  l.name = "designations";
  for (int i = 0; i < 100; ++i) {
    entities::entity e;
    e.id = "designations:" + std::to_string(1000 + i);
    e.type = entities::entity_type::organization;
    e.primary_name = invented_name(i);
    e.names.push_back({e.primary_name, entities::strength::strong, entities::alias_kind::primary});
    l.entities.push_back(std::move(e));
  }
  return l;
}

struct kept_state {
  fs::path dir;
  std::string db_path;
  std::size_t items = 0;
  std::int64_t kept_bytes = 0;
  std::uintmax_t file_bytes = 0;       ///< the state file with items and their texts
  std::uintmax_t file_bytes_bare = 0;  ///< the same items recorded without texts
};

std::uintmax_t state_size(const std::string& path) {
  std::uintmax_t n = 0;
  std::error_code ec;
  for (const char* ext : {"", "-wal"})
    if (auto s = fs::file_size(path + ext, ec); !ec) n += s;
  return n;
}

kept_state prepared;
bool done = false;

const kept_state* prepare() {
  kept_state& s = prepared;
  if (done) return s.items ? &s : nullptr;
  done = true;
  s.dir = fs::temp_directory_path() / ("sanctwatch-bench-lookback-" + std::to_string(getpid()));
  fs::create_directories(s.dir);
  const std::string cmd = "python3 '" + std::string(SANCTWATCH_SOURCE_DIR) +
                          "/scripts/gen-corpus.py' --feeds 200 --items 50 --seed 7 --out '" +
                          (s.dir / "corpus").string() + "' > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return nullptr;
  std::vector<std::pair<std::string, item>> items;
  std::ifstream list(s.dir / "corpus" / "feeds.txt");
  for (std::string rel; std::getline(list, rel);) {
    std::ifstream in(s.dir / "corpus" / rel, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (auto doc = feed::parse(ss.str()))
      for (auto& it : doc->items) items.emplace_back(rel, std::move(it));
  }
  const auto names = new_names();
  for (std::size_t i = 0; i < items.size(); i += 100) {
    const std::string& name = names.entities[(i / 100) % 100].primary_name;
    items[i].second.content += " Port records show that " + name.substr(0, name.size() - 4) +
                               " took delivery of the cargo.";  // without " LLC", as news writes
  }
  const timestamp now{std::chrono::seconds{1800000000}};
  for (const bool texts : {false, true}) {
    const std::string path = (s.dir / (texts ? "state.db" : "bare.db")).string();
    {
      store::store db(path);
      store::store::batch tx(db);
      for (std::size_t i = 0; i < items.size(); ++i) {
        store::item_record rec{items[i].first, std::to_string(i), "h", now - std::chrono::hours{1}};
        if (texts) rec.text = &items[i].second;
        rec.feed_title = "Corpus feed";
        db.record(rec, {});
      }
      tx.commit();
      if (texts) s.kept_bytes = db.kept_bytes();
    }  // closed: the WAL is checkpointed into the file and removed
    (texts ? s.file_bytes : s.file_bytes_bare) = state_size(path);
    if (texts) s.db_path = path;
  }
  s.items = items.size();
  return &s;
}

std::vector<std::string> rule_dirs() { return {std::string(SANCTWATCH_SOURCE_DIR) + "/rules"}; }

// The rules with only the 100 new names in the refreshed list.
void BM_lookback_ruleset(benchmark::State& state) {
  const auto names = new_names();
  for (auto _ : state) {
    auto r = service::lookback_ruleset(rule_dirs(), "designations", names);
    if (!r.rules) state.SkipWithError("rules did not load");
    benchmark::DoNotOptimize(r.rules);
  }
}
BENCHMARK(BM_lookback_ruleset)->Unit(benchmark::kMillisecond);

// Reading, decompressing and matching the 10,000 kept items.
void BM_lookback_screen_10000_items_100_names(benchmark::State& state) {
  const auto* s = prepare();
  if (!s) {
    state.SkipWithError("no corpus (scripts/gen-corpus.py needs python3)");
    return;
  }
  auto rules = service::lookback_ruleset(rule_dirs(), "designations", new_names()).rules;
  store::store db(s->db_path);
  const timestamp now{std::chrono::seconds{1800000000}};
  std::size_t hits = 0, screened = 0;
  for (auto _ : state) {
    auto r =
        service::screen_kept(db, rules, "designations", now - std::chrono::hours{24 * 30}, now);
    hits = r.hits.size();
    screened = r.screened;
  }
  state.counters["items"] = double(screened);
  state.counters["hits"] = double(hits);
  state.counters["kept_MB_per_10k_items"] =
      double(s->kept_bytes) / 1e6 * 10000.0 / double(s->items);
  state.counters["file_MB_per_10k_items_with_texts"] =
      double(s->file_bytes) / 1e6 * 10000.0 / double(s->items);
  state.counters["file_MB_per_10k_items_without"] =
      double(s->file_bytes_bare) / 1e6 * 10000.0 / double(s->items);
}
BENCHMARK(BM_lookback_screen_10000_items_100_names)->Unit(benchmark::kMillisecond)->Iterations(5);

// The same with one rule, `entity(@*)`: what the screening costs beyond the default rules'
// other work (their lists and rules are scanned and evaluated on every item).
void BM_lookback_screen_one_entity_rule(benchmark::State& state) {
  const auto* s = prepare();
  if (!s) {
    state.SkipWithError("no corpus");
    return;
  }
  const fs::path dir = s->dir / "one-rule";
  fs::create_directories(dir);
  std::ofstream(dir / "r.yaml") << "rules:\n  - {id: e.any, title: Entity, when: 'entity(@*)'}\n";
  auto rules = service::lookback_ruleset({dir.string()}, "designations", new_names()).rules;
  if (!rules) {
    state.SkipWithError("rules did not load");
    return;
  }
  store::store db(s->db_path);
  const timestamp now{std::chrono::seconds{1800000000}};
  std::size_t hits = 0;
  for (auto _ : state)
    hits = service::screen_kept(db, rules, "designations", now - std::chrono::hours{24 * 30}, now)
               .hits.size();
  state.counters["hits"] = double(hits);
}
BENCHMARK(BM_lookback_screen_one_entity_rule)->Unit(benchmark::kMillisecond)->Iterations(3);

// Only reading and decompressing the kept texts (the store's share of the screening).
void BM_kept_items_read_10000(benchmark::State& state) {
  const auto* s = prepare();
  if (!s) {
    state.SkipWithError("no corpus");
    return;
  }
  store::store db(s->db_path);
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    db.kept_items(timestamp{}, std::nullopt, [&](store::kept_item&& k) {
      bytes += k.it.content.size() + k.it.summary.size();
    });
  }
  state.SetBytesProcessed(std::int64_t(bytes) * state.iterations());
}
BENCHMARK(BM_kept_items_read_10000)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!prepared.dir.empty()) fs::remove_all(prepared.dir);
  return 0;
}
