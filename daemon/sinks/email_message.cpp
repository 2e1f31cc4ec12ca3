#include "sinks/email_message.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "sinks/signing.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

// Caps on what one message shows; the rest is counted ("… 3 more").
constexpr std::size_t max_evidence = 10;
constexpr std::size_t max_entities = 20;
constexpr std::size_t max_sources = 20;
constexpr std::size_t max_title = 300;    // bytes of a title or name
constexpr std::size_t max_snippet = 600;  // bytes of a snippet
const std::string ellipsis = "\xe2\x80\xa6";
const std::string dash = " \xe2\x80\x94 ";

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return {};
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json obj(const json& o, const char* key) {
  if (!o.is_object()) return json::object();
  const auto it = o.find(key);
  return it != o.end() && it->is_object() ? *it : json::object();
}

json arr(const json& o, const char* key) {
  if (!o.is_object()) return json::array();
  const auto it = o.find(key);
  return it != o.end() && it->is_array() ? *it : json::array();
}

// Cut at a UTF-8 boundary, with an ellipsis when cut.
std::string truncate_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t cut = max - std::min(max, ellipsis.size());
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + ellipsis;
}

// One line of text: line breaks, tabs and other control characters become spaces (a title
// with a line break must not end the Subject header, nor a list item).
std::string one_line(std::string_view s, std::size_t max) {
  std::string out = truncate_utf8(s, max);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_web_url(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
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
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A link when the URL is a web URL (never javascript: or data:), else the escaped text.
std::string html_link(std::string_view text, std::string_view url) {
  const std::string t = html_escape(one_line(text.empty() ? url : text, max_title));
  if (!is_web_url(url)) return t;
  return "<a href=\"" + html_escape(one_line(url, 2048)) + "\">" + t + "</a>";
}

std::size_t ifind(std::string_view hay, std::string_view needle) {
  if (needle.empty() || needle.size() > hay.size()) return std::string_view::npos;
  const auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  const auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                              [&](char x, char y) { return lower(x) == lower(y); });
  return it == hay.end() ? std::string_view::npos : static_cast<std::size_t>(it - hay.begin());
}

std::string more(std::size_t n) { return ellipsis + " " + std::to_string(n) + " more"; }

// "2026-11-22T10:15:03Z" (what the engine writes), or nothing.
std::optional<std::chrono::sys_seconds> parse_time(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  char z = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 ||
      z != 'Z')
    return std::nullopt;
  return from_civil(y, mo, d, h, mi, se);
}

// RFC 2047 encoded-words for `text`, the first within `first` bytes of its line and the
// rest on continuation lines of their own.
std::string encoded_words(std::string_view text, std::size_t first) {
  const auto encode = [](std::string_view bytes) {
    return "=?UTF-8?B?" + signing::base64_encode(bytes) + "?=";
  };
  std::string out;
  std::size_t room = first;
  while (!text.empty()) {
    // 12 bytes of "=?UTF-8?B?" and "?="; every 3 bytes of text take 4.
    std::size_t take = room > 12 ? (room - 12) / 4 * 3 : 0;
    take = std::min(take, text.size());
    while (take < text.size() && take > 0 &&
           (static_cast<unsigned char>(text[take]) & 0xC0) == 0x80)
      --take;
    if (take == 0) take = std::min<std::size_t>(text.size(), 3);  // a line too short: go on
    if (!out.empty()) out += "\r\n ";
    out += encode(text.substr(0, take));
    text.remove_prefix(take);
    room = 75;  // 78 less the folding space, less a margin for a following ',' or '>'
  }
  return out;
}

bool plain_words(std::string_view text) {
  if (text.find("=?") != std::string_view::npos) return false;  // would read as encoded
  std::size_t word = 0;
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
    word = c == ' ' ? 0 : word + 1;
    if (word > 70) return false;  // cannot be folded
  }
  return text.empty() || (text.front() != ' ' && text.back() != ' ');
}

// Folds ASCII words onto lines of at most 78 bytes, `used` bytes of the first one taken.
std::string fold_words(std::string_view text, std::size_t used) {
  std::string out;
  std::size_t line = used;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    const std::string_view word = text.substr(pos, end - pos);
    if (pos > 0) {
      if (line + 1 + word.size() > 78) {
        out += "\r\n";
        line = 0;
      }
      out += ' ';
      ++line;
    }
    out += word;
    line += word.size();
    pos = end + (end < text.size() ? 1 : 0);
  }
  return out;
}

