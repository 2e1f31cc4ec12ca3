// Engine throughput: scan + evaluate per item, in MB/s of normalized text, with the default
// rules, a ~1,000-term synthetic list, and 1 .. 10,000 generated rules on the same text (the
// cost must follow the text, not the rule count).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/load.hpp"
#include "engine/match.hpp"
#include "feed/parse.hpp"
#include "text/normalize.hpp"

namespace {

using namespace sanctwatch;

// Deterministic news-like items: real sanctions sentences mixed with filler, ~3 KB each.
const std::vector<item>& corpus() {
  static const std::vector<item> items = [] {
    const std::vector<std::string> sentences = {
        "The United States and other nations could take steps against Chinese firms and financial "
        "institutions over Beijing's backing for the Russian war against Ukraine.",
        "The Treasury imposed sanctions on three companies in Hong Kong accused of shipping "
        "microelectronics to Russia's defence industry.",
        "Shares in the chipmaker rose 4 percent after it reported record quarterly revenue.",
        "The league sanctioned the club after the match, and the referee's report was published.",
        "Exports rose 7.6 percent in May as shipments of electronics to Southeast Asia recovered.",
        "Officials raised concerns about China being used to circumvent the export controls and "
        "sanctions regimes on Russia.",
        "The central bank kept interest rates unchanged, citing stubborn services inflation.",
        "A tornado tore through several towns overnight, cutting power to thousands of homes.",
        "Caf\xC3\xA9 owners in M\xC3\xBCnchen said the new tariff regime would hurt small "
        "businesses.",
        "Huawei unveiled a new folding phone in Shanghai, priced from 9,999 yuan."};
    std::mt19937 rng(42);
    std::vector<item> out;
    for (int i = 0; i < 400; ++i) {
      item it;
      it.id = "item-" + std::to_string(i);
      it.title = sentences[rng() % sentences.size()];
      while (it.content.size() < 3000) it.content += sentences[rng() % sentences.size()] + " ";
      it.summary = it.content.substr(0, 280);
      out.push_back(std::move(it));
    }
    return out;
  }();
  return items;
}

std::size_t normalized_bytes() {
  static const std::size_t n = [] {
    std::size_t total = 0;
    for (const auto& it : corpus())
      total += text::normalize(it.title).text.size() + text::normalize(it.summary).text.size() +
               text::normalize(it.content).text.size();
    return total;
  }();
  return n;
}

std::shared_ptr<const engine::ruleset> must_load(const std::vector<engine::source_file>& files) {
  auto l = engine::load_ruleset(files);
  if (!l.rules) {
    for (const auto& e : l.errors) fprintf(stderr, "%s", engine::format_error(e).c_str());
    std::abort();
  }
  return l.rules;
}

void run(benchmark::State& state, const engine::ruleset& rs) {
  std::size_t alerts = 0;
  for (auto _ : state)
    for (const auto& it : corpus()) alerts += engine::match(rs, it).size();
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(normalized_bytes()));
  state.counters["items/s"] =
      benchmark::Counter(double(state.iterations()) * corpus().size(), benchmark::Counter::kIsRate);
  state.counters["alerts/item"] = double(alerts) / (double(state.iterations()) * corpus().size());
  state.counters["atoms"] = double(rs.atoms.size());
  state.counters["rules"] = double(rs.rules.size());
}

void BM_default_rules(benchmark::State& state) {
  static auto rs = [] {
    auto l = engine::load_rule_dirs({std::string(SANCTWATCH_SOURCE_DIR) + "/rules"});
    if (!l.rules) std::abort();
    return l.rules;
  }();
  run(state, *rs);
}
BENCHMARK(BM_default_rules)->Unit(benchmark::kMillisecond);

// A synthetic word that does not occur in the corpus text.
std::string word(std::mt19937& rng) {
  static const char* syll[] = {"ka", "zo", "mi", "tre", "vul", "qua", "xen", "bor", "pli", "dax"};
  std::string w;
  for (int i = 0; i < 3; ++i) w += syll[rng() % 10];
  return w;
}

