#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "cli/command.hpp"
#include "core/version.hpp"
#include "engine/load.hpp"
#include "engine/match.hpp"

namespace sanctwatch::cli {

std::string args::get(const std::string& name, const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

std::string config_path(const args& a) {
  return a.get("-c", a.get("--config", SANCTWATCH_DEFAULT_CONFIG));
}

const std::vector<std::string>& args::all(const std::string& name) const {
  static const std::vector<std::string> none;
  auto it = values.find(name);
  return it == values.end() ? none : it->second;
}

const std::vector<command>& commands() {
  static const std::vector<command> list = {
      {"parse",
       "print the normalized items of a feed file, URL or stdin",
       "[--format json|text] INPUT",
       {{"--format", "json|text", "output format (default json)"}},
       run_parse},
      {"extract",
       "print the title, byline, date and main text of an article page (file, URL or stdin)",
       "[--format text|json] [--explain] [--url URL] [--charset NAME] INPUT",
       {{"--format", "text|json", "output format (default text)"},
        {"--explain", "", "show the chosen container, its score, the runners-up and metadata sources"},
        {"--url", "URL", "the page's address, for its canonical link (default: the URL fetched)"},
        {"--charset", "NAME", "the charset HTTP would have sent (wins over the page's <meta>)"}},
       run_extract},
      {"match",
       "match feeds or articles against rules and print alerts",
       "[--rules DIR]... [--entities FORMAT:PATH]... [--format json|text] [--explain] [-j N] INPUT...",
       {{"--rules", "DIR", "rules directory (default: rules); repeatable", true},
        {"--entities", "FORMAT:PATH", "add an entity list for this run; repeatable", true},
        {"--format", "json|text", "output format (default json)"},
        {"--explain", "", "show for every rule whether it fired and why"},
        {"-j", "N", "read and match N inputs at once (default: the number of cores)"}},
       run_match},
      {"check",
       "validate rules and entity lists and run the rules' tests",
       "[--rules DIR]... [--entities FORMAT:PATH]...",
       {{"--rules", "DIR", "rules directory (default: rules); repeatable", true},
        {"--entities", "FORMAT:PATH", "also load this entity list; repeatable", true}},
       run_check},
      {"eval",
       "measure the rules on hand-labelled articles: precision, recall, F1 per tag and rule",
       "--labels FILE.tsv [--rules DIR]... [--entities FORMAT:PATH]... [--entity-labels FILE.tsv] "
       "[--format text|json] DIR",
       {{"--labels", "FILE.tsv", "article labels: id<TAB>tags (comma-separated, or none)"},
        {"--rules", "DIR", "rules directory (default: rules); repeatable", true},
        {"--entities", "FORMAT:PATH", "add an entity list for this run; repeatable", true},
        {"--entity-labels", "FILE.tsv",
         "names each article mentions: id<TAB>name_in_text<TAB>listed_as<TAB>list"},
        {"--entity-list", "NAME", "score recall only on entity labels whose list is NAME"},
        {"--entity-source", "LIST", "score only entities of this entity list (e.g. sdn)"},
        {"--format", "json|text", "output format (default text)"},
        {"--show", "N", "entries per confusion list (default 20; 0: none)"},
        {"--min-precision", "P", "exit 1 when a tag's precision is below P (0 to 1)"},
        {"--min-recall", "R", "exit 1 when a tag's recall is below R (0 to 1)"}},
       run_eval},
      {"backtest",
       "run rules over the item texts the state keeps and print what they would have raised",
       "[-c FILE] [--rules DIR]... [--entities FORMAT:PATH]... [--since T] [--format json|text]",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"},
        {"--rules", "DIR", "rules directory (default: the config's rules); repeatable", true},
        {"--entities", "FORMAT:PATH", "add an entity list for this run; repeatable", true},
        {"--since", "T", "items kept since a date or a duration ago (default 30d)"},
        {"--format", "json|text", "output format (default json)"}},
       run_backtest},
      {"run",
       "the daemon: poll feeds, match, deliver alerts (foreground, for systemd)",
       "[-c FILE]",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"}},
       run_daemon},
      {"poll",
       "poll every due feed once, deliver, exit (for cron and timers)",
       "[-c FILE] [--all]",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"},
        {"--all", "", "poll every feed, due or not"}},
       run_poll},
      {"feeds",
       "show every feed's status: last poll, next poll, items, errors",
       "[-c FILE]",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"}},
       run_feeds},
      {"status",
       "show the daemons sharing the state: node, host, heartbeat, feeds and deliveries held",
       "[-c FILE]",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"}},
       run_status},
      {"lists",
       "show every entity list: source, version, entries, last check and change, status",
       "[-c FILE]",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"}},
       run_lists},
      {"alerts",
       "list recorded alerts with their delivery state per sink",
       "[-c FILE] [--since T] [--rule R] [--limit N] [--format json|text]",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"},
        {"--since", "T", "a date (2024-06-01, RFC 3339) or a duration ago (24h, 7d)"},
        {"--rule", "R", "only this rule id"},
        {"--limit", "N", "at most N alerts, newest first (default 100)"},
        {"--format", "json|text", "output format (default text)"}},
       run_alerts},
      {"replay",
       "re-queue deliveries: dead letters, or everything since a time",
       "[-c FILE] [--sink S] (--since T | --dead)",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"},
        {"--sink", "S", "only deliveries to this sink (default: every sink)"},
        {"--since", "T", "alerts created since a date or a duration ago"},
        {"--dead", "", "dead letters only"}},
       run_replay},
      {"silence",
       "mute alerts matching rules, tags, feeds, entities or words for a while: add, list, expire",
       "add [-c FILE] --match M... (--for D | --until T) [--from T] [--comment TEXT] [--by NAME]"
       " | list [-c FILE] [--all] [--format json|text] | expire [-c FILE] ID",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"},
        {"--match", "M", "FIELD=VALUE or FIELD!=VALUE; fields rule, tag, feed, entity, text; "
                         "repeatable, all must hold", true},
        {"--for", "D", "add: how long it lasts (2h, 7d)"},
        {"--until", "T", "add: when it ends: a date or a duration from now"},
        {"--from", "T", "add: when it starts (default now)"},
        {"--comment", "TEXT", "add: why"},
        {"--by", "NAME", "add: who (default $USER)"},
        {"--all", "", "list: expired silences too"},
        {"--format", "json|text", "list: output format (default text)"}},
       run_silence},
      {"labels",
       "export analysts' labels: an evaluation set for eval, or rule tests per fired rule",
       "export [-c FILE] [--format eval|rule-tests] [--since T] [--out PATH]",
       {{"-c", "FILE", "config file (default " SANCTWATCH_DEFAULT_CONFIG ")"},
        {"--config", "FILE", "same as -c"},
        {"--format", "eval|rule-tests",
         "eval: a folder of labels.tsv and articles/ (default); rule-tests: YAML by rule id"},
        {"--since", "T", "alerts labelled since a date or a duration ago (default: all)"},
        {"--out", "PATH", "the folder (eval) or file (rule-tests; default stdout)"}},
       run_labels},
      {"passwd",
       "print an argon2id hash of a password read from standard input, for web.users",
       "< PASSWORD",
       {},
       run_passwd},
      {"migrate-state",
       "copy a SQLite state file into an empty PostgreSQL database (daemon stopped)",
       "--from PATH --to URI [--password-file FILE]",
       {{"--from", "PATH", "the SQLite state file (migrated to the current schema first)"},
        {"--to", "URI", "the PostgreSQL database: postgresql://USER@HOST[:PORT]/DB[?...]"},
        {"--password-file", "FILE",
         "the database password (default: the URI's, PGPASSFILE or PGPASSWORD)"}},
       run_migrate_state},
  };
  return list;
}

