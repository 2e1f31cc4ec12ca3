// Article extraction throughput (charset, libxml2 parse, cleaning, scoring, metadata, text)
// on the test pages of tests/extract/pages, one benchmark per page, and on a 300 KB page
// (a test page with many comments, as long news pages are). The parse alone is measured
// too, to show what the extractor adds to libxml2.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "extract/dom.hpp"
#include "extract/encoding.hpp"
#include "extract/extract.hpp"

namespace {

namespace fs = std::filesystem;

fs::path pages_dir() { return fs::path(SANCTWATCH_SOURCE_DIR) / "tests" / "extract" / "pages"; }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A test page grown to ~300 KB: its comment section repeated, as on a popular story.
std::string large_page() {
  std::string page = read(pages_dir() / "wire-sanctions.html");
  const auto from = page.find("<div class=\"comment\">");
  const auto to = page.find("</section>", from);
  if (from == std::string::npos || to == std::string::npos) return page;
  const std::string comments = page.substr(from, to - from);
  std::string more;
  while (page.size() + more.size() < 300'000) more += comments;
  page.insert(to, more);
  return page;
}

void bm_extract(benchmark::State& state, const std::string& html) {
  std::size_t paragraphs = 0;
  for (auto _ : state) {
    auto a = sanctwatch::extract::extract(html, {});
    if (a) paragraphs = a->paragraphs.size();
    benchmark::DoNotOptimize(a);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(html.size()));
  state.counters["bytes"] = static_cast<double>(html.size());
  state.counters["paragraphs"] = static_cast<double>(paragraphs);
}

void bm_parse_only(benchmark::State& state, const std::string& html) {
  const auto page = sanctwatch::extract::decode_page(html, "");
  for (auto _ : state) {
    auto doc = sanctwatch::extract::parse_html(page.utf8, {});
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(html.size()));
}

void bm_all_pages(benchmark::State& state, const std::vector<std::string>& pages) {
  std::int64_t bytes = 0;
  for (const auto& p : pages) bytes += static_cast<std::int64_t>(p.size());
  for (auto _ : state)
    for (const auto& p : pages) {
      auto a = sanctwatch::extract::extract(p, {});
      benchmark::DoNotOptimize(a);
    }
  state.SetBytesProcessed(state.iterations() * bytes);
}

const int registered = [] {
  static std::vector<std::string> pages;
  std::vector<fs::path> files;
  if (fs::is_directory(pages_dir()))
    for (const auto& e : fs::directory_iterator(pages_dir()))
      if (e.path().extension() == ".html") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  pages.reserve(files.size());
  for (const auto& f : files) {
    pages.push_back(read(f));
    const std::string& html = pages.back();
    benchmark::RegisterBenchmark(("bm_extract/" + f.stem().string()).c_str(),
                                 [&html](benchmark::State& s) { bm_extract(s, html); })
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("bm_extract_all_pages", [](benchmark::State& s) {
    bm_all_pages(s, pages);
  })->Unit(benchmark::kMillisecond);
  static const std::string large = large_page();
  benchmark::RegisterBenchmark("bm_extract/large_300k", [](benchmark::State& s) {
    bm_extract(s, large);
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("bm_parse_only/large_300k", [](benchmark::State& s) {
    bm_parse_only(s, large);
  })->Unit(benchmark::kMillisecond);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