void BM_synthetic_1000_terms(benchmark::State& state) {
  static auto rs = [] {
    std::mt19937 rng(7);
    std::string y = "lists:\n  big:\n";
    for (int i = 0; i < 1000; ++i) {
      if (i % 3 == 0)
        y += "    - \"" + word(rng) + " " + word(rng) + "\"\n";
      else if (i % 3 == 1)
        y += "    - " + word(rng) + "*\n";
      else
        y += "    - " + word(rng) + "\n";
    }
    y += "    - sanction*\n    - export controls\n    - china\n";
    y += "rules:\n";
    for (int r = 0; r < 10; ++r)
      y += "  - id: r" + std::to_string(r) +
           "\n    title: R\n    when: near(@big, @big, within=" + std::to_string(5 + r) + ")\n";
    return must_load({{"synthetic.yaml", y}});
  }();
  run(state, *rs);
}
BENCHMARK(BM_synthetic_1000_terms)->Unit(benchmark::kMillisecond);

// N generated rules, each near() of an own term with a shared real list, or two own terms, so
// every rule has distinct atoms (the database grows with N) while the text stays the same.
std::shared_ptr<const engine::ruleset>& generated(int n) {
  static std::map<int, std::shared_ptr<const engine::ruleset>> cache;
  auto& rs = cache[n];
  if (!rs) {
    std::mt19937 rng(n);
    std::string y = "lists:\n  real: [sanction*, china, export control*, chip*]\nrules:\n";
    for (int r = 0; r < n; ++r)
      y += "  - id: g" + std::to_string(r) + "\n    title: G\n    when: near(\"" + word(rng) +
           std::to_string(r) + "\", @real, within=8) or (\"" + word(rng) + "\" and \"" + word(rng) +
           std::to_string(r) + "\")\n";
    rs = must_load({{"generated.yaml", y}});
  }
  return rs;
}

void BM_rule_scaling(benchmark::State& state) { run(state, *generated(int(state.range(0)))); }
BENCHMARK(BM_rule_scaling)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// The word index's share of the above (engine/phrase_index.hpp): the same normalized text
// split into words and looked up, without evaluation. The generated rules have no regexes,
// so Hyperscan has nothing to scan.
void BM_scan_only(benchmark::State& state) {
  const auto& rs = *generated(int(state.range(0)));
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> v;
    for (const auto& it : corpus())
      for (const auto* f : {&it.title, &it.summary, &it.content})
        v.push_back(text::normalize(*f).text);
    return v;
  }();
  engine::detail::phrase_scratch scratch;
  std::vector<engine::detail::phrase_hit> found;
  std::size_t hits = 0;
  for (auto _ : state)
    for (const auto& t : texts) {
      found.clear();
      rs.phrases.find(t, scratch, found, std::size_t(-1));
      hits += found.size();
    }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(normalized_bytes()));
  state.counters["hits/iter"] = double(hits) / double(state.iterations());
}
BENCHMARK(BM_scan_only)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// --- a realistic corpus: scripts/gen-corpus.py's items (hit rate 0.05), the full SDN list ----

const std::string shared_dir = SANCTWATCH_SHARED_DIR;
const std::string sdn_csv = shared_dir + "/data/ofac-sdn-2022-01/sdn.csv";

// 100 feeds x 30 items of scripts/gen-corpus.py, with organisation names from the SDN list
// when it is there (needs python3; empty otherwise).
const std::vector<item>& realistic() {
  static const std::vector<item> items = [] {
    std::vector<item> out;
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("sanctwatch-bench-" + std::to_string(getpid()));
    const std::string cmd = "python3 '" + std::string(SANCTWATCH_SOURCE_DIR) +
                            "/scripts/gen-corpus.py' --feeds 100 "
                            "--items 30 --seed 5 --sdn '" +
                            sdn_csv + "' --out '" + dir.string() + "' > /dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return out;
    std::ifstream list(dir / "feeds.txt");
    for (std::string rel; std::getline(list, rel);) {
      std::ifstream in(dir / rel, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      if (auto doc = feed::parse(ss.str()))
        for (auto& it : doc->items) out.push_back(std::move(it));
    }
    fs::remove_all(dir);
    return out;
  }();
  return items;
}

std::size_t realistic_bytes() {
  static const std::size_t n = [] {
    std::size_t total = 0;
    for (const auto& it : realistic())
      total += text::normalize(it.title).text.size() + text::normalize(it.summary).text.size() +
               text::normalize(it.content).text.size();
    return total;
  }();
  return n;
}

void run_realistic(benchmark::State& state, const engine::ruleset& rs) {
  if (realistic().empty()) {
    state.SkipWithError("no corpus (python3 and scripts/gen-corpus.py needed)");
    return;
  }
  std::size_t alerts = 0;
  for (auto _ : state)
    for (const auto& it : realistic()) alerts += engine::match(rs, it).size();
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(realistic_bytes()));
  state.counters["items"] = double(realistic().size());
  state.counters["alerts/item"] =
      double(alerts) / (double(state.iterations()) * double(realistic().size()));
  state.counters["atoms"] = double(rs.atoms.size());
}

