// libFuzzer target: article extraction must accept any bytes (any charset hint), finish in
// bounded time and give well-formed text: valid UTF-8, no NUL, no empty or untrimmed paragraphs.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "extract/extract.hpp"
#include "text/charset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A leading byte 0x01-0x06 picks a charset hint (as HTTP would send); pages start otherwise.
  static constexpr std::string_view k_hints[] = {
      "",        "windows-1251", "utf-16le", "koi8-r", "text/html; charset=shift_jis",
      "gb18030", "x-unknown"};
  std::string_view in(reinterpret_cast<const char*>(data), size);
  sanctwatch::extract::extract_options o;
  if (!in.empty() && in[0] >= 1 && in[0] <= 6) {
    o.charset = std::string(k_hints[static_cast<unsigned char>(in[0])]);
    in.remove_prefix(1);
  }
  o.url = "https://fuzz.test/a/b";
  o.max_nodes = 20'000;
  auto r = sanctwatch::extract::extract(in, o);
  if (!r) return 0;
  for (const auto& p : r->paragraphs) {
    if (p.empty() || p.front() == ' ' || p.back() == ' ') std::abort();
    if (p.find('\0') != std::string::npos) std::abort();
    if (sanctwatch::text::sanitize_utf8(p) != p) std::abort();
  }
  for (const auto* s : {&r->title, &r->byline, &r->site_name, &r->language, &r->canonical_url})
    if (sanctwatch::text::sanitize_utf8(*s) != *s) std::abort();
  return 0;
}
