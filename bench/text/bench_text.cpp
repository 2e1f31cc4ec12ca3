// Throughput of the text pipeline every feed item goes through: html_to_text, normalize,
// words. Inputs are built in-process so the figures do not depend on a corpus being present.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "text/html.hpp"
#include "text/normalize.hpp"
#include "text/segment.hpp"

namespace {

using namespace sanctwatch::text;

constexpr std::size_t k_size = 1 << 20;

const char* const k_sentences[] = {
    "The U.S. Commerce Department added Huawei Technologies Co. and 38 affiliates to the "
    "Entity List on Monday, citing national security concerns. ",
    "Officials said the new export controls target advanced semiconductors, dual-use "
    "equipment and the software used to design chips. ",
    "Shares of SMIC fell 4.2% in Hong Kong after the announcement; analysts expect further "
    "restrictions on lithography tools. ",
    "\"We will respond firmly,\" a spokesman for China's foreign ministry told reporters "
    "in Beijing. ",
    "The Treasury's Office of Foreign Assets Control (OFAC) also designated three shipping "
    "companies accused of moving Iranian oil. ",
    "Mr. Smith, a former official, said the measures were long overdue and would be enforced "
    "strictly across all subsidiaries.\n",
};

// ~1 MB of English news prose: the common case, almost pure ASCII.
const std::string& english() {
  static const std::string s = [] {
    std::string t;
    for (std::size_t i = 0; t.size() < k_size; ++i) {
      t += k_sentences[(i * 7 + i / 6) % std::size(k_sentences)];
      if (i % 9 == 0) t += "Caf\u00e9 M\u00fcller\u2019s \u201cnew\u201d rules \u2014 again. ";
    }
    return t;
  }();
  return s;
}

// ~1 MB mixing accented Latin, Cyrillic, Greek, CJK, Arabic and full-width forms.
const std::string& mixed() {
  static const std::string s = [] {
    const char* const parts[] = {
        "\u0420\u043e\u0441\u0442\u0435\u0445 \u0438 \u0410\u041e \u00ab\u041a\u0430\u043b"
        "\u0430\u0448\u043d\u0438\u043a\u043e\u0432\u00bb \u043f\u043e\u043f\u0430\u043b\u0438 "
        "\u043f\u043e\u0434 \u0441\u0430\u043d\u043a\u0446\u0438\u0438. ",
        "\u534e\u4e3a\u6280\u672f\u6709\u9650\u516c\u53f8\u88ab\u5217\u5165\u5b9e\u4f53\u6e05"
        "\u5355\u3002",
        "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale et \u0160koda \u017dilina, S\u00e3o Paulo, "
        "Stra\u00dfe. ",
        "\u0395\u039b\u039b\u0391\u0394\u0391 \u03ba\u03c5\u03c1\u03ce\u03c3\u03b5\u03b9\u03c2. ",
        "\u0625\u064a\u0631\u0627\u0646 \u0639\u0642\u0648\u0628\u0627\u062a. ",
        "\uff28\uff35\uff21\uff37\uff25\uff29 \ufb01nance Ho\u00e0ng Vi\u1ec7t. ",
        "Plain English words between the other scripts. ",
    };
    std::string t;
    for (std::size_t i = 0; t.size() < k_size; ++i) t += parts[i % std::size(parts)];
    return t;
  }();
  return s;
}

// The English text as a feed would carry it: paragraphs, links, entities, a script.
const std::string& html() {
  static const std::string s = [] {
    std::string t = "<html><head><title>News</title><style>p{margin:0}</style></head><body>";
    for (std::size_t i = 0; t.size() < k_size; ++i) {
      t += "<p class=\"story\">";
      t += k_sentences[i % std::size(k_sentences)];
      t += "<a href=\"https://news.example/item?id=";
      t += std::to_string(i);
      t += "&amp;ref=rss\">Read&nbsp;more&hellip;</a> &ldquo;<b>Huawei</b>&rsquo;s&rdquo; ";
      t += "AT&amp;T &#8212; <i>ZTE</i></p>\n";
      if (i % 20 == 0) t += "<script>var x = '<p>' + 1 < 2;</script><!-- ad slot -->";
      if (i % 7 == 0) t += "<table><tr><td>SMIC</td><td>4.2%</td></tr></table>";
    }
    return t + "</body></html>";
  }();
  return s;
}

void bench_html_to_text(benchmark::State& state) {
  const std::string& in = html();
  for (auto _ : state) benchmark::DoNotOptimize(html_to_text(in));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(bench_html_to_text)->Unit(benchmark::kMillisecond);

// collapse_whitespace on prose that needs it: line breaks, double spaces, tabs, a few
// no-break and em spaces, as feed titles and plain-text summaries carry them.
const std::string& spaced() {
  static const std::string s = [] {
    std::string t;
    for (std::size_t i = 0; t.size() < k_size; ++i) {
      t += k_sentences[(i * 7 + i / 6) % std::size(k_sentences)];
      if (i % 3 == 0) t += "  \t";
      if (i % 11 == 0) t += "\u00a0\u2003";
    }
    return t;
  }();
  return s;
}

void bench_collapse_whitespace(benchmark::State& state) {
  const std::string& in = spaced();
  for (auto _ : state) benchmark::DoNotOptimize(collapse_whitespace(in));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(bench_collapse_whitespace)->Unit(benchmark::kMillisecond);

void bench_collapse_whitespace_mixed(benchmark::State& state) {
  const std::string& in = mixed();
  for (auto _ : state) benchmark::DoNotOptimize(collapse_whitespace(in));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(bench_collapse_whitespace_mixed)->Unit(benchmark::kMillisecond);

void bench_normalize_english(benchmark::State& state) {
  const std::string& in = english();
  for (auto _ : state) benchmark::DoNotOptimize(normalize(in));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(bench_normalize_english)->Unit(benchmark::kMillisecond);

void bench_normalize_mixed(benchmark::State& state) {
  const std::string& in = mixed();
  for (auto _ : state) benchmark::DoNotOptimize(normalize(in));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(bench_normalize_mixed)->Unit(benchmark::kMillisecond);

void bench_words_english(benchmark::State& state) {
  const std::string in = normalize_text(english());
  for (auto _ : state) benchmark::DoNotOptimize(words(in));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(bench_words_english)->Unit(benchmark::kMillisecond);

void bench_words_mixed(benchmark::State& state) {
  const std::string in = normalize_text(mixed());
  for (auto _ : state) benchmark::DoNotOptimize(words(in));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(bench_words_mixed)->Unit(benchmark::kMillisecond);

// A short item (title plus summary), where per-call setup costs show.
void bench_pipeline_item(benchmark::State& state) {
  const std::string item =
      "<p>The U.S. added <b>Huawei&rsquo;s</b> cloud unit to the Entity List &mdash; "
      "officials said the rule takes effect immediately.</p>";
  for (auto _ : state) {
    const normalized n = normalize(html_to_text(item));
    benchmark::DoNotOptimize(words(n.text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * item.size()));
}
BENCHMARK(bench_pipeline_item);

}  // namespace

BENCHMARK_MAIN();
