#pragma once
/// RFC 3986 reference resolution, for feed links relative to xml:base, the channel link or
/// the URL the feed came from. Pure string work: no normalization beyond what section 5.2
/// asks for, no percent-decoding, no network.

#include <string>
#include <string_view>

namespace sanctwatch::feed {

/// True when `ref` starts with a scheme ("https:", "mailto:", "urn:").
bool has_scheme(std::string_view ref);

/// Resolves `ref` against `base` as in RFC 3986 section 5.2.2 (with dot-segment removal).
/// Leading/trailing whitespace of `ref` is ignored. An empty or scheme-less `base` cannot
/// resolve anything: `ref` is returned as given (trimmed), so a relative link stays relative
/// rather than becoming something invented.
std::string resolve_url(std::string_view base, std::string_view ref);

}  // namespace sanctwatch::feed
