#pragma once
// Reading fixture feeds from tests/data/feeds and formatting timestamps for assertions.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "core/time.hpp"
#include "feed/parse.hpp"

namespace sanctwatch::feed::testing {

inline std::string fixture(const std::string& name) {
  const std::string path = std::string(SANCTWATCH_TEST_DATA) + "/feeds/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline feed_document parse_ok(const std::string& bytes, const parse_options& o = {}) {
  auto r = parse(bytes, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().code + ": " + r.err().message);
  return r.ok() ? std::move(r).value() : feed_document{};
}

inline feed_document parse_fixture(const std::string& name, const parse_options& o = {}) {
  return parse_ok(fixture(name), o);
}

inline std::string iso(const std::optional<timestamp>& t) {
  return t ? format_rfc3339(*t) : "(none)";
}

inline bool has_warning(const feed_document& d, const std::string& needle) {
  for (const auto& w : d.warnings)
    if (w.find(needle) != std::string::npos) return true;
  return false;
}

inline std::string all_warnings(const feed_document& d) {
  std::string s;
  for (const auto& w : d.warnings) s += w + "\n";
  return s;
}

}  // namespace sanctwatch::feed::testing
