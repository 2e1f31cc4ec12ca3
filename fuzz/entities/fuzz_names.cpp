// Name handling: legal-form stripping, variants and the context decision on arbitrary text.
#include <cstdint>
#include <string_view>

#include "entities/legal_forms.hpp"
#include "entities/names.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sanctwatch::entities;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)strip_legal_forms(in);
  (void)needs_context(in);
  (void)match_variants(in, entity_type::organization);
  (void)match_variants(in, entity_type::person);
  return 0;
}
