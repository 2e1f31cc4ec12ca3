#include "core/uri.hpp"

#include <cctype>
#include <utility>

namespace sanctwatch {

std::size_t uri_scheme_length(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == ':') return i;
    const char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 0;
}

uri_parts split_uri(std::string_view s) {
  uri_parts r;
  if (const std::size_t n = uri_scheme_length(s); n > 0) {
    r.scheme = s.substr(0, n);
    s.remove_prefix(n + 1);
  }
  if (const auto h = s.find('#'); h != std::string_view::npos) {
    r.fragment = s.substr(h + 1);
    s = s.substr(0, h);
  }
  if (const auto q = s.find('?'); q != std::string_view::npos) {
    r.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  if (s.starts_with("//")) {
    s.remove_prefix(2);
    const auto slash = s.find('/');
    r.authority = s.substr(0, slash);
    s = slash == std::string_view::npos ? std::string_view{} : s.substr(slash);
  }
  r.path = s;
  return r;
}

namespace {

// Offset and length of `url`'s userinfo with its '@'; length 0 when there is none.
std::pair<std::size_t, std::size_t> userinfo(std::string_view url) {
  const auto authority = split_uri(url).authority;
  if (!authority) return {0, 0};
  const auto at = authority->rfind('@');
  if (at == std::string_view::npos) return {0, 0};
  return {static_cast<std::size_t>(authority->data() - url.data()), at + 1};
}

}  // namespace

std::string redact_url(std::string_view url) {
  const auto [pos, n] = userinfo(url);
  std::string out(url);
  return n == 0 ? out : out.replace(pos, n - 1, "***");
}

std::string strip_userinfo(std::string_view url) {
  const auto [pos, n] = userinfo(url);
  return std::string(url).erase(pos, n);
}

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace sanctwatch
