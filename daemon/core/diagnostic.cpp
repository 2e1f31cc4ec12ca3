#include "core/diagnostic.hpp"

namespace sanctwatch {

std::string_view line_of(std::string_view text, int line) {
  if (line < 1) return {};
  std::size_t pos = 0;
  for (int i = 1; i < line; ++i) {
    pos = text.find('\n', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  std::size_t end = text.find('\n', pos);
  std::string_view l = text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return l;
}

std::string format_diagnostic(const diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) {
    out += ':' + std::to_string(d.line);
    if (d.column > 0) out += ':' + std::to_string(d.column);
  }
  out += ": error: " + d.message + '\n';
  if (d.line > 0 && !d.source_line.empty()) {
    const std::string num = std::to_string(d.line);
    out += ' ' + num + " | " + d.source_line + '\n';
    if (d.column > 0) {
      std::string pad;
      // Tabs keep their width so the caret lines up under the offending character.
      for (int i = 0; i + 1 < d.column && i < static_cast<int>(d.source_line.size()); ++i)
        pad += d.source_line[static_cast<std::size_t>(i)] == '\t' ? '\t' : ' ';
      out += ' ' + std::string(num.size(), ' ') + " | " + pad + "^\n";
    }
  }
  return out;
}

std::string format_diagnostics(const std::vector<diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += format_diagnostic(d);
  return out;
}

}  // namespace sanctwatch
