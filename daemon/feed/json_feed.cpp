// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).
#include <nlohmann/json.hpp>

#include "feed/common.hpp"
#include "feed/url.hpp"
#include "text/html.hpp"

namespace sanctwatch::feed::detail {
namespace {

using json = nlohmann::json;

std::string str(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  const auto it = obj.find(key);
  if (it == obj.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  // Ids are strings in the spec, numbers in some feeds.
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  if (it->is_number_unsigned()) return std::to_string(it->get<std::uint64_t>());
  return {};
}

void add_json_author(const json& a, item& out) {
  if (!a.is_object()) return;
  if (std::string n = collapse(str(a, "name")); !n.empty())
    add_author(out, {std::move(n), {}, collapse(str(a, "url"))});
}

std::string resolve(std::string_view base, const std::string& ref) {
  return ref.empty() ? ref : resolve_url(base, ref);
}

// nlohmann's own DOM builder, except that a syntax error keeps the partial tree instead of
// discarding it, and records the message.
struct recovering_builder : nlohmann::detail::json_sax_dom_parser<json> {
  using base = nlohmann::detail::json_sax_dom_parser<json>;
  using base::base;
  std::string* message = nullptr;
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& ex) {
    *message = ex.what();
    return false;
  }
};

}  // namespace

result<feed_document> parse_json_feed(std::string_view utf8, const parse_options& options,
                                      std::vector<std::string> warnings) {
  // nlohmann's DOM builder keeps everything it built before a syntax error, so a truncated
  // feed still yields its complete items.
  json root;
  bool syntax_ok = true;
  std::string syntax_error;
  {
    recovering_builder sax(root, false);
    sax.message = &syntax_error;
    syntax_ok = json::sax_parse(utf8.begin(), utf8.end(), &sax,
                                nlohmann::json::input_format_t::json, false);
  }
  if (!root.is_object())
    return error{"not_a_feed", syntax_ok ? "JSON that is not an object, not a JSON Feed"
                                         : "neither XML nor valid JSON: " + syntax_error};
  const std::string version = str(root, "version");
  const auto items_it = root.find("items");
  const bool has_items = items_it != root.end() && items_it->is_array();
  if (version.find("jsonfeed.org/version/") == std::string::npos) {
    if (!has_items)
      return error{"not_a_feed",
                   "JSON without a jsonfeed.org version or an items array, not a JSON Feed"};
    warnings.push_back("JSON Feed without a jsonfeed.org version; read as JSON Feed 1.1");
  }
  if (!syntax_ok)
    warnings.push_back("ill-formed JSON (" + syntax_error + "); recovered what came before");

  feed_document doc;
  doc.feed.format = "json1";
  doc.feed.title = collapse(str(root, "title"));
  const std::string feed_url = resolve(options.url, str(root, "feed_url"));
  const std::string base = feed_url.empty() ? options.url : feed_url;
  doc.feed.link = resolve(base, str(root, "home_page_url"));
  doc.feed.id = feed_url;
  doc.feed.description = plain_text(str(root, "description"));

  item feed_authors;  // only its authors and author_details
  add_json_author(root.value("author", json()), feed_authors);
  if (const auto a = root.find("authors"); a != root.end() && a->is_array())
    for (const auto& x : *a) add_json_author(x, feed_authors);

  date_tally dates;
  if (has_items) {
    doc.items.reserve(items_it->size());
    for (const json& j : *items_it) {
      if (!j.is_object()) continue;
      item it;
      it.title = plain_text(str(j, "title"));
      it.link = resolve(base, str(j, "url"));
      if (it.link.empty()) it.link = resolve(base, str(j, "external_url"));
      it.content_html = str(j, "content_html");
      it.content = plain_text(it.content_html);
      if (it.content.empty()) it.content = collapse(str(j, "content_text"));
      it.summary_html = str(j, "summary");
      it.summary = plain_text(it.summary_html);
      if (const std::string d = str(j, "date_published"); !d.empty()) it.published = dates.read(d);
      if (const std::string d = str(j, "date_modified"); !d.empty()) it.updated = dates.read(d);
      add_json_author(j.value("author", json()), it);
      if (const auto a = j.find("authors"); a != j.end() && a->is_array())
        for (const auto& x : *a) add_json_author(x, it);
      if (it.authors.empty()) {
        it.authors = feed_authors.authors;
        it.author_details = feed_authors.author_details;
      }
      if (const auto t = j.find("tags"); t != j.end() && t->is_array())
        for (const auto& x : *t)
          if (x.is_string())
            if (std::string c = collapse(x.get<std::string>()); !c.empty())
              it.categories.push_back(c);
      if (const auto at = j.find("attachments"); at != j.end() && at->is_array())
        for (const auto& x : *at) {
          std::string u = resolve(base, str(x, "url"));
          if (u.empty()) continue;
          std::optional<std::int64_t> len;
          if (const auto s = x.find("size_in_bytes"); s != x.end() && s->is_number_integer())
            len = s->get<std::int64_t>();
          it.enclosures.push_back({std::move(u), str(x, "mime_type"), len});
        }
      it.id = item_id(str(j, "id"), it);
      doc.items.push_back(std::move(it));
    }
  }
  dates.report(warnings);
  doc.warnings = std::move(warnings);
  return doc;
}

}  // namespace sanctwatch::feed::detail
