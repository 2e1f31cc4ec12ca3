#pragma once
/// The screening form of an entity list, cached between runs (docs/performance.md, "Start-up").
///
/// Loading a large list (the SDN list: 9,000 entries, 31,000 names) is mostly importing it and
/// working out what to look for: every name's matching variants, their words, and when each
/// may fire alone. That depends only on the list's bytes, the entity types screened and this
/// build of sanctwatch, so it is kept: the loader asks the cache before importing, by a key
/// made of exactly those (`list_cache_key`), and stores what it worked out after. A cached
/// list loads as if imported again (the same entities, aliases, gates and importer warnings).
///
/// The engine does no I/O: the cache is a pair of functions the caller gives (load_options);
/// engine/files.hpp has the one on disk.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entities/names.hpp"

namespace sanctwatch::engine {

/// What a cache keeps per key: get() answers the bytes put() stored, or nothing.
struct list_cache {
  std::function<std::optional<std::string>(const std::string& key)> get;
  std::function<void(const std::string& key, const std::string& bytes)> put;
  explicit operator bool() const { return get && put; }
};

namespace detail {

/// One alias as the word index will look for it: the words of its matching variant.
struct prepared_alias {
  std::string name;      ///< as written in the list
  std::string stripped;  ///< the matching variant
  bool weak = false;
  entities::name_gate gate = entities::name_gate::none;
  std::vector<std::string> tokens;  ///< normalized words (the phrase atom)
};

struct prepared_entity {
  std::string id, type, name;
  std::vector<std::string> programs;
  std::vector<prepared_alias> aliases;
};

/// An importer warning, kept so a cached list warns as the import did.
struct prepared_warning {
  std::string file;  ///< "", "alt.csv" or "add.csv" (the importer's companion files)
  std::uint32_t line = 0, column = 0;
  std::string message;
};

struct prepared_list {
  std::vector<prepared_entity> entities;
  std::vector<prepared_warning> warnings;
};

/// Bytes to store, and back: magic, format version, a SHA-256 of the body, the body. Empty
/// when the bytes are not a whole, intact cache entry of this format.
std::string serialize(const prepared_list& l);
std::optional<prepared_list> deserialize(std::string_view bytes);

/// A cache entry: a four-letter kind, the format version, a SHA-256 of the body, the body;
/// and the body back when `bytes` is a whole, intact entry of that kind and version.
std::string seal(std::string_view kind, std::string_view body);
std::optional<std::string_view> unseal(std::string_view kind, std::string_view bytes);

/// This build of sanctwatch: its ELF build id (any change to the code changes it), or the
/// version and build time when the binary has none.
const std::string& build_id();

/// The key of a list: SHA-256 (hex) of the build, the format, the entity types screened, and
/// the list's bytes with its companions (OFAC's alt.csv and add.csv).
std::string list_cache_key(std::string_view format, unsigned types, std::string_view bytes,
                           std::string_view aliases, std::string_view addresses);

}  // namespace detail
}  // namespace sanctwatch::engine
