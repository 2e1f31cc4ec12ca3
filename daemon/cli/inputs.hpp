#pragma once
/// The inputs of `match` and `eval`: a feed file (RSS, Atom, RDF, JSON Feed), a `.txt` or
/// `.html` article, or standard input ("-"), as items.

#include <string>
#include <vector>

#include "core/item.hpp"
#include "engine/alert.hpp"

namespace sanctwatch::cli {

struct input_items {
  std::vector<item> items;
  engine::feed_ref feed;
};

/// An article file's bytes as one item: an optional first line "Title: ...", or a
/// "date YYYY-MM-DD" prefix, then the text (HTML converted when `html`).
item article(const std::string& path, std::string bytes, bool html);

/// Reads `path` and turns it into items by its extension and first byte. False with `why`
/// when it cannot be read or parsed.
bool load_input(const std::string& path, input_items& out, std::string& why);

}  // namespace sanctwatch::cli
