#include "core/mailbox.hpp"

#include <cctype>

namespace sanctwatch {
namespace {

bool is_atext(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x80 || u <= 0x20 || u == 0x7f) return false;
  return std::string_view("()<>[]:;@\\,.\"").find(c) == std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Why `a` is not an address we send to; empty when it is one.
std::string address_problem(std::string_view a) {
  const auto at = a.rfind('@');
  if (at == std::string_view::npos) return "has no '@'";
  const std::string_view local = a.substr(0, at), domain = a.substr(at + 1);
  if (local.empty()) return "has nothing before the '@'";
  if (local.size() > 64) return "has a local part longer than 64 bytes";
  bool dot_ok = false;  // a dot may not start or end the local part, nor follow a dot
  for (char c : local) {
    if (c == '.') {
      if (!dot_ok) return "has a misplaced '.' before the '@'";
      dot_ok = false;
    } else if (is_atext(c)) {
      dot_ok = true;
    } else {
      return static_cast<unsigned char>(c) >= 0x80
                 ? "has non-ASCII characters (internationalized addresses are not supported)"
                 : "has a character not allowed before the '@' (quoted local parts are not "
                   "supported)";
    }
  }
  if (!dot_ok) return "has a misplaced '.' before the '@'";
  if (domain.empty()) return "has no domain after the '@'";
  if (domain.size() > 255) return "has a domain longer than 255 bytes";
  if (domain.front() == '[') {
    if (domain.back() != ']' || domain.size() < 3) return "has an unclosed address literal";
    for (char c : domain.substr(1, domain.size() - 2))
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':'))
        return "has a bad character in its address literal";
    return {};
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    const char c = i < domain.size() ? domain[i] : '.';
    if (c == '.') {
      if (label == 0 || domain[i - 1] == '-') return "has a bad domain";
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || (c == '-' && label > 0)) {
      if (++label > 63) return "has a domain label longer than 63 bytes";
    } else {
      return static_cast<unsigned char>(c) >= 0x80
                 ? "has non-ASCII characters in its domain (write it in punycode, xn--...)"
                 : "has a bad domain";
    }
  }
  return {};
}

}  // namespace

std::string_view mailbox::domain() const {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string_view() : std::string_view(address).substr(at + 1);
}

result<mailbox> parse_mailbox(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0')
      return error{"bad_address", "an address may not contain line breaks"};
  s = trim(s);
  if (s.empty()) return error{"bad_address", "the address is empty"};
  mailbox m;
  std::string_view addr = s;
  if (s.back() == '>') {
    const auto open = s.rfind('<');
    if (open == std::string_view::npos) return error{"bad_address", "has '>' without '<'"};
    addr = s.substr(open + 1, s.size() - open - 2);
    std::string_view name = trim(s.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      // A quoted display name: backslash escapes its next character.
      name = name.substr(1, name.size() - 2);
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        else if (name[i] == '"') return error{"bad_address", "has a stray '\"' in its name"};
        m.name += name[i];
      }
    } else {
      if (name.find_first_of("<>\"") != std::string_view::npos)
        return error{"bad_address", "has '<', '>' or '\"' in its name (quote the name)"};
      m.name = std::string(name);
    }
  } else if (s.find_first_of("<> \t") != std::string_view::npos) {
    return error{"bad_address", "is not an address, nor a name followed by <address>"};
  }
  if (const std::string why = address_problem(addr); !why.empty())
    return error{"bad_address", "the address " + why};
  m.address = std::string(addr);
  return m;
}

}  // namespace sanctwatch
