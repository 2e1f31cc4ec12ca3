#include "sinks/chat_sink.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sinks/alert_reading.hpp"
#include "sinks/webhook_sink.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

// Caps on what one message shows; the rest is counted ("… 3 more").
constexpr std::size_t max_evidence = 3;  // the document's own cap; schema 1 had one per word
constexpr std::size_t max_entities = 10;
constexpr std::size_t max_sources = 5;
constexpr std::size_t max_title = 200;  // bytes of a title before escaping
// Bytes of an evidence sentence before escaping: the engine clips to about 300 characters,
// which multi-byte scripts make up to three times as many bytes.
constexpr std::size_t max_sentence = 700;
const std::string ellipsis = "\xe2\x80\xa6";
const std::string dot = " \xc2\xb7 ";

std::string cap(std::string_view s, std::size_t max = max_title) { return truncate_utf8(s, max); }

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

std::string upper(std::string_view v) {
  std::string s(v);
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string sev(const alert_reading& a) { return std::string(to_string(a.level)); }

// The item's title: what the story is. A document without one falls back to its headline rule.
std::string headline(const alert_reading& a) {
  if (!a.item_title.empty()) return cap(a.item_title);
  if (!a.rules.empty()) return cap(a.rules.front().title.empty() ? a.rules.front().id : a.rules.front().title);
  return "(untitled)";
}

// "🟠 [HIGH] <headline>", as plain text.
std::string plain_headline(const alert_reading& a) {
  return std::string(severity_icon(a.level)) + " [" + upper(sev(a)) + "] " + headline(a);
}

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

// Text from feeds in Slack mrkdwn. Slack escapes only & < >; it has no backslash escape, so
// a '*', '_', '~' or '`' in a headline would pair up into bold, italics, strike-through or
// code. Look-alikes (∗ ˍ ∼ ˋ) read the same and format nothing.
std::string slack_text(std::string_view s) {
  std::string out;
  for (char c : slack_escape(s)) {
    switch (c) {
      case '*':
        out += "\xe2\x88\x97";
        break;
      case '_':
        out += "\xcb\x8d";
        break;
      case '~':
        out += "\xe2\x88\xbc";
        break;
      case '`':
        out += "\xcb\x8b";
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

// One output dialect: how text is escaped, how a match is made bold, what a code span takes.
struct dialect {
  std::function<std::string(std::string_view)> escape;
  std::string bold_open, bold_close;
  /// Inside a code span nothing formats and backslashes are literal (CommonMark); Slack still
  /// wants & < > as entities there.
  std::function<std::string(std::string_view)> code_escape;

  std::string bold(std::string_view text) const {
    // Markers hugging whitespace do not render in either dialect: keep spaces outside.
    std::size_t b = 0, e = text.size();
    while (b < e && text[b] == ' ') ++b;
    while (e > b && text[e - 1] == ' ') --e;
    if (b == e) return escape(text);
    return escape(text.substr(0, b)) + bold_open + escape(text.substr(b, e - b)) + bold_close +
           escape(text.substr(e));
  }

  /// An evidence sentence with its marked words in bold, the rest escaped.
  std::string runs(const evidence_sentence& s) const {
    std::string out;
    if (!s.field.empty() && s.field != "content") out += escape(s.field) + ": ";
    for (const auto& r : s.runs) out += r.marked ? bold(r.text) : escape(r.text);
    return out;
  }

  std::string code(std::string_view s) const {
    std::string v = cap(s);
    std::erase(v, '`');
    return "`" + (code_escape ? code_escape(v) : v) + "`";
  }
};

// "Title A `rule.a`; Title B `rule.b`": the rules the sink's filter passes, on one line.
std::string rules_line(const alert_reading& a, const dialect& d, std::size_t max) {
  std::vector<std::string> parts;
  for (const auto& r : a.rules)
    parts.push_back(r.title.empty() ? d.code(r.id) : d.escape(cap(r.title)) + " " + d.code(r.id));
  return join_fitting(parts, max, "; ");
}

std::string entity_line(const entity_reading& e, const dialect& d) {
  std::string s = d.escape(cap(e.name.empty() ? e.matched : e.name));
  std::string detail = e.id.empty() ? e.list : e.id;
  const auto add = [&](const std::string& x) { detail += (detail.empty() ? "" : "; ") + x; };
  if (!e.type.empty()) add(e.type);
  std::string progs;
  for (const auto& p : e.programs) progs += (progs.empty() ? "" : ", ") + p;
  if (!progs.empty()) add(progs);
  if (e.ambiguous) add("ambiguous");
  if (!detail.empty()) s += " (" + d.escape(cap(detail)) + ")";
  if (!e.matched.empty() && e.matched != e.name)
    s += " as \xe2\x80\x9c" + d.escape(cap(e.matched)) + "\xe2\x80\x9d";
  return s;
}

// Markdown link, or plain escaped text when the URL is not a web URL (no javascript:).
std::string md_link(std::string_view text, std::string_view url, const dialect& d) {
  const std::string t = d.escape(cap(text.empty() ? url : text));
  if (!is_web_url(url)) return t;
  return "[" + t + "](" + safe_url(url) + ")";
}

std::string slack_link(std::string_view text, std::string_view url) {
  const std::string t = slack_text(cap(text.empty() ? url : text));
  if (!is_web_url(url)) return t;
  return "<" + slack_escape(safe_url(url)) + "|" + t + ">";
}

std::vector<std::string> take(const std::vector<std::string>& all, std::size_t max) {
  std::vector<std::string> out(all.begin(), all.begin() + std::min(all.size(), max));
  if (all.size() > max) out.push_back(ellipsis + " " + std::to_string(all.size() - max) + " more");
  return out;
}

// "Also reported by 3 other outlets: a, b, c" (the links the document lists, capped).
std::string also_reported(const alert_reading& a, const dialect& d, std::size_t max,
                          const std::function<std::string(const source_reading&)>& link) {
  std::vector<std::string> so;
  for (const auto& s : a.others) so.push_back(link(s));
  std::string head = d.bold_open + "Also reported by " +
                     count_of(a.others_total, "other outlet", "other outlets") + d.bold_close;
  if (so.empty()) return head;
  return head + ": " + join_fitting(take(so, max_sources), max - std::min(max, head.size() + 2), ", ");
}

// "Severity high · Wire · 2024-06-01"
std::string meta_line(const alert_reading& a, const dialect& d) {
  std::string m = "Severity " + d.bold_open + sev(a) + d.bold_close;
  if (!a.feed_title.empty()) m += dot + d.escape(cap(a.feed_title));
  if (!a.date.empty()) m += dot + d.escape(a.date);
  return m;
}

std::string update_line(const alert_reading& a, const dialect& d) {
  return d.bold_open + "Update:" + d.bold_close + " " + d.escape(cap(update_text(*a.update), 1000));
}

// ---- Slack: Block Kit, with `text` as the notification and fallback.
std::string render_slack(const alert_reading& a) {
  const dialect d{slack_text, "*", "*", slack_escape};
  const auto section = [](std::string text) {
    return json{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", std::move(text)}}}};
  };
  json blocks = json::array();
  // An update says so first: people have seen this story before.
  if (a.update) blocks.push_back(section(update_line(a, d)));
  // Header blocks are plain_text (no escaping) and at most 150 characters.
  blocks.push_back(
      {{"type", "header"},
       {"text", {{"type", "plain_text"}, {"text", cap(plain_headline(a), 150)}, {"emoji", true}}}});
  std::vector<std::string> intro = {"*" + slack_link(a.item_title, a.item_link) + "*",
                                    meta_line(a, d)};
  if (!a.rules.empty()) intro.push_back("*Rules:* " + rules_line(a, d, 2000));
  blocks.push_back(section(join_fitting(intro, 3000)));
  std::vector<std::string> ev;
  for (const auto& e : a.evidence) ev.push_back("> " + d.runs(e));
  if (!ev.empty()) blocks.push_back(section(join_fitting(take(ev, max_evidence), 3000)));
  std::vector<std::string> en;
  for (const auto& e : a.entities) en.push_back("\xe2\x80\xa2 " + entity_line(e, d));
  if (!en.empty())
    blocks.push_back(section("*Entities*\n" + join_fitting(take(en, max_entities), 2980)));
  if (a.others_total > 0)
    blocks.push_back(
        {{"type", "context"},
         {"elements",
          json::array({{{"type", "mrkdwn"},
                        {"text", also_reported(a, d, 2900, [](const source_reading& s) {
                           return slack_link(s.feed, s.link);
                         })}}})}});
  blocks.push_back(
      {{"type", "context"},
       {"elements", json::array({{{"type", "mrkdwn"}, {"text", "sanctwatch alert " + d.code(a.id)}}})}});
  std::string text = "[" + upper(sev(a)) + "] ";
  if (a.update) text += "Update: " + slack_text(cap(update_text(*a.update), 1000)) + " \xe2\x80\x94 ";
  text += slack_link(headline(a), a.item_link);
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

std::string render_discord(const alert_reading& a) {
  const dialect d{markdown_escape, "**", "**", {}};
  // Limits are in characters; bytes are never fewer, so counting bytes stays inside them.
  std::string content = std::string(severity_icon(a.level)) + " **[" + upper(sev(a)) + "]** ";
  content += a.update ? update_line(a, d) : markdown_escape(headline(a));
  content = cap(content, 2000);
  json embed = {{"color", discord_color(a.level)}};
  // Embed titles are shown as they are (no Markdown), and link to the article.
  const std::string title = cap(headline(a), 256);
  embed["title"] = title;
  if (is_web_url(a.item_link) && a.item_link.size() <= 2048) embed["url"] = a.item_link;
  json fields = json::array();
  std::size_t used = title.size();
  const auto add_field = [&](std::string name, std::string value, bool inline_field) {
    value = cap(value, 1024);
    used += name.size() + value.size();
    fields.push_back(
        {{"name", std::move(name)}, {"value", std::move(value)}, {"inline", inline_field}});
  };
  if (!a.rules.empty()) add_field("Rules", rules_line(a, d, 1024), false);
  add_field("Severity", sev(a), true);
  if (!a.feed_title.empty()) add_field("Feed", markdown_escape(cap(a.feed_title)), true);
  if (!a.date.empty()) add_field("Published", markdown_escape(a.date), true);
  std::vector<std::string> en;
  for (const auto& e : a.entities) en.push_back("\xe2\x80\xa2 " + entity_line(e, d));
  if (!en.empty()) add_field("Entities", join_fitting(take(en, max_entities), 1024), false);
  if (a.others_total > 0) {
    std::vector<std::string> so;
    for (const auto& s : a.others) so.push_back(md_link(s.feed, s.link, d));
    add_field("Also reported by " + count_of(a.others_total, "other outlet", "other outlets"),
              so.empty() ? std::string("\xe2\x80\x94") : join_fitting(take(so, max_sources), 1024, ", "),
              false);
  }
  embed["fields"] = fields;
  const std::string footer = "sanctwatch alert " + cap(a.id, 100);
  embed["footer"] = {{"text", footer}};
  used += footer.size();
  if (!a.created_at.empty()) embed["timestamp"] = a.created_at;
  std::vector<std::string> ev;
  for (const auto& e : a.evidence) ev.push_back("> " + d.runs(e));
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
std::string render_mattermost(const alert_reading& a) {
  const dialect d{mattermost_escape, "**", "**", {}};
  std::vector<std::string> lines;
  if (a.update) lines.push_back(update_line(a, d));
  lines.push_back("#### " + std::string(severity_icon(a.level)) + " [" + upper(sev(a)) + "] " +
                  md_link(headline(a), a.item_link, d));
  std::string meta = meta_line(a, d);
  if (!a.rules.empty()) meta += "\n**Rules:** " + rules_line(a, d, 4000);
  lines.push_back(meta);
  std::vector<std::string> ev;
  for (const auto& e : a.evidence) ev.push_back("> " + d.runs(e));
  if (!ev.empty()) lines.push_back(join_fitting(take(ev, max_evidence), 8000, "\n>\n"));
  std::vector<std::string> en;
  for (const auto& e : a.entities) en.push_back("- " + entity_line(e, d));
  if (!en.empty()) lines.push_back("**Entities**\n" + join_fitting(take(en, max_entities), 4000));
  if (a.others_total > 0)
    lines.push_back(also_reported(a, d, 2000, [&](const source_reading& s) {
      return md_link(s.feed, s.link, d);
    }));
  lines.push_back("sanctwatch alert " + d.code(a.id));
  // A post holds at most 16383 characters.
  return json{{"text", join_fitting(lines, 16000, "\n\n")}}.dump();
}

// ---- Teams: a Workflows-style message with one Adaptive Card (Office 365 connector
// MessageCards are retired; Workflows webhooks accept this shape).
std::string render_teams(const alert_reading& a) {
  const dialect d{markdown_escape, "**", "**", {}};
  const auto text_block = [](std::string text) {
    return json{{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
  };
  const bool loud = a.level >= sanctwatch::severity::high;
  json body = json::array();
  if (a.update) {
    json u = text_block(update_line(a, d));
    u["color"] = "Accent";
    body.push_back(u);
  }
  json head = text_block(markdown_escape(plain_headline(a)));
  head["weight"] = "Bolder";
  head["size"] = "Medium";
  head["color"] = loud                                      ? "Attention"
                  : a.level == sanctwatch::severity::medium ? "Warning"
                                                            : "Default";
  body.push_back(head);
  if (is_web_url(a.item_link)) body.push_back(text_block(md_link(headline(a), a.item_link, d)));
  // FactSet values are shown as plain text.
  json facts = json::array();
  if (!a.rules.empty()) {
    std::vector<std::string> rl;
    for (const auto& r : a.rules)
      rl.push_back(r.title.empty() ? cap(r.id) : cap(r.title) + " (" + cap(r.id) + ")");
    facts.push_back({{"title", "Rules"}, {"value", join_fitting(rl, 2000, "; ")}});
  }
  facts.push_back({{"title", "Severity"}, {"value", sev(a)}});
  if (!a.feed_title.empty()) facts.push_back({{"title", "Feed"}, {"value", cap(a.feed_title)}});
  if (!a.date.empty()) facts.push_back({{"title", "Published"}, {"value", a.date}});
  body.push_back({{"type", "FactSet"}, {"facts", facts}});
  std::size_t shown = 0;
  for (const auto& e : a.evidence) {
    if (shown++ == max_evidence) {
      body.push_back(text_block(ellipsis + " " +
                                std::to_string(a.evidence.size() - max_evidence) + " more"));
      break;
    }
    json b = text_block(d.runs(e));
    b["separator"] = true;
    body.push_back(b);
  }
  std::vector<std::string> en;
  for (const auto& e : a.entities) en.push_back("- " + entity_line(e, d));
  if (!en.empty())
    body.push_back(text_block("**Entities**\n\n" + join_fitting(take(en, max_entities), 4000)));
  if (a.others_total > 0)
    body.push_back(text_block(also_reported(a, d, 2000, [&](const source_reading& s) {
      return md_link(s.feed, s.link, d);
    })));
  json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"msteams", {{"width", "Full"}}},
               {"body", body}};
  if (is_web_url(a.item_link))
    card["actions"] = json::array(
        {{{"type", "Action.OpenUrl"}, {"title", "Open article"}, {"url", a.item_link}}});
  const std::string summary =
      (a.update ? "Update: " : "") + std::string("[") + upper(sev(a)) + "] " + headline(a);
  return json{
      {"type", "message"},
      {"summary", cap(summary, 250)},
      {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                    {"contentUrl", nullptr},
                                    {"content", card}}})}}
      .dump();
}

// ---- Digests: a period's alerts in one message, one section per headline rule.
constexpr std::size_t max_digest_groups = 20;

using link_fn = std::function<std::string(std::string_view text, std::string_view url)>;

std::string digest_title(const digest_reading& r) {
  return "sanctwatch digest: " + digest_counts(r);
}

// "🟠 *[HIGH]* <headline, linked> · Wire · Update: now also …"
std::string digest_line(const digest_entry_reading& e, const dialect& d, const link_fn& link) {
  const alert_reading& a = e.alert;
  std::string s = std::string(severity_icon(a.level)) + " " + d.bold_open + "[" + upper(sev(a)) +
                  "]" + d.bold_close + " " + link(headline(a), a.item_link);
  if (!a.feed_title.empty()) s += dot + d.escape(cap(a.feed_title));
  if (const std::string note = digest_note(e); !note.empty()) s += dot + d.escape(cap(note, 1000));
  return s;
}

// "*Firm designated* `sanc.designation` — 3 alerts"; the id in parentheses where code spans
// do not render (Teams cards, Discord field names).
std::string digest_head(const digest_group& g, const dialect& d, bool code_ids = true) {
  const std::string id = code_ids ? d.code(g.rule.id) : "(" + d.escape(cap(g.rule.id)) + ")";
  const std::string rule =
      g.rule.title.empty() ? id
                           : d.bold_open + d.escape(cap(g.rule.title)) + d.bold_close + " " + id;
  return rule + " \xe2\x80\x94 " + count_of(g.entries.size(), "alert", "alerts");
}

// One group's lines within `max` bytes, each after `bullet`.
std::string digest_lines(const digest_group& g, const dialect& d, const link_fn& link,
                         const std::string& bullet, std::size_t max) {
  std::vector<std::string> lines;
  for (const auto& e : g.entries) lines.push_back(bullet + digest_line(e, d, link));
  return join_fitting(lines, max);
}

// "… 3 more rules (7 alerts)" for the groups past the cap.
std::string more_groups(const digest_reading& r, std::size_t shown) {
  std::size_t alerts = 0;
  for (std::size_t i = shown; i < r.groups.size(); ++i) alerts += r.groups[i].entries.size();
  return ellipsis + " " + count_of(r.groups.size() - shown, "more rule", "more rules") + " (" +
         count_of(alerts, "alert", "alerts") + ")";
}

// The groups' sections, each built by `section` within the room it is given (at most
// `per_group` bytes), all of them within `budget`; stops at max_digest_groups or when the room
// left would not hold a useful section.
std::vector<std::string> digest_sections(
    const digest_reading& r, std::size_t per_group, std::size_t budget,
    const std::function<std::string(const digest_group&, std::size_t room)>& section) {
  std::vector<std::string> out;
  std::size_t used = 0;
  for (const auto& g : r.groups) {
    if (out.size() == max_digest_groups) break;
    const std::size_t room = std::min(per_group, budget - std::min(budget, used));
    if (room < 300) break;
    out.push_back(section(g, room));
    used += out.back().size();
  }
  return out;
}

std::string render_slack_digest(const digest_reading& r) {
  const dialect d{slack_text, "*", "*", slack_escape};
  const link_fn link = [](std::string_view t, std::string_view u) { return slack_link(t, u); };
  const auto context = [](std::string text) {
    return json{{"type", "context"},
                {"elements", json::array({{{"type", "mrkdwn"}, {"text", std::move(text)}}})}};
  };
  const std::string period = digest_period(r);
  json blocks = json::array();
  blocks.push_back(
      {{"type", "header"},
       {"text",
        {{"type", "plain_text"},
         {"text", cap(std::string(severity_icon(r.level)) + " " + digest_title(r), 150)},
         {"emoji", true}}}});
  if (!period.empty()) blocks.push_back(context(slack_text(period)));
  // A section holds 3000 characters; the message stays short enough to read.
  const auto sections =
      digest_sections(r, 3000, 12000, [&](const digest_group& g, std::size_t room) {
        const std::string head = digest_head(g, d);
        return head + "\n" + digest_lines(g, d, link, "", room - std::min(room, head.size() + 1));
      });
  for (const auto& text : sections)
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}});
  const std::size_t shown = sections.size();
  if (shown < r.groups.size()) blocks.push_back(context(more_groups(r, shown)));
  blocks.push_back(context("sanctwatch digest " + d.code(r.id)));
  const std::string text = "[" + upper(to_string(r.level)) + "] " + slack_text(digest_title(r)) +
                           (period.empty() ? "" : " \xe2\x80\x94 " + slack_text(period));
  return json{{"text", text}, {"blocks", blocks}}.dump();
}

std::string render_discord_digest(const digest_reading& r) {
  const dialect d{markdown_escape, "**", "**", {}};
  const link_fn link = [&](std::string_view t, std::string_view u) { return md_link(t, u, d); };
  const std::string period = digest_period(r);
  std::string content =
      std::string(severity_icon(r.level)) + " **" + markdown_escape(digest_title(r)) + "**";
  if (!period.empty()) content += " \xe2\x80\x94 " + markdown_escape(period);
  json embed = {{"color", discord_color(r.level)}, {"title", cap(digest_title(r), 256)}};
  const std::string footer = "sanctwatch digest " + cap(r.id, 100);
  embed["footer"] = {{"text", footer}};
  if (!r.period_end.empty()) embed["timestamp"] = r.period_end;
  if (!period.empty()) embed["description"] = markdown_escape(period);
  // Field names are plain text; 25 fields at most, and all of an embed's text under 6000.
  std::size_t used = embed["title"].get<std::string>().size() + footer.size() + period.size() * 2;
  const dialect plain{[](std::string_view s) { return std::string(s); }, "", "", {}};
  json fields = json::array();
  std::size_t shown = 0;
  for (; shown < r.groups.size() && shown < max_digest_groups; ++shown) {
    const std::string name = cap(digest_head(r.groups[shown], plain, false), 256);
    const std::size_t room =
        std::min<std::size_t>(1024, 5800 - std::min<std::size_t>(5800, used + name.size()));
    if (room < 200) break;
    const std::string value = digest_lines(r.groups[shown], d, link, "", room);
    used += name.size() + value.size();
    fields.push_back({{"name", name}, {"value", value}, {"inline", false}});
  }
  if (shown < r.groups.size())
    fields.push_back({{"name", "More"}, {"value", more_groups(r, shown)}, {"inline", false}});
  embed["fields"] = fields;
  return json{{"content", cap(content, 2000)},
              {"embeds", json::array({embed})},
              {"allowed_mentions", {{"parse", json::array()}}}}
      .dump();
}

std::string render_mattermost_digest(const digest_reading& r) {
  const dialect d{mattermost_escape, "**", "**", {}};
  const link_fn link = [&](std::string_view t, std::string_view u) { return md_link(t, u, d); };
  const std::string period = digest_period(r);
  std::vector<std::string> parts = {"#### " + std::string(severity_icon(r.level)) + " " +
                                    d.escape(digest_title(r)) +
                                    (period.empty() ? "" : "\n" + d.escape(period))};
  // A post holds 16383 characters: the groups get 15000 of them.
  const auto sections = digest_sections(
      r, 4000, 15000 - std::min<std::size_t>(14000, parts[0].size()),
      [&](const digest_group& g, std::size_t room) {
        const std::string head = digest_head(g, d);
        return head + "\n" + digest_lines(g, d, link, "- ", room - std::min(room, head.size() + 1));
      });
  parts.insert(parts.end(), sections.begin(), sections.end());
  const std::size_t shown = sections.size();
  if (shown < r.groups.size()) parts.push_back(more_groups(r, shown));
  parts.push_back("sanctwatch digest " + d.code(r.id));
  return json{{"text", join_fitting(parts, 16000, "\n\n")}}.dump();
}

std::string render_teams_digest(const digest_reading& r) {
  const dialect d{markdown_escape, "**", "**", {}};
  const link_fn link = [&](std::string_view t, std::string_view u) { return md_link(t, u, d); };
  const auto text_block = [](std::string text) {
    return json{{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
  };
  const std::string period = digest_period(r);
  json body = json::array();
  json head =
      text_block(markdown_escape(std::string(severity_icon(r.level)) + " " + digest_title(r)));
  head["weight"] = "Bolder";
  head["size"] = "Medium";
  head["color"] = r.level >= sanctwatch::severity::high     ? "Attention"
                  : r.level == sanctwatch::severity::medium ? "Warning"
                                                            : "Default";
  body.push_back(head);
  if (!period.empty()) body.push_back(text_block(markdown_escape(period)));
  // A Teams message carries about 28 KB: the groups' lists get 16000 bytes of it.
  std::size_t shown = 0;
  const auto lists = digest_sections(r, 2000, 16000, [&](const digest_group& g, std::size_t room) {
    return digest_lines(g, d, link, "- ", room);
  });
  for (; shown < lists.size(); ++shown) {
    json g = text_block(digest_head(r.groups[shown], d, false));
    g["separator"] = true;
    body.push_back(g);
    body.push_back(text_block(lists[shown]));
  }
  if (shown < r.groups.size()) body.push_back(text_block(more_groups(r, shown)));
  body.push_back(text_block("sanctwatch digest " + markdown_escape(cap(r.id, 100))));
  json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"msteams", {{"width", "Full"}}},
               {"body", body}};
  return json{
      {"type", "message"},
      {"summary", cap("[" + upper(to_string(r.level)) + "] " + digest_title(r), 250)},
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

result<std::string> render_chat(chat_service service, const alert_view& a,
                                const std::vector<fired_rule>& shown) {
  auto doc = read_alert(a, shown, max_sentence);
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

result<std::string> render_chat_digest(chat_service service, const alert_view& d,
                                       const shown_fn& shown) {
  auto r = read_digest(d, shown, max_sentence);
  if (!r) return r.err();
  switch (service) {
    case chat_service::slack:
      return render_slack_digest(*r);
    case chat_service::discord:
      return render_discord_digest(*r);
    case chat_service::mattermost:
      return render_mattermost_digest(*r);
    case chat_service::teams:
      return render_teams_digest(*r);
  }
  return error{"bad_service", "unknown chat service"};
}

std::string render_chat_list(chat_service service, const alert_view& a) {
  const std::string head = std::string(severity_icon(a.level)) + " " + a.item_title;
  std::string body = a.text;
  // The first line of the text is the summary the head already shows.
  if (const auto nl = body.find('\n'); nl != std::string::npos) body = body.substr(nl + 1);
  else body.clear();
  switch (service) {
    case chat_service::slack:
      return json{{"text", cap(slack_escape(head + (body.empty() ? "" : "\n" + body)), 3000)}}
          .dump();
    case chat_service::discord:
      return json{{"content", cap(markdown_escape(head + (body.empty() ? "" : "\n" + body)), 2000)}}
          .dump();
    case chat_service::mattermost:
      return json{{"text", cap(markdown_escape(head + (body.empty() ? "" : "\n" + body)), 16000)}}
          .dump();
    case chat_service::teams: {
      json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                   {"type", "AdaptiveCard"},
                   {"version", "1.4"},
                   {"body", json::array({{{"type", "TextBlock"},
                                          {"text", markdown_escape(head)},
                                          {"weight", "Bolder"},
                                          {"wrap", true}},
                                         {{"type", "TextBlock"},
                                          {"text", markdown_escape(cap(body, 20000))},
                                          {"wrap", true}}})}};
      return json{{"type", "message"},
                  {"summary", cap(head, 250)},
                  {"attachments",
                   json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                 {"contentUrl", nullptr},
                                 {"content", card}}})}}
          .dump();
    }
  }
  return {};
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
  // People read only the rules this sink asked for, in a digest too.
  auto body = a.list_event ? result<std::string>(render_chat_list(settings_.service, a))
               : a.digest ? render_chat_digest(settings_.service, a,
                                            [this](const alert_view& v) { return shown_rules(v); })
                       : render_chat(settings_.service, a, shown_rules(a));
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
