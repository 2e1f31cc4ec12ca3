#pragma once
/// IP addresses and networks as values, and the special-purpose ranges a fetch that someone
/// outside chose (a redirect, a link in a feed) must not reach: loopback, private,
/// link-local, CGNAT, multicast, unspecified. config/ parses `network.allow_private` with
/// these, http/ checks every address it is about to connect to against them.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sanctwatch {

/// An IPv4 or IPv6 address. IPv4 is held as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so
/// 127.0.0.1 and ::ffff:127.0.0.1 are the same address and one network type covers both.
struct ip_address {
  std::array<std::uint8_t, 16> bytes{};

  bool is_v4() const;  ///< IPv4, or IPv4-mapped IPv6 (the same thing here)
  bool operator==(const ip_address&) const = default;
};

/// "192.0.2.1" (dotted decimal, four parts) or an IPv6 address ("2001:db8::1",
/// "::ffff:10.0.0.1"), without brackets or a zone; empty when malformed.
std::optional<ip_address> parse_ip_address(std::string_view text);

/// Dotted decimal for IPv4 (also when it came as ::ffff:a.b.c.d), RFC 5952 text for IPv6.
std::string to_string(const ip_address& a);

/// An address range in CIDR form. The prefix counts bits of the 128-bit form, so an IPv4
/// /8 is held as /104.
struct ip_network {
  ip_address base;  ///< host bits zero
  int prefix = 0;   ///< 0..128

  bool contains(const ip_address& a) const;
};

/// "10.0.0.0/8", "fc00::/7", or one address ("127.0.0.1", "::1": /32 or /128). Host bits
/// must be zero ("10.0.0.1/8" is refused: it is more likely a typo than meant as 10/8).
/// On failure `why` says what is wrong.
std::optional<ip_network> parse_ip_network(std::string_view text, std::string& why);

/// The text form: "10.0.0.0/8", "fc00::/7".
std::string to_string(const ip_network& n);

/// The special-purpose range `a` is in, by name: "loopback" (127/8, ::1), "private"
/// (RFC 1918, fc00::/7), "link-local" (169.254/16, fe80::/10), "CGNAT" (100.64/10),
/// "multicast" (224/4, ff00::/8), "unspecified" (0/8, ::). Empty for an address that is
/// none of these.
std::optional<std::string_view> special_range(const ip_address& a);

}  // namespace sanctwatch
