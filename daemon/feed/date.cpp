#include "feed/date.hpp"

#include <array>
#include <cctype>
#include <cstdint>

#include "core/time.hpp"

namespace sanctwatch::feed {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ','; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Reads exactly n digits at s[pos]; -1 when they are not there.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Month names: full English names and every abbreviation feeds use ("Sept", "Sep.").
int month_of(std::string_view w) {
  static constexpr std::array<std::string_view, 12> full{
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (!w.empty() && w.back() == '.') w.remove_suffix(1);
  if (w.size() < 3) return 0;
  for (int m = 0; m < 12; ++m) {
    const std::string_view name = full[static_cast<std::size_t>(m)];
    if (w.size() > name.size()) continue;
    // Any prefix of at least three letters: "Jun", "Sept", "Febr".
    if (iequals(w, name.substr(0, w.size()))) return m + 1;
  }
  return 0;
}

bool is_weekday(std::string_view w) {
  static constexpr std::array<std::string_view, 7> full{
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  if (!w.empty() && w.back() == '.') w.remove_suffix(1);
  if (w.size() < 2) return false;
  for (const auto name : full) {
    if (w.size() > name.size()) continue;
    if (iequals(w, name.substr(0, w.size())) && w.size() >= 3) return true;
  }
  return false;
}

struct zone {
  std::string_view name;
  int minutes;
};

// Zone names as feeds write them. The RFC 822 set (UT, GMT, Z, the North American
// zones), plus the abbreviations common in news feeds. Ambiguous names get the meaning a
// news feed most likely intends: IST is India (+05:30), not Irish or Israel time; BST is
// British Summer Time; CST is US Central (RFC 822), not China.
constexpr std::array<zone, 52> zones{{
    {"ut", 0},      {"utc", 0},    {"gmt", 0},     {"z", 0},       {"wet", 0},    {"est", -300},
    {"edt", -240},  {"cst", -360}, {"cdt", -300},  {"mst", -420},  {"mdt", -360}, {"pst", -480},
    {"pdt", -420},  {"ast", -240}, {"adt", -180},  {"nst", -210},  {"ndt", -150}, {"akst", -540},
    {"akdt", -480}, {"hst", -600}, {"hast", -600}, {"hadt", -540}, {"bst", 60},   {"ist", 330},
    {"cet", 60},    {"cest", 120}, {"met", 60},    {"mest", 120},  {"mez", 60},   {"mesz", 120},
    {"west", 60},   {"eet", 120},  {"eest", 180},  {"msk", 180},   {"msd", 240},  {"sast", 120},
    {"pkt", 300},   {"ict", 420},  {"wib", 420},   {"hkt", 480},   {"sgt", 480},  {"awst", 480},
    {"jst", 540},   {"kst", 540},  {"acst", 570},  {"acdt", 630},  {"aest", 600}, {"aedt", 660},
    {"nzst", 720},  {"nzdt", 780}, {"brt", -180},  {"art", -180},
}};

// Military single-letter zones with their real meaning (A = +1 ... M = +12, N = -1 ...
// Y = -12, Z = 0); J is local time and not a zone. RFC 822 printed the signs reversed
// and RFC 2822 says to treat them as -0000; we follow the military definition, which is
// what the few feeds that use them mean.
std::optional<int> military_zone(char c) {
  c = lower(c);
  if (c == 'z') return 0;
  if (c >= 'a' && c <= 'i') return (c - 'a' + 1) * 60;
  if (c >= 'k' && c <= 'm') return (c - 'k' + 10) * 60;
  if (c >= 'n' && c <= 'y') return -(c - 'n' + 1) * 60;
  return std::nullopt;
}

std::optional<int> zone_of(std::string_view w) {
  if (w.size() == 1) return military_zone(w[0]);
  for (const auto& z : zones)
    if (iequals(w, z.name)) return z.minutes;
  return std::nullopt;
}

// "+0100", "-05:00", "+01", "+5" -> minutes east of UTC.
std::optional<int> numeric_offset(std::string_view s) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  const int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  int h = -1, m = 0;
  if (s.size() == 4) {
    h = digits(s, 0, 2);
    m = digits(s, 2, 2);
  } else if (s.size() == 5 && s[2] == ':') {
    h = digits(s, 0, 2);
    m = digits(s, 3, 2);
  } else if (s.size() == 2) {
    h = digits(s, 0, 2);
  } else if (s.size() == 1) {
    h = digits(s, 0, 1);
  } else if (s.size() == 3) {  // "+530"
    h = digits(s, 0, 1);
    m = digits(s, 1, 2);
  }
  if (h < 0 || m < 0 || h > 23 || m > 59) return std::nullopt;
  return sign * (h * 60 + m);
}

int expand_year(int y, std::size_t ndigits) {
  // RFC 2822 section 4.3: two-digit years below 50 are 20xx, others 19xx; three-digit
  // years add 1900.
  if (ndigits == 2) return y < 50 ? 2000 + y : 1900 + y;
  if (ndigits == 3) return 1900 + y;
  return y;
}

// Reads "hh:mm[:ss[.fff]]" at s[pos]; advances pos.
bool read_time(std::string_view s, std::size_t& pos, int& h, int& mi, int& sec) {
  std::size_t p = pos;
  auto number = [&](int& out) {
    const std::size_t start = p;
    out = 0;
    while (p < s.size() && is_digit(s[p]) && p - start < 2) out = out * 10 + (s[p++] - '0');
    return p > start;
  };
  if (!number(h) || p >= s.size() || s[p] != ':') return false;
  ++p;
  if (!number(mi)) return false;
  sec = 0;
  if (p < s.size() && s[p] == ':') {
    ++p;
    if (!number(sec)) return false;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      while (p < s.size() && is_digit(s[p])) ++p;  // fractions are dropped, not rounded
    }
  }
  pos = p;
  return true;
}

std::optional<timestamp> parse_unix(std::string_view s) {
  std::int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  // 11 digits reach year 5138; from_civil's range check is the limit that matters.
  if (v > 253402300799LL) return std::nullopt;
  return timestamp{std::chrono::seconds{v}};
}

// RFC 3339 / ISO 8601: "2024-06-01T09:30:00.123+01:00", "2024-06-01 09:30Z",
// "2024-06-01", "20240601T093000Z", "2024-06-01t09:30:00z", "2024-06-01T09:30:00 +0100".
std::optional<timestamp> parse_iso(std::string_view s) {
  std::size_t p = 0;
  int y = digits(s, 0, 4), mo = -1, d = 1;
  if (y < 0) return std::nullopt;
  p = 4;
  bool basic = false;
  if (p < s.size() && s[p] == '-') {
    mo = digits(s, 5, 2);
    if (mo < 0) return std::nullopt;
    p = 7;
    if (p < s.size() && s[p] == '-') {
      d = digits(s, 8, 2);
      if (d < 0) return std::nullopt;
      p = 10;
    }
  } else {
    mo = digits(s, 4, 2);
    d = digits(s, 6, 2);
    if (mo < 0 || d < 0) return std::nullopt;
    p = 8;
    basic = true;
  }
  int h = 0, mi = 0, sec = 0, offset = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    ++p;
    while (p < s.size() && s[p] == ' ') ++p;
    if (basic && p + 4 <= s.size() && is_digit(s[p]) && p + 2 < s.size() && s[p + 2] != ':') {
      h = digits(s, p, 2);
      mi = digits(s, p + 2, 2);
      if (h < 0 || mi < 0) return std::nullopt;
      p += 4;
      if (const int ss = digits(s, p, 2); ss >= 0) {
        sec = ss;
        p += 2;
      }
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        while (p < s.size() && is_digit(s[p])) ++p;
      }
    } else if (!read_time(s, p, h, mi, sec)) {
      return std::nullopt;
    }
    while (p < s.size() && s[p] == ' ') ++p;
    const std::string_view rest = s.substr(p);
    if (!rest.empty()) {
      if (rest == "Z" || rest == "z") {
        offset = 0;
      } else if (auto o = numeric_offset(rest)) {
        offset = *o;
      } else if (auto z = zone_of(rest); z && rest.size() > 1) {
        offset = *z;
      } else {
        return std::nullopt;
      }
    }
  }
  return from_civil(y, mo, d, h, mi, sec, offset * 60);
}

