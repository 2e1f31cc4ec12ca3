#include "sinks/chat_sink.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sinks/webhook_sink.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

// Caps on what one message shows; the rest is counted ("… 3 more").
constexpr std::size_t max_evidence = 5;
constexpr std::size_t max_entities = 10;
constexpr std::size_t max_sources = 5;
constexpr std::size_t max_title = 200;    // bytes of a title before escaping
constexpr std::size_t max_snippet = 400;  // bytes of a snippet before escaping
const std::string ellipsis = "\xe2\x80\xa6";

struct evidence {
  std::string field, text, snippet;
};
struct entity {
  std::string name, matched, list;
  std::vector<std::string> programs;
  bool ambiguous = false;
};
struct source {
  std::string feed, link;
};

// What a message shows, read from the document with the routing view as a fallback.
struct alert_doc {
  std::string id, rule_id, rule_title, severity, item_title, item_link, feed_title, created_at;
  sanctwatch::severity level = sanctwatch::severity::info;
  std::vector<evidence> evidence_list;
  std::vector<entity> entities;
  std::vector<source> sources;
};

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return {};
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

result<alert_doc> parse(const alert_view& a) {
  const json j = json::parse(a.document, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return error{"bad_alert", "alert " + a.id + ": document is not a JSON object"};
  alert_doc d;
  d.id = str(j, "id").empty() ? a.id : str(j, "id");
  const json rule = j.value("rule", json::object());
  d.rule_id = str(rule, "id").empty() ? a.rule_id : str(rule, "id");
  d.rule_title = str(rule, "title").empty() ? a.rule_title : str(rule, "title");
  d.level = parse_severity(str(rule, "severity")).value_or(a.level);
  d.severity = std::string(to_string(d.level));
  const json item = j.value("item", json::object());
  d.item_title = str(item, "title").empty() ? a.item_title : str(item, "title");
  d.item_link = str(item, "link").empty() ? a.item_link : str(item, "link");
  d.feed_title = str(item.value("feed", json::object()), "title");
  d.created_at = str(j, "created_at");
  if (const auto ev = j.find("evidence"); ev != j.end() && ev->is_array())
    for (const auto& e : *ev)
      d.evidence_list.push_back({str(e, "field"), str(e, "text"), str(e, "snippet")});
  if (const auto en = j.find("entities"); en != j.end() && en->is_array())
    for (const auto& e : *en) {
      entity x{str(e, "name"), str(e, "matched"), str(e, "list"), {}, false};
      if (const auto p = e.find("programs"); e.is_object() && p != e.end() && p->is_array())
        for (const auto& prog : *p)
          if (prog.is_string()) x.programs.push_back(prog.get<std::string>());
      if (e.is_object()) x.ambiguous = e.value("ambiguous", false);
      d.entities.push_back(std::move(x));
    }
  // `sources` lists every outlet of the story, this item's own first: "also reported by"
  // shows the others.
  const std::string feed_id = str(item.value("feed", json::object()), "id");
  if (const auto so = j.find("sources"); so != j.end() && so->is_array())
    for (const auto& s : *so) {
      source x{str(s, "feed"), str(s, "link")};
      const bool self =
          x.link.empty() ? !feed_id.empty() && x.feed == feed_id : x.link == d.item_link;
      if (!self) d.sources.push_back(std::move(x));
    }
  return d;
}

// Cuts at a UTF-8 boundary so the result stays valid JSON text, with an ellipsis when cut.
std::string truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  if (max < ellipsis.size()) return {};
  std::size_t cut = max - ellipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + ellipsis;
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s;
}

// Joins rendered lines while they fit in `max` bytes. Whole lines only, so no markup is cut
// in half; a lone line too long for the budget is cut as text (rare: inputs are capped).
std::string join_fitting(const std::vector<std::string>& lines, std::size_t max,
                         const std::string& sep = "\n") {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t need = (out.empty() ? 0 : sep.size()) + lines[i].size();
    if (out.size() + need > max) {
      if (out.empty()) return truncate_utf8(lines[i], max);
      const std::string more = sep + ellipsis + " " + std::to_string(lines.size() - i) + " more";
      if (out.size() + more.size() <= max) out += more;
      return out;
    }
    if (!out.empty()) out += sep;
    out += lines[i];
  }
  return out;
}

