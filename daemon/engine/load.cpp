#include "engine/load.hpp"
#include "engine/list_cache.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>
#include <optional>
#include <set>
#include <sstream>

#include "core/hash.hpp"
#include "core/diagnostic.hpp"
#include "engine/compile.hpp"
#include "engine/expr.hpp"
#include "entities/archive.hpp"
#include "entities/import.hpp"
#include "entities/names.hpp"
#include "text/normalize.hpp"

namespace sanctwatch::engine {
namespace {

// ---------------------------------------------------------------------------------------------
// Locations

struct file_ctx {
  std::string path;
  std::string_view bytes;
  std::vector<std::size_t> line_starts;

  file_ctx(std::string p, std::string_view b) : path(std::move(p)), bytes(b) {
    line_starts.push_back(0);
    for (std::size_t i = 0; i < bytes.size(); ++i)
      if (bytes[i] == '\n') line_starts.push_back(i + 1);
  }

  std::string line(int zero_based) const {
    if (zero_based < 0 || std::size_t(zero_based) >= line_starts.size()) return {};
    std::size_t b = line_starts[zero_based];
    std::size_t e = bytes.find('\n', b);
    if (e == std::string_view::npos) e = bytes.size();
    if (e > b && bytes[e - 1] == '\r') --e;
    return std::string(bytes.substr(b, e - b));
  }

  load_error at(int line0, int col0, std::string msg) const {
    return {{path, line0 + 1, col0 + 1}, std::move(msg), line(line0)};
  }
  load_error at(const YAML::Mark& m, std::string msg) const {
    return at(m.line, m.column, std::move(msg));
  }

  // Maps a byte offset inside a scalar's value to its (line, column) in the file, for errors
  // inside `when:` strings. Handles plain, quoted (single line) and block (| >) scalars: in all
  // of them, consecutive source lines are joined by one character in the value.
  std::pair<int, int> offset_in_scalar(const YAML::Mark& m, std::size_t idx) const {
    if (m.pos < 0 || std::size_t(m.pos) >= bytes.size()) return {m.line, m.column};
    const char c = bytes[m.pos];
    if (c == '"' || c == '\'') return {m.line, m.column + 1 + int(idx)};
    if (c == '|' || c == '>') {
      int ln = m.line + 1;
      int indent = -1;
      for (; std::size_t(ln) < line_starts.size(); ++ln) {
        std::string l = line(ln);
        std::size_t ind = l.find_first_not_of(' ');
        if (ind == std::string::npos) {
          if (indent >= 0) {
            if (idx == 0) return {ln, indent};
            --idx;
          }
          continue;
        }
        if (indent < 0) indent = int(ind);
        std::size_t len = l.size() - std::min<std::size_t>(l.size(), indent);
        if (idx <= len) return {ln, indent + int(idx)};
        idx -= len + 1;
      }
      return {m.line, m.column};
    }
    // Plain scalar, maybe continued on following lines.
    std::string first = line(m.line);
    std::size_t len0 = first.size() > std::size_t(m.column) ? first.size() - m.column : 0;
    while (len0 > 0 && first[m.column + len0 - 1] == ' ') --len0;
    if (idx <= len0) return {m.line, m.column + int(idx)};
    idx -= len0 + 1;
    for (int ln = m.line + 1; std::size_t(ln) < line_starts.size(); ++ln) {
      std::string l = line(ln);
      std::size_t ind = l.find_first_not_of(' ');
      if (ind == std::string::npos) continue;
      std::size_t len = l.size() - ind;
      if (idx <= len) return {ln, int(ind + idx)};
      idx -= len + 1;
    }
    return {m.line, m.column};
  }
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean 'x'?)" or "".
std::string suggest(std::string_view name, const std::vector<std::string>& known,
                    const char* prefix = "") {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& k : known) {
    std::size_t d = edit_distance(name, k);
    if (d < best_d) best_d = d, best = k;
  }
  // Only near misses: a one-letter name is not "nearly" every other one-letter name.
  if (best.empty() || best_d >= name.size() || best_d > std::max<std::size_t>(2, name.size() / 3))
    return {};
  return std::string(" (did you mean '") + prefix + best + "'?)";
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string loc_str(const location& l) {
  return l.file + ":" + std::to_string(l.line) + ":" + std::to_string(l.column);
}

// ---------------------------------------------------------------------------------------------
// Typed access with located errors

class reader {
 public:
  reader(const file_ctx& f, std::vector<load_error>& errs) : f_(f), errs_(errs) {}

  void error(const YAML::Node& n, std::string msg) {
    errs_.push_back(f_.at(n.Mark(), std::move(msg)));
  }
  void error_at(int line0, int col0, std::string msg) {
    errs_.push_back(f_.at(line0, col0, std::move(msg)));
  }
  location loc(const YAML::Node& n) const {
    return {f_.path, n.Mark().line + 1, n.Mark().column + 1};
  }
  const file_ctx& file() const { return f_; }

  // Reports keys of `map` not in `allowed`, with the nearest known key.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                  const char* what) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        error(it->first, "unknown key '" + k + "' in " + what + suggest(k, allowed) +
                             "; known keys: " + join(allowed));
    }
  }

  bool is_map(const YAML::Node& n, const std::string& what) {
    if (n.IsMap()) return true;
    error(n, what + " must be a mapping");
    return false;
  }

  std::optional<std::string> str(const YAML::Node& n, const std::string& what) {
    if (n.IsScalar()) return n.Scalar();
    error(n, what + " must be a string");
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> str_list(const YAML::Node& n, const std::string& what) {
    if (!n.IsSequence()) {
      error(n, what + " must be a list of strings");
      return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const auto& e : n) {
      if (e.IsScalar())
        out.push_back(e.Scalar());
      else
        error(e, what + " entries must be strings"), ok = false;
    }
    if (!ok) return std::nullopt;
    return out;
  }

 private:
  const file_ctx& f_;
  std::vector<load_error>& errs_;
};

