// The disk front end of the loader: the only file reading in the engine, kept apart so the
// loader itself stays bytes-in (tests feed it inline YAML).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/load.hpp"

namespace sanctwatch::engine {
namespace {

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{"io", "cannot open"};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return error{"io", "read error"};
  return std::move(ss).str();
}

}  // namespace

result<std::string> read_disk_file(const std::string& path) { return read_file(path); }

load_outcome load_rule_dirs(const std::vector<std::string>& dirs,
                            std::vector<extra_entity_list> extra_entities) {
  load_outcome out;
  std::vector<source_file> files = read_rule_dirs(dirs, out.errors);
  if (!out.errors.empty()) return out;
  load_options opts;
  opts.extra_entities = std::move(extra_entities);
  opts.read = read_file;
  return load_ruleset(files, opts);
}

std::vector<source_file> read_rule_dirs(const std::vector<std::string>& dirs,
                                        std::vector<load_error>& errors) {
  namespace fs = std::filesystem;
  std::vector<source_file> files;
  for (const auto& d : dirs) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) {
      errors.push_back({{d, 0, 0}, "not a rules directory", {}});
      continue;
    }
    std::vector<std::string> paths;
    // Entity files (rules/entities/*.yaml) are collected too; the loader recognises them by
    // their top-level `entities:` and leaves them to the entity_lists that name them.
    for (auto it = fs::recursive_directory_iterator(
             d, fs::directory_options::follow_directory_symlink, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      if (it->path().extension() != ".yaml") continue;
      paths.push_back(it->path().string());
    }
    // An unreadable directory (or folder under it) must not pass for one without rules.
    if (ec) {
      errors.push_back({{d, 0, 0}, "cannot read: " + ec.message(), {}});
      continue;
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      auto bytes = read_file(p);
      if (!bytes) {
        errors.push_back({{p, 0, 0}, bytes.err().message, {}});
        continue;
      }
      files.push_back({p, std::move(*bytes)});
    }
  }
  return files;
}

}  // namespace sanctwatch::engine