std::shared_ptr<const engine::ruleset> default_rules(bool with_sdn) {
  auto l = engine::load_rule_dirs(
      {std::string(SANCTWATCH_SOURCE_DIR) + "/rules"},
      with_sdn ? std::vector<engine::extra_entity_list>{{"ofac_sdn", "ofac-sdn-csv", sdn_csv}}
               : std::vector<engine::extra_entity_list>{});
  if (!l.rules) {
    for (const auto& e : l.errors) fprintf(stderr, "%s", engine::format_error(e).c_str());
    return nullptr;
  }
  return l.rules;
}

// Scan + evaluate with the default rules on the realistic corpus (target >= 300 MB/s).
void BM_realistic_default_rules(benchmark::State& state) {
  static auto rs = default_rules(false);
  run_realistic(state, *rs);
}
BENCHMARK(BM_realistic_default_rules)->Unit(benchmark::kMillisecond);

// The same with every SDN name in the database (target >= 300 MB/s, <= 2x the above).
void BM_realistic_default_rules_with_sdn(benchmark::State& state) {
  if (!std::filesystem::exists(sdn_csv)) {
    state.SkipWithError("no SDN list under ../shared");
    return;
  }
  static auto rs = default_rules(true);
  run_realistic(state, *rs);
}
BENCHMARK(BM_realistic_default_rules_with_sdn)->Unit(benchmark::kMillisecond);

// Scanning alone on the realistic corpus: its fields normalized beforehand, then the word index
// (terms, phrases, entity names) and the regex database over each, without evaluating rules.
// This is the figure of the entity-list target (>= 300 MB/s of normalized text with every SDN
// name in the database, <= 2x the scan without the list).
void run_realistic_scan(benchmark::State& state, const engine::ruleset& rs) {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> v;
    for (const auto& it : realistic())
      for (const auto* f : {&it.title, &it.summary, &it.content})
        v.push_back(text::normalize(*f).text);
    return v;
  }();
  if (texts.empty()) {
    state.SkipWithError("no corpus (python3 and scripts/gen-corpus.py needed)");
    return;
  }
  engine::hs_scratch hs;
  if (rs.db) hs.grow(rs.db.get());
  engine::detail::phrase_scratch scratch;
  std::vector<engine::detail::phrase_hit> found;
  std::size_t hits = 0;
  auto on_hit = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
    ++*static_cast<std::size_t*>(ctx);
    return 0;
  };
  for (auto _ : state)
    for (const auto& t : texts) {
      found.clear();
      rs.phrases.find(t, scratch, found, std::size_t(-1));
      hits += found.size();
      if (rs.db) hs_scan(rs.db.get(), t.data(), unsigned(t.size()), 0, hs.get(), on_hit, &hits);
    }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(realistic_bytes()));
  state.counters["hits/iter"] = double(hits) / double(state.iterations());
  state.counters["atoms"] = double(rs.atoms.size());
}

void BM_realistic_scan(benchmark::State& state) {
  static auto rs = default_rules(false);
  run_realistic_scan(state, *rs);
}
BENCHMARK(BM_realistic_scan)->Unit(benchmark::kMillisecond);

void BM_realistic_scan_with_sdn(benchmark::State& state) {
  if (!std::filesystem::exists(sdn_csv)) {
    state.SkipWithError("no SDN list under ../shared");
    return;
  }
  static auto rs = default_rules(true);
  run_realistic_scan(state, *rs);
}
BENCHMARK(BM_realistic_scan_with_sdn)->Unit(benchmark::kMillisecond);

// Reading the 2022 SDN CSV set (sdn, alt, add) and compiling it with the default rules
// (target < 2 s).
void BM_sdn_load_and_compile(benchmark::State& state) {
  if (!std::filesystem::exists(sdn_csv)) {
    state.SkipWithError("no SDN list under ../shared");
    return;
  }
  std::size_t atoms = 0;
  for (auto _ : state) atoms = default_rules(true)->atoms.size();
  state.counters["atoms"] = double(atoms);
}
BENCHMARK(BM_sdn_load_and_compile)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
