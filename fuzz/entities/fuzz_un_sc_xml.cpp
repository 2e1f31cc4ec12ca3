// UN Security Council Consolidated List XML importer (DOM).
#include <cstdint>
#include <string_view>

#include "entities/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)sanctwatch::entities::import_un_sc_xml(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
