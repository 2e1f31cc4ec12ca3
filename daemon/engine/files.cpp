// The disk front end of the loader: the only file reading in the engine, kept apart so the
// loader itself stays bytes-in (tests feed it inline YAML).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/load.hpp"

namespace sanctwatch::engine {
namespace {

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{"io", "cannot open"};
  // One read of the file's size where it has one (lists and cache entries run to megabytes);
  // then whatever follows, for files that grow or report no size.
  std::string out;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    out.resize(static_cast<std::size_t>(size));
    in.read(out.data(), size);
    out.resize(static_cast<std::size_t>(in.gcount()));
    if (in.bad()) return error{"io", "read error"};
    in.clear();
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  if (in.bad()) return error{"io", "read error"};
  out += std::move(rest).str();
  return out;
}

}  // namespace

result<std::string> read_disk_file(const std::string& path) { return read_file(path); }

std::string default_cache_dir() {
  const auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (const auto own = env("SANCTWATCH_CACHE_DIR"); !own.empty()) return own == "off" ? "" : own;
  if (const auto systemd = env("CACHE_DIRECTORY"); !systemd.empty())
    return systemd.substr(0, systemd.find(':'));
  if (const auto xdg = env("XDG_CACHE_HOME"); !xdg.empty()) return xdg + "/sanctwatch";
  if (const auto home = env("HOME"); !home.empty()) return home + "/.cache/sanctwatch";
  return "";
}

list_cache disk_list_cache(const std::string& dir, std::size_t keep) {
  namespace fs = std::filesystem;
  if (dir.empty()) return {};
  const fs::path lists = fs::path(dir) / "lists";
  list_cache c;
  c.get = [lists](const std::string& key) -> std::optional<std::string> {
    auto bytes = read_file((lists / key).string());
    if (!bytes) return std::nullopt;
    return std::move(*bytes);
  };
  c.put = [lists, keep](const std::string& key, const std::string& bytes) {
    // Best effort: a cache that cannot be written only costs the next run its time.
    std::error_code ec;
    fs::create_directories(lists, ec);
    if (ec) return;
    const fs::path tmp = lists / (key + ".tmp." + std::to_string(::getpid()));
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!out) {
        fs::remove(tmp, ec);
        return;
      }
    }
    fs::rename(tmp, lists / key, ec);  // readers see the whole entry or none
    if (ec) fs::remove(tmp, ec);
    // The newest `keep` entries stay: lists change, and each version is an entry.
    std::vector<std::pair<fs::file_time_type, fs::path>> entries;
    for (auto it = fs::directory_iterator(lists, ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
      if (it->is_regular_file(ec) && it->path().filename().string().find(".tmp.") == std::string::npos)
        entries.emplace_back(it->last_write_time(ec), it->path());
    if (entries.size() <= keep) return;
    std::sort(entries.begin(), entries.end());
    for (std::size_t i = 0; i + keep < entries.size(); ++i) fs::remove(entries[i].second, ec);
  };
  return c;
}

load_outcome load_rule_dirs(const std::vector<std::string>& dirs,
                            std::vector<extra_entity_list> extra_entities) {
  load_outcome out;
  std::vector<source_file> files = read_rule_dirs(dirs, out.errors);
  if (!out.errors.empty()) return out;
  load_options opts;
  opts.extra_entities = std::move(extra_entities);
  opts.read = read_file;
  opts.cache = disk_list_cache(default_cache_dir());
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
