#pragma once
// A state seeded for the web tests: seven story alerts over two feeds and two tags (the
// first acknowledged), and one whose headline and evidence are hostile markup; a server on
// loopback over it.
#include <httplib.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "temp_dir.hpp"
#include "web/server.hpp"

namespace sanctwatch::web::testing_web {

using json = nlohmann::json;

inline timestamp t(std::int64_t s) { return timestamp{std::chrono::seconds{s}}; }

// An alert id of the daemon's shape (32 hex digits), ending in `n`.
inline std::string hex(int n) { return std::string(31, 'a') + std::to_string(n); }
inline const std::string hostile = std::string(32, 'f');

inline std::string document(const std::string& id, const std::string& title, const std::string& tag,
                     const std::string& feed, const std::string& evidence) {
  return json{{"schema", "sanctwatch.alert/2"},
              {"id", id},
              {"type", "alert.created"},
              {"revision", 0},
              {"created_at", "2026-12-01T10:00:00Z"},
              {"severity", "high"},
              {"tags", {tag}},
              {"rules", {{{"id", tag + ".rule"}, {"title", "A " + tag + " rule"},
                          {"severity", "high"}, {"tags", {tag}}}}},
              {"item", {{"id", "https://news.example/" + id}, {"title", title},
                        {"link", "https://news.example/" + id}, {"published", nullptr},
                        {"authors", json::array()}, {"summary", ""},
                        {"feed", {{"id", feed}, {"title", feed}, {"url", "https://news.example/rss"}}}}},
              {"evidence", {{{"field", "content"}, {"text", evidence},
                             {"marks", {{{"start", 0}, {"end", 8}, {"term", evidence.substr(0, 8)},
                                         {"list", "x"}}}}}}},
              {"entities", json::array()},
              {"sources", {{{"feed", feed}, {"link", "https://news.example/" + id},
                            {"published", nullptr}}}},
              {"sources_total", 1},
              {"ruleset", "r"},
              {"producer", {{"name", "sanctwatch"}, {"version", "test"}, {"host", "h"}}}}
      .dump();
}

class seeded_web : public ::testing::Test {
 protected:
  void SetUp() override {
    store::store db(state_);
    for (int i = 0; i < 7; ++i) {
      const std::string id = hex(i);
      const bool sanctions = i % 2 == 0;
      db.record({"wire", id, "h", t(1000 + i)},
                {{id, "r", "high", "story-" + id,
                  document(id, "Story number " + std::to_string(i), sanctions ? "sanctions" : "export-controls",
                           i < 3 ? "wire" : "desk", "Treasury designated firm number " + std::to_string(i)),
                  t(1000 + i), {}}});
    }
    db.record({"wire", "hostile", "h", t(2000)},
              {{hostile, "r", "high", "story-hostile",
                document(hostile, "<script>alert(1)</script> headline", "sanctions", "wire",
                         "\"><img src=x onerror=alert(2)> sanctioned"),
                t(2000), {}}});
    db.acknowledge(hex(0), "ana", "", t(3000));
  }
  std::unique_ptr<server> start(config::web_settings w) {
    w.listen = "127.0.0.1:0";
    return std::make_unique<server>(w, state_, "");
  }
  static httplib::Result get(server& s, const std::string& path,
                             const httplib::Headers& headers = {}) {
    httplib::Client c("http://" + s.address());
    return c.Get(path, headers);
  }
  sanctwatch::testing::temp_dir dir_;
  std::string state_ = dir_.file("state.db");
};


}  // namespace sanctwatch::web::testing_web
