// Entity import and name-variant cost on the real OFAC SDN CSV set (../shared, January 2022:
// 9,044 entries, 12,409 aliases). Skipped when the shared data is absent.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include <benchmark/benchmark.h>

#include "entities/import.hpp"
#include "entities/legal_forms.hpp"
#include "entities/names.hpp"

namespace {

using namespace sanctwatch::entities;

std::optional<std::string> read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct sdn_files {
  std::string sdn, alt, add;
  bool ok = false;
};

const sdn_files& files() {
  static const sdn_files f = [] {
    const auto dir = std::filesystem::path(SANCTWATCH_SHARED_DIR) / "data" / "ofac-sdn-2022-01";
    sdn_files out;
    auto sdn = read(dir / "sdn.csv");
    auto alt = read(dir / "alt.csv");
    auto add = read(dir / "add.csv");
    if (sdn && alt && add) out = {std::move(*sdn), std::move(*alt), std::move(*add), true};
    return out;
  }();
  return f;
}

void BM_import_sdn_csv(benchmark::State& state) {
  const sdn_files& f = files();
  if (!f.ok) {
    state.SkipWithError("no ../shared/data/ofac-sdn-2022-01");
    return;
  }
  std::size_t entities = 0;
  for (auto _ : state) {
    auto r = import_ofac_sdn_csv(f.sdn, f.alt, f.add);
    entities = r.ok() ? r->entities.size() : 0;
    benchmark::DoNotOptimize(r);
  }
  state.counters["entities"] = static_cast<double>(entities);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(f.sdn.size() + f.alt.size() + f.add.size()));
}
BENCHMARK(BM_import_sdn_csv)->Unit(benchmark::kMillisecond);

void BM_variants_sdn(benchmark::State& state) {
  const sdn_files& f = files();
  if (!f.ok) {
    state.SkipWithError("no ../shared/data/ofac-sdn-2022-01");
    return;
  }
  const auto r = import_ofac_sdn_csv(f.sdn, f.alt, f.add);
  if (!r.ok()) {
    state.SkipWithError(r.err().message.c_str());
    return;
  }
  std::size_t variants = 0;
  std::size_t context = 0;
  for (auto _ : state) {
    variants = context = 0;
    for (const entity& e : r->entities)
      for (const alias& a : e.names) {
        const auto v = match_variants(a, e.type);
        variants += v.size();
        for (const std::string& s : v) context += needs_context(s) || a.strength == strength::weak;
      }
    benchmark::DoNotOptimize(variants);
  }
  state.counters["variants"] = static_cast<double>(variants);
  state.counters["need_context"] = static_cast<double>(context);
}
BENCHMARK(BM_variants_sdn)->Unit(benchmark::kMillisecond);

void BM_import_and_variants_sdn(benchmark::State& state) {
  const sdn_files& f = files();
  if (!f.ok) {
    state.SkipWithError("no ../shared/data/ofac-sdn-2022-01");
    return;
  }
  for (auto _ : state) {
    const auto r = import_ofac_sdn_csv(f.sdn, f.alt, f.add);
    std::size_t variants = 0;
    if (r.ok())
      for (const entity& e : r->entities)
        for (const alias& a : e.names) variants += match_variants(a, e.type).size();
    benchmark::DoNotOptimize(variants);
  }
}
BENCHMARK(BM_import_and_variants_sdn)->Unit(benchmark::kMillisecond);

void BM_find_ambiguous_sdn(benchmark::State& state) {
  const sdn_files& f = files();
  if (!f.ok) {
    state.SkipWithError("no ../shared/data/ofac-sdn-2022-01");
    return;
  }
  const auto r = import_ofac_sdn_csv(f.sdn, f.alt, f.add);
  if (!r.ok()) {
    state.SkipWithError(r.err().message.c_str());
    return;
  }
  std::size_t ambiguous = 0;
  for (auto _ : state) {
    ambiguous = find_ambiguous(*r).size();
    benchmark::DoNotOptimize(ambiguous);
  }
  state.counters["ambiguous"] = static_cast<double>(ambiguous);
}
BENCHMARK(BM_find_ambiguous_sdn)->Unit(benchmark::kMillisecond);

void BM_strip_legal_forms(benchmark::State& state) {
  const std::string names[] = {"PUBLIC JOINT STOCK COMPANY EXAMPLE MINING",
                               "EXAMPLE TRADING CO., LIMITED", "OOO \"ROMASHKA\"",
                               "BANCO NACIONAL DE CUBA"};
  for (auto _ : state)
    for (const std::string& n : names) benchmark::DoNotOptimize(strip_legal_forms(n));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 4);
}
BENCHMARK(BM_strip_legal_forms);

}  // namespace

BENCHMARK_MAIN();
