#include "entities/archive.hpp"

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

namespace sanctwatch::entities {
namespace {

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - std::ptrdiff_t(suffix.size()),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b));
                    });
}

std::vector<std::string_view> suffixes_of(std::string_view format) {
  if (ends_with_ci(format, "-xml")) return {".xml"};
  if (ends_with_ci(format, "-csv")) return {".csv"};
  if (format == "opensanctions-ftm") return {".json", ".ftm", ".jsonl"};
  if (format == "yaml") return {".yaml", ".yml"};
  return {};
}

struct archive_closer {
  void operator()(zip_t* z) const { zip_discard(z); }
};

}  // namespace

bool is_zip(std::string_view bytes) { return bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4); }

result<std::string> unzip_list(std::string_view zip, std::string_view format,
                               std::size_t max_bytes) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(zip.data(), zip.size(), 0, &err);
  if (!src) {
    std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    return error{"zip", "cannot read the zip archive: " + why};
  }
  std::unique_ptr<zip_t, archive_closer> za(zip_open_from_source(src, ZIP_RDONLY, &err));
  if (!za) {
    std::string why = zip_error_strerror(&err);
    zip_source_free(src);
    zip_error_fini(&err);
    return error{"zip", "cannot read the zip archive: " + why};
  }
  zip_error_fini(&err);
  const auto wanted = suffixes_of(format);
  const zip_int64_t n = zip_get_num_entries(za.get(), 0);
  zip_int64_t best = -1, only = -1;
  zip_uint64_t best_size = 0;
  int files = 0;
  std::string names;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(za.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || !st.name) continue;
    const std::string_view name = st.name;
    if (!name.empty() && name.back() == '/') continue;  // a folder
    ++files;
    only = i;
    if (names.size() < 300) names += std::string(names.empty() ? "" : ", ") + std::string(name);
    const bool fits = std::any_of(wanted.begin(), wanted.end(),
                                  [&](std::string_view s) { return ends_with_ci(name, s); });
    if (fits && (best < 0 || st.size > best_size)) {
      best = i;
      best_size = st.size;
    }
  }
  if (best < 0 && files == 1) best = only;
  if (best < 0)
    return error{"zip", files == 0 ? std::string("the zip archive holds no file")
                                   : "no " + std::string(format) +
                                         " file in the zip archive (it holds: " + names + ")"};
  zip_stat_t st;
  zip_stat_index(za.get(), static_cast<zip_uint64_t>(best), 0, &st);
  if ((st.valid & ZIP_STAT_SIZE) && st.size > max_bytes)
    return error{"zip", std::string(st.name) + " in the zip archive unpacks to " +
                            std::to_string(st.size) + " bytes, more than the " +
                            std::to_string(max_bytes) + " a list may have"};
  zip_file_t* f = zip_fopen_index(za.get(), static_cast<zip_uint64_t>(best), 0);
  if (!f)
    return error{"zip", std::string("cannot unpack ") + st.name + ": " +
                            zip_strerror(za.get())};
  std::string out;
  char buf[1 << 16];
  zip_int64_t got = 0;
  // The stated size may lie: what is read is counted too.
  while ((got = zip_fread(f, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(got));
    if (out.size() > max_bytes) {
      zip_fclose(f);
      return error{"zip", std::string(st.name) + " in the zip archive unpacks to more than " +
                              std::to_string(max_bytes) + " bytes"};
    }
  }
  const bool failed = got < 0;
  std::string why = failed ? zip_file_strerror(f) : "";
  zip_fclose(f);
  if (failed) return error{"zip", std::string("cannot unpack ") + st.name + ": " + why};
  return out;
}

}  // namespace sanctwatch::entities
