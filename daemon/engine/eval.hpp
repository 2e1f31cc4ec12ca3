#pragma once
/// Alert quality against hand-labelled articles (`sanctwatch eval`): precision, recall and F1
/// per tag and per rule, the confusion lists, alerts per article, and entity screening scored
/// against the names each article is known to mention. Pure: takes the label files' bytes and
/// the matches the caller produced; reading files and printing are the CLI's.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.hpp"
#include "engine/match.hpp"

namespace sanctwatch::engine::eval {

/// One row of a labels file: `id <TAB> label [<TAB> anything…]`, label a comma-separated list
/// of tags or `none`. A first row whose id is `id` is a header.
struct label {
  std::string id;
  std::vector<std::string> tags;  ///< empty for `none`
  int line = 0;
};

/// One row of an entity labels file: `id <TAB> name_in_text <TAB> listed_as <TAB> list`.
/// `listed_as` may carry the list's own id as "(ent 12345)".
struct entity_label {
  std::string article;
  std::string name_in_text;
  std::string listed_as;
  std::string list;
  int line = 0;
};

/// Errors are located `file:line:col`; every bad row is reported.
std::vector<label> parse_labels(std::string_view bytes, const std::string& file,
                                std::vector<diagnostic>& errors);
std::vector<entity_label> parse_entity_labels(std::string_view bytes, const std::string& file,
                                              std::vector<diagnostic>& errors);

/// What the rules did on one article.
struct article_result {
  std::string id;
  std::string title;
  std::vector<rule_match> matches;
  std::vector<rule_explanation> explained;  ///< only for articles the caller explained
};

struct counts {
  std::size_t tp = 0, fp = 0, fn = 0;
  double precision() const { return tp + fp == 0 ? 0.0 : double(tp) / double(tp + fp); }
  double recall() const { return tp + fn == 0 ? 0.0 : double(tp) / double(tp + fn); }
  double f1() const {
    const double p = precision(), r = recall();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
  }
};

struct tag_score {
  std::string tag;
  std::size_t labelled = 0;  ///< articles carrying the tag
  counts c;
};

struct rule_score {
  std::string rule;
  std::vector<std::string> tags;  ///< the rule's tags that are scored
  std::size_t fired = 0;          ///< articles it fired on
  counts c;  ///< tp: fired on an article with one of its tags; fn: such articles it missed
};

/// A wrong answer, with what explains it.
struct confusion {
  std::string tag;
  std::string article;
  std::string title;
  std::vector<std::string> rules;   ///< false positive: the rules that carried the tag
  std::string evidence;             ///< false positive: the first firing sentence, hit marked
  std::vector<std::string> reasons; ///< false negative: per rule of the tag, its top-level terms
};

struct entity_match {
  std::string article;
  std::string entity_id;
  std::string name;
  std::string type;
  std::string matched;
  std::string rule;  ///< the first rule that named it
  bool right = false;
};

struct entity_report {
  bool scored = false;           ///< entity labels were given
  std::string list_filter;       ///< only gold rows of this list ("" = all)
  std::string source;            ///< only entities of this ruleset list ("" = all)
  std::size_t matches = 0, right = 0;  ///< distinct (article, entity) pairs named by alerts
  std::size_t gold = 0, found = 0;     ///< gold rows (of screened entities) and those named
  std::size_t not_screened = 0;  ///< gold rows whose entity the rules cannot name (e.g. persons)
  std::vector<entity_match> wrong;     ///< false entity matches
  std::vector<entity_label> missed;    ///< gold rows nobody named
  double precision() const { return matches == 0 ? 0.0 : double(right) / double(matches); }
  double recall() const { return gold == 0 ? 0.0 : double(found) / double(gold); }
};

struct report {
  std::size_t articles = 0;
  std::vector<tag_score> tags;
  std::vector<rule_score> rules;
  /// Rules fired per article (an alert reports every rule that fired on its story): how much
  /// a reader is told about each article.
  double alerts_per_article = 0, alerts_per_positive = 0, alerts_per_negative = 0;
  std::size_t max_alerts = 0;
  std::string max_alerts_article;
  /// Articles that get an alert (one per story), all and labelled `none`.
  std::size_t alerting = 0, alerting_negative = 0;
  std::vector<confusion> false_positives, false_negatives;
  entity_report entities;
};

struct options {
  /// Gold entity rows; scored when non-empty.
  const std::vector<entity_label>* entity_labels = nullptr;
  std::string entity_list_filter;  ///< keep gold rows whose `list` equals this ("" = all)
  std::string entity_source;       ///< score only entities of this ruleset list ("" = all)
  /// The list ids ("33151") of the entities the ruleset screens (their list and type).
  const std::set<std::string>* screened = nullptr;
};

/// Scores `results` (one per labelled article, same order or not) against `labels` for every
/// tag that some label carries. Rules are scored when one of their tags is scored.
report score(const ruleset& rs, const std::vector<label>& labels,
             const std::vector<article_result>& results, const options& opt = {});

/// Human-readable report; `list_limit` caps each confusion list (0: none shown).
std::string format_text(const report& r, std::size_t list_limit);
nlohmann::json to_json(const report& r);

/// The list's own id in an entity id or a gold row: "ofac-sdn:33151" and
/// "SUEX OTC, S.R.O. (ent 33151)" both give "33151"; empty when there is none.
std::string list_uid(std::string_view s);

}  // namespace sanctwatch::engine::eval
