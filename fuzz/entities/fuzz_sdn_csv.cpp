// OFAC sdn.csv importer; the input is split at the first two NUL bytes into sdn/alt/add so the
// merge paths are fuzzed too.
#include <cstdint>
#include <string_view>

#include "entities/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  for (int i = 0; i < 2; ++i) {
    const std::size_t z = in.find('\0');
    if (z == std::string_view::npos) break;
    parts[i] = in.substr(0, z);
    in.remove_prefix(z + 1);
  }
  if (parts[0].empty()) {
    parts[0] = in;
  } else if (parts[1].empty()) {
    parts[1] = in;
  } else {
    parts[2] = in;
  }
  (void)sanctwatch::entities::import_ofac_sdn_csv(parts[0], parts[1], parts[2]);
  return 0;
}
