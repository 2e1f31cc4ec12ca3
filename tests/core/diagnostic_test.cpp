#include "core/diagnostic.hpp"

#include <gtest/gtest.h>

namespace sanctwatch {

TEST(diagnostic, formats_location_line_and_caret) {
  const std::string src = "rules:\n  - id: x\n    when: near(@sanction_term, @china)\n";
  diagnostic d{"rules/a.yaml", 3, 16, "unknown list '@sanction_term'", std::string(line_of(src, 3))};
  EXPECT_EQ(format_diagnostic(d),
            "rules/a.yaml:3:16: error: unknown list '@sanction_term'\n"
            " 3 |     when: near(@sanction_term, @china)\n"
            "   |                ^\n");
}

TEST(diagnostic, whole_file_error_has_no_position) {
  EXPECT_EQ(format_diagnostic({"c.yaml", 0, 0, "empty file", ""}), "c.yaml: error: empty file\n");
}

TEST(diagnostic, line_of_handles_crlf_and_range) {
  EXPECT_EQ(line_of("a\r\nbb\r\n", 2), "bb");
  EXPECT_EQ(line_of("a\nb", 3), "");
  EXPECT_EQ(line_of("a\nb", 0), "");
}

}  // namespace sanctwatch
