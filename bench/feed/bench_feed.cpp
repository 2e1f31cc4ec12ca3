// Feed parse throughput over the generated corpus (scripts/gen-corpus.py), against a bare pugixml
// load_buffer of the same bytes: the ratio says what item extraction, charset handling,
// the clean-up pass and HTML-to-text cost on top of XML parsing.
#include <benchmark/benchmark.h>
#include <pugixml.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "feed/parse.hpp"
#include "feed/prepare.hpp"

namespace {

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> docs = [] {
    std::vector<std::string> out;
    const char* env = std::getenv("SANCTWATCH_BENCH_CORPUS");
    const std::filesystem::path dir = env && *env ? env : SANCTWATCH_BENCH_CORPUS;
    std::ifstream list(dir / "feeds.txt");
    std::string line;
    while (std::getline(list, line)) {
      if (line.empty()) continue;
      std::ifstream f(dir / line, std::ios::binary);
      out.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    return out;
  }();
  return docs;
}

std::int64_t corpus_bytes() {
  std::int64_t n = 0;
  for (const auto& d : corpus()) n += static_cast<std::int64_t>(d.size());
  return n;
}

void bm_feed_parse(benchmark::State& state) {
  if (corpus().empty()) {
    state.SkipWithError("no corpus: set SANCTWATCH_BENCH_CORPUS or run scripts/run-benchmarks.sh");
    return;
  }
  std::size_t items = 0;
  for (auto _ : state) {
    for (const auto& d : corpus()) {
      auto r = sanctwatch::feed::parse(d);
      if (r) items += r->items.size();
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
  state.counters["items"] =
      benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsRate);
}
BENCHMARK(bm_feed_parse)->Unit(benchmark::kMillisecond);

void bm_pugixml_load_buffer(benchmark::State& state) {
  if (corpus().empty()) {
    state.SkipWithError("no corpus: set SANCTWATCH_BENCH_CORPUS or run scripts/run-benchmarks.sh");
    return;
  }
  for (auto _ : state) {
    for (const auto& d : corpus()) {
      pugi::xml_document doc;
      auto r = doc.load_buffer(d.data(), d.size());
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
}
BENCHMARK(bm_pugixml_load_buffer)->Unit(benchmark::kMillisecond);

// The XML front end alone: charset decision, the clean-up pass (CDATA content taken out, as
// feed::parse does) and an in-place pugixml parse, without item extraction or HTML-to-text.
// Separates the parser's own overhead from the text module's.
void bm_feed_xml_front_end(benchmark::State& state) {
  if (corpus().empty()) {
    state.SkipWithError("no corpus: set SANCTWATCH_BENCH_CORPUS or run scripts/run-benchmarks.sh");
    return;
  }
  namespace d = sanctwatch::feed::detail;
  for (auto _ : state) {
    for (const auto& doc : corpus()) {
      std::vector<std::string> warnings;
      std::string storage;
      const auto choice = d::choose_charset(doc, "", true);
      std::string buffer;
      d::cdata_sections cdata;
      d::clean_xml_split(d::decode(doc, choice, storage, warnings), buffer, cdata, warnings);
      pugi::xml_document xml;
      auto r = xml.load_buffer_inplace(buffer.data(), buffer.size(),
                                       pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol,
                                       pugi::encoding_utf8);
      benchmark::DoNotOptimize(r);
      benchmark::DoNotOptimize(d::cdata_parsed(cdata, buffer.data(), buffer.size()));
    }
  }
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
}
BENCHMARK(bm_feed_xml_front_end)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