std::optional<rules_args> rules_from(const args& a, const char* cmd) {
  rules_args r;
  r.dirs = a.all("--rules");
  if (r.dirs.empty()) r.dirs.push_back("rules");
  for (const auto& spec : a.all("--entities")) {
    auto x = engine::parse_entity_spec(spec);
    if (!x) {
      std::fprintf(stderr,
                   "sanctwatch %s: --entities wants FORMAT:PATH, e.g. ofac-sdn-csv:sdn.csv\n", cmd);
      return std::nullopt;
    }
    r.extra.push_back(std::move(*x));
  }
  return r;
}

std::shared_ptr<const engine::ruleset> tested_rules(const args& a, const char* cmd) {
  const auto rules = rules_from(a, cmd);
  if (!rules) return nullptr;
  return tested_rules(rules->dirs, rules->extra);
}

std::shared_ptr<const engine::ruleset> tested_rules(
    const std::vector<std::string>& dirs, const std::vector<engine::extra_entity_list>& extra) {
  auto loaded = engine::load_rule_dirs(dirs, extra);
  if (!loaded.rules) {
    for (const auto& e : loaded.errors) std::fputs(engine::format_error(e).c_str(), stderr);
    return nullptr;
  }
  // docs/rules.md: a failing inline test fails the load.
  const auto tests = engine::run_tests(*loaded.rules);
  for (const auto& f : tests.failures)
    std::fprintf(stderr,
                 "%s:%d:%d: error: rule '%s' fails its test \"%s\" (run 'sanctwatch check')\n",
                 f.test->where.file.c_str(), f.test->where.line, f.test->where.column,
                 f.failed_rule->id.c_str(), f.test->label.c_str());
  if (!tests.failures.empty()) return nullptr;
  // A command's rules live until the process ends, and the system takes them back then:
  // freeing a ruleset with a large list name by name took an eighth of a cached start.
  static auto* kept = new std::vector<std::shared_ptr<const engine::ruleset>>;
  kept->push_back(loaded.rules);
  return loaded.rules;
}

