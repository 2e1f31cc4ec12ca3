#include "service/opml.hpp"

#include <pugixml.hpp>

#include <cctype>
#include <set>

#include "core/uri.hpp"

namespace sanctwatch::service {

std::string slug(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.substr(0, 64);
}

result<std::vector<opml_feed>> parse_opml(std::string_view bytes) {
  pugi::xml_document doc;
  const auto r = doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_default, pugi::encoding_auto);
  if (!r) return error{"bad_opml", std::string("not valid XML: ") + r.description() + " at byte " +
                                       std::to_string(r.offset)};
  auto root = doc.child("opml");
  if (!root) return error{"bad_opml", "no <opml> root element"};
  std::vector<opml_feed> out;
  std::set<std::string> ids;
  for (const auto& x : root.select_nodes("//outline[@xmlUrl]")) {
    const auto n = x.node();
    opml_feed f;
    f.url = n.attribute("xmlUrl").value();
    f.title = n.attribute("title").value();
    if (f.title.empty()) f.title = n.attribute("text").value();
    std::string base = slug(f.title.empty() ? strip_userinfo(f.url) : f.title);
    if (base.empty()) base = "feed";
    f.id = base;
    for (int i = 2; !ids.insert(f.id).second; ++i) f.id = base + "-" + std::to_string(i);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace sanctwatch::service
