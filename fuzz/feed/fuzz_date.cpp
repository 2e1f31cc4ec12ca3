// libFuzzer entry for feed::parse_date: any text either reads as a date or is refused.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feed/date.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  (void)sanctwatch::feed::parse_date(s);
  return 0;
}
