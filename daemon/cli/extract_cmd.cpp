#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "core/time.hpp"
#include "core/uri.hpp"
#include "extract/extract.hpp"
#include "http/fetch.hpp"

namespace sanctwatch::cli {
namespace {

nlohmann::json nullable(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

nlohmann::json to_json(const extract::candidate& c) {
  return {{"path", c.path},
          {"score", c.score},
          {"text_chars", c.text_chars},
          {"link_density", c.link_density},
          {"note", c.note}};
}

nlohmann::json to_json(const extract::decisions& d) {
  nlohmann::json runners = nlohmann::json::array();
  for (const auto& c : d.runners_up) runners.push_back(to_json(c));
  nlohmann::json sources = nlohmann::json::object();
  for (const auto& [field, source] : d.sources) sources[field] = source;
  return {{"charset", d.charset},
          {"charset_source", d.charset_source},
          {"method", d.method},
          {"chosen", d.chosen.path.empty() ? nlohmann::json() : to_json(d.chosen)},
          {"runners_up", runners},
          {"siblings", d.siblings},
          {"sources", sources},
          {"notes", d.notes},
          {"nodes", d.nodes},
          {"removed", d.removed}};
}

nlohmann::json to_json(const extract::article& a, bool explain) {
  nlohmann::json j = {
      {"title", nullable(a.title)},
      {"byline", nullable(a.byline)},
      {"published", a.published ? nlohmann::json(format_rfc3339(*a.published)) : nlohmann::json()},
      {"site_name", nullable(a.site_name)},
      {"language", nullable(a.language)},
      {"canonical_url", nullable(a.canonical_url)},
      {"paragraphs", a.paragraphs}};
  if (explain) j["decisions"] = to_json(a.why);
  return j;
}

std::string describe(const extract::candidate& c) {
  return c.path + "  score " + fixed(c.score, 1) + ", " + std::to_string(c.text_chars) +
         " chars, link density " + fixed(c.link_density, 2) +
         (c.note.empty() ? "" : " — " + c.note);
}

void print_explain(const extract::decisions& d, std::ostream& out) {
  out << "explain:\n";
  out << "  charset:    " << d.charset << " (" << d.charset_source << ")\n";
  out << "  parsed:     " << d.nodes << " nodes, " << d.removed
      << " subtrees removed as boilerplate or hidden\n";
  out << "  method:     " << d.method << '\n';
  if (!d.chosen.path.empty()) out << "  chosen:     " << describe(d.chosen) << '\n';
  for (const auto& s : d.siblings) out << "  sibling:    " << s << '\n';
  for (const auto& c : d.runners_up) out << "  runner-up:  " << describe(c) << '\n';
  for (const auto& [field, source] : d.sources) {
    std::string label = field + ":";
    label.resize(std::max<std::size_t>(label.size(), 11), ' ');
    out << "  " << label << " from " << source << '\n';
  }
  for (const auto& n : d.notes) out << "  note:       " << n << '\n';
  out << '\n';
}

void print_text(const extract::article& a, bool explain, std::ostream& out) {
  auto field = [&](const char* name, const std::string& v) {
    if (!v.empty()) out << name << v << '\n';
  };
  field("title:     ", a.title);
  field("byline:    ", a.byline);
  field("published: ", a.published ? format_rfc3339(*a.published) : "");
  field("site:      ", a.site_name);
  field("language:  ", a.language);
  field("url:       ", a.canonical_url);
  out << '\n';
  if (explain) print_explain(a.why, out);
  for (const auto& p : a.paragraphs) out << p << "\n\n";
}

bool is_url(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

}  // namespace

int run_extract(const args& a) {
  const std::string format = a.get("--format", "text");
  if (format != "json" && format != "text") {
    std::fprintf(stderr, "sanctwatch extract: --format must be json or text\n");
    return usage_error;
  }
  if (a.positional.size() != 1) {
    std::fprintf(stderr, "sanctwatch extract: give exactly one INPUT (file, http(s) URL or -)\n");
    return usage_error;
  }
  const std::string& input = a.positional.front();
  std::string bytes;
  extract::extract_options opts;
  opts.url = a.get("--url");
  opts.charset = a.get("--charset");
  if (is_url(input)) {
    auto r = http::fetch(input);
    if (!r) {
      std::fprintf(stderr, "sanctwatch extract: %s\n", r.err().message.c_str());
      return usage_error;
    }
    bytes = std::move(r->body);
    if (opts.charset.empty()) opts.charset = r->content_type;  // its charset= parameter, if any
    if (opts.url.empty())
      opts.url = strip_userinfo(r->effective_url.empty() ? input : r->effective_url);
  } else {
    std::string why;
    if (!read_input(input, bytes, why)) {
      std::fprintf(stderr, "sanctwatch extract: %s: %s\n", input.c_str(), why.c_str());
      return usage_error;
    }
  }
  auto article = extract::extract(bytes, opts);
  if (!article) {
    std::fprintf(stderr, "sanctwatch extract: %s: %s\n", redact_url(input).c_str(),
                 article.err().message.c_str());
    return usage_error;
  }
  const bool explain = a.has("--explain");
  if (format == "json")
    std::cout
        << to_json(*article, explain).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
  else
    print_text(*article, explain, std::cout);
  std::cout.flush();
  if (article->paragraphs.empty()) {
    std::fprintf(stderr, "sanctwatch extract: %s: no article text found\n",
                 redact_url(input).c_str());
    return findings;
  }
  return ok;
}

}  // namespace sanctwatch::cli
