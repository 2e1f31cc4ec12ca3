// libFuzzer target: HTML to text, entity decoding and normalization must accept any bytes,
// terminate in linear time and keep the origin map consistent.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "text/html.hpp"
#include "text/normalize.hpp"
#include "text/segment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string text = sanctwatch::text::html_to_text(in);
  (void)sanctwatch::text::decode_entities(in);
  const auto n = sanctwatch::text::normalize(text);
  if (n.origin.size() != n.text.size() + 1 || n.origin.back() != text.size()) std::abort();
  for (std::size_t i = 1; i < n.origin.size(); ++i)
    if (n.origin[i] < n.origin[i - 1]) std::abort();
  for (const auto& w : sanctwatch::text::words(n.text))
    if (w.start >= w.end || w.end > n.text.size()) std::abort();
  return 0;
}
