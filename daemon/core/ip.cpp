#include "core/ip.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace sanctwatch {
namespace {

constexpr std::array<std::uint8_t, 12> v4_mapped_prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

bool ip_address::is_v4() const {
  return std::equal(v4_mapped_prefix.begin(), v4_mapped_prefix.end(), bytes.begin());
}

std::optional<ip_address> parse_ip_address(std::string_view text) {
  // inet_pton wants a terminated string; addresses are short, anything longer is not one.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  ip_address a;
  if (text.find(':') == std::string_view::npos) {
    // Only the four-part dotted form: "127.1" or "0x7f.1" are not accepted as addresses.
    std::copy(v4_mapped_prefix.begin(), v4_mapped_prefix.end(), a.bytes.begin());
    if (inet_pton(AF_INET, buf, a.bytes.data() + 12) != 1) return std::nullopt;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
  return a;
}

std::string to_string(const ip_address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.is_v4()) inet_ntop(AF_INET, a.bytes.data() + 12, buf, sizeof buf);
  else inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
  return buf;
}

bool ip_network::contains(const ip_address& a) const {
  const int whole = prefix / 8, rest = prefix % 8;
  if (!std::equal(base.bytes.begin(), base.bytes.begin() + whole, a.bytes.begin())) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[whole] & mask) == base.bytes[whole];
}

std::optional<ip_network> parse_ip_network(std::string_view text, std::string& why) {
  const auto slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  const auto addr = parse_ip_address(addr_text);
  if (!addr) {
    why = "'" + std::string(addr_text) + "' is not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  const bool v4_text = addr_text.find(':') == std::string_view::npos;
  const int bits = v4_text ? 32 : 128;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    bool digits = !p.empty() && p.size() <= 3;
    for (char c : p) digits = digits && c >= '0' && c <= '9';
    if (!digits || std::stoi(std::string(p)) > bits) {
      why = "the prefix length after '/' must be a number from 0 to " + std::to_string(bits);
      return std::nullopt;
    }
    prefix = std::stoi(std::string(p));
  }
  ip_network n{*addr, prefix + (v4_text ? 96 : 0)};
  ip_network masked = n;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(n.prefix - i * 8, 0, 8);
    masked.base.bytes[i] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  if (masked.base != n.base) {
    why = "'" + std::string(text) + "' has bits set after the prefix; the network is " +
          to_string(masked);
    return std::nullopt;
  }
  return n;
}

std::string to_string(const ip_network& n) {
  if (n.base.is_v4() && n.prefix >= 96) return to_string(n.base) + "/" + std::to_string(n.prefix - 96);
  return to_string(n.base) + "/" + std::to_string(n.prefix);
}

std::optional<std::string_view> special_range(const ip_address& a) {
  static const std::vector<std::pair<ip_network, std::string_view>> ranges = [] {
    std::vector<std::pair<ip_network, std::string_view>> out;
    const std::pair<const char*, std::string_view> table[] = {
        {"0.0.0.0/8", "unspecified"},     // Linux connects 0.0.0.0 to the local host
        {"127.0.0.0/8", "loopback"},      {"10.0.0.0/8", "private"},
        {"172.16.0.0/12", "private"},     {"192.168.0.0/16", "private"},
        {"169.254.0.0/16", "link-local"},  // cloud metadata services live here
        {"100.64.0.0/10", "CGNAT"},       {"224.0.0.0/4", "multicast"},
        {"::/128", "unspecified"},        {"::1/128", "loopback"},
        {"fc00::/7", "private"},          {"fe80::/10", "link-local"},
        {"ff00::/8", "multicast"},
    };
    std::string why;
    for (const auto& [text, name] : table) out.emplace_back(*parse_ip_network(text, why), name);
    return out;
  }();
  for (const auto& [net, name] : ranges)
    if (net.contains(a)) return name;
  return std::nullopt;
}

}  // namespace sanctwatch
