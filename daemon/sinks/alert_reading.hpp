#pragma once
/// What a message for people says about one alert, read from its document (docs/alerts.md) once
/// for every renderer (chat dialects, email): schema 2 with its `rules`, evidence sentences and
/// `changes`, and schema 1 (alerts recorded before an upgrade are replayed as they were), whose
/// one `rule` and per-word evidence with `snippet` read into the same shape. Renderers only
/// escape and decorate; what is shown, and what a sink's filter hides, is decided here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/severity.hpp"
#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

/// A piece of an evidence sentence: marked (a matched word) or not. Never splits a code point.
struct text_run {
  std::string text;
  bool marked = false;
};

struct evidence_sentence {
  std::string field;  ///< "content", "title", … ("" when the document has none)
  std::vector<text_run> runs;
};

struct entity_reading {
  std::string id, name, type, matched, list;
  std::vector<std::string> programs;
  bool ambiguous = false;
};

struct source_reading {
  std::string feed, link;
};

/// What an update with `changes` brings, as far as the sink may show it.
struct update_reading {
  std::vector<std::string> rule_titles;  ///< added rules the sink's filter passes
  std::vector<std::string> rule_ids;     ///< the same rules' ids
  std::size_t entities = 0;              ///< entities added
  std::string severity_from;             ///< when the severity was raised
};

struct alert_reading {
  std::string id;
  severity level = severity::info;  ///< the story's (the highest of its rules')
  std::string item_title, item_link, feed_title;
  std::string date;  ///< "2024-06-01": the item's publication date, else the alert's
  std::string published;  ///< the item's publication date only ("" when it has none)
  std::string created_at;
  int revision = 0;
  std::vector<fired_rule> rules;   ///< the rules shown: those the sink's filter passes
  std::vector<std::string> tags;   ///< the union of the shown rules' tags
  std::vector<evidence_sentence> evidence;
  std::vector<entity_reading> entities;
  std::vector<source_reading> others;  ///< outlets besides the item's own, as listed
  std::size_t others_total = 0;        ///< all of them (`sources_total` - 1), at least `others`
  std::optional<update_reading> update;  ///< a revision with `changes`
  /// A look-back alert (`"lookback": true`): entities a list refresh just added, named by a
  /// story seen before it; `date` says when it was in the news.
  bool lookback = false;
};

/// Reads `a.document`; `shown` are the rules to show (sink::shown_rules), all of them when empty.
/// Text is one line each (control characters become spaces); evidence runs are cut to
/// `max_sentence` bytes. Fails on a document that is not a JSON object.
result<alert_reading> read_alert(const alert_view& a, const std::vector<fired_rule>& shown,
                                 std::size_t max_sentence);

/// "now also <rule titles>, 2 more entities, severity raised from medium".
std::string update_text(const update_reading& u);

/// "2 more entities" style counts: "1 more entity".
std::string count_of(std::size_t n, std::string_view one, std::string_view many);

/// Cuts at a UTF-8 boundary so the result stays valid text, with an ellipsis when cut.
std::string truncate_utf8(std::string_view s, std::size_t max);

/// The sentence `text` split at `marks` (byte ranges, sorted or not, overlapping or not, widened
/// to whole code points; ranges outside the text are dropped).
std::vector<text_run> marked_runs(std::string_view text,
                                  std::vector<std::pair<std::size_t, std::size_t>> marks);

}  // namespace sanctwatch::sinks