// ---------------------------------------------------------------------------------------------
// The loader

struct pending_list {
  std::string name;
  YAML::Node node;
  YAML::Node key;
  const file_ctx* file;
};

struct pending_entity_list {
  std::string name;
  YAML::Node node;
  YAML::Node key;
  const file_ctx* file;
};

struct pending_macro {
  std::string name;
  YAML::Node node;
  YAML::Node key;
  const file_ctx* file;
};

struct pending_rule {
  YAML::Node node;
  const file_ctx* file;
};

// One entry of a rule's `suppresses:`, resolved once every rule is built.
struct pending_suppression {
  std::size_t rule;  // index into ruleset::rules
  std::string id;
  YAML::Node node;
  const file_ctx* file;
};

// Entity types as a bit set, for `types:` filters.
using type_set = unsigned;
constexpr type_set type_bit(entities::entity_type t) { return 1u << unsigned(t); }
// docs/entities.md: persons are screened only when a list asks for them (`types: [person]`): a person's
// name in the news is far more often someone else's.
constexpr type_set default_types() {
  return type_bit(entities::entity_type::organization) | type_bit(entities::entity_type::vessel) |
         type_bit(entities::entity_type::aircraft) | type_bit(entities::entity_type::unknown);
}

std::vector<std::string> format_names() {
  std::vector<std::string> v;
  for (auto f : entities::known_formats()) v.emplace_back(f);
  return v;
}

bool known_format(const std::string& f) {
  for (auto k : entities::known_formats())
    if (k == f) return true;
  return false;
}

class loader {
 public:
  explicit loader(const load_options& opts) : opts_(opts), rs_(std::make_unique<ruleset>()) {}

  load_outcome run(const std::vector<source_file>& files) {
    // Keep all file contexts alive (errors and YAML nodes refer to them).
    std::vector<std::unique_ptr<file_ctx>> ctxs;
    for (const auto& f : files) {
      ctxs.push_back(std::make_unique<file_ctx>(f.path, f.bytes));
      hash_input_ += f.bytes;
      rs_->files.push_back(f.path);
      read_file(*ctxs.back());
    }
    note_list_names();
    for (const auto& x : opts_.extra_entities) load_extra_entities(x);
    build_lists();
    build_entity_lists();
    build_extra_entities();
    if (!rs_->entity_lists.empty()) build_context();
    build_macros();
    for (auto& p : pending_rules_) build_rule(p);
    resolve_suppressions();
    if (errs_.empty()) {
      std::string e = detail::compile_database(*rs_, opts_.cache ? &opts_.cache : nullptr);
      if (!e.empty()) errs_.push_back({{}, e, {}});
    }
    load_outcome out;
    if (errs_.empty()) {
      rs_->hash = sha256_hex(hash_input_);
      out.rules = std::shared_ptr<const ruleset>(std::move(rs_));
    }
    out.errors = std::move(errs_);
    out.warnings = std::move(warnings_);
    return out;
  }

 private:
  static std::string sha256_hex(const std::string& bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
    return hex_bytes(md, len);
  }