// RFC 822/1123/2822, RFC 850 and asctime, read as a sequence of tokens so that order and
// punctuation may vary: "Sat, 01 Jun 2024 09:30:00 +0000", "1 June 2024 9:30 GMT",
// "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Jun 1, 2024 9:30 PM EST".
std::optional<timestamp> parse_textual(std::string_view s) {
  int day = -1, month = 0, year = -1, h = 0, mi = 0, sec = 0;
  bool have_time = false, have_zone = false, pm = false, am = false;
  int offset = 0;
  std::size_t year_digits = 0;
  std::size_t p = 0;
  while (p < s.size()) {
    const char c = s[p];
    if (c == ' ' || c == ',' || c == '\t' || c == '\r' || c == '\n' || c == '.' || c == '/') {
      ++p;
      continue;
    }
    if ((c == '+' || c == '-') && have_time && p + 1 < s.size() && is_digit(s[p + 1])) {
      std::size_t e = p + 1;
      while (e < s.size() && (is_digit(s[e]) || s[e] == ':')) ++e;
      const auto o = numeric_offset(s.substr(p, e - p));
      if (!o || have_zone) return std::nullopt;
      offset += *o;
      have_zone = true;
      p = e;
      continue;
    }
    if (c == '-') {  // RFC 850 "06-Nov-94"
      ++p;
      continue;
    }
    if (is_digit(c)) {
      std::size_t e = p;
      while (e < s.size() && is_digit(s[e])) ++e;
      if (e < s.size() && s[e] == ':') {
        if (have_time || !read_time(s, p, h, mi, sec)) return std::nullopt;
        have_time = true;
        continue;
      }
      const std::size_t n = e - p;
      const int v = digits(s, p, n > 4 ? 0 : n);
      if (n > 4 || v < 0) return std::nullopt;
      if (n == 4 || (n == 3) || (day >= 0 && month > 0 && year < 0)) {
        if (year >= 0) return std::nullopt;
        year = v;
        year_digits = n;
      } else if (day < 0) {
        day = v;
      } else {
        return std::nullopt;
      }
      // Ordinal suffixes: "1st", "2nd".
      p = e;
      if (p + 1 < s.size() && is_alpha(s[p]) && is_alpha(s[p + 1])) {
        const std::string_view suf = s.substr(p, 2);
        if (iequals(suf, "st") || iequals(suf, "nd") || iequals(suf, "rd") || iequals(suf, "th"))
          p += 2;
      }
      continue;
    }
    if (is_alpha(c)) {
      std::size_t e = p;
      while (e < s.size() && (is_alpha(s[e]) || s[e] == '.')) ++e;
      std::string_view w = s.substr(p, e - p);
      while (!w.empty() && w.back() == '.') w.remove_suffix(1);
      p = e;
      if (const int m = month_of(w); m && !month && w.size() >= 3) {
        month = m;
      } else if (is_weekday(w)) {
        // The weekday is redundant and often wrong; ignored.
      } else if (iequals(w, "am") || iequals(w, "pm")) {
        (iequals(w, "pm") ? pm : am) = true;
      } else if (auto z = zone_of(w); z && !have_zone) {
        offset += *z;
        have_zone = true;
        // "GMT+0100", "UTC-5": the offset that follows is relative to the named zone.
        if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
          std::size_t e2 = p + 1;
          while (e2 < s.size() && (is_digit(s[e2]) || s[e2] == ':')) ++e2;
          if (auto o = numeric_offset(s.substr(p, e2 - p))) {
            offset += *o;
            p = e2;
          }
        }
      } else if (have_time && !have_zone && w.size() <= 5) {
        // RFC 2822 section 4.3: an unknown zone name is treated as UTC.
        have_zone = true;
      } else if (iequals(w, "at") || iequals(w, "of") || iequals(w, "the")) {
        // "Saturday, 1st of June 2024 at 9:30"
      } else {
        return std::nullopt;
      }
      continue;
    }
    if (c == '(') {  // RFC 822 comment: "+0000 (UTC)"
      const auto close = s.find(')', p);
      if (close == std::string_view::npos) return std::nullopt;
      p = close + 1;
      continue;
    }
    return std::nullopt;
  }
  if (day < 0 || month == 0 || year < 0) return std::nullopt;
  if (pm || am) {
    if (h < 1 || h > 12) return std::nullopt;
    if (pm && h != 12) h += 12;
    if (am && h == 12) h = 0;
  }
  return from_civil(expand_year(year, year_digits), month, day, h, mi, sec, offset * 60);
}

