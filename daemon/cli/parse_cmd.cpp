#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "core/time.hpp"
#include "core/uri.hpp"
#include "feed/parse.hpp"
#include "http/fetch.hpp"

namespace sanctwatch::cli {
namespace {

nlohmann::json nullable(const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); }

nlohmann::json nullable(const std::optional<timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json();
}

nlohmann::json to_json(const feed_document& doc) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& it : doc.items) {
    nlohmann::json enclosures = nlohmann::json::array();
    for (const auto& e : it.enclosures)
      enclosures.push_back({{"url", e.url},
                            {"type", nullable(e.type)},
                            {"length", e.length ? nlohmann::json(*e.length) : nlohmann::json()}});
    nlohmann::json details = nlohmann::json::array();
    for (const auto& a : it.author_details)
      details.push_back(
          {{"name", nullable(a.name)}, {"email", nullable(a.email)}, {"uri", nullable(a.uri)}});
    items.push_back({{"id", it.id},
                     {"title", nullable(it.title)},
                     {"link", nullable(it.link)},
                     {"published", nullable(it.published)},
                     {"updated", nullable(it.updated)},
                     {"summary", nullable(it.summary)},
                     {"content", nullable(it.content)},
                     {"authors", it.authors},
                     {"author_details", details},
                     {"categories", it.categories},
                     {"enclosures", enclosures}});
  }
  return {{"feed",
           {{"format", doc.feed.format},
            {"title", nullable(doc.feed.title)},
            {"link", nullable(doc.feed.link)},
            {"id", nullable(doc.feed.id)},
            {"description", nullable(doc.feed.description)}}},
          {"items", items},
          {"warnings", doc.warnings}};
}

void print_text(const feed_document& doc) {
  std::printf("%s (%s, %zu items)\n", doc.feed.title.c_str(), doc.feed.format.c_str(),
              doc.items.size());
  if (!doc.feed.link.empty()) std::printf("  %s\n", doc.feed.link.c_str());
  for (const auto& it : doc.items) {
    std::printf("\n* %s\n", it.title.empty() ? "(untitled)" : it.title.c_str());
    if (!it.link.empty()) std::printf("  link:      %s\n", it.link.c_str());
    if (it.published) std::printf("  published: %s\n", format_rfc3339(*it.published).c_str());
    std::printf("  id:        %s\n", it.id.c_str());
    const std::string& text = it.summary.empty() ? it.content : it.summary;
    if (!text.empty()) {
      std::string head = text.substr(0, 200);
      while (!head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0x80) head.pop_back();
      if (!head.empty() && static_cast<unsigned char>(head.back()) >= 0xC0) head.pop_back();
      std::printf("  %s%s\n", head.c_str(), text.size() > 200 ? "…" : "");
    }
  }
  for (const auto& w : doc.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
}

bool is_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0 || s.rfind("file://", 0) == 0;
}

}  // namespace

int run_parse(const args& a) {
  const std::string format = a.get("--format", "json");
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "sanctwatch parse: --format must be json or text\n");
    return usage_error;
  }
  if (a.positional.size() != 1) {
    std::fprintf(stderr, "sanctwatch parse: give exactly one INPUT (file, URL or -)\n");
    return usage_error;
  }
  const std::string& input = a.positional.front();
  std::string bytes;
  feed::parse_options opts;
  if (is_url(input)) {
    auto r = http::fetch(input);
    if (!r) {
      std::fprintf(stderr, "sanctwatch parse: %s\n", r.err().message.c_str());
      return usage_error;
    }
    bytes = std::move(r->body);
    opts.content_type = r->content_type;
    // The base of relative item links, which must not inherit the feed's credentials.
    opts.url = strip_userinfo(r->effective_url.empty() ? input : r->effective_url);
  } else {
    std::string why;
    if (!read_input(input, bytes, why)) {
      std::fprintf(stderr, "sanctwatch parse: %s: %s\n", input.c_str(), why.c_str());
      return usage_error;
    }
  }
  auto doc = feed::parse(bytes, opts);
  if (!doc) {
    std::fprintf(stderr, "sanctwatch parse: %s: %s\n", redact_url(input).c_str(),
                 doc.err().message.c_str());
    return usage_error;
  }
  if (format == "json")
    std::cout << to_json(*doc).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  else
    print_text(*doc);
  return ok;
}

}  // namespace sanctwatch::cli