  void read_file(const file_ctx& f) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(f.bytes));
    } catch (const YAML::Exception& e) {
      errs_.push_back(f.at(e.mark, "YAML syntax error: " + e.msg));
      return;
    }
    if (root.IsNull()) return;
    reader r(f, errs_);
    if (!r.is_map(root, "a rule file")) return;
    // An entity data file living under the rules folder: read through entity_lists.source.
    if (root["entities"] && !root["rules"] && !root["lists"] && !root["macros"]) return;
    r.check_keys(root, {"lists", "macros", "entity_lists", "rules"}, "a rule file");
    if (auto m = root["macros"]) {
      if (r.is_map(m, "macros"))
        for (auto it = m.begin(); it != m.end(); ++it)
          pending_macros_.push_back({it->first.Scalar(), it->second, it->first, &f});
    }
    if (auto l = root["lists"]) {
      if (r.is_map(l, "lists"))
        for (auto it = l.begin(); it != l.end(); ++it)
          pending_lists_.push_back({it->first.Scalar(), it->second, it->first, &f});
    }
    if (auto l = root["entity_lists"]) {
      if (r.is_map(l, "entity_lists"))
        for (auto it = l.begin(); it != l.end(); ++it)
          pending_entities_.push_back({it->first.Scalar(), it->second, it->first, &f});
    }
    if (auto l = root["rules"]) {
      if (!l.IsSequence()) {
        r.error(l, "rules must be a list of rules (each starting with '- id:')");
      } else {
        for (const auto& n : l) pending_rules_.push_back({n, &f});
      }
    }
  }

  bool valid_name(const std::string& n) {
    if (n.empty()) return false;
    for (char c : n)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
        return false;
    return true;
  }

  // Adds (or reuses) an atom; returns its index.
  std::uint32_t intern(atom a) {
    auto key = std::to_string(int(a.type)) + '\x01' + a.pattern;
    auto it = atom_index_.find(key);
    if (it != atom_index_.end()) return it->second;
    auto id = static_cast<std::uint32_t>(rs_->atoms.size());
    rs_->atoms.push_back(std::move(a));
    atom_index_.emplace(std::move(key), id);
    return id;
  }

  // A term from a list entry or a phrase; error message on failure.
  std::string make_term(const std::string& written, bool exact, term& out) {
    atom a;
    std::string e = detail::make_phrase_atom(written, a);
    if (!e.empty()) return e;
    out.atom = intern(std::move(a));
    out.exact_case = exact;
    out.original = written;
    return {};
  }

  void build_lists() {
    std::map<std::string, location> seen;
    for (auto& p : pending_lists_) {
      reader r(*p.file, errs_);
      if (!valid_name(p.name)) {
        r.error(p.key, "bad list name '" + p.name + "' (letters, digits, '_', '-', '.')");
        continue;
      }
      if (auto s = seen.find(p.name); s != seen.end()) {
        r.error(p.key,
                "duplicate list '" + p.name + "' (first defined at " + loc_str(s->second) + ")");
        continue;
      }
      seen.emplace(p.name, r.loc(p.key));
      term_list tl;
      tl.name = p.name;
      tl.where = r.loc(p.key);
      if (!p.node.IsSequence()) {
        r.error(p.node, "list '" + p.name + "' must be a sequence of terms");
      } else {
        for (const auto& e : p.node) {
          std::string written;
          bool exact = false;
          if (e.IsScalar()) {
            written = e.Scalar();
          } else if (e.IsMap()) {
            r.check_keys(e, {"term", "case"}, "a term");
            auto t = e["term"];
            if (!t) {
              r.error(e, "a term mapping needs 'term:'");
              continue;
            }
            auto ts = r.str(t, "term");
            if (!ts) continue;
            written = *ts;
            if (auto c = e["case"]) {
              auto cs = r.str(c, "case");
              if (!cs) continue;
              if (*cs == "exact")
                exact = true;
              else if (*cs != "fold" && *cs != "ignore")
                r.error(c, "case must be 'exact' or 'ignore', got '" + *cs + "'");
            }
          } else {
            r.error(e, "a term must be a string or {term: ..., case: exact}");
            continue;
          }
          term t;
          t.where = r.loc(e);
          std::string err = make_term(written, exact, t);
          if (!err.empty()) {
            r.error(e, err);
            continue;
          }
          tl.terms.push_back(std::move(t));
        }
      }
      for (std::uint32_t i = 0; i < tl.terms.size(); ++i)
        tl.by_atom.push_back({tl.terms[i].atom, i});
      std::sort(tl.by_atom.begin(), tl.by_atom.end());
      rs_->lists.push_back(std::move(tl));
    }
  }

  // Entity lists: every source is read through opts_.read (the one place that touches files)
  // and parsed by the entities module's importers, bytes in.
  void build_entity_lists() {
    std::map<std::string, location> seen;
    for (const auto& l : rs_->lists) seen.emplace(l.name, l.where);
    for (auto& p : pending_entities_) {
      reader r(*p.file, errs_);
      if (!valid_name(p.name)) {
        r.error(p.key, "bad entity list name '" + p.name + "'");
        continue;
      }
      if (auto s = seen.find(p.name); s != seen.end()) {
        r.error(p.key, "duplicate list name '" + p.name + "' (first defined at " +
                           loc_str(s->second) + ")");
        continue;
      }
      seen.emplace(p.name, r.loc(p.key));
      if (!r.is_map(p.node, "entity list '" + p.name + "'")) continue;
      r.check_keys(p.node, {"source", "format", "types", "refresh"}, "an entity list");
      auto src = p.node["source"];
      if (!src) {
        r.error(p.node, "entity list '" + p.name + "' needs 'source:'");
        continue;
      }
      auto srcs = r.str(src, "source");
      if (!srcs) continue;
      std::string format = "yaml";
      if (auto f = p.node["format"]) {
        auto fs = r.str(f, "format");
        if (!fs) continue;
        format = *fs;
        if (!known_format(format)) {
          r.error(f, "unsupported entity list format '" + format + "'" +
                         suggest(format, format_names()) + " (known: " + join(format_names()) +
                         ")");
          continue;
        }
      }
      type_set types = default_types();
      if (auto t = p.node["types"]) {
        auto ts = r.str_list(t, "types");
        if (!ts) continue;
        types = 0;
        bool ok = true;
        for (std::size_t i = 0; i < ts->size(); ++i) {
          auto et = entities::parse_entity_type((*ts)[i]);
          if (!et || *et == entities::entity_type::unknown) {
            r.error(t[i], "unknown entity type '" + (*ts)[i] +
                              "' (known: organization, person, vessel, aircraft)");
            ok = false;
            continue;
          }
          types |= type_bit(*et);
        }
        if (!ok) continue;
        // Entities the list does not type (some CSL rows) stay with the non-person types.
        if (types & ~type_bit(entities::entity_type::person))
          types |= type_bit(entities::entity_type::unknown);
      }
      if (srcs->rfind("http://", 0) == 0 || srcs->rfind("https://", 0) == 0) {
        r.error(src, "a rule file's entity list takes a path; a list fetched from a URL (and "
                     "kept current) is declared in the configuration's entity_lists");
        continue;
      }
      std::filesystem::path path = *srcs;
      if (path.is_relative()) path = std::filesystem::path(p.file->path).parent_path() / path;
      const std::string spath = path.lexically_normal().string();
      if (!opts_.read) {
        r.error(src, "cannot read entity source '" + spath + "': no file reader");
        continue;
      }
      auto bytes = opts_.read(spath);
      if (!bytes) {
        r.error(src, "cannot read entity source '" + spath + "': " + bytes.err().message);
        continue;
      }
      import_list(p.name, r.loc(p.key), format, spath, *bytes, types);
    }
  }

  void load_extra_entities(const extra_entity_list& x) {
    if (x.entities) {
      extra_pending_.push_back({x, {}});
      return;
    }
    if (!known_format(x.format)) {
      errs_.push_back({{x.path, 0, 0},
                       "unsupported entity list format '" + x.format + "'" +
                           suggest(x.format, format_names()) + " (known: " + join(format_names()) +
                           ")",
                       {}});
      return;
    }
    if (x.bytes) {
      extra_pending_.push_back({x, x.bytes});
      return;
    }
    if (!opts_.read) return;
    auto bytes = opts_.read(x.path);
    if (!bytes) {
      errs_.push_back({{x.path, 0, 0}, "cannot read: " + bytes.err().message, {}});
      return;
    }
    extra_pending_.push_back({x, std::make_shared<const std::string>(std::move(*bytes))});
  }

  // A list given on the command line keeps the name it was given, unless a rule file already
  // uses it.
  void build_extra_entities() {
    for (auto& [x, bytes] : extra_pending_) {
      std::string name = x.name;
      for (int n = 2; listed_names_.count(name); ++n) name = x.name + "_" + std::to_string(n);
      listed_names_.insert(name);
      if (x.entities) {
        // Ids and names decide what the list screens for, so they make the ruleset's hash.
        for (const auto& e : x.entities->entities) {
          hash_input_ += e.id;
          for (const auto& a : e.names) hash_input_ += "\x1f" + a.text;
        }
        add_entity_list(name, {x.path, 1, 1}, *x.entities, default_types());
        continue;
      }
      import_list(name, {x.path, 1, 1}, x.format, x.path, *bytes, default_types(), &x);
    }
  }

  // Finds "line N" and "column M" in an importer's message ("yaml: line 3, column 7: ...").
  static std::pair<int, int> line_col_in(const std::string& msg) {
    auto number_after = [&](std::string_view word) {
      auto at = msg.find(word);
      if (at == std::string::npos) return 0;
      at += word.size();
      int v = 0;
      while (at < msg.size() && std::isdigit(static_cast<unsigned char>(msg[at])))
        v = v * 10 + (msg[at++] - '0');
      return v;
    };
    return {number_after("line "), number_after("column ")};
  }

  // `given`: a list handed over as bytes, whose companions are bytes too (no file is read).
  void import_list(const std::string& name, location where, const std::string& format,
                   const std::string& path, const std::string& raw, type_set types,
                   const extra_entity_list* given = nullptr) {
    hash_input_ += raw;
    // A list published as a zip archive (a file or a download): its list file, unpacked.
    std::string unpacked;
    if (entities::is_zip(raw)) {
      auto u = entities::unzip_list(raw, format);
      if (!u) {
        errs_.push_back(
            {{path, 0, 0},
             "cannot load entity list '" + name + "' (" + format + "): " + u.err().message,
             {}});
        return;
      }
      unpacked = std::move(*u);
    }
    const std::string& bytes = entities::is_zip(raw) ? unpacked : raw;
    entities::import_options io;
    io.list_name = name;
    result<entities::entity_list> imported = error{"unknown_format", format};
    std::string alt_path, add_path;
    std::string alt, add;
    if (format == "ofac-sdn-csv") {
      // OFAC publishes aliases (alt.csv) and addresses (add.csv) beside sdn.csv.
      const auto dir = std::filesystem::path(path).parent_path();
      if (given && given->bytes) {
        alt_path = path + " (aliases)";
        add_path = path + " (addresses)";
        if (given->aliases) alt = *given->aliases;
        if (given->addresses) add = *given->addresses;
        hash_input_ += alt;
        hash_input_ += add;
      } else if (opts_.read) {
        alt_path = (dir / "alt.csv").string();
        add_path = (dir / "add.csv").string();
        if (auto b = opts_.read(alt_path))
          alt = std::move(*b);
        else
          warnings_.push_back({{path, 0, 0},
                               "entity list '" + name + "': no alt.csv beside " +
                                   std::filesystem::path(path).filename().string() +
                                   ": its aliases, among them the English trade names news "
                                   "uses, will be missed",
                               ""});
        if (auto b = opts_.read(add_path)) add = std::move(*b);
        hash_input_ += alt;
        hash_input_ += add;
      }
      for (auto* companion : {&alt, &add})
        if (entities::is_zip(*companion))
          if (auto u = entities::unzip_list(*companion, format)) *companion = std::move(*u);
    }
    // What this list screens for may be known from an earlier run (engine/list_cache.hpp).
    std::string key;
    if (opts_.cache) {
      key = detail::list_cache_key(format, types, bytes, alt, add);
      if (auto hit = opts_.cache.get(key))
        if (auto prepared = detail::deserialize(*hit)) {
          note_import_warnings(name, path, alt_path, add_path, bytes, prepared->warnings);
          install_entity_list(name, where, *prepared);
          return;
        }
    }
    if (format == "ofac-sdn-csv") {
      imported = entities::import_ofac_sdn_csv(bytes, alt, add, io);
    } else {
      imported = entities::import_entities(format, bytes, io);
    }
    if (!imported) {
      auto [ln, col] = line_col_in(imported.err().message);
      load_error e{
          {path, ln, col},
          "cannot load entity list '" + name + "' (" + format + "): " + imported.err().message,
          {}};
      if (ln > 0) e.source_line = line_of(bytes, ln);
      errs_.push_back(std::move(e));
      return;
    }
    auto prepared = prepare_entity_list(*imported, types);
    for (const auto& w : imported->warnings)
      prepared.warnings.push_back({w.file, std::uint32_t(w.line), std::uint32_t(w.column), w.message});
    note_import_warnings(name, path, alt_path, add_path, bytes, prepared.warnings);
    if (opts_.cache) opts_.cache.put(key, detail::serialize(prepared));
    install_entity_list(name, where, prepared);
  }

  void note_import_warnings(const std::string& name, const std::string& path,
                            const std::string& alt_path, const std::string& add_path,
                            const std::string& bytes,
                            const std::vector<detail::prepared_warning>& warnings) {
    for (const auto& w : warnings) {
      std::string file = path;
      if (w.file == "alt.csv") file = alt_path;
      if (w.file == "add.csv") file = add_path;
      warnings_.push_back({{file, int(w.line), int(w.column)},
                           "entity list '" + name + "': " + w.message,
                           w.line > 0 && file == path ? line_of(bytes, int(w.line)) : ""});
    }
  }

  static std::string line_of(const std::string& bytes, int line) {
    std::size_t b = 0;
    for (int i = 1; i < line && b != std::string::npos; ++i) {
      b = bytes.find('\n', b);
      if (b != std::string::npos) ++b;
    }
    if (b == std::string::npos || b > bytes.size()) return {};
    std::size_t e = bytes.find('\n', b);
    if (e == std::string::npos) e = bytes.size();
    if (e > b && bytes[e - 1] == '\r') --e;
    return bytes.substr(b, std::min<std::size_t>(e - b, 300));
  }

  void add_entity_list(const std::string& name, location where, const entities::entity_list& src,
                       type_set types) {
    install_entity_list(name, std::move(where), prepare_entity_list(src, types));
  }

  // What a list screens for, independent of the ruleset it joins: per entity of the types
  // screened, each name's matching variants as words, with when each may fire alone. The
  // costly part of loading a list, and what the list cache keeps.
  static detail::prepared_list prepare_entity_list(const entities::entity_list& src, type_set types) {
    detail::prepared_list out;
    for (const auto& se : src.entities) {
      if (!(types & type_bit(se.type))) continue;
      detail::prepared_entity en;
      en.id = se.id;
      en.type = std::string(entities::to_string(se.type));
      en.name = se.primary_name;
      en.programs = se.programs;
      std::set<std::string> patterns;  // one alias per matching form and entity
      for (const auto& a : se.names) {
        const bool weak = a.strength == entities::strength::weak;
        for (const auto& v : entities::match_variants(a, se.type)) {
          atom at;
          if (!detail::make_phrase_atom(v, at).empty()) continue;  // no letters: nothing to find
          if (std::find(at.prefix.begin(), at.prefix.end(), true) != at.prefix.end()) continue;
          detail::prepared_alias al;
          al.name = a.text;
          al.stripped = v;
          al.weak = weak;
          al.gate = entities::gate_for(v, weak);
          al.tokens = std::move(at.tokens);
          if (!patterns.insert(at.pattern).second) {
            // The same form again (an alias repeating the name): keep the one that fires more
            // easily, so "SBERBANK" as a name is not gated by a weak alias "Sberbank".
            for (auto& x : en.aliases)
              if (x.tokens == al.tokens && x.gate != entities::name_gate::none &&
                  al.gate == entities::name_gate::none)
                x = al;
            continue;
          }
          en.aliases.push_back(std::move(al));
        }
      }
      if (!en.aliases.empty()) out.entities.push_back(std::move(en));
    }
    return out;
  }

  // A prepared list joins the ruleset: its aliases' phrases become atoms (shared with the
  // rules' terms and other lists), and forms several entities share are marked ambiguous.
  void install_entity_list(const std::string& name, location where,
                           const detail::prepared_list& src) {
    entity_list el;
    el.name = name;
    el.where = std::move(where);
    const auto list_index = static_cast<std::uint32_t>(rs_->entity_lists.size());
    el.entities.reserve(src.entities.size());
    for (const auto& pe : src.entities) {
      entity en;
      en.id = pe.id;
      en.type = pe.type;
      en.name = pe.name;
      en.programs = pe.programs;
      en.aliases.reserve(pe.aliases.size());
      for (const auto& pa : pe.aliases) {
        atom at;
        at.type = atom::kind::phrase;
        at.display = pa.stripped;
        at.tokens = pa.tokens;
        at.prefix.assign(pa.tokens.size(), false);
        for (std::size_t t = 0; t < pa.tokens.size(); ++t)
          at.pattern += (t ? " " : "") + pa.tokens[t];
        entity_alias al;
        al.name = pa.name;
        al.stripped = pa.stripped;
        al.weak = pa.weak;
        al.gate = pa.gate;
        al.needs_context = pa.gate != entities::name_gate::none;
        al.atom = intern(std::move(at));
        en.aliases.push_back(std::move(al));
      }
      el.entities.push_back(std::move(en));
    }
    // Ambiguity: one matching form shared by several entities of the list.
    for (std::uint32_t i = 0; i < el.entities.size(); ++i)
      for (std::uint32_t j = 0; j < el.entities[i].aliases.size(); ++j)
        el.by_atom.push_back({el.entities[i].aliases[j].atom, i, j, list_index});
    std::sort(el.by_atom.begin(), el.by_atom.end(), [](auto& a, auto& b) {
      return std::tie(a.atom, a.entity, a.alias) < std::tie(b.atom, b.entity, b.alias);
    });
    for (std::size_t i = 0; i < el.by_atom.size();) {
      std::size_t k = i;
      while (k < el.by_atom.size() && el.by_atom[k].atom == el.by_atom[i].atom) ++k;
      if (k - i > 1)
        for (std::size_t m = i; m < k; ++m)
          el.entities[el.by_atom[m].entity].aliases[el.by_atom[m].alias].ambiguous = true;
      i = k;
    }
    rs_->entity_lists.push_back(std::move(el));
  }
  // Context for entity names that cannot stand alone: the ruleset's `entity_context` list, or
  // these built-in sanctions/export-control terms.
  void build_context() {
    for (const auto& l : rs_->lists)
      if (l.name == "entity_context") {
        for (const auto& t : l.terms) rs_->context_atoms.push_back(t.atom);
        return;
      }
    for (const char* w : {"sanction*",
                          "embargo*",
                          "blacklist*",
                          "export control*",
                          "entity list",
                          "asset freeze",
                          "assets frozen",
                          "frozen assets",
                          "designat*",
                          "ofac",
                          "sdn",
                          "restrictive measures",
                          "dual-use",
                          "export ban*",
                          "penalt*",
                          "evasion",
                          "evade*",
                          "circumvent*",
                          "blocked",
                          "unverified list",
                          "secondary tariff*",
                          "military end user*"}) {
      term t;
      if (make_term(w, false, t).empty()) rs_->context_atoms.push_back(t.atom);
    }
  }

  std::vector<std::string> all_list_names(bool entity) const {
    std::vector<std::string> v;
    if (entity)
      for (const auto& l : rs_->entity_lists) v.push_back(l.name);
    else
      for (const auto& l : rs_->lists) v.push_back(l.name);
    return v;
  }

  // Macros (`macros: {name: EXPR}` in any rule file, `$name` in `when:` and other macros): each
  // is parsed and resolved once, where it is defined, so its errors are located there; a use
  // copies the resolved tree. Built in definition order, and on first use by an earlier macro.
  enum class macro_state { unbuilt, building, built, failed };
  struct macro_slot {
    std::size_t pending = 0;
    macro_state state = macro_state::unbuilt;
    std::unique_ptr<expr> root;
    location where;
  };

  void build_macros() {
    for (std::size_t i = 0; i < pending_macros_.size(); ++i) {
      auto& p = pending_macros_[i];
      reader r(*p.file, errs_);
      if (!valid_name(p.name)) {
        r.error(p.key, "bad macro name '" + p.name + "' (letters, digits, '_', '-', '.')");
        continue;
      }
      if (auto s = macros_.find(p.name); s != macros_.end()) {
        r.error(p.key, "duplicate macro '$" + p.name + "' (first defined at " +
                           loc_str(s->second.where) + ")");
        continue;
      }
      macro_slot slot;
      slot.pending = i;
      slot.where = r.loc(p.key);
      macros_.emplace(p.name, std::move(slot));
    }
    std::string why;
    for (auto& p : pending_macros_)
      if (auto it = macros_.find(p.name); it != macros_.end() && it->second.pending ==
                                                   std::size_t(&p - pending_macros_.data()))
        macro(p.name, &why);
  }

  const expr* macro(const std::string& name, std::string* why) {
    auto it = macros_.find(name);
    if (it == macros_.end()) {
      std::vector<std::string> names;
      for (const auto& [n, _] : macros_) names.push_back(n);
      *why = "unknown macro '$" + name + "'" + suggest(name, names, "$");
      return nullptr;
    }
    macro_slot& m = it->second;
    switch (m.state) {
      case macro_state::built:
        return m.root.get();
      case macro_state::failed:
        *why = "macro '$" + name + "' has errors (defined at " + loc_str(m.where) + ")";
        return nullptr;
      case macro_state::building:
        *why = "macro '$" + name + "' refers to itself";
        return nullptr;
      case macro_state::unbuilt:
        break;
    }
    m.state = macro_state::building;
    const pending_macro& p = pending_macros_[m.pending];
    reader r(*p.file, errs_);
    const std::size_t errs_before = errs_.size();
    if (auto text = r.str(p.node, "macro")) {
      const macro_lookup lookup = [this](const std::string& n, std::string* w) {
        return macro(n, w);
      };
      auto parsed = parse_expr(*text, &lookup);
      if (!parsed.root) {
        auto [ln, col] = r.file().offset_in_scalar(p.node.Mark(), parsed.error.offset);
        r.error_at(ln, col, parsed.error.message);
      } else {
        resolve(*parsed.root, r, p.node);
        if (errs_.size() == errs_before) {
          m.root = std::move(parsed.root);
          m.root->resolved = true;
          m.state = macro_state::built;
          return m.root.get();
        }
      }
    }
    m.state = macro_state::failed;
    *why = "macro '$" + name + "' has errors (defined at " + loc_str(m.where) + ")";
    return nullptr;
  }

  // Resolves names and builds atoms in an expression tree; errors located in `when`.
  void resolve(expr& e, reader& r, const YAML::Node& when_node) {
    if (e.resolved) return;  // a macro's copy: resolved where the macro is defined
    auto err = [&](std::uint32_t offset, const std::string& msg) {
      auto [ln, col] = r.file().offset_in_scalar(when_node.Mark(), offset);
      r.error_at(ln, col, msg);
    };
    switch (e.kind) {
      case expr::op::list: {
        if (e.name == "*") {
          err(e.offset, "'@*' means every entity list and is only allowed in entity(@*)");
          return;
        }
        auto it = std::find_if(rs_->lists.begin(), rs_->lists.end(),
                               [&](const term_list& l) { return l.name == e.name; });
        if (it != rs_->lists.end()) {
          e.list = static_cast<std::uint32_t>(it - rs_->lists.begin());
          break;
        }
        for (const auto& el : rs_->entity_lists)
          if (el.name == e.name) {
            err(e.offset, "'@" + e.name + "' is an entity list; write entity(@" + e.name + ")");
            return;
          }
        if (listed_names_.count(e.name)) return;  // defined, but failed to load: reported there
        err(e.offset,
            "unknown list '@" + e.name + "'" + suggest(e.name, all_list_names(false), "@"));
        break;
      }
      case expr::op::entity: {
        if (e.name == "*") {
          e.list = all_entity_lists;
          break;
        }
        auto it = std::find_if(rs_->entity_lists.begin(), rs_->entity_lists.end(),
                               [&](const entity_list& l) { return l.name == e.name; });
        if (it != rs_->entity_lists.end()) {
          e.list = static_cast<std::uint32_t>(it - rs_->entity_lists.begin());
          break;
        }
        const auto at = static_cast<std::uint32_t>(e.own.where.column);
        for (const auto& l : rs_->lists)
          if (l.name == e.name) {
            err(at, "'@" + e.name + "' is a term list, entity() needs an entity list");
            return;
          }
        if (listed_names_.count(e.name)) return;
        err(at,
            "unknown entity list '@" + e.name + "'" + suggest(e.name, all_list_names(true), "@"));
        break;
      }
      case expr::op::phrase: {
        std::string m = make_term(e.own.original, false, e.own);
        if (!m.empty()) err(e.offset, m);
        break;
      }
      case expr::op::regex: {
        atom a;
        a.type = atom::kind::regex;
        a.pattern = e.own.original;
        a.display = "/" + e.own.original + "/" + e.regex_flags;
        const unsigned flags = detail::regex_flags(e.regex_flags);
        std::string m = detail::check_regex(a.pattern, flags);
        if (!m.empty()) {
          err(e.offset, "bad regex: " + m);
          break;
        }
        regex_weight_ += detail::regex_weight(a.pattern);
        if (regex_weight_ > detail::max_ruleset_regex_weight) {
          err(e.offset, "bad regex: the ruleset's regexes repeat \\w, \\d, \\s or \\p classes " +
                            std::to_string(regex_weight_) + " times in all (at most " +
                            std::to_string(detail::max_ruleset_regex_weight) + ")");
          break;
        }
        a.pattern += std::string("\x01") + e.regex_flags;  // flags are part of the identity
        e.own.atom = intern(std::move(a));
        break;
      }
      default:
        break;
    }
    for (auto& a : e.args) resolve(*a, r, when_node);
    for (auto& v : e.vetoes) resolve(*v, r, when_node);
  }

  void build_rule(pending_rule& p) {
    reader r(*p.file, errs_);
    const std::size_t errs_before = errs_.size();
    const YAML::Node& n = p.node;
    if (!r.is_map(n, "a rule")) return;
    r.check_keys(n,
                 {"id", "title", "description", "severity", "tags", "fields", "when",
                  "suppresses", "tests"},
                 "a rule");
    rule ru;
    ru.where = r.loc(n);
    if (!n["id"]) {
      r.error(n, "a rule needs 'id:'");
      return;
    }
    if (auto id = r.str(n["id"], "id")) {
      ru.id = *id;
      bool ok = !ru.id.empty();
      for (char c : ru.id)
        if (!std::islower(static_cast<unsigned char>(c)) &&
            !std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
          ok = false;
      if (!ok) r.error(n["id"], "rule id '" + ru.id + "' must use a-z, 0-9, '.', '-', '_'");
      if (auto s = rule_ids_.find(ru.id); s != rule_ids_.end())
        r.error(n["id"],
                "duplicate rule id '" + ru.id + "' (first defined at " + loc_str(s->second) + ")");
      else
        rule_ids_.emplace(ru.id, r.loc(n["id"]));
    }
    if (!n["title"])
      r.error(n, "rule '" + ru.id + "' needs 'title:'");
    else if (auto t = r.str(n["title"], "title"))
      ru.title = *t;
    if (auto d = n["description"])
      if (auto s = r.str(d, "description")) ru.description = *s;
    if (auto s = n["severity"]) {
      if (auto v = r.str(s, "severity")) {
        static const std::vector<std::string> names = {"info", "low", "medium", "high", "critical"};
        if (auto lv = parse_severity(*v))
          ru.level = *lv;
        else
          r.error(s, "bad severity '" + *v + "'" + suggest(*v, names) +
                         "; one of: info, low, medium, high, critical");
      }
    }
    if (auto t = n["tags"])
      if (auto v = r.str_list(t, "tags")) ru.tags = *v;
    if (auto f = n["fields"]) {
      if (auto v = r.str_list(f, "fields")) {
        ru.fields = 0;
        std::size_t i = 0;
        for (const auto& name : *v) {
          field fl;
          if (parse_field(name, fl))
            ru.fields |= mask_of(fl);
          else
            r.error(f[i], "unknown field '" + name + "'" +
                              suggest(name, {"title", "summary", "content", "author", "category",
                                             "link", "article"}) +
                              "; known: title, summary, content, author, category, link, article");
          ++i;
        }
      }
    }
    if (!n["when"]) {
      r.error(n, "rule '" + ru.id + "' needs 'when:'");
    } else if (auto w = r.str(n["when"], "when")) {
      ru.when = *w;
      const macro_lookup lookup = [this](const std::string& name, std::string* why) {
        return macro(name, why);
      };
      auto parsed = parse_expr(ru.when, &lookup);
      if (!parsed.root) {
        auto [ln, col] = r.file().offset_in_scalar(n["when"].Mark(), parsed.error.offset);
        r.error_at(ln, col, parsed.error.message);
      } else {
        resolve(*parsed.root, r, n["when"]);
        ru.root = std::move(parsed.root);
      }
    }
    if (auto t = n["tests"]) build_tests(r, t, ru);
    std::vector<pending_suppression> sup;
    if (auto s = n["suppresses"]) {
      if (!s.IsSequence()) {
        r.error(s, "suppresses must be a list of rule ids");
      } else {
        for (const auto& e : s)
          if (auto id = r.str(e, "a rule id")) sup.push_back({0, *id, e, p.file});
      }
    }
    if (errs_.size() == errs_before) {
      for (auto& x : sup) {
        x.rule = rs_->rules.size();
        pending_suppressions_.push_back(std::move(x));
      }
      rs_->rules.push_back(std::move(ru));
    }
  }

  // `suppresses:` names rules of the ruleset (any file), never the rule itself, and never
  // closes a loop (a rule suppressed through a chain that comes back to it could never be
  // decided).
  void resolve_suppressions() {
    std::map<std::string, std::uint32_t> index;
    std::vector<std::string> ids;
    for (std::uint32_t i = 0; i < rs_->rules.size(); ++i) {
      index.emplace(rs_->rules[i].id, i);
      ids.push_back(rs_->rules[i].id);
    }
    for (const auto& x : pending_suppressions_) {
      reader r(*x.file, errs_);
      rule& ru = rs_->rules[x.rule];
      auto it = index.find(x.id);
      if (it == index.end()) {
        if (rule_ids_.count(x.id)) continue;  // defined, but failed to load: reported there
        r.error(x.node, "rule '" + ru.id + "' suppresses unknown rule '" + x.id + "'" +
                            suggest(x.id, ids));
        continue;
      }
      if (it->second == x.rule) {
        r.error(x.node, "rule '" + ru.id + "' cannot suppress itself");
        continue;
      }
      if (std::find(ru.suppresses.begin(), ru.suppresses.end(), it->second) !=
          ru.suppresses.end())
        continue;
      // A path back from the suppressed rule to this one would close a loop.
      std::vector<std::uint32_t> todo{it->second};
      std::set<std::uint32_t> seen;
      bool loop = false;
      while (!todo.empty() && !loop) {
        const auto k = todo.back();
        todo.pop_back();
        if (k == x.rule) loop = true;
        if (!seen.insert(k).second) continue;
        for (auto n : rs_->rules[k].suppresses) todo.push_back(n);
      }
      if (loop) {
        r.error(x.node, "rule '" + ru.id + "' cannot suppress '" + x.id + "': '" + x.id +
                            "' already suppresses it (directly or through other rules)");
        continue;
      }
      ru.suppresses.push_back(it->second);
      rs_->rules[it->second].suppressed_by.push_back(x.rule);
    }
  }

  void build_tests(reader& r, const YAML::Node& t, rule& ru) {
    if (!r.is_map(t, "tests")) return;
    r.check_keys(t, {"match", "no_match"}, "tests");
    for (const char* kind : {"match", "no_match"}) {
      auto l = t[kind];
      if (!l) continue;
      if (!l.IsSequence()) {
        r.error(l, std::string("tests.") + kind + " must be a list");
        continue;
      }
      for (const auto& c : l) {
        rule_test rt;
        rt.expect_match = std::string(kind) == "match";
        rt.where = r.loc(c);
        if (c.IsScalar()) {
          rt.fields[int(field::content)] = c.Scalar();
          rt.label = c.Scalar();
        } else if (c.IsMap()) {
          r.check_keys(c, {"title", "summary", "content", "author", "category", "link", "article"},
                       "a test case");
          for (auto it = c.begin(); it != c.end(); ++it) {
            field f;
            if (!parse_field(it->first.Scalar(), f)) continue;
            if (auto s = r.str(it->second, it->first.Scalar())) {
              rt.fields[int(f)] = *s;
              rt.label += (rt.label.empty() ? "" : " | ") + it->first.Scalar() + ": " + *s;
            }
          }
        } else {
          r.error(c, "a test case must be a string (content) or a mapping of fields");
          continue;
        }
        ru.tests.push_back(std::move(rt));
      }
    }
  }

 public:
  void note_list_names() {
    for (auto& p : pending_lists_) listed_names_.insert(p.name);
    for (auto& p : pending_entities_) listed_names_.insert(p.name);
  }

 private:
  const load_options& opts_;
  std::unique_ptr<ruleset> rs_;
  std::vector<load_error> errs_;
  std::string hash_input_;
  std::vector<pending_list> pending_lists_;
  std::vector<pending_entity_list> pending_entities_;
  std::vector<pending_rule> pending_rules_;
  std::vector<pending_macro> pending_macros_;
  std::vector<pending_suppression> pending_suppressions_;
  std::map<std::string, macro_slot> macros_;
  std::unordered_map<std::string, std::uint32_t> atom_index_;
  std::uint64_t regex_weight_ = 0;  // Unicode classes repeated, over every regex (compile time)
  std::map<std::string, location> rule_ids_;
  std::set<std::string> listed_names_;
  std::vector<load_error> warnings_;
  std::vector<std::pair<extra_entity_list, std::shared_ptr<const std::string>>> extra_pending_;
};

}  // namespace

diagnostic to_diagnostic(const load_error& e) {
  return {e.where.file, e.where.line, e.where.column, e.message, e.source_line};
}

std::string format_error(const load_error& e) { return format_diagnostic(to_diagnostic(e)); }

std::string entity_list_name_for(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return stem.empty() ? "entities" : stem;
}

std::optional<extra_entity_list> parse_entity_spec(const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return std::nullopt;
  std::string path = spec.substr(colon + 1);
  return extra_entity_list{entity_list_name_for(path), spec.substr(0, colon), path};
}

load_outcome load_ruleset(const std::vector<source_file>& files, const load_options& options) {
  loader l(options);
  return l.run(files);
}

}  // namespace sanctwatch::engine
