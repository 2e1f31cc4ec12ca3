#include "feed/url.hpp"

#include <cctype>
#include <optional>

#include "core/uri.hpp"

namespace sanctwatch::feed {
namespace {

using uri_ref = uri_parts;

// RFC 3986 section 5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      const auto last = out.rfind('/');
      out.resize(last == std::string::npos ? 0 : last);
      if (in.empty()) in = "/";
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const std::size_t start = in[0] == '/' ? 1 : 0;
      const auto next = in.find('/', start);
      const std::size_t n = next == std::string_view::npos ? in.size() : next;
      out.append(in.substr(0, n));
      in.remove_prefix(n);
    }
  }
  return out;
}

// RFC 3986 section 5.2.3.
std::string merge(const uri_ref& base, std::string_view ref_path) {
  if (base.authority && base.path.empty()) return "/" + std::string(ref_path);
  const auto slash = base.path.rfind('/');
  if (slash == std::string_view::npos) return std::string(ref_path);
  return std::string(base.path.substr(0, slash + 1)) + std::string(ref_path);
}

// Whether remove_dot_segments would change the path: a segment that is "." or "..".
bool has_dot_segment(std::string_view path) {
  for (std::size_t at = path.find('.'); at != std::string_view::npos; at = path.find('.', at + 1)) {
    const bool starts = at == 0 || path[at - 1] == '/';
    std::size_t end = at + 1;
    if (end < path.size() && path[end] == '.') ++end;
    if (starts && (end == path.size() || path[end] == '/')) return true;
  }
  return false;
}

}  // namespace

bool has_scheme(std::string_view ref) { return uri_scheme_length(trim_space(ref)) > 0; }

std::string resolve_url(std::string_view base_text, std::string_view ref_text) {
  ref_text = trim_space(ref_text);
  const uri_ref ref = split_uri(ref_text);
  // An absolute reference without dot segments (most links in feeds) is its own result:
  // split and put together again, it gives back the same text.
  if (ref.scheme && !has_dot_segment(ref.path)) return std::string(ref_text);
  base_text = trim_space(base_text);
  const uri_ref base = split_uri(base_text);
  if (ref.scheme || !base.scheme) {
    if (!ref.scheme) return std::string(ref_text);
    // An absolute reference still gets its dot segments removed, as 5.2.2 says.
    uri_ref t = ref;
    std::string path = remove_dot_segments(ref.path);
    std::string out(*t.scheme);
    out += ':';
    if (t.authority) out.append("//").append(*t.authority);
    out += path;
    if (t.query) out.append("?").append(*t.query);
    if (t.fragment) out.append("#").append(*t.fragment);
    return out;
  }

  std::string_view scheme = *base.scheme;
  std::optional<std::string_view> authority;
  std::string path;
  std::optional<std::string_view> query;
  if (ref.authority) {
    authority = ref.authority;
    path = remove_dot_segments(ref.path);
    query = ref.query;
  } else {
    authority = base.authority;
    if (ref.path.empty()) {
      path = std::string(base.path);
      query = ref.query ? ref.query : base.query;
    } else {
      path = ref.path[0] == '/' ? remove_dot_segments(ref.path)
                                : remove_dot_segments(merge(base, ref.path));
      query = ref.query;
    }
  }
  std::string out(scheme);
  out += ':';
  if (authority) out.append("//").append(*authority);
  out += path;
  if (query) out.append("?").append(*query);
  if (ref.fragment) out.append("#").append(*ref.fragment);
  return out;
}

}  // namespace sanctwatch::feed
