#pragma once
/// The alert document ("sanctwatch.alert/2", docs/alerts.md): one story, every rule that fired
/// on it and every entity it names, with the evidence sentences. Shared by `match` and the
/// daemon so every sink carries byte-identical documents.

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

/// Stable alert id of a story: the first 32 hex digits of sha256("story", item id, feed id) of
/// the item that started the story. The same on every run and retry, so receivers can
/// deduplicate.
std::string story_alert_id(const std::string& item_id, const std::string& feed_id);

/// The id of a look-back alert (entities a list refresh added, named by a kept story): the
/// first 32 hex digits of sha256("lookback", list, the story's first item id and feed id, the
/// entity ids), so the same finding keeps its id; never a story's own alert id.
std::string lookback_alert_id(const std::string& list, const std::string& item_id,
                              const std::string& feed_id,
                              const std::vector<std::string>& entity_ids);

/// The id alerts of schema 1 had, one per (rule, item, feed); kept to read old state.
std::string alert_id(const std::string& rule_id, const std::string& item_id,
                     const std::string& feed_id);

/// Fired rules in the order an alert lists them: most severe first, then ruleset order. The
/// first is the headline rule.
std::vector<const rule_match*> headline_order(const std::vector<rule_match>& fired);

/// The evidence array of a document: at most `max_sentences` sentences over `fired` (in
/// headline order), each `{field, text, marks: [{start, end, term, list[, entity]}]}`.
nlohmann::json evidence_json(const std::vector<const rule_match*>& fired,
                             std::size_t max_sentences = 3);

/// `{id, title, severity, tags}` of a rule, as `rules[]` lists it.
nlohmann::json rule_json(const rule& r);

/// An entity as `entities[]` lists it.
nlohmann::json entity_json(const entity_hit& e);

/// The first `n` characters (not bytes) of plain text, cut on a code point boundary.
std::string first_chars(const std::string& s, std::size_t n);

/// The alert on a story: `fired` are the rules that fired on `it` (non-empty), `story_item` and
/// `story_feed` name the story's first item (the id derives from them; `it` itself for a
/// story of one item).
struct story_name {
  std::string item_id, feed_id;
};
nlohmann::json make_alert(const std::vector<rule_match>& fired, const item& it,
                          const feed_ref& feed, const story_name& story,
                          const std::string& ruleset_hash, timestamp created_at,
                          const producer_info& producer,
                          const std::vector<source_ref>& sources = {},
                          std::size_t max_sentences = 3);

/// The host name for producer.host ("" when unknown).
std::string host_name();

}  // namespace sanctwatch::engine
