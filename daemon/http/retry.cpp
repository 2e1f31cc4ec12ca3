#include "http/retry.hpp"

#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace sanctwatch::http {
namespace {

bool is_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int month_number(std::string_view s) {
  static constexpr std::array<std::string_view, 12> names = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (iequals(s, names[i])) return static_cast<int>(i) + 1;
  return 0;
}

bool is_weekday(std::string_view s) {
  static constexpr std::array<std::string_view, 7> short_names = {"mon", "tue", "wed", "thu",
                                                                  "fri", "sat", "sun"};
  static constexpr std::array<std::string_view, 7> long_names = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  for (auto n : short_names)
    if (iequals(s, n)) return true;
  for (auto n : long_names)
    if (iequals(s, n)) return true;
  return false;
}

}  // namespace

// The three RFC 9110 forms differ only in separators and field order, so this reads
// tokens and assigns them by shape: the month and weekday by name, the time by its
// colons, and the two numbers in order as day then year (true for all three forms).
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '-')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != ',' && text[i] != '-') ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  int month = 0, hour = -1, minute = -1, second = -1;
  std::vector<std::string_view> numbers;
  bool weekday = false, zone = false;
  for (auto t : tokens) {
    if (is_digits(t)) {
      numbers.push_back(t);
    } else if (t.size() == 8 && t[2] == ':' && t[5] == ':' && is_digits(t.substr(0, 2)) &&
               is_digits(t.substr(3, 2)) && is_digits(t.substr(6, 2)) && hour < 0) {
      hour = to_int(t.substr(0, 2));
      minute = to_int(t.substr(3, 2));
      second = to_int(t.substr(6, 2));
    } else if (int m = month_number(t); m != 0 && month == 0) {
      month = m;
    } else if (is_weekday(t) && !weekday) {
      weekday = true;
    } else if ((iequals(t, "GMT") || iequals(t, "UTC")) && !zone) {
      zone = true;
    } else {
      return std::nullopt;
    }
  }
  if (month == 0 || hour < 0 || numbers.size() != 2) return std::nullopt;
  if (numbers[0].size() > 2 || (numbers[1].size() != 2 && numbers[1].size() != 4))
    return std::nullopt;
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  int year = to_int(numbers[1]);
  // RFC 850 two-digit years: RFC 9110 says pick the most recent past year with those
  // digits; a fixed pivot is close enough for Retry-After and Last-Modified.
  if (numbers[1].size() == 2) year += year < 70 ? 2000 : 1900;
  const std::chrono::year_month_day ymd{
      std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
      std::chrono::day{static_cast<unsigned>(to_int(numbers[0]))}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{std::min(second, 59)};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (is_digits(value)) {
    // Anything past ten digits is centuries; clamp instead of overflowing.
    if (value.size() > 10) return std::chrono::seconds{9'999'999'999};
    std::int64_t v = 0;
    for (char c : value) v = v * 10 + (c - '0');
    return std::chrono::seconds{v};
  }
  const auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  if (*date <= now) return std::chrono::seconds{0};
  return std::chrono::ceil<std::chrono::seconds>(*date - now);
}

}  // namespace sanctwatch::http
