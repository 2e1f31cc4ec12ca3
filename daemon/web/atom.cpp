// The Atom 1.0 feed of alerts: one entry per story alert, the evidence in its content, so
// people can follow alerts in the feed reader they already use. Article text is hostile input:
// every piece is escaped for HTML, and the HTML is escaped again as XML text by pugixml.
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/json_fields.hpp"
#include "core/time.hpp"
#include "web/html.hpp"
#include "web/queries.hpp"

namespace sanctwatch::web {
namespace {

using json = nlohmann::json;

// XML 1.0 has no place for control characters other than tab and line breaks: a feed that
// carried one must not make ours unreadable.
std::string xml_text(std::string s) {
  std::erase_if(s, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 && u != '\t' && u != '\n' && u != '\r';
  });
  return s;
}

std::string content_html(const json& doc) {
  std::ostringstream h;
  if (doc.contains("evidence") && doc["evidence"].is_array() && !doc["evidence"].empty()) {
    h << "<blockquote>";
    for (const auto& e : doc["evidence"]) h << "<p>" << evidence_html(e) << "</p>";
    h << "</blockquote>";
  }
  if (doc.contains("rules") && doc["rules"].is_array()) {
    h << "<p>Rules:</p><ul>";
    for (const auto& r : doc["rules"])
      h << "<li>" << escape_html(json_string(r, "title")) << " (" << escape_html(json_string(r, "id")) << ", "
        << escape_html(json_string(r, "severity")) << ")</li>";
    h << "</ul>";
  }
  if (doc.contains("entities") && doc["entities"].is_array() && !doc["entities"].empty()) {
    h << "<p>Entities:</p><ul>";
    for (const auto& e : doc["entities"])
      h << "<li>" << escape_html(json_string(e, "name")) << " (" << escape_html(json_string(e, "list")) << " "
        << escape_html(json_string(e, "id")) << ")</li>";
    h << "</ul>";
  }
  if (doc.contains("sources") && doc["sources"].is_array()) {
    h << "<p>Sources:</p><ul>";
    for (const auto& s : doc["sources"]) {
      const std::string link = json_string(s, "link");
      h << "<li>" << escape_html(json_string(s, "feed"));
      // Only web links become links: a javascript: URL in a feed stays text.
      if (is_web_link(link))
        h << ": <a href=\"" << escape_html(link) << "\">" << escape_html(link) << "</a>";
      h << "</li>";
    }
    h << "</ul>";
  }
  return h.str();
}

}  // namespace

std::string atom_feed(const store::queue_page& page, const std::string& self, timestamp now) {
  pugi::xml_document d;
  auto decl = d.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";
  auto feed = d.append_child("feed");
  feed.append_attribute("xmlns") = "http://www.w3.org/2005/Atom";
  feed.append_child("id").text() = xml_text(self).c_str();
  feed.append_child("title").text() = "sanctwatch alerts";
  auto link = feed.append_child("link");
  link.append_attribute("rel") = "self";
  link.append_attribute("href") = xml_text(self).c_str();
  timestamp newest = page.rows.empty() ? now : page.rows.front().updated_at;
  for (const auto& r : page.rows) newest = std::max(newest, r.updated_at);
  feed.append_child("updated").text() = format_rfc3339(newest).c_str();
  feed.append_child("author").append_child("name").text() = "sanctwatch";
  feed.append_child("generator").text() = "sanctwatch";
  for (const auto& r : page.rows) {
    const json doc = json::parse(r.document, nullptr, false);
    auto e = feed.append_child("entry");
    e.append_child("id").text() = ("urn:sanctwatch:alert:" + r.id).c_str();
    std::string level = severity_name(r.severity);
    for (auto& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string title = "[" + level + "] " + r.headline + (r.silenced ? " (silenced)" : "");
    e.append_child("title").text() = xml_text(title).c_str();
    e.append_child("published").text() = format_rfc3339(r.created_at).c_str();
    e.append_child("updated").text() = format_rfc3339(r.updated_at).c_str();
    if (is_web_link(r.link)) {
      auto l = e.append_child("link");
      l.append_attribute("rel") = "alternate";
      l.append_attribute("href") = xml_text(r.link).c_str();
    }
    for (const auto& t : r.tags)
      e.append_child("category").append_attribute("term") = xml_text(t).c_str();
    auto content = e.append_child("content");
    content.append_attribute("type") = "html";
    content.text() = xml_text(content_html(doc)).c_str();
  }
  std::ostringstream out;
  d.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace sanctwatch::web