// "Sat, 01 Jun 2024 09:30:00 +0000" or "... GMT" exactly, as nearly every RSS generator
// writes it: read by position instead of as tokens. False when `s` has any other shape (the
// general way then decides); otherwise `out` is what parse_textual gives.
bool parse_rfc1123(std::string_view s, std::optional<timestamp>& out) {
  if (s.size() != 29 && s.size() != 31) return false;
  if (s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s[25] != ' ')
    return false;
  static constexpr std::string_view weekdays = "MonTueWedThuFriSatSun";
  static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const std::size_t wd = weekdays.find(s.substr(0, 3));
  const std::size_t mo = months.find(s.substr(8, 3));
  if (wd == std::string_view::npos || wd % 3 != 0 || mo == std::string_view::npos || mo % 3 != 0)
    return false;
  const int day = digits(s, 5, 2), year = digits(s, 12, 4), h = digits(s, 17, 2),
            mi = digits(s, 20, 2), sec = digits(s, 23, 2);
  if (day < 0 || year < 0 || h < 0 || mi < 0 || sec < 0) return false;
  int offset = 0;
  if (s.size() == 29) {
    if (s.substr(26) != "GMT") return false;
  } else {
    const auto o = numeric_offset(s.substr(26));
    if (!o) return false;
    offset = *o;
  }
  out = from_civil(year, static_cast<int>(mo / 3) + 1, day, h, mi, sec, offset * 60);
  return true;
}

