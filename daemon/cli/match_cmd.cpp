#include <cstdio>

#include "cli/command.hpp"

namespace sanctwatch::cli {

int run_match(const args&) {
  std::fprintf(stderr, "sanctwatch match: the rule engine is not built yet\n");
  return usage_error;
}

}  // namespace sanctwatch::cli