bool is_web_url(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

// Characters that would end or confuse a link target in Markdown or Slack's <url|text>.
std::string safe_url(std::string_view url) {
  std::string out;
  for (char c : url) {
    switch (c) {
      case ' ':
        out += "%20";
        break;
      case '(':
        out += "%28";
        break;
      case ')':
        out += "%29";
        break;
      case '<':
        out += "%3C";
        break;
      case '>':
        out += "%3E";
        break;
      case '|':
        out += "%7C";
        break;
      case '"':
        out += "%22";
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
    }
  }
  return out;
}

std::string_view severity_icon(sanctwatch::severity s) {
  switch (s) {
    case sanctwatch::severity::info:
      return "\xe2\x9a\xaa";  // white circle
    case sanctwatch::severity::low:
      return "\xf0\x9f\x94\xb5";  // blue circle
    case sanctwatch::severity::medium:
      return "\xf0\x9f\x9f\xa1";  // yellow circle
    case sanctwatch::severity::high:
      return "\xf0\x9f\x9f\xa0";  // orange circle
    case sanctwatch::severity::critical:
      return "\xf0\x9f\x94\xb4";  // red circle
  }
  return "";
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// One output dialect: how text is escaped and how a match is made bold.
struct dialect {
  std::function<std::string(std::string_view)> escape;
  std::string bold_open, bold_close;

  std::string bold(std::string_view text) const {
    // Markers hugging whitespace do not render in either dialect: keep spaces outside.
    std::size_t b = 0, e = text.size();
    while (b < e && text[b] == ' ') ++b;
    while (e > b && text[e - 1] == ' ') --e;
    if (b == e) return escape(text);
    return escape(text.substr(0, b)) + bold_open + escape(text.substr(b, e - b)) + bold_close +
           escape(text.substr(e));
  }
};

std::string slack_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that
// start formatting, links, headings, quotes or tables in Discord, Mattermost and Teams.
std::string markdown_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\*_~`|>#[]()<").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Mattermost notifies on @channel, @all, @here and @user even inside escaped text; a
// zero-width space after the @ keeps the text readable and silent.
std::string mattermost_escape(std::string_view s) {
  std::string out;
  for (char c : markdown_escape(s)) {
    out += c;
    if (c == '@') out += "\xe2\x80\x8b";
  }
  return out;
}

std::size_t ifind(std::string_view hay, std::string_view needle) {
  if (needle.empty() || needle.size() > hay.size()) return std::string_view::npos;
  const auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  const auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                              [&](char x, char y) { return lower(x) == lower(y); });
  return it == hay.end() ? std::string_view::npos : static_cast<std::size_t>(it - hay.begin());
}

// The snippet with its matched text in bold; when the snippet does not contain the match
// (or there is no snippet) the match is shown after it.
std::string highlighted(const evidence& e, const dialect& d) {
  const std::string snippet = one_line(truncate_utf8(e.snippet, max_snippet));
  const std::string text = one_line(truncate_utf8(e.text, max_title));
  if (snippet.empty()) return d.bold(text);
  const std::size_t at = ifind(snippet, text);
  if (at == std::string::npos)
    return d.escape(snippet) + (text.empty() ? "" : " (" + d.bold(text) + ")");
  return d.escape(std::string_view(snippet).substr(0, at)) +
         d.bold(std::string_view(snippet).substr(at, text.size())) +
         d.escape(std::string_view(snippet).substr(at + text.size()));
}

std::string entity_line(const entity& e, const dialect& d) {
  std::string s = d.escape(one_line(truncate_utf8(e.name.empty() ? e.matched : e.name, max_title)));
  std::string detail = e.list;
  if (!e.programs.empty()) {
    std::string progs;
    for (const auto& p : e.programs) progs += (progs.empty() ? "" : ", ") + p;
    detail += (detail.empty() ? "" : ": ") + progs;
  }
  if (e.ambiguous) detail += detail.empty() ? "ambiguous" : "; ambiguous";
  if (!detail.empty()) s += " (" + d.escape(one_line(truncate_utf8(detail, max_title))) + ")";
  return s;
}

// Markdown link, or plain escaped text when the URL is not a web URL (no javascript:).
std::string md_link(std::string_view text, std::string_view url, const dialect& d) {
  const std::string t = d.escape(one_line(truncate_utf8(text.empty() ? url : text, max_title)));
  if (!is_web_url(url)) return t;
  return "[" + t + "](" + safe_url(url) + ")";
}

std::string slack_link(std::string_view text, std::string_view url) {
  const std::string t = slack_escape(one_line(truncate_utf8(text.empty() ? url : text, max_title)));
  if (!is_web_url(url)) return t;
  return "<" + slack_escape(safe_url(url)) + "|" + t + ">";
}

std::string code(std::string s) {
  std::erase(s, '`');
  return "`" + one_line(truncate_utf8(s, max_title)) + "`";
}

std::vector<std::string> take(const std::vector<std::string>& all, std::size_t max) {
  std::vector<std::string> out(all.begin(), all.begin() + std::min(all.size(), max));
  if (all.size() > max) out.push_back(ellipsis + " " + std::to_string(all.size() - max) + " more");
  return out;
}

std::string headline(const alert_doc& d) {
  return std::string(severity_icon(d.level)) + " [" + upper(d.severity) + "] " +
         one_line(truncate_utf8(d.rule_title.empty() ? d.rule_id : d.rule_title, max_title));
}

// ---- Slack: Block Kit, with `text` as the notification and fallback.
std::string render_slack(const alert_doc& a) {
  const dialect d{slack_escape, "*", "*"};
  json blocks = json::array();
  // Header blocks are plain_text (no escaping) and at most 150 characters.
  blocks.push_back(
      {{"type", "header"},
       {"text",
        {{"type", "plain_text"}, {"text", truncate_utf8(headline(a), 150)}, {"emoji", true}}}});
  std::string intro = "*" + slack_link(a.item_title, a.item_link) + "*\nRule " +
                      slack_escape(code(a.rule_id)) + " \xc2\xb7 severity *" + a.severity + "*";
  if (!a.feed_title.empty())
    intro += " \xc2\xb7 " + slack_escape(one_line(truncate_utf8(a.feed_title, max_title)));
  blocks.push_back(
      {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", truncate_utf8(intro, 3000)}}}});
  std::vector<std::string> ev;
  for (const auto& e : a.evidence_list) ev.push_back("> " + highlighted(e, d));
  if (!ev.empty())
    blocks.push_back(
        {{"type", "section"},
         {"text", {{"type", "mrkdwn"}, {"text", join_fitting(take(ev, max_evidence), 3000)}}}});
  std::vector<std::string> en;
  for (const auto& e : a.entities) en.push_back("\xe2\x80\xa2 " + entity_line(e, d));
  if (!en.empty())
    blocks.push_back({{"type", "section"},
                      {"text",
                       {{"type", "mrkdwn"},
                        {"text", "*Entities*\n" + join_fitting(take(en, max_entities), 2980)}}}});
  std::vector<std::string> so;
  for (const auto& s : a.sources) so.push_back(slack_link(s.feed, s.link));
  if (!so.empty())
    blocks.push_back(
        {{"type", "context"},
         {"elements",
          json::array({{{"type", "mrkdwn"},
                        {"text", "Also reported by: " +
                                     join_fitting(take(so, max_sources), 2900, ", ")}}})}});
  blocks.push_back(
      {{"type", "context"},
       {"elements", json::array({{{"type", "mrkdwn"},
                                  {"text", "sanctwatch alert " + slack_escape(code(a.id))}}})}});
  const std::string text = "[" + upper(a.severity) + "] " +
                           slack_escape(one_line(truncate_utf8(
                               a.rule_title.empty() ? a.rule_id : a.rule_title, max_title))) +
                           " \xe2\x80\x94 " + slack_link(a.item_title, a.item_link);
  return json{{"text", text}, {"blocks", blocks}}.dump();
}

// ---- Discord: a short `content` line plus one embed.
int discord_color(sanctwatch::severity s) {
  switch (s) {
    case sanctwatch::severity::info:
      return 0x95A5A6;
    case sanctwatch::severity::low:
      return 0x3498DB;
    case sanctwatch::severity::medium:
      return 0xF1C40F;
    case sanctwatch::severity::high:
      return 0xE67E22;
    case sanctwatch::severity::critical:
      return 0xE74C3C;
  }
  return 0;
}

std::string render_discord(const alert_doc& a) {
  const dialect d{markdown_escape, "**", "**"};
  // Limits are in characters; bytes are never fewer, so counting bytes stays inside them.
  const std::string content = truncate_utf8(
      std::string(severity_icon(a.level)) + " **[" + upper(a.severity) + "]** " +
          markdown_escape(
              one_line(truncate_utf8(a.rule_title.empty() ? a.rule_id : a.rule_title, max_title))),
      2000);
  json embed = {{"color", discord_color(a.level)}};
  const std::string title = truncate_utf8(
      one_line(a.item_title.empty() ? (a.rule_title.empty() ? a.rule_id : a.rule_title)
                                    : a.item_title),
      256);
  embed["title"] = title;
  if (is_web_url(a.item_link) && a.item_link.size() <= 2048) embed["url"] = a.item_link;
  json fields = json::array();
  std::size_t used = title.size();
  const auto add_field = [&](std::string name, std::string value, bool inline_field) {
    value = truncate_utf8(value, 1024);
    used += name.size() + value.size();
    fields.push_back(
        {{"name", std::move(name)}, {"value", std::move(value)}, {"inline", inline_field}});
  };
  add_field("Rule", code(a.rule_id), true);
  add_field("Severity", a.severity, true);
  if (!a.feed_title.empty())
    add_field("Feed", markdown_escape(one_line(truncate_utf8(a.feed_title, max_title))), true);
  std::vector<std::string> en;
  for (const auto& e : a.entities) en.push_back("\xe2\x80\xa2 " + entity_line(e, d));
  if (!en.empty()) add_field("Entities", join_fitting(take(en, max_entities), 1024), false);
  std::vector<std::string> so;
  for (const auto& s : a.sources) so.push_back(md_link(s.feed, s.link, d));
  if (!so.empty())
    add_field("Also reported by", join_fitting(take(so, max_sources), 1024, ", "), false);
  embed["fields"] = fields;
  const std::string footer = "sanctwatch alert " + truncate_utf8(a.id, 100);
  embed["footer"] = {{"text", footer}};
  used += footer.size();
  if (!a.created_at.empty()) embed["timestamp"] = a.created_at;
  std::vector<std::string> ev;
  for (const auto& e : a.evidence_list) ev.push_back("> " + highlighted(e, d));
  // All of an embed's text together must stay under 6000 characters.
  const std::size_t room = used < 6000 ? std::min<std::size_t>(4096, 6000 - used) : 0;
  if (!ev.empty() && room > 0) embed["description"] = join_fitting(take(ev, max_evidence), room);
  // Alert text quoting "@everyone" must not ping anyone.
  return json{{"content", content},
              {"embeds", json::array({embed})},
              {"allowed_mentions", {{"parse", json::array()}}}}
      .dump();
}

// ---- Mattermost: one Markdown `text`.
std::string render_mattermost(const alert_doc& a) {
  const dialect d{mattermost_escape, "**", "**"};
  std::vector<std::string> lines;
  lines.push_back("#### " + std::string(severity_icon(a.level)) + " [" + upper(a.severity) + "] " +
                  mattermost_escape(one_line(
                      truncate_utf8(a.rule_title.empty() ? a.rule_id : a.rule_title, max_title))));
  lines.push_back("**" + md_link(a.item_title, a.item_link, d) + "**");
  std::string meta = "Rule " + code(a.rule_id) + " \xc2\xb7 severity **" + a.severity + "**";
  if (!a.feed_title.empty())
    meta += " \xc2\xb7 " + mattermost_escape(one_line(truncate_utf8(a.feed_title, max_title)));
  lines.push_back(meta);
  std::vector<std::string> ev;
  for (const auto& e : a.evidence_list) ev.push_back("> " + highlighted(e, d));
  if (!ev.empty()) lines.push_back(join_fitting(take(ev, max_evidence), 8000));
  std::vector<std::string> en;
  for (const auto& e : a.entities) en.push_back("- " + entity_line(e, d));
  if (!en.empty()) lines.push_back("**Entities**\n" + join_fitting(take(en, max_entities), 4000));
  std::vector<std::string> so;
  for (const auto& s : a.sources) so.push_back(md_link(s.feed, s.link, d));
  if (!so.empty())
    lines.push_back("**Also reported by:** " + join_fitting(take(so, max_sources), 2000, ", "));
  lines.push_back("sanctwatch alert " + code(a.id));
  // A post holds at most 16383 characters.
  return json{{"text", join_fitting(lines, 16000, "\n\n")}}.dump();
}

// ---- Teams: a Workflows-style message with one Adaptive Card (Office 365 connector
// MessageCards are retired; Workflows webhooks accept this shape).
std::string render_teams(const alert_doc& a) {
  const dialect d{markdown_escape, "**", "**"};
  const auto text_block = [](std::string text) {
    return json{{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
  };
  const bool loud = a.level >= sanctwatch::severity::high;
  json body = json::array();
  json head = text_block(markdown_escape(headline(a)));
  head["weight"] = "Bolder";
  head["size"] = "Medium";
  head["color"] = loud                                      ? "Attention"
                  : a.level == sanctwatch::severity::medium ? "Warning"
                                                            : "Default";
  body.push_back(head);
  body.push_back(text_block("**" + md_link(a.item_title, a.item_link, d) + "**"));
  json facts =
      json::array({{{"title", "Rule"}, {"value", one_line(truncate_utf8(a.rule_id, max_title))}},
                   {{"title", "Severity"}, {"value", a.severity}}});
  if (!a.feed_title.empty())
    facts.push_back(
        {{"title", "Feed"}, {"value", one_line(truncate_utf8(a.feed_title, max_title))}});
  body.push_back({{"type", "FactSet"}, {"facts", facts}});
  std::size_t shown = 0;
  for (const auto& e : a.evidence_list) {
    if (shown++ == max_evidence) {
      body.push_back(text_block(ellipsis + " " +
                                std::to_string(a.evidence_list.size() - max_evidence) + " more"));
      break;
    }
    json b = text_block(highlighted(e, d));
    b["isSubtle"] = false;
    b["separator"] = true;
    body.push_back(b);
  }
  std::vector<std::string> en;
  for (const auto& e : a.entities) en.push_back("- " + entity_line(e, d));
  if (!en.empty())
    body.push_back(text_block("**Entities**\n\n" + join_fitting(take(en, max_entities), 4000)));
  std::vector<std::string> so;
  for (const auto& s : a.sources) so.push_back(md_link(s.feed, s.link, d));
  if (!so.empty())
    body.push_back(
        text_block("**Also reported by:** " + join_fitting(take(so, max_sources), 2000, ", ")));
  json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"msteams", {{"width", "Full"}}},
               {"body", body}};
  if (is_web_url(a.item_link))
    card["actions"] = json::array(
        {{{"type", "Action.OpenUrl"}, {"title", "Open article"}, {"url", a.item_link}}});
  return json{
      {"type", "message"},
      {"summary", one_line(truncate_utf8(headline(a), 250))},
      {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                    {"contentUrl", nullptr},
                                    {"content", card}}})}}
      .dump();
}

