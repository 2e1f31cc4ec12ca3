// libFuzzer entry for feed::parse. The first input byte picks an HTTP charset so that the
// charset paths (HTTP > BOM > declaration) are fuzzed too, not only UTF-8.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feed/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr const char* content_types[] = {"",
                                                  "",
                                                  "",
                                                  "",
                                                  "application/rss+xml; charset=utf-8",
                                                  "text/xml; charset=windows-1251",
                                                  "application/atom+xml; charset=\"Shift_JIS\"",
                                                  "application/json; charset=utf-16"};
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sanctwatch::feed::parse_options options;
  options.url = "https://example.org/feeds/main.xml";
  if (size > 0) options.content_type = content_types[data[size - 1] & 7u];
  auto r = sanctwatch::feed::parse(bytes, options);
  if (r) {
    // Touch the results so a broken string shows up under ASan.
    std::size_t n = 0;
    for (const auto& it : r->items) {
      n += it.id.size() + it.title.size() + it.link.size() + it.summary.size();
      for (const auto& a : it.author_details) n += a.name.size() + a.email.size() + a.uri.size();
      if (it.author_details.size() != it.authors.size()) __builtin_trap();  // parallel lists
    }
    (void)n;
  }
  return 0;
}