// "2024-06-01T09:30:00Z" or "2024-06-01T09:30:00+01:00" exactly, as Atom feeds write it:
// read by position. False for any other shape; otherwise `out` is what parse_iso gives.
bool parse_rfc3339(std::string_view s, std::optional<timestamp>& out) {
  if (s.size() != 20 && s.size() != 25) return false;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
  const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2),
            mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return false;
  int offset = 0;
  if (s.size() == 20) {
    if (s[19] != 'Z') return false;
  } else {
    const auto o = numeric_offset(s.substr(19));
    if (!o || s[22] != ':') return false;
    offset = *o;
  }
  out = from_civil(y, mo, d, h, mi, sec, offset * 60);
  return true;
}

}  // namespace

std::optional<timestamp> parse_date(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 100) return std::nullopt;
  if (std::optional<timestamp> t; parse_rfc3339(s, t) || parse_rfc1123(s, t)) return t;
  bool all_digits = true;
  for (char c : s) all_digits = all_digits && is_digit(c);
  if (all_digits) {
    if (s.size() >= 9 && s.size() <= 11) return parse_unix(s);
    if (s.size() == 8) return parse_iso(s);  // "20240601"
    return std::nullopt;
  }
  if (s.size() >= 7 && digits(s, 0, 4) >= 0 && (s[4] == '-' || is_digit(s[4]))) return parse_iso(s);
  return parse_textual(s);
}

}  // namespace sanctwatch::feed
