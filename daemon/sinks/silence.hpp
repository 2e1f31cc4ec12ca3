#pragma once
/// Silences (docs/triage.md): muting what keeps coming back, as Alertmanager does. A silence
/// is a set of matchers over an alert document, a start, an end and a comment. While it is
/// active, an alert every matcher of which holds is still recorded, and still delivered to
/// machine sinks (JSON lines, JSON on stdout, webhooks) with `"silenced": true` and the
/// silences' ids in `silenced_by`; sinks people read (chat, email, journald, syslog, text on
/// stdout) do not get it.
///
/// A matcher is `FIELD=VALUE` or `FIELD!=VALUE`:
/// - `rule`: the id of any rule that fired (`rule=sanctions.threat`);
/// - `tag`: any of the alert's tags;
/// - `feed`: the feed of any source (or of the item);
/// - `entity`: any named entity's id, name or the text that matched it;
/// - `text`: words in the headline, summary, evidence or entity names.
/// Values compare after the matching normalization (case, diacritics; docs/rules.md); `*`
/// in a rule, tag, feed or entity value stands for any run of characters
/// (`rule=export-controls.*`), `text` finds the words anywhere. `!=` holds when no value of
/// the field matches. Every matcher of a silence must hold.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.hpp"

namespace sanctwatch::sinks {

struct matcher {
  enum class field { rule, tag, feed, entity, text };
  field what = field::rule;
  bool negated = false;
  std::string value;        ///< as written
  std::string normalized;   ///< what is compared
  std::string to_string() const;  ///< "rule=sanctions.*", as written
};

/// Reads one matcher; an error says what is wrong with it.
result<matcher> parse_matcher(std::string_view s);

struct silence {
  using time_point = std::chrono::sys_seconds;
  std::string id;
  std::vector<matcher> matchers;
  time_point starts_at, ends_at;
  std::string comment, created_by;
  time_point created_at;
  bool active_at(time_point t) const { return starts_at <= t && t < ends_at; }
};

/// A silence's matchers from their stored form (a JSON array of matcher strings).
result<std::vector<matcher>> parse_matchers(std::string_view json_array);
/// Their stored form.
std::string matchers_json(const std::vector<matcher>& m);

/// A new silence from what a person gave (`silence add`, the page's form, the API), with a
/// fresh random id: the matchers as written, when it starts and ends, why and who. The error
/// says what is wrong: no matcher, a bad one, an end not after the start.
result<silence> new_silence(const std::vector<std::string>& matchers, silence::time_point starts,
                            silence::time_point ends, std::string comment, std::string by,
                            silence::time_point now);

/// The ids of the silences in `active` that match an alert document, parsed (any alert
/// schema version; a document that is not an alert matches none).
std::vector<std::string> silencing(const std::vector<silence>& active, const nlohmann::json& doc);

}  // namespace sanctwatch::sinks