// A display name or phrase for a From or To header: as it is when it is plain words,
// quoted when it has specials, encoded-words when it is not ASCII.
std::string phrase(std::string_view name, std::size_t used) {
  bool ascii = true, specials = false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || u < 0x20 || u == 0x7f) ascii = false;
    else if (std::string_view("()<>[]:;@\\,.\"").find(c) != std::string_view::npos) specials = true;
  }
  if (!ascii || name.size() > 60) return encoded_words(name, 75 > used ? 75 - used : 0);
  if (!specials) return std::string(name);
  std::string q = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string mailbox_text(const mailbox& m, std::size_t used) {
  if (m.name.empty()) return m.address;
  const std::string name = phrase(m.name, used);
  const auto last_line = name.rfind('\n');
  const std::size_t line = last_line == std::string::npos ? used + name.size() : name.size() - last_line - 1;
  // The address goes on a line of its own when it would make this one too long.
  return name + (line + 2 + m.address.size() + 1 > 78 ? "\r\n <" : " <") + m.address + ">";
}

std::string address_list(const std::vector<mailbox>& to, std::size_t used) {
  std::string out;
  std::size_t line = used;
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (i > 0) {
      out += ',';
      ++line;
      // The next one on a line of its own, where it is long or the line is full.
      const std::size_t guess = to[i].address.size() + to[i].name.size() + 4;
      if (line + 1 + guess > 78) {
        out += "\r\n";
        line = 0;
      }
      out += ' ';
      ++line;
    }
    const std::string m = mailbox_text(to[i], line);
    out += m;
    const auto nl = m.rfind('\n');
    line = nl == std::string::npos ? line + m.size() : m.size() - nl - 1;
  }
  return out;
}

// Characters a Message-ID's left side may hold (dot-atom text); others become '-'.
std::string id_part(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool atext = u > 0x20 && u < 0x7f &&
                       std::string_view("()<>[]:;@\\,\"").find(c) == std::string_view::npos;
    out += atext ? c : '-';
  }
  return out;
}

}  // namespace

std::string header_field(std::string_view name, std::string_view text) {
  const std::string head = std::string(name) + ": ";
  if (plain_words(text)) return head + fold_words(text, head.size());
  return head + encoded_words(text, 76 - head.size());
}

std::string quoted_printable(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string cur;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      const auto u = static_cast<unsigned char>(c);
      const bool last = i + 1 == line.size();
      std::string piece;
      // Literal: printable ASCII but '='; blanks unless they end the line (transports may
      // strip trailing blanks); a '.' that starts a line is encoded, which spares relays
      // that mishandle dot-stuffing.
      if ((u >= 33 && u <= 126 && c != '=' && !(c == '.' && cur.empty())) ||
          ((c == ' ' || c == '\t') && !last))
        piece = std::string(1, c);
      else
        piece = {'=', hex[u >> 4], hex[u & 15]};
      if (cur.size() + piece.size() > 75) {  // room for the soft break's '='
        out += cur + "=\r\n";
        cur.clear();
        if (piece == ".") piece = "=2E";
      }
      cur += piece;
    }
    out += cur;
    if (end == text.size()) break;
    out += "\r\n";
    pos = end + 1;
  }
  return out;
}

