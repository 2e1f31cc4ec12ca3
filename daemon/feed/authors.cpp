// Authors and base64 text: the small decoders the XML and JSON readers share.
#include <array>

#include "feed/common.hpp"
#include "text/charset.hpp"

namespace sanctwatch::feed::detail {
namespace {

bool email_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '+' || c == '@' || c == '\'';
}

std::string_view trim_author(std::string_view s) {
  // Whitespace and the brackets left around a name once the email is taken out.
  auto junk = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == '<' ||
           c == '>' || c == ',';
  };
  while (!s.empty() && junk(s.front())) s.remove_prefix(1);
  while (!s.empty() && junk(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

author parse_author(std::string_view text) {
  author a;
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos) {
    a.name = plain_text(trim_author(text));
    return a;
  }
  // The email is the run of address characters around the '@', with a dot in its domain. It
  // is taken from the text before markup is removed: in "Name <ken@wire.example>" the
  // address would look like a tag.
  std::size_t from = at, to = at + 1;
  while (from > 0 && email_char(text[from - 1])) --from;
  while (to < text.size() && email_char(text[to])) ++to;
  std::string_view email = text.substr(from, to - from);
  while (!email.empty() && (email.back() == '.' || email.back() == '\'')) email.remove_suffix(1);
  const std::size_t sign = email.find('@');
  if (sign == 0 || sign + 1 >= email.size() || email.find('.', sign) == std::string_view::npos) {
    a.name = plain_text(trim_author(text));  // an '@' that is no address: "@handle"
    return a;
  }
  a.email = std::string(email);
  std::string rest(text.substr(0, from));
  rest += ' ';
  rest.append(text.substr(to));
  // "mailto:" before the address belongs to it, not to the name.
  if (const auto m = rest.find("mailto:"); m != std::string::npos) rest.erase(m, 7);
  for (std::string_view empty : {"()", "<>", "[]"})
    for (auto p = rest.find(empty); p != std::string::npos; p = rest.find(empty)) rest.erase(p, 2);
  a.name = std::string(trim_author(plain_text(rest)));
  return a;
}

void add_author(item& it, author a) {
  if (a.name.empty() && a.email.empty()) return;
  it.authors.push_back(a.name.empty() ? a.email : a.name);
  it.author_details.push_back(std::move(a));
}

std::optional<std::string> decode_base64_text(std::string_view s) {
  static constexpr std::array<std::int8_t, 256> table = [] {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t) v = -1;
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
      t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    t['-'] = 62;  // the URL-safe alphabet too
    t['_'] = 63;
    return t;
  }();
  std::string bytes;
  bytes.reserve(s.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (const char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0 || padding) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits >= 6) return std::nullopt;  // one character left over: not base64
  std::string text = text::sanitize_utf8(bytes);
  std::erase_if(text, [](char c) {
    return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
  });
  return text;
}

}  // namespace sanctwatch::feed::detail
