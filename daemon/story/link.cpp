#include "story/link.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "core/uri.hpp"

namespace sanctwatch::story {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 section 6.2.2: escapes of unreserved characters decoded, other escapes in upper
// case; anything else (including a stray '%') kept as it is.
std::string normalize_escapes(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int hi = s[i] == '%' && i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
    if (lo < 0) {
      out += s[i];
      continue;
    }
    const auto c = static_cast<unsigned char>(hi * 16 + lo);
    if (is_unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[hi];
      out += hex[lo];
    }
    i += 2;
  }
  return out;
}

bool is_tracking(std::string_view name) {
  static constexpr std::array<std::string_view, 20> exact = {
      "fbclid",      "gclid",    "dclid",   "gclsrc",  "msclkid", "mc_cid", "mc_eid",
      "igshid",      "yclid",    "_ga",     "_gl",     "ocid",    "cmpid",  "at_medium",
      "at_campaign", "wt.mc_id", "mkt_tok", "ref_src", "ref_url", "smid"};
  const std::string n = lowered(name);
  if (n.starts_with("utm_") || n == "sr_share") return true;
  return std::find(exact.begin(), exact.end(), n) != exact.end();
}

std::string canonical_query(std::string_view q) {
  std::vector<std::string> kept;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view param = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (param.empty()) continue;
    const std::string_view name = param.substr(0, param.find('='));
    if (name.empty() || is_tracking(normalize_escapes(name))) continue;
    kept.push_back(normalize_escapes(param));
  }
  std::stable_sort(kept.begin(), kept.end());
  std::string out;
  for (const auto& p : kept) out += (out.empty() ? "" : "&") + p;
  return out;
}

}  // namespace

std::string canonical_link(std::string_view url) {
  const uri_parts u = split_uri(trim_space(url));
  if (!u.scheme || !u.authority) return {};
  const std::string scheme = lowered(*u.scheme);
  if (scheme != "http" && scheme != "https") return {};

  std::string_view authority = *u.authority;
  if (const auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view port;
  // A port follows the last ':' unless it is inside an IPv6 literal ("[::1]").
  if (const auto c = authority.rfind(':');
      c != std::string_view::npos && authority.find(']', c) == std::string_view::npos) {
    port = authority.substr(c + 1);
    authority = authority.substr(0, c);
  }
  std::string host = lowered(authority);
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.starts_with("www.") && host.size() > 4) host.erase(0, 4);
  if (host.empty()) return {};
  if (!std::all_of(port.begin(), port.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return {};
  while (port.size() > 1 && port.front() == '0') port.remove_prefix(1);
  if (port == "80" || port == "443") port = {};

  std::string path = normalize_escapes(u.path);
  while (!path.empty() && path.back() == '/') path.pop_back();
  const std::string query = u.query ? canonical_query(*u.query) : std::string();

  std::string out = "https://" + host;
  if (!port.empty()) out += ":" + std::string(port);
  out += path;
  if (!query.empty()) out += "?" + query;
  return out;
}

}  // namespace sanctwatch::story
