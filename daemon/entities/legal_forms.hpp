#pragma once
/// Company legal forms ("Co., Ltd.", "PJSC", "OOO", "GmbH", ...) and their removal, so that
/// "EXAMPLE TRADING CO., LIMITED" in a list matches "Example Trading" in a news story
/// (docs/entities.md: names match after removing legal forms on both sides).

#include <span>
#include <string>
#include <string_view>

namespace sanctwatch::entities {

struct legal_form {
  std::string_view text;  ///< one spelling; matching ignores case, punctuation and spacing
  bool prefix;            ///< may stand before the name (Russian style: OOO "ROMASHKA")
  bool suffix;            ///< may stand after the name (EXAMPLE LLC)
};

/// English, Russian (Latin transliteration and Cyrillic), Chinese-English, EU and other
/// common legal forms.
std::span<const legal_form> legal_forms();

/// Removes legal forms at the start and end of `name`, repeatedly ("CO., LTD." is two),
/// case-insensitively and ignoring punctuation ("L.L.C." == "LLC", "S. A." == "SA"), then the
/// quotes and punctuation left around the rest (`OOO "ROMASHKA"` -> `ROMASHKA`). Never returns
/// an empty name: a name that is only a legal form ("COMPANY LIMITED") is returned trimmed.
std::string strip_legal_forms(std::string_view name);

}  // namespace sanctwatch::entities
