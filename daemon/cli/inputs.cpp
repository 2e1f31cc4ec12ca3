#include "cli/inputs.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "cli/command.hpp"
#include "core/time.hpp"
#include "feed/parse.hpp"
#include "text/html.hpp"

namespace sanctwatch::cli {
namespace {

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

std::string trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

// An article file: optional first line "Title: ...", or a "date YYYY-MM-DD" prefix (the seed
// articles' form), then the text.
item article(const std::string& path, std::string bytes, bool html) {
  item it;
  std::string name = path == "-" ? "stdin" : std::filesystem::path(path).filename().string();
  it.id = "article:" + name;
  if (bytes.rfind("\xEF\xBB\xBF", 0) == 0) bytes.erase(0, 3);
  std::size_t nl = bytes.find('\n');
  std::string first = trim(std::string_view(bytes).substr(0, nl));
  if (first.rfind("Title:", 0) == 0) {
    it.title = trim(first.substr(6));
    bytes.erase(0, nl == std::string::npos ? bytes.size() : nl + 1);
  } else if (first.rfind("date ", 0) == 0 && first.size() >= 15) {
    int y = 0, m = 0, d = 0;
    if (std::sscanf(first.c_str() + 5, "%4d-%2d-%2d", &y, &m, &d) == 3) {
      it.published = from_civil(y, m, d, 0, 0, 0);
      std::size_t at = bytes.find(first.substr(0, 15));
      if (at != std::string::npos) bytes.erase(0, at + 15);
    }
  }
  it.content = html ? text::html_to_text(bytes) : trim(bytes);
  return it;
}

bool load_input(const std::string& path, input_items& out, std::string& why) {
  std::string bytes;
  if (!read_input(path, bytes, why)) return false;
  const std::string ext = lower_ext(path);
  out.feed = {"file:" + (path == "-" ? std::string("stdin") : path), "", ""};
  if (ext == ".txt" || ext == ".text") {
    out.items.push_back(article(path, std::move(bytes), false));
    return true;
  }
  if (ext == ".html" || ext == ".htm") {
    out.items.push_back(article(path, std::move(bytes), true));
    return true;
  }
  std::size_t p = bytes.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  while (p < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[p]))) ++p;
  if (p < bytes.size() && (bytes[p] == '<' || bytes[p] == '{')) {
    auto doc = feed::parse(bytes);
    if (doc) {
      out.feed = {doc->feed.id.empty() ? (doc->feed.link.empty() ? out.feed.id : doc->feed.link)
                                       : doc->feed.id,
                  doc->feed.title, doc->feed.link};
      out.items = std::move(doc->items);
      return true;
    }
    if (bytes[p] == '<' && text::looks_like_html(bytes)) {
      out.items.push_back(article(path, std::move(bytes), true));
      return true;
    }
    why = doc.err().message;
    return false;
  }
  out.items.push_back(article(path, std::move(bytes), false));
  return true;
}

}  // namespace sanctwatch::cli
