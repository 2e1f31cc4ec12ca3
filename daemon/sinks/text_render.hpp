#pragma once
/// An alert as people read it in a terminal: a compact block with the severity and headline,
/// outlet, date and link, the fired rules on one line, the entities, and the evidence sentences
/// with the matched words marked. Used by `match --format text`, `alerts --format text` and the
/// stdout sink at a terminal.

#include <string>

#include <nlohmann/json.hpp>

namespace sanctwatch::sinks {

struct text_style {
  /// ANSI bold and colours (a terminal without NO_COLOR); otherwise marks are »…«.
  bool color = false;
};

/// The block for one alert document (schema 2; schema 1 documents render with their one rule),
/// ending with a blank line. `shown_rules`: when not empty, only these rule ids are listed
/// (a sink's filter); an update with `changes` starts with what it adds ("now also: …").
std::string render_text(const nlohmann::json& doc, const text_style& style,
                        const std::vector<std::string>& shown_rules = {});

/// Whether standard output should get colour: a terminal, and NO_COLOR unset or empty.
bool stdout_wants_color();

}  // namespace sanctwatch::sinks
