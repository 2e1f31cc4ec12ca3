#pragma once
/// An alert as people read it in a terminal: a compact block with the severity and headline,
/// outlet, date and link, the fired rules on one line, the entities, and the evidence sentences
/// with the matched words marked. Used by `match --format text`, `alerts --format text` and the
/// stdout sink at a terminal.

#include <string>

#include "core/result.hpp"
#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

struct text_style {
  /// ANSI bold and colours (a terminal without NO_COLOR); otherwise marks are »…«.
  bool color = false;
};

/// The block for one alert (schema 2; schema 1 documents render with their one rule), read
/// like chat and email read it (alert_reading.hpp), ending with a blank line. `shown`: the rules
/// to list (a sink's filter), all when empty; an update with `changes` says what it adds
/// ("update: now also …"). Fails on a document that is not a JSON object.
result<std::string> render_text(const alert_view& a, const text_style& style,
                                const std::vector<fired_rule>& shown = {});

/// The block for a digest (alert_view::digest): "[HIGH] digest for mail: 5 alerts (…)", its
/// period, then under each headline rule one line per alert with what the digest says of its
/// updates; ends with a blank line. Fails on a document that is not a digest.
result<std::string> render_digest_text(const alert_view& d, const text_style& style);

/// Whether standard output should get colour: a terminal, and NO_COLOR unset or empty.
bool stdout_wants_color();

}  // namespace sanctwatch::sinks
