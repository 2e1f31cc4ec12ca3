// IP addresses, networks and the special-purpose ranges redirects and feed links may not reach.
#include "core/ip.hpp"

#include <gtest/gtest.h>

namespace sanctwatch {
namespace {

ip_address addr(std::string_view text) {
  const auto a = parse_ip_address(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(ip_address{});
}

std::string range_of(std::string_view text) {
  const auto r = special_range(addr(text));
  return r ? std::string(*r) : "public";
}

ip_network net(std::string_view text) {
  std::string why;
  const auto n = parse_ip_network(text, why);
  EXPECT_TRUE(n) << text << ": " << why;
  return n.value_or(ip_network{});
}

}  // namespace

TEST(ip_address, v4_and_v6_forms) {
  EXPECT_TRUE(addr("127.0.0.1").is_v4());
  EXPECT_FALSE(addr("::1").is_v4());
  // A v4-mapped IPv6 address is the IPv4 address.
  EXPECT_EQ(addr("::ffff:127.0.0.1"), addr("127.0.0.1"));
  EXPECT_EQ(addr("::ffff:7f00:1"), addr("127.0.0.1"));
  EXPECT_EQ(to_string(addr("::ffff:10.1.2.3")), "10.1.2.3");
  EXPECT_EQ(to_string(addr("2001:0db8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
  for (const char* bad : {"", "127.1", "0x7f.0.0.1", "1.2.3.4.5", "256.0.0.1", "[::1]", "fe80::1%eth0",
                          "localhost", "1.2.3.4 ", "::1::2", "2001:db8::1/64"})
    EXPECT_FALSE(parse_ip_address(bad)) << bad;
}

TEST(special_range, every_listed_ipv4_range_at_its_edges) {
  const std::pair<const char*, const char*> cases[] = {
      {"0.0.0.0", "unspecified"},      {"0.255.255.255", "unspecified"},
      {"127.0.0.1", "loopback"},       {"127.255.255.254", "loopback"},
      {"10.0.0.0", "private"},         {"10.255.255.255", "private"},
      {"172.16.0.1", "private"},       {"172.31.255.255", "private"},
      {"192.168.0.1", "private"},      {"192.168.255.255", "private"},
      {"169.254.169.254", "link-local"}, {"169.254.0.0", "link-local"},
      {"100.64.0.1", "CGNAT"},         {"100.127.255.255", "CGNAT"},
      {"224.0.0.1", "multicast"},      {"239.255.255.255", "multicast"},
      // Just outside each range.
      {"1.0.0.0", "public"},           {"126.255.255.255", "public"},
      {"128.0.0.0", "public"},         {"9.255.255.255", "public"},
      {"11.0.0.0", "public"},          {"172.15.255.255", "public"},
      {"172.32.0.0", "public"},        {"192.167.255.255", "public"},
      {"192.169.0.0", "public"},       {"169.253.255.255", "public"},
      {"169.255.0.0", "public"},       {"100.63.255.255", "public"},
      {"100.128.0.0", "public"},       {"223.255.255.255", "public"},
      {"8.8.8.8", "public"},           {"93.184.216.34", "public"},
  };
  for (const auto& [a, want] : cases) EXPECT_EQ(range_of(a), want) << a;
}

TEST(special_range, every_listed_ipv6_range_and_mapped_ipv4) {
  const std::pair<const char*, const char*> cases[] = {
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"fc00::1", "private"},
      {"fd12:3456:789a::1", "private"},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private"},
      {"fe80::1", "link-local"},
      {"febf:ffff::1", "link-local"},
      {"ff02::1", "multicast"},
      {"ff0e::101", "multicast"},
      // v4-mapped: judged as the IPv4 address it carries.
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:169.254.169.254", "link-local"},
      {"::ffff:10.0.0.1", "private"},
      {"::ffff:100.64.0.1", "CGNAT"},
      {"::ffff:0.0.0.0", "unspecified"},
      {"::ffff:8.8.8.8", "public"},
      // Outside.
      {"::2", "public"},
      {"fbff:ffff::1", "public"},
      {"fe00::1", "public"},
      {"fec0::1", "public"},
      {"2001:db8::1", "public"},
      {"2606:4700:4700::1111", "public"},
  };
  for (const auto& [a, want] : cases) EXPECT_EQ(range_of(a), want) << a;
}

TEST(ip_network, parses_cidr_and_single_addresses) {
  const auto ten = net("10.0.0.0/8");
  EXPECT_TRUE(ten.contains(addr("10.200.1.1")));
  EXPECT_TRUE(ten.contains(addr("::ffff:10.0.0.1")));
  EXPECT_FALSE(ten.contains(addr("11.0.0.0")));
  EXPECT_EQ(to_string(ten), "10.0.0.0/8");
  const auto one = net("127.0.0.1");
  EXPECT_TRUE(one.contains(addr("127.0.0.1")));
  EXPECT_FALSE(one.contains(addr("127.0.0.2")));
  EXPECT_EQ(to_string(one), "127.0.0.1/32");
  const auto ula = net("fc00::/7");
  EXPECT_TRUE(ula.contains(addr("fdff::1")));
  EXPECT_FALSE(ula.contains(addr("fe00::1")));
  EXPECT_EQ(to_string(ula), "fc00::/7");
  EXPECT_TRUE(net("::1/128").contains(addr("::1")));
  EXPECT_FALSE(net("::1/128").contains(addr("127.0.0.1")));
  const auto all4 = net("0.0.0.0/0");
  EXPECT_TRUE(all4.contains(addr("203.0.113.9")));
  EXPECT_FALSE(all4.contains(addr("::1")));
  EXPECT_TRUE(net("::/0").contains(addr("127.0.0.1")));
  EXPECT_TRUE(net("172.16.0.0/12").contains(addr("172.31.0.1")));
  EXPECT_FALSE(net("172.16.0.0/12").contains(addr("172.32.0.1")));
}

TEST(ip_network, bad_networks_say_why) {
  const std::pair<const char*, const char*> cases[] = {
      {"10.0.0.1/8", "the network is 10.0.0.0/8"},
      {"fe80::1/10", "the network is fe80::/10"},
      {"10.0.0.0/33", "from 0 to 32"},
      {"::/129", "from 0 to 128"},
      {"10.0.0.0/", "from 0 to 32"},
      {"10.0.0.0/x", "from 0 to 32"},
      {"10.0.0.0/-1", "from 0 to 32"},
      {"example.com/24", "not an IPv4 or IPv6 address"},
      {"", "not an IPv4 or IPv6 address"},
  };
  for (const auto& [text, want] : cases) {
    std::string why;
    EXPECT_FALSE(parse_ip_network(text, why)) << text;
    EXPECT_NE(why.find(want), std::string::npos) << text << ": " << why;
  }
}

}  // namespace sanctwatch
