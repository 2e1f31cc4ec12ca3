#pragma once
// An alert queue of realistic shape for the queue benchmarks (bench_store's BM_queue_page and
// bench_web's pages): 2 KB documents, one rule of three tags, an entity on one in five, up to 3
// sources over 300 feeds, one alert every 86 s back from `newest` (100,000 cover 100 days).
// Deterministic: alert n is the same in every run.
#include <cinttypes>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace sanctwatch::bench {

// splitmix64's finalizer: distinct counters give distinct, spread-out keys, so index inserts
// land all over the b-trees as the daemon's hashes do.
inline std::uint64_t mix(std::uint64_t n) {
  n = (n ^ (n >> 30)) * 0xbf58476d1ce4e5b9ull;
  n = (n ^ (n >> 27)) * 0x94d049bb133111ebull;
  return n ^ (n >> 31);
}

// 16 hex digits, the shape of the daemon's item keys and content hashes.
inline std::string hex_id(std::uint64_t n) {
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, mix(n));
  return out;
}

// The id of queue alert n (32 hex digits, as the daemon's).
inline std::string queue_alert_id(int n) {
  return hex_id(static_cast<std::uint64_t>(n)) + hex_id(~static_cast<std::uint64_t>(n));
}

// Records alerts [0, count) in batches of 1,000.
inline void seed_queue(store::store& db, int count, timestamp newest) {
  static const char* tags[] = {"sanctions", "export-controls", "entity"};
  static const char* words[] = {"Treasury", "designates", "shipping", "firms", "Commerce",
                                "adds", "entity", "list", "banks", "penalties", "embargo"};
  for (int done = 0; done < count;) {
    store::store::batch tx(db);
    for (int k = 0; k < 1000 && done < count; ++k, ++done) {
      const std::uint64_t r = mix(static_cast<std::uint64_t>(done));
      const std::string id = queue_alert_id(done);
      const std::string tag = tags[r % 3];
      std::string title;
      for (int w = 0; w < 8; ++w) title += std::string(words[(r >> (w * 4)) % 11]) + " ";
      nlohmann::json doc = {
          {"schema", "sanctwatch.alert/2"}, {"id", id}, {"severity", r % 2 ? "high" : "medium"},
          {"tags", {tag}},
          {"rules", {{{"id", tag + ".rule-" + std::to_string(r % 7)}, {"title", "A rule"}}}},
          {"item", {{"title", title}, {"link", "https://news.example/" + id},
                    {"feed", {{"id", "feed-" + std::to_string(r % 300)}}},
                    {"summary", std::string(1500, 'x')}}},
          {"evidence", {{{"field", "title"}, {"text", title},
                         {"marks", {{{"start", 0}, {"end", 4}, {"term", "x"}}}}}}},
          {"sources", {{{"feed", "feed-" + std::to_string(r % 300)}}}},
          {"sources_total", 1 + r % 3}};
      if (r % 5 == 0)
        doc["entities"] = {{{"id", "ofac-sdn:" + std::to_string(r % 9000)},
                            {"name", "EXAMPLE HOLDING " + std::to_string(r % 9000)},
                            {"list", "sdn"}}};
      const auto at = newest - std::chrono::seconds(static_cast<std::int64_t>(done) * 86);
      db.record({"feed-" + std::to_string(r % 300), id, "h", at},
                {{id, tag + ".rule", "high", "story-" + id, doc.dump(), at, {}}});
    }
    tx.commit();
  }
}

}  // namespace sanctwatch::bench
