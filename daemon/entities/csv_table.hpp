#pragma once
/// Header-addressed CSV rows for the importers whose files have a header (CSL, UK).

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entities/detail.hpp"

namespace sanctwatch::entities::detail {

/// Column positions by header name (case-insensitive, surrounding spaces ignored).
class header_index {
 public:
  header_index() = default;
  explicit header_index(const std::vector<std::string>& header) {
    for (const std::string& h : header) names_.push_back(lower_ascii(trim(h)));
  }
  /// The first of `candidates` present in the header.
  std::optional<std::size_t> find(std::initializer_list<std::string_view> candidates) const {
    for (const std::string_view c : candidates)
      for (std::size_t i = 0; i < names_.size(); ++i)
        if (names_[i] == c) return i;
    return std::nullopt;
  }
  std::size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
};

inline std::string_view cell(const csv_row& row, std::optional<std::size_t> col) {
  if (!col || *col >= row.fields.size()) return {};
  return trim(row.fields[*col]);
}

}  // namespace sanctwatch::entities::detail
