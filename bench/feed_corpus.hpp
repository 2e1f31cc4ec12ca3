#pragma once
// A synthetic feed corpus made by scripts/gen-corpus.py (`make bench` generates them), read
// once per process: the bodies of the files `feeds.txt` lists, in its order.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace sanctwatch::bench {

/// The corpus in `name` beside SANCTWATCH_BENCH_CORPUS ("corpus-2000", "corpus-3000"); null
/// when it is missing or empty.
inline const std::vector<std::string>* feed_corpus(const std::string& name) {
  static std::map<std::string, std::vector<std::string>> loaded;
  const auto [it, fresh] = loaded.try_emplace(name);
  auto& bodies = it->second;
  if (fresh) {
    const auto dir = std::filesystem::path(SANCTWATCH_BENCH_CORPUS).parent_path() / name;
    std::ifstream list(dir / "feeds.txt");
    for (std::string file; std::getline(list, file);) {
      if (file.empty()) continue;
      std::ifstream in(dir / file, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      bodies.push_back(ss.str());
    }
  }
  return bodies.empty() ? nullptr : &bodies;
}

}  // namespace sanctwatch::bench