std::string rfc5322_date(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = floor<std::chrono::days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                days[weekday{day}.c_encoding()], static_cast<unsigned>(ymd.day()),
                months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string email_message_id(std::string_view alert_id, int revision, std::string_view domain) {
  std::string id = "<sanctwatch." + id_part(alert_id);
  if (revision > 0) id += "-" + std::to_string(revision);
  return id + "@" + (domain.empty() ? std::string("sanctwatch.invalid") : id_part(domain)) + ">";
}

// The one reader of the alert document for email: a field added, renamed or moved in the
// document changes this function and nothing else.
result<email_content> render_email(const alert_view& a) {
  const json j = json::parse(a.document, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return error{"bad_alert", "alert " + a.id + ": document is not a JSON object"};
  const json rule = obj(j, "rule"), item = obj(j, "item"), feed = obj(item, "feed");
  const std::string id = str(j, "id").empty() ? a.id : str(j, "id");
  const std::string rule_id = str(rule, "id").empty() ? a.rule_id : str(rule, "id");
  const std::string rule_title = str(rule, "title").empty() ? a.rule_title : str(rule, "title");
  const std::string severity(to_string(parse_severity(str(rule, "severity")).value_or(a.level)));
  std::vector<std::string> tags;
  for (const auto& t : arr(rule, "tags"))
    if (t.is_string()) tags.push_back(t.get<std::string>());
  const std::string title = one_line(
      str(item, "title").empty() ? (a.item_title.empty() ? rule_title : a.item_title)
                                 : str(item, "title"),
      max_title);
  const std::string link = str(item, "link").empty() ? a.item_link : str(item, "link");
  const std::string feed_title = one_line(str(feed, "title"), max_title);
  const std::string published = str(item, "published");
  const int revision = j.value("revision", 0) > 0 ? j.value("revision", 0) : a.revision;

  email_content out;
  out.subject = "[" + upper(severity) + "] " + (title.empty() ? rule_id : title);
  out.time = parse_time(revision > 0 && !str(j, "updated_at").empty() ? str(j, "updated_at")
                                                                      : str(j, "created_at"));

  std::string t, h;  // the text and HTML parts
  h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(out.subject) +
      "</title></head>\n<body style=\"font-family: sans-serif\">\n";
  t += "[" + upper(severity) + "] " + one_line(rule_title.empty() ? rule_id : rule_title, max_title) +
       "\n\n" + title + "\n";
  h += "<p><strong>[" + html_escape(upper(severity)) + "]</strong> " +
       html_escape(one_line(rule_title.empty() ? rule_id : rule_title, max_title)) + "</p>\n";
  h += "<h2>" + html_link(title, link) + "</h2>\n";
  if (!link.empty()) t += one_line(link, 2048) + "\n";
  if (revision > 0) {
    const std::string note = "Update " + std::to_string(revision) +
                             ": the story was reported again (" +
                             std::to_string(j.value("sources_total", 0)) + " sources).";
    t += "\n" + note + "\n";
    h += "<p><em>" + html_escape(note) + "</em></p>\n";
  }

  std::vector<std::pair<std::string, std::string>> facts = {
      {"Rule", rule_id + (rule_title.empty() ? "" : dash + one_line(rule_title, max_title))},
      {"Severity", severity}};
  std::string tag_list;
  for (const auto& tag : tags) tag_list += (tag_list.empty() ? "" : ", ") + one_line(tag, 100);
  if (!tag_list.empty()) facts.emplace_back("Tags", tag_list);
  if (!feed_title.empty()) facts.emplace_back("Feed", feed_title);
  if (!published.empty()) facts.emplace_back("Published", one_line(published, 64));
  t += "\n";
  h += "<table>\n";
  for (const auto& [k, v] : facts) {
    t += k + ":" + std::string(11 - k.size(), ' ') + v + "\n";
    h += "<tr><th align=\"left\">" + k + "</th><td>" + html_escape(v) + "</td></tr>\n";
  }
  h += "</table>\n";

  // Evidence: the sentence that fired, with the matched words in bold in HTML.
  const json evidence = arr(j, "evidence");
  if (!evidence.empty()) {
    t += "\nEvidence\n";
    h += "<h3>Evidence</h3>\n";
  }
  for (std::size_t i = 0; i < evidence.size(); ++i) {
    if (i == max_evidence) {
      t += "  " + more(evidence.size() - i) + "\n";
      h += "<p>" + html_escape(more(evidence.size() - i)) + "</p>\n";
      break;
    }
    const std::string field = one_line(str(evidence[i], "field"), 40);
    const std::string text = one_line(str(evidence[i], "text"), max_title);
    const std::string snippet = one_line(str(evidence[i], "snippet"), max_snippet);
    const std::string shown = snippet.empty() ? text : snippet;
    t += "  " + (field.empty() ? "" : field + ": ") + "\"" + shown + "\"";
    if (!text.empty() && text != shown) t += " (matched: " + text + ")";
    t += "\n";
    std::string hl;
    if (const std::size_t at = ifind(shown, text); at != std::string::npos)
      hl = html_escape(shown.substr(0, at)) + "<strong>" +
           html_escape(shown.substr(at, text.size())) + "</strong>" +
           html_escape(shown.substr(at + text.size()));
    else
      hl = html_escape(shown) + (text.empty() ? "" : " (<strong>" + html_escape(text) + "</strong>)");
    h += "<blockquote>" + (field.empty() ? "" : "<em>" + html_escape(field) + ":</em> ") + hl +
         "</blockquote>\n";
  }

  const json entities = arr(j, "entities");
  if (!entities.empty()) {
    t += "\nEntities\n";
    h += "<h3>Entities</h3>\n<ul>\n";
  }
  for (std::size_t i = 0; i < entities.size(); ++i) {
    if (i == max_entities) {
      t += "  " + more(entities.size() - i) + "\n";
      h += "<li>" + html_escape(more(entities.size() - i)) + "</li>\n";
      break;
    }
    const json& e = entities[i];
    const std::string name = one_line(str(e, "name").empty() ? str(e, "matched") : str(e, "name"), max_title);
    std::string detail = str(e, "list");
    std::string programs;
    for (const auto& p : arr(e, "programs"))
      if (p.is_string()) programs += (programs.empty() ? "" : ", ") + p.get<std::string>();
    if (!programs.empty()) detail += (detail.empty() ? "" : ": ") + programs;
    if (e.is_object() && e.value("ambiguous", false))
      detail += detail.empty() ? "ambiguous" : "; ambiguous";
    const std::string matched = one_line(str(e, "matched"), max_title);
    if (!matched.empty() && matched != name)
      detail += (detail.empty() ? "" : "; ") + std::string("as \"") + matched + "\"";
    detail = one_line(detail, max_title);
    t += "  - " + name + (detail.empty() ? "" : " (" + detail + ")") + "\n";
    h += "<li>" + html_escape(name) + (detail.empty() ? "" : " (" + html_escape(detail) + ")") +
         "</li>\n";
  }
  if (!entities.empty()) h += "</ul>\n";

  // Every outlet that carries the story, this item's own included: a reader deciding how
  // much weight to give it wants the whole list.
  const json sources = arr(j, "sources");
  if (!sources.empty()) {
    const auto total = std::max<std::size_t>(j.value("sources_total", 0), sources.size());
    t += "\nSources (" + std::to_string(total) + ")\n";
    h += "<h3>Sources (" + std::to_string(total) + ")</h3>\n<ul>\n";
    for (std::size_t i = 0; i < sources.size() && i < max_sources; ++i) {
      const std::string name = one_line(str(sources[i], "feed"), max_title);
      const std::string url = str(sources[i], "link");
      t += "  - " + name + (url.empty() ? "" : ": " + one_line(url, 2048)) + "\n";
      h += "<li>" + html_link(name, url) + "</li>\n";
    }
    if (total > std::min(sources.size(), max_sources)) {
      t += "  " + more(total - std::min(sources.size(), max_sources)) + "\n";
      h += "<li>" + html_escape(more(total - std::min(sources.size(), max_sources))) + "</li>\n";
    }
    h += "</ul>\n";
  }

  const std::string footer = "sanctwatch alert " + one_line(id, 100) +
                             (revision > 0 ? ", update " + std::to_string(revision) : "");
  t += "\n-- \n" + footer + "\n";
  h += "<p style=\"color: #666\">" + html_escape(footer) + "</p>\n</body></html>\n";
  out.text = std::move(t);
  out.html = std::move(h);
  return out;
}

result<std::string> build_email(const alert_view& a, const mailbox& from,
                                const std::vector<mailbox>& to,
                                std::chrono::system_clock::time_point now) {
  auto content = render_email(a);
  if (!content) return content.err();
  const std::string domain(from.domain());
  const std::string boundary = "=_sanctwatch_" + id_part(a.message_id());
  std::string m;
  m += "From: " + mailbox_text(from, 6) + "\r\n";
  m += "To: " + address_list(to, 4) + "\r\n";
  m += header_field("Subject", content->subject) + "\r\n";
  m += "Date: " +
       rfc5322_date(content->time.value_or(std::chrono::floor<std::chrono::seconds>(now))) + "\r\n";
  m += "Message-ID: " + email_message_id(a.id, a.revision, domain) + "\r\n";
  if (a.revision > 0) {
    const std::string first = email_message_id(a.id, 0, domain);
    m += "In-Reply-To: " + first + "\r\n";
    m += "References: " + first + "\r\n";
  }
  // RFC 3834: mail from a program; vacation responders and the like do not answer it.
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  // '=' never appears unencoded in quoted-printable, so the boundary cannot occur in a part.
  m += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "This is a MIME message: a plain-text and an HTML version of one alert.\r\n";
  for (const auto& [type, body] : {std::pair{"text/plain", &content->text},
                                   std::pair{"text/html", &content->html}}) {
    m += "\r\n--" + boundary + "\r\n";
    m += std::string("Content-Type: ") + type + "; charset=utf-8\r\n";
    m += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    // The text ends with a line break; the CRLF before the next boundary belongs to it.
    m += quoted_printable(*body);
  }
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace sanctwatch::sinks
