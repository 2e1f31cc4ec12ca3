#pragma once
/// The alert document of ALERTS.md ("sanctwatch.alert/1"), built from a fired rule. Shared by
/// `match` and the daemon so every sink carries byte-identical documents.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/item.hpp"
#include "engine/match.hpp"

namespace sanctwatch::engine {

/// The feed an item came from.
struct feed_ref {
  std::string id, title, url;
};

/// Another outlet of the same story (story clustering fills this later).
struct source_ref {
  std::string feed, link;
  std::optional<timestamp> published;
};

struct producer_info {
  std::string name = "sanctwatch";
  std::string version;
  std::string host;
};

/// Stable alert id: the first 32 hex digits of sha256(rule id, item id, feed id). The same on
/// every run and retry, so receivers can deduplicate.
std::string alert_id(const std::string& rule_id, const std::string& item_id,
                     const std::string& feed_id);

/// The first `n` characters (not bytes) of plain text, cut on a code point boundary.
std::string first_chars(const std::string& s, std::size_t n);

nlohmann::json make_alert(const rule_match& m, const item& it, const feed_ref& feed,
                          const std::string& ruleset_hash, timestamp created_at,
                          const producer_info& producer,
                          const std::vector<source_ref>& sources = {});

/// The host name for producer.host ("" when unknown).
std::string host_name();

}  // namespace sanctwatch::engine
