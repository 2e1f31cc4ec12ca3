#pragma once
// Reading fixture files is the tests' job; the importers themselves take bytes.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

namespace sanctwatch::entities::testing {

inline std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string fixture(const std::string& name) {
  auto bytes = read_file(std::filesystem::path(SANCTWATCH_TEST_DATA) / "entities" / name);
  return bytes ? *bytes : std::string();
}

}  // namespace sanctwatch::entities::testing