bool read_input(const std::string& path, std::string& out, std::string& why) {
  // One read into a buffer of the file's size: a stream copy through a growing
  // stringstream cost more than parsing the feed.
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::string("cannot open: ") + std::strerror(errno);
    return false;
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  // One byte more than the file, so that the read seeing its end needs no growth.
  out.resize(regular ? static_cast<std::size_t>(st.st_size) + 1 : 65536);
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2);
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = std::string("read error: ") + std::strerror(errno);
      if (fd != STDIN_FILENO) ::close(fd);
      return false;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  out.resize(used);
  if (fd != STDIN_FILENO) ::close(fd);
  return true;
}

namespace {

void print_command_help(const command& c, std::FILE* to) {
  std::fprintf(to, "usage: sanctwatch %s %s\n\n%s\n", c.name.c_str(), c.usage.c_str(),
               c.summary.c_str());
  if (!c.options.empty()) std::fprintf(to, "\noptions:\n");
  for (const auto& o : c.options) {
    std::string left = o.name + (o.value_name.empty() ? "" : " " + o.value_name);
    std::fprintf(to, "  %-24s %s\n", left.c_str(), o.help.c_str());
  }
  std::fprintf(to, "  %-24s %s\n", "-h, --help", "show this help");
}

void print_help(std::FILE* to) {
  std::fprintf(to,
               "sanctwatch %s: watches news feeds for sanctions, export controls and named "
               "firms\n\nusage: sanctwatch COMMAND [OPTIONS]\n\ncommands:\n",
               version);
  // Summaries aligned after the longest name, two spaces at least (cli_doc_test.py reads them).
  int width = 0;
  for (const auto& c : commands()) width = std::max(width, static_cast<int>(c.name.size()));
  for (const auto& c : commands())
    std::fprintf(to, "  %-*s  %s\n", width, c.name.c_str(), c.summary.c_str());
  std::fprintf(to,
               "\n'sanctwatch COMMAND --help' shows a command's options. Exit codes: 0 ok, "
               "1 findings or failed checks, 2 usage or input error.\n");
}

bool parse_args(const command& c, int argc, char** argv, args& out, std::string& why) {
  bool options_done = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (options_done || a == "-" || a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    std::string value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a.resize(eq);
      inline_value = true;
    }
    const option* spec = nullptr;
    for (const auto& o : c.options)
      if (o.name == a) spec = &o;
    if (!spec) {
      why = "unknown option '" + a + "'";
      return false;
    }
    if (spec->value_name.empty()) {
      if (inline_value) {
        why = "option '" + a + "' takes no value";
        return false;
      }
      out.values[a].push_back("true");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) {
        why = "option '" + a + "' needs a value (" + spec->value_name + ")";
        return false;
      }
      value = argv[++i];
    }
    auto& vals = out.values[a];
    if (!vals.empty() && !spec->repeatable) {
      why = "option '" + a + "' given twice";
      return false;
    }
    vals.push_back(value);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help(stderr);
    return usage_error;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_help(stdout);
    return ok;
  }
  if (name == "--version" || name == "version") {
    std::printf("sanctwatch %s\n", version);
    return ok;
  }
  for (const auto& c : commands()) {
    if (c.name != name) continue;
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--") break;
      if (a == "--help" || a == "-h") {
        print_command_help(c, stdout);
        return ok;
      }
    }
    args parsed;
    std::string why;
    if (!parse_args(c, argc, argv, parsed, why)) {
      std::fprintf(stderr, "sanctwatch %s: %s\n", name.c_str(), why.c_str());
      print_command_help(c, stderr);
      return usage_error;
    }
    try {
      return c.run(parsed);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sanctwatch %s: internal error: %s\n", name.c_str(), e.what());
      return usage_error;
    }
  }
  std::fprintf(stderr, "sanctwatch: unknown command '%s'\n\n", name.c_str());
  print_help(stderr);
  return usage_error;
}

}  // namespace sanctwatch::cli
