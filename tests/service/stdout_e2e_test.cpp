// The stdout sink through the real binary: `format: text | json | auto`, auto deciding by
// whether standard output is a terminal (a pseudo-terminal made by script(1) here), and
// colour at a terminal unless NO_COLOR is set.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

class stdout_e2e : public ::testing::Test {
 protected:
  // A config polling the bundled sample feed into a stdout sink of the given format.
  std::string config(const std::string& format) {
    const std::string path = dir_.file("sanctwatch-" + format + ".yaml");
    std::ofstream(path) << "state: {path: " << dir_.file("state-" + format + ".db") << "}\n"
                        << "rules: [" << SANCTWATCH_SOURCE_DIR << "/rules]\n"
                        << "feeds:\n  - {id: sample, url: \"file://" << SANCTWATCH_SOURCE_DIR
                        << "/config/sample-feed.xml\"}\n"
                        << "sinks:\n  - {type: stdout, format: " << format << "}\n";
    return path;
  }
  sanctwatch::testing::temp_dir dir_;
};

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// JSON lines: every line of standard output is an alert document.
void expect_json_lines(const std::string& out) {
  std::istringstream lines(out);
  int docs = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto doc = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << line;
    EXPECT_EQ(doc.value("schema", ""), "sanctwatch.alert/2") << line;
    ++docs;
  }
  EXPECT_GE(docs, 3) << out;
}

TEST_F(stdout_e2e, text_is_the_block_people_read) {
  auto r = sanctwatch::testing::run_sanctwatch("poll -c '" + config("text") + "'", false);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_GE(count(r.out, "\n[HIGH] "), 2u) << r.out;
  EXPECT_NE(r.out.find("  rules: sanctions."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\u00bb"), std::string::npos) << r.out;  // »mark« in a pipe
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << r.out;   // no colour in a pipe
  EXPECT_EQ(r.out.find("{\"schema\""), std::string::npos) << r.out;
}

TEST_F(stdout_e2e, json_and_auto_in_a_pipe_are_json_lines) {
  for (const char* format : {"json", "auto"}) {
    SCOPED_TRACE(format);
    auto r = sanctwatch::testing::run_sanctwatch("poll -c '" + config(format) + "'", false);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    expect_json_lines(r.out);
  }
}

TEST_F(stdout_e2e, auto_at_a_terminal_is_coloured_text_unless_no_color) {
  const std::string cfg = config("auto");
  const std::string bin = SANCTWATCH_BINARY;
  // script(1) runs the command on a pseudo-terminal and copies what it printed.
  const auto at_terminal = [&](const std::string& env) {
    const std::string cmd = "script -q -e -c \"" + env + "'" + bin + "' poll -c '" + cfg +
                            "' 2>/dev/null\" /dev/null";
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[4096];
      std::size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      pclose(p);
    }
    return out;
  };
  const std::string coloured = at_terminal("");
  EXPECT_GE(count(coloured, "[HIGH]"), 2u) << coloured;
  EXPECT_NE(coloured.find("\x1b[1m"), std::string::npos) << coloured;  // bold marks
  EXPECT_EQ(coloured.find("{\"schema\""), std::string::npos) << coloured;

  std::filesystem::remove(dir_.file("state-auto.db"));
  const std::string plain = at_terminal("NO_COLOR=1 ");
  EXPECT_GE(count(plain, "[HIGH]"), 2u) << plain;
  EXPECT_EQ(plain.find("\x1b["), std::string::npos) << plain;
}

}  // namespace
}  // namespace sanctwatch::service
