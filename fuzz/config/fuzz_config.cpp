// libFuzzer target: the config loader must turn any bytes into a config or located errors.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto r = sanctwatch::config::parse(in, "fuzz.yaml");
  for (const auto& e : r.errors)
    if (e.file != "fuzz.yaml" || e.message.empty()) std::abort();
  return 0;
}
