#pragma once
/// Located load errors (rules, config, entity lists), collected rather than thrown so that
/// every problem of a file is reported at once, compiler style:
///
///   rules/sanctions.yaml:14:11: error: unknown list '@sanction_term' (did you mean '@sanction_terms'?)
///      14 |     when: near(@sanction_term, @china)
///         |                ^

#include <string>
#include <string_view>
#include <vector>

namespace sanctwatch {

struct diagnostic {
  std::string file;
  int line = 0;    ///< 1-based; 0 when the error concerns the whole file
  int column = 0;  ///< 1-based; 0 when unknown
  std::string message;
  std::string source_line;  ///< the offending line, for the caret display; may be empty
};

/// `file:line:col: error: message`, then the source line and a caret when known.
std::string format_diagnostic(const diagnostic& d);

/// The 1-based line `line` of `text`, without its line break; empty when out of range.
std::string_view line_of(std::string_view text, int line);

/// Every diagnostic, formatted, one after another.
std::string format_diagnostics(const std::vector<diagnostic>& ds);

}  // namespace sanctwatch
