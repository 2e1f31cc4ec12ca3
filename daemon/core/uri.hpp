#pragma once
/// URI references split into their parts (RFC 3986 appendix B), for every module that takes
/// links apart by hand: feed/ resolves them against a base, story/ makes them canonical.
/// Views into the text; nothing is decoded or normalized. (http/ asks libcurl instead, which
/// is what decides where a request goes.)

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sanctwatch {

struct uri_parts {
  std::optional<std::string_view> scheme;     ///< without ':'
  std::optional<std::string_view> authority;  ///< without "//"; present when "//" was
  std::string_view path;
  std::optional<std::string_view> query;     ///< without '?'
  std::optional<std::string_view> fragment;  ///< without '#'
};

/// Length of the scheme `s` starts with (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"),
/// without the ':'; 0 when it starts with none.
std::size_t uri_scheme_length(std::string_view s);

/// The five parts of a URI reference, as the regular expression of RFC 3986 appendix B
/// splits it.
uri_parts split_uri(std::string_view s);

/// `url` with the user name and password of its authority (everything before the last '@'
/// in it) replaced by "***", for every place a URL is shown or logged. The user name goes
/// too: alone it is often a token. Returned unchanged when it carries neither.
std::string redact_url(std::string_view url);

/// `url` without its user name, password and their '@': the form to store and show when the
/// credentials travel apart from the URL.
std::string strip_userinfo(std::string_view url);

/// `s` without leading and trailing ASCII whitespace.
std::string_view trim_space(std::string_view s);

}  // namespace sanctwatch