// Discord states its delay in the body ("retry_after", seconds, fractional) and in
// X-RateLimit-Reset-After; use them when a 429 comes without Retry-After.
std::optional<std::chrono::seconds> fallback_retry_after(const http::response& r) {
  double secs = -1;
  if (const auto j = json::parse(r.body, nullptr, false); j.is_object())
    if (const auto it = j.find("retry_after"); it != j.end() && it->is_number())
      secs = it->get<double>();
  if (secs < 0)
    if (const std::string h = r.header("x-ratelimit-reset-after"); !h.empty()) {
      try {
        secs = std::stod(h);
      } catch (const std::exception&) {
      }
    }
  if (secs < 0 || !std::isfinite(secs) || secs > 86400) return std::nullopt;
  return std::chrono::seconds{static_cast<long long>(std::ceil(secs))};
}

}  // namespace

std::string_view to_string(chat_service s) {
  switch (s) {
    case chat_service::slack:
      return "slack";
    case chat_service::discord:
      return "discord";
    case chat_service::mattermost:
      return "mattermost";
    case chat_service::teams:
      return "teams";
  }
  return "slack";
}

std::optional<chat_service> parse_chat_service(std::string_view s) {
  for (auto v :
       {chat_service::slack, chat_service::discord, chat_service::mattermost, chat_service::teams})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

result<std::string> render_chat(chat_service service, const alert_view& a) {
  auto doc = parse(a);
  if (!doc) return doc.err();
  switch (service) {
    case chat_service::slack:
      return render_slack(*doc);
    case chat_service::discord:
      return render_discord(*doc);
    case chat_service::mattermost:
      return render_mattermost(*doc);
    case chat_service::teams:
      return render_teams(*doc);
  }
  return error{"bad_service", "unknown chat service"};
}

chat_sink::chat_sink(std::string name, filter f, chat_settings settings, http::client& client,
                     steady_clock_fn clock)
    : sink(std::move(name), std::move(f)),
      settings_(std::move(settings)),
      client_(client),
      clock_(clock ? std::move(clock)
                   : steady_clock_fn([] { return std::chrono::steady_clock::now(); })) {
  if (settings_.url.empty())
    throw std::invalid_argument("chat sink '" + this->name() + "': no url");
}

void chat_sink::deliver(const alert_view& a, done_fn done) {
  const auto now = clock_();
  if (now < hold_->until) {
    auto left = std::chrono::ceil<std::chrono::seconds>(hold_->until - now);
    outcome o =
        outcome::retry(std::string(to_string(settings_.service)) +
                           " rate limit: holding back for " + std::to_string(left.count()) + " s",
                       429);
    o.retry_after = left;
    return done(std::move(o));
  }
  auto body = render_chat(settings_.service, a);
  if (!body) return done(outcome::dead(body.err().message));

  http::request req;
  req.url = settings_.url;
  req.method = http::method::post;
  req.timeout = settings_.timeout;
  req.max_redirects = 0;
  req.max_body = 64 * 1024;
  req.accept_encoding = "identity";
  req.body = std::move(*body);
  req.headers.emplace_back("Content-Type", "application/json");
  for (const auto& h : settings_.headers) req.headers.push_back(h);

  // The token is the URL's path: hide it even where an error names only the path.
  std::vector<std::string> hide;
  if (const auto scheme = settings_.url.find("://"); scheme != std::string::npos)
    if (const auto path = settings_.url.find('/', scheme + 3);
        path != std::string::npos && settings_.url.size() - path > 1)
      hide.push_back(settings_.url.substr(path));
  client_.start(std::move(req),
                [done = std::move(done), url = settings_.url, hide = std::move(hide), hold = hold_,
                 clock = clock_](http::response r) {
                  outcome o = http_outcome(r, url, hide);
                  if (o.status == 429 && !o.retry_after) o.retry_after = fallback_retry_after(r);
                  if (o.status == 429) {
                    const auto wait = o.retry_after.value_or(std::chrono::seconds{1});
                    hold->until = std::max(hold->until, clock() + wait);
                  }
                  done(std::move(o));
                });
}

}  // namespace sanctwatch::sinks
