#include "sinks/email_message.hpp"

#include <algorithm>
#include <sstream>
#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "sinks/alert_reading.hpp"
#include "sinks/signing.hpp"

namespace sanctwatch::sinks {
namespace {

using json = nlohmann::json;

// Caps on what one message shows; the rest is counted ("… 3 more").
constexpr std::size_t max_evidence = 3;  // the document's own cap; schema 1 had one per word
constexpr std::size_t max_entities = 20;
constexpr std::size_t max_sources = 20;
constexpr std::size_t max_title = 300;    // bytes of a title or name
constexpr std::size_t max_snippet = 1200;  // bytes of a sentence (about 300 characters, multi-byte)
const std::string ellipsis = "\xe2\x80\xa6";

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return {};
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
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

// What a person reads in the mail: alert_reading.hpp reads the document (either schema), this
// lays it out twice, as plain text and as HTML.
result<email_content> render_email(const alert_view& a, const std::vector<fired_rule>& shown) {
  auto read = read_alert(a, shown, max_snippet);
  if (!read) return read.err();
  const alert_reading& r = *read;
  const std::string severity(to_string(r.level));
  const std::string first_rule =
      r.rules.empty() ? std::string() : (r.rules.front().title.empty() ? r.rules.front().id : r.rules.front().title);
  const std::string title = one_line(r.item_title.empty() ? first_rule : r.item_title, max_title);
  const std::string link = r.item_link;
  const json j = json::parse(a.document, nullptr, /*allow_exceptions=*/false);

  email_content out;
  // An update says so in the subject; its Message-ID threads it under the alert's.
  out.subject = "[" + upper(severity) + "] " + (r.update ? "Update: " : "") +
                (title.empty() ? "(untitled)" : title);
  out.time = parse_time(r.revision > 0 && !str(j, "updated_at").empty() ? str(j, "updated_at")
                                                                        : str(j, "created_at"));

  std::string t, h;  // the text and HTML parts
  h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(out.subject) +
      "</title></head>\n<body style=\"font-family: sans-serif\">\n";
  std::string note;
  if (r.update)
    note = "Update: " + one_line(update_text(*r.update), 2000);
  else if (r.revision > 0)  // a schema 1 revision, replayed: it had no `changes`
    note = "Update " + std::to_string(r.revision) + ": the story was reported again (" +
           std::to_string(r.others_total + 1) + " sources).";
  if (!note.empty()) {
    t += note + "\n\n";
    h += "<p><strong>" + html_escape(note) + "</strong></p>\n";
  }
  t += "[" + upper(severity) + "] " + title + "\n";
  if (!link.empty()) t += one_line(link, 2048) + "\n";
  h += "<h2>[" + html_escape(upper(severity)) + "] " + html_link(title, link) + "</h2>\n";

  // Only the rules the sink's filter passes, and their tags.
  std::vector<std::pair<std::string, std::string>> facts;
  std::string rule_list;
  for (const auto& rule : r.rules)
    rule_list += (rule_list.empty() ? "" : "; ") +
                 (rule.title.empty() ? one_line(rule.id, max_title)
                                     : one_line(rule.title, max_title) + " (" + one_line(rule.id, max_title) + ")");
  if (!rule_list.empty()) facts.emplace_back("Rules", rule_list);
  facts.emplace_back("Severity", severity);
  std::string tag_list;
  for (const auto& tag : r.tags) tag_list += (tag_list.empty() ? "" : ", ") + one_line(tag, 100);
  if (!tag_list.empty()) facts.emplace_back("Tags", tag_list);
  if (!r.feed_title.empty()) facts.emplace_back("Feed", one_line(r.feed_title, max_title));
  if (!r.date.empty()) facts.emplace_back("Date", r.date);
  t += "\n";
  h += "<table>\n";
  for (const auto& [k, v] : facts) {
    t += k + ":" + std::string(11 - k.size(), ' ') + v + "\n";
    h += "<tr><th align=\"left\">" + k + "</th><td>" + html_escape(v) + "</td></tr>\n";
  }
  h += "</table>\n";

  // Evidence: the sentences that fired, the matched words »marked« in text and highlighted
  // in HTML (<mark> where the client has it, bold where it does not).
  if (!r.evidence.empty()) {
    t += "\nEvidence\n";
    h += "<h3>Evidence</h3>\n";
  }
  for (std::size_t i = 0; i < r.evidence.size(); ++i) {
    if (i == max_evidence) {
      t += "  " + more(r.evidence.size() - i) + "\n";
      h += "<p>" + html_escape(more(r.evidence.size() - i)) + "</p>\n";
      break;
    }
    const auto& e = r.evidence[i];
    const std::string field = e.field == "content" ? std::string() : one_line(e.field, 40);
    std::string plain, marked;
    for (const auto& run : e.runs) {
      plain += run.marked ? "\xc2\xbb" + run.text + "\xc2\xab" : run.text;
      marked += run.marked ? "<mark><b>" + html_escape(run.text) + "</b></mark>" : html_escape(run.text);
    }
    t += "  " + (field.empty() ? "" : field + ": ") + plain + "\n";
    h += "<blockquote>" + (field.empty() ? "" : "<em>" + html_escape(field) + ":</em> ") + marked +
         "</blockquote>\n";
  }

  if (!r.entities.empty()) {
    t += "\nEntities\n";
    h += "<h3>Entities</h3>\n<ul>\n";
  }
  for (std::size_t i = 0; i < r.entities.size(); ++i) {
    if (i == max_entities) {
      t += "  " + more(r.entities.size() - i) + "\n";
      h += "<li>" + html_escape(more(r.entities.size() - i)) + "</li>\n";
      break;
    }
    const auto& e = r.entities[i];
    const std::string name = one_line(e.name.empty() ? e.matched : e.name, max_title);
    std::string detail = e.id.empty() ? e.list : e.id;
    const auto add = [&](const std::string& x) { detail += (detail.empty() ? "" : "; ") + x; };
    if (!e.type.empty()) add(e.type);
    std::string programs;
    for (const auto& p : e.programs) programs += (programs.empty() ? "" : ", ") + p;
    if (!programs.empty()) add(programs);
    if (e.ambiguous) add("ambiguous");
    detail = one_line(detail, max_title);
    const std::string matched = one_line(e.matched, max_title);
    const std::string as = !matched.empty() && matched != name ? " as \"" + matched + "\"" : "";
    t += "  - " + name + (detail.empty() ? "" : " (" + detail + ")") + as + "\n";
    h += "<li>" + html_escape(name) + (detail.empty() ? "" : " (" + html_escape(detail) + ")") +
         html_escape(as) + "</li>\n";
  }
  if (!r.entities.empty()) h += "</ul>\n";

  // The other outlets: a reader deciding how much weight to give the story wants them.
  if (r.others_total > 0) {
    const std::string head = "Also reported by " + count_of(r.others_total, "other outlet", "other outlets");
    t += "\n" + head + "\n";
    h += "<h3>" + html_escape(head) + "</h3>\n<ul>\n";
    const std::size_t listed = std::min(r.others.size(), max_sources);
    for (std::size_t i = 0; i < listed; ++i) {
      const std::string name = one_line(r.others[i].feed, max_title);
      const std::string& url = r.others[i].link;
      t += "  - " + name + (url.empty() ? "" : ": " + one_line(url, 2048)) + "\n";
      h += "<li>" + html_link(name, url) + "</li>\n";
    }
    if (r.others_total > listed) {
      t += "  " + more(r.others_total - listed) + "\n";
      h += "<li>" + html_escape(more(r.others_total - listed)) + "</li>\n";
    }
    h += "</ul>\n";
  }

  const std::string footer = "sanctwatch alert " + one_line(r.id, 100) +
                             (r.revision > 0 ? ", update " + std::to_string(r.revision) : "");
  t += "\n-- \n" + footer + "\n";
  h += "<p style=\"color: #666\">" + html_escape(footer) + "</p>\n</body></html>\n";
  out.text = std::move(t);
  out.html = std::move(h);
  return out;
}

namespace {

// The bytes of a message with `content`: headers, then the two parts.
std::string assemble(const email_content& content, const alert_view& a, const mailbox& from,
                     const std::vector<mailbox>& to, std::chrono::system_clock::time_point now,
                     std::string_view preamble) {
  const std::string domain(from.domain());
  const std::string boundary = "=_sanctwatch_" + id_part(a.message_id());
  std::string m;
  m += "From: " + mailbox_text(from, 6) + "\r\n";
  m += "To: " + address_list(to, 4) + "\r\n";
  m += header_field("Subject", content.subject) + "\r\n";
  m += "Date: " +
       rfc5322_date(content.time.value_or(std::chrono::floor<std::chrono::seconds>(now))) + "\r\n";
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
  m += std::string(preamble) + "\r\n";
  for (const auto& [type, body] :
       {std::pair{"text/plain", &content.text}, std::pair{"text/html", &content.html}}) {
    m += "\r\n--" + boundary + "\r\n";
    m += std::string("Content-Type: ") + type + "; charset=utf-8\r\n";
    m += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    // The text ends with a line break; the CRLF before the next boundary belongs to it.
    m += quoted_printable(*body);
  }
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace

result<std::string> build_email(const alert_view& a, const mailbox& from,
                                const std::vector<mailbox>& to,
                                std::chrono::system_clock::time_point now,
                                const std::vector<fired_rule>& shown) {
  auto content = render_email(a, shown);
  if (!content) return content.err();
  return assemble(*content, a, from, to, now,
                  "This is a MIME message: a plain-text and an HTML version of one alert.");
}

// A digest lists many alerts: each gets its headline and where it ran, what an update brought
// and one evidence sentence, no more; the single alerts' mails carry the rest.
result<email_content> render_email_digest(const alert_view& d, const shown_fn& shown) {
  constexpr std::size_t max_listed = 100;
  auto read = read_digest(d, shown, max_snippet);
  if (!read) return read.err();
  const digest_reading& r = *read;
  const std::string counts = digest_counts(r), period = digest_period(r);
  email_content out;
  out.subject =
      "[sanctwatch] digest: " + counts + (period.empty() ? "" : " \xe2\x80\x94 " + period);
  out.time = parse_time(r.period_end);

  const std::string head = "sanctwatch digest: " + counts;
  std::string t = head + "\n" + (period.empty() ? "" : period + "\n");
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(out.subject) +
      "</title></head>\n<body style=\"font-family: sans-serif\">\n" + "<h2>" + html_escape(head) +
      "</h2>\n" + (period.empty() ? "" : "<p>" + html_escape(period) + "</p>\n");
  std::size_t listed = 0;
  for (const auto& g : r.groups) {
    if (listed == max_listed) break;
    const std::string rule = g.rule.title.empty() ? one_line(g.rule.id, max_title)
                                                  : one_line(g.rule.title, max_title) + " (" +
                                                        one_line(g.rule.id, max_title) + ")";
    const std::string group_head = rule + ": " + count_of(g.entries.size(), "alert", "alerts");
    t += "\n== " + group_head + "\n";
    h += "<h3>" + html_escape(group_head) + "</h3>\n<ul>\n";
    for (const auto& e : g.entries) {
      if (listed == max_listed) break;
      ++listed;
      const alert_reading& a = e.alert;
      const std::string level = upper(std::string(to_string(a.level)));
      const std::string title = one_line(a.item_title.empty() ? rule : a.item_title, max_title);
      t += "\n[" + level + "] " + title + "\n";
      h += "<li><p><strong>[" + html_escape(level) + "]</strong> " + html_link(title, a.item_link);
      std::string where = one_line(a.feed_title, max_title);
      for (const std::string* part : {&a.date, &a.item_link})
        if (!part->empty()) where += (where.empty() ? "" : " \xc2\xb7 ") + one_line(*part, 2048);
      if (!where.empty()) t += "  " + where + "\n";
      std::string facts;  // in HTML the link is the headline's
      if (!a.feed_title.empty()) facts = one_line(a.feed_title, max_title);
      if (!a.date.empty()) facts += (facts.empty() ? "" : " \xc2\xb7 ") + a.date;
      if (!facts.empty()) h += "<br>" + html_escape(facts);
      std::string also;  // the other rules shown: the group names the headline one
      for (std::size_t i = 1; i < a.rules.size(); ++i)
        also += (also.empty() ? "" : "; ") + (a.rules[i].title.empty()
                                                  ? one_line(a.rules[i].id, max_title)
                                                  : one_line(a.rules[i].title, max_title) + " (" +
                                                        one_line(a.rules[i].id, max_title) + ")");
      if (!also.empty()) {
        t += "  Also: " + also + "\n";
        h += "<br>Also: " + html_escape(also);
      }
      const std::string note = one_line(digest_note(e), 2000);
      if (!note.empty()) {
        t += "  " + note + "\n";
        h += "<br><em>" + html_escape(note) + "</em>";
      }
      h += "</p>";
      if (!a.evidence.empty()) {
        std::string plain, marked;
        for (const auto& run : a.evidence.front().runs) {
          plain += run.marked ? "\xc2\xbb" + run.text + "\xc2\xab" : run.text;
          marked += run.marked ? "<mark><b>" + html_escape(run.text) + "</b></mark>"
                               : html_escape(run.text);
        }
        t += "  > " + plain + "\n";
        h += "<blockquote>" + marked + "</blockquote>";
      }
      h += "</li>\n";
    }
    h += "</ul>\n";
  }
  if (r.alerts > listed) {
    const std::string rest = more(r.alerts - listed) + " (sanctwatch alerts lists them)";
    t += "\n" + rest + "\n";
    h += "<p>" + html_escape(rest) + "</p>\n";
  }
  const std::string footer = "sanctwatch digest " + one_line(r.id, 100) +
                             (r.sink.empty() ? "" : " for " + one_line(r.sink, 100));
  t += "\n-- \n" + footer + "\n";
  h += "<p style=\"color: #666\">" + html_escape(footer) + "</p>\n</body></html>\n";
  out.text = std::move(t);
  out.html = std::move(h);
  return out;
}

std::string build_list_email(const alert_view& a, const mailbox& from,
                             const std::vector<mailbox>& to,
                             std::chrono::system_clock::time_point now) {
  std::string level(to_string(a.level));
  for (auto& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  email_content c;
  c.subject = "[" + level + "] " + one_line(a.item_title, max_title);
  c.text = a.text + "\n";
  std::string h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                  html_escape(c.subject) + "</title></head>\n<body style=\"font-family: sans-serif\">\n";
  bool first = true;
  std::istringstream lines(a.text);
  for (std::string line; std::getline(lines, line); first = false)
    h += first ? "<h2>" + html_escape(line) + "</h2>\n" : "<p>" + html_escape(line) + "</p>\n";
  c.html = h + "</body></html>\n";
  return assemble(c, a, from, to, now,
                  "This is a MIME message: a plain-text and an HTML version of one list refresh.");
}

result<std::string> build_digest_email(const alert_view& d, const mailbox& from,
                                       const std::vector<mailbox>& to,
                                       std::chrono::system_clock::time_point now,
                                       const shown_fn& shown) {
  auto content = render_email_digest(d, shown);
  if (!content) return content.err();
  return assemble(*content, d, from, to, now,
                  "This is a MIME message: a plain-text and an HTML version of one digest.");
}

}  // namespace sanctwatch::sinks
