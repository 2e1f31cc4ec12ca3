#include <cstdio>

#include "cli/command.hpp"

namespace sanctwatch::cli {

int run_check(const args&) {
  std::fprintf(stderr, "sanctwatch check: the rule engine is not built yet\n");
  return usage_error;
}

}  // namespace sanctwatch::cli
