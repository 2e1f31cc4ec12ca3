// Entity screening end to end: importer formats as rule inputs, name matching in news prose
// (legal forms, case, possessives, hyphens, word boundaries), the needs-context gate,
// ambiguity, persons only on request, entity(@*), alert entities[], and precision on ordinary
// news against the full OFAC SDN list (skipped without ../shared).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <unistd.h>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/alert.hpp"
#include "feed/parse.hpp"
#include "helpers.hpp"

namespace sanctwatch::engine::test {
namespace {

namespace fs = std::filesystem;

// OFAC legacy CSV: ent_num, name, type, programs, title, call sign, vessel type, tonnage, GRT,
// flag, owner, remarks.
const char* sdn_csv =
    "200,\"PUBLIC JOINT STOCK COMPANY EXAMPLE MINING\",-0- ,RUSSIA-EO14024,-0- ,-0- ,-0- ,-0- ,"
    "-0- ,-0- ,-0- ,-0- \n"
    "201,\"EXAMPLE TRADING CO., LIMITED\",-0- ,\"SDGT] [IRGC\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
    "-0- ,\"a.k.a. 'EXTRA'.\"\n"
    "202,\"ROSNEFT\",-0- ,RUSSIA-EO14024,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "203,\"GOLDEN STAR CO\",-0- ,SDGT,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "204,\"IVANOV, Pyotr Sergeyevich\",individual,RUSSIA-EO14024,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
    "-0- ,-0- \n"
    "205,\"KARAT LLC\",-0- ,IRAN,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "206,\"KARAT LIMITED\",-0- ,SYRIA,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "207,\"SEA BREEZE\",vessel,IRAN,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "208,\"ROSOBORONEXPORT JSC\",-0- ,RUSSIA-EO14024,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "209,\"IS BANK, AO\",-0- ,RUSSIA-EO14024,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "210,\"LEVERAGE, S.A.\",-0- ,CUBA,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "211,\"HUMANITY\",vessel,IRAN,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "212,\"KOVRA OTC, S.R.O.\",-0- ,CYBER2,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "213,\"PRIVATE MILITARY COMPANY 'ZORYAN'\",-0- ,RUSSIA-EO14024,-0- ,-0- ,-0- ,-0- ,-0- ,"
    "-0- ,-0- ,-0- \n"
    "214,\"SEPTEMBER\",-0- ,SDGT,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n";
const char* alt_csv =
    "200,1,aka,\"EXAMPLE MINING-TRANS\",-0- \n"
    "208,2,aka,\"ROSOBORON-EXPORT\",-0- \n";

std::shared_ptr<const ruleset> sdn_rules(const std::string& list_keys = "",
                                         const std::string& when = "entity(@sdn)") {
  auto l = load_yaml("entity_lists:\n  sdn:\n    source: ofac/sdn.csv\n    format: ofac-sdn-csv\n" +
                         list_keys + "rules:\n  - id: x\n    title: X\n    when: '" + when + "'\n",
                     {{"rules/ofac/sdn.csv", sdn_csv}, {"rules/ofac/alt.csv", alt_csv}});
  EXPECT_TRUE(l.rules) << errors_of(l);
  return l.rules;
}

std::vector<entity_hit> entities_in(const ruleset& rs, const std::string& text) {
  auto m = match(rs, content_item(text));
  return m.empty() ? std::vector<entity_hit>{} : m[0].entities;
}

TEST(engine_entity_lists, ofac_csv_with_alt_csv_beside_it) {
  auto rs = sdn_rules();
  ASSERT_TRUE(rs);
  ASSERT_EQ(rs->entity_lists.size(), 1u);
  // The alias from alt.csv is screened.
  auto e = entities_in(*rs, "Example Mining-Trans shipped coal to the port.");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].id, "ofac-sdn:200");
  EXPECT_EQ(e[0].name, "PUBLIC JOINT STOCK COMPANY EXAMPLE MINING");
  EXPECT_EQ(e[0].matched, "Example Mining-Trans");
  EXPECT_EQ(e[0].list, "sdn");
  EXPECT_EQ(e[0].programs, std::vector<std::string>{"RUSSIA-EO14024"});
  EXPECT_FALSE(e[0].ambiguous);
  // Hyphenation variants: "ROSOBORON-EXPORT" matches "Rosoboron Export" too.
  EXPECT_TRUE(fires(*rs, "Rosoboron Export signed a contract."));
  EXPECT_TRUE(fires(*rs, "Rosoboron-Export signed a contract."));
}

TEST(engine_entity_lists, legal_forms_removed_on_both_sides) {
  auto rs = sdn_rules();
  // "EXAMPLE MINING" and "EXAMPLE TRADING" are words of ordinary prose: proper-noun case and
  // a sanctions term in the sentence are needed (the gate), then they match without the form.
  auto e = entities_in(*rs, "Treasury sanctioned Example Mining on Tuesday.");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].id, "ofac-sdn:200");
  EXPECT_EQ(e[0].matched, "Example Mining");
  e = entities_in(*rs, "Example Trading was designated by OFAC.");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].id, "ofac-sdn:201");
  EXPECT_EQ(e[0].programs, (std::vector<std::string>{"SDGT", "IRGC"}));
  // The prose's own legal form is no obstacle, before or after the name.
  EXPECT_TRUE(fires(*rs, "PJSC Example Mining was sanctioned."));
  EXPECT_TRUE(fires(*rs, "Example Trading Co. Ltd was sanctioned."));
  // The full listed name fires alone.
  EXPECT_TRUE(fires(*rs, "Public Joint Stock Company Example Mining reported output."));
}

TEST(engine_entity_lists, all_caps_names_match_mixed_case_prose) {
  auto rs = sdn_rules();
  // One long uncommon word: fires alone in any case.
  EXPECT_TRUE(fires(*rs, "Rosoboronexport delivered the jets."));
  EXPECT_TRUE(fires(*rs, "rosoboronexport delivered the jets."));
  // Possessives count as the word (the matched text is the name itself).
  auto e = entities_in(*rs, "Rosoboronexport's deliveries resumed.");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].matched, "Rosoboronexport");
  EXPECT_TRUE(fires(*rs, "Rosoboronexport\xE2\x80\x99s deliveries resumed."));
  // No match across word boundaries.
  EXPECT_FALSE(fires(*rs, "Rosoboronexporters met."));
  EXPECT_FALSE(fires(*rs, "The neorosoboronexport plan."));
}

TEST(engine_entity_lists, short_and_common_names_need_proper_case_and_context) {
  auto rs = sdn_rules();
  // ROSNEFT: one word of 7 letters.
  EXPECT_FALSE(fires(*rs, "Rosneft raised its dividend."));
  EXPECT_TRUE(fires(*rs, "Rosneft was hit by new sanctions."));
  EXPECT_TRUE(fires(*rs, "ROSNEFT was hit by new sanctions."));
  EXPECT_FALSE(fires(*rs, "rosneft was hit by new sanctions."));
  EXPECT_FALSE(fires(*rs, "Rosneft raised its dividend. Sanctions were not mentioned."));
  // GOLDEN STAR: all common words; Title Case is a proper noun, lower case is prose.
  EXPECT_FALSE(fires(*rs, "The golden star of the show was sanctioned by the league."));
  // Several ordinary words capitalised as a name are a proper name: a mention without support.
  EXPECT_TRUE(fires(*rs, "Golden Star won the race."));
  EXPECT_TRUE(fires(*rs, "Golden Star was designated for sanctions evasion."));
  EXPECT_FALSE(fires(*rs, "Golden star was designated for sanctions evasion."));
  // Fewer than 8 letters over several words.
  EXPECT_FALSE(fires(*rs, "The answer is bank deposits, not sanctions."));
  EXPECT_TRUE(fires(*rs, "Is Bank was added to the sanctions list."));
  // Weak aliases (OFAC remarks a.k.a.): context and case, like short names.
  EXPECT_FALSE(fires(*rs, "An extra shipment arrived."));
  EXPECT_FALSE(fires(*rs, "More extra shipments arrived despite sanctions."));
  EXPECT_TRUE(fires(*rs, "The firm EXTRA was named in the sanctions notice."));
}

TEST(engine_entity_lists, ambiguous_short_names_report_every_candidate) {
  auto rs = sdn_rules();
  EXPECT_FALSE(fires(*rs, "A karat of gold."));
  auto e = entities_in(*rs, "Karat was sanctioned again.");
  ASSERT_EQ(e.size(), 2u);
  for (const auto& x : e) {
    EXPECT_TRUE(x.ambiguous);
    EXPECT_EQ(x.candidates, (std::vector<std::string>{"ofac-sdn:205", "ofac-sdn:206"}));
  }
  // The alert document carries them (docs/alerts.md entities[]).
  auto m = match(*rs, content_item("Karat was sanctioned again."));
  ASSERT_EQ(m.size(), 1u);
  auto doc = make_alert(m, content_item("Karat was sanctioned again."), {"f", "F", "u"},
                        {"i1", "f"}, "h", timestamp{}, {});
  ASSERT_EQ(doc["entities"].size(), 2u);
  EXPECT_EQ(doc["entities"][0]["id"], "ofac-sdn:205");
  EXPECT_EQ(doc["entities"][0]["name"], "KARAT LLC");
  EXPECT_EQ(doc["entities"][0]["matched"], "Karat");
  EXPECT_EQ(doc["entities"][0]["list"], "sdn");
  EXPECT_EQ(doc["entities"][0]["programs"], nlohmann::json::array({"IRAN"}));
  EXPECT_EQ(doc["entities"][0]["ambiguous"], true);
  EXPECT_EQ(doc["entities"][0]["candidates"],
            nlohmann::json::array({"ofac-sdn:205", "ofac-sdn:206"}));
  auto one = match(*rs, content_item("Rosoboronexport delivered the jets."));
  ASSERT_EQ(one.size(), 1u);
  auto d1 = make_alert(one, content_item("x"), {}, {"i1", ""}, "h", timestamp{}, {});
  EXPECT_EQ(d1["entities"][0]["ambiguous"], false);
  EXPECT_FALSE(d1["entities"][0].contains("candidates"));
}

TEST(engine_entity_lists, persons_only_when_asked_and_types_filter) {
  auto rs = sdn_rules();
  EXPECT_FALSE(fires(*rs, "Pyotr Ivanov was sanctioned."));
  auto persons = sdn_rules("    types: [person]\n");
  auto e = entities_in(*persons, "Pyotr Sergeyevich Ivanov was sanctioned.");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].id, "ofac-sdn:204");
  EXPECT_EQ(e[0].type, "person");
  EXPECT_EQ(e[0].name, "IVANOV, Pyotr Sergeyevich");
  EXPECT_FALSE(fires(*persons, "Rosoboronexport delivered the jets."));
  auto vessels = sdn_rules("    types: [vessel]\n");
  EXPECT_TRUE(fires(*vessels, "The tanker Sea Breeze was sanctioned."));
  EXPECT_FALSE(fires(*vessels, "Rosoboronexport delivered the jets."));
}

TEST(engine_entity_lists, every_importer_format_loads_as_a_rule_input) {
  const std::string data = std::string(SANCTWATCH_TEST_DATA) + "/entities/";
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::pair<const char*, const char*> formats[] = {
      {"ofac-sdn-csv", "sdn.csv"}, {"ofac-sdn-xml", "sdn.xml"},     {"csl-csv", "csl.csv"},
      {"opensanctions-ftm", "ftm.jsonl"}, {"uk-csv", "uk.csv"}, {"eu-fsf-xml", "eu_fsf.xml"},
      {"un-sc-xml", "un_sc.xml"},         {"yaml", "entities.yaml"}};
  for (const auto& [format, file] : formats) {
    auto l = load_yaml(std::string("entity_lists:\n  l:\n    source: d/") + file +
                           "\n    format: " + format +
                           "\n    types: [organization, person, vessel, aircraft]\n"
                           "rules:\n  - id: x\n    title: X\n    when: entity(@l)\n",
                       {{std::string("rules/d/") + file, slurp(data + file)},
                        {"rules/d/alt.csv", slurp(data + "alt.csv")},
                        {"rules/d/add.csv", slurp(data + "add.csv")}});
    ASSERT_TRUE(l.rules) << format << ": " << errors_of(l);
    EXPECT_FALSE(l.rules->entity_lists[0].entities.empty()) << format;
    // Every fixture has rows the importer skips: reported as located warnings.
    for (const auto& w : l.warnings) EXPECT_EQ(w.where.file.rfind("rules/d/", 0), 0u) << format;
  }
}

TEST(engine_entity_lists, list_load_errors_are_located) {
  auto l = load_yaml(
      "entity_lists:\n  sdn:\n    source: sdn.csv\n    format: ofac-sdn-csv\nrules: []\n",
      {{"rules/sdn.csv", "not,a\nsdn,file\n"}});
  ASSERT_FALSE(l.rules);
  ASSERT_EQ(l.errors.size(), 1u) << errors_of(l);
  EXPECT_EQ(l.errors[0].where.file, "rules/sdn.csv");
  EXPECT_NE(l.errors[0].message.find("cannot load entity list 'sdn' (ofac-sdn-csv)"),
            std::string::npos)
      << l.errors[0].message;
  auto star = load_yaml("rules:\n  - id: x\n    title: X\n    when: '@* and @a'\nlists:\n  a: [a]\n");
  ASSERT_EQ(star.errors.size(), 1u) << errors_of(star);
  EXPECT_EQ(star.errors[0].message, "'@*' means every entity list and is only allowed in entity(@*)");
  EXPECT_EQ(star.errors[0].where.line, 4);
}

TEST(engine_entity_lists, entity_star_screens_every_list_including_extra_ones) {
  load_options o;
  o.read = [](const std::string& p) -> result<std::string> {
    if (p == "rules/firms.yaml")
      return std::string("entities:\n  - id: h\n    name: Huawei Technologies Co., Ltd.\n");
    if (p == "/lists/sdn.csv") return std::string(sdn_csv);
    return error{"io", "no such file"};
  };
  o.extra_entities = {*parse_entity_spec("ofac-sdn-csv:/lists/sdn.csv")};
  auto l = load_ruleset({{"rules/r.yaml",
                          "entity_lists:\n  firms:\n    source: firms.yaml\nrules:\n  - id: x\n"
                          "    title: X\n    when: entity(@*)\n"}},
                        o);
  ASSERT_TRUE(l.rules) << errors_of(l);
  ASSERT_EQ(l.rules->entity_lists.size(), 2u);
  EXPECT_EQ(l.rules->entity_lists[1].name, "sdn");
  auto a = entities_in(*l.rules, "Huawei Technologies shipped routers.");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].list, "firms");
  auto b = entities_in(*l.rules, "Rosoboronexport delivered the jets.");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].list, "sdn");
  EXPECT_EQ(b[0].id, "ofac-sdn:208");
  EXPECT_FALSE(parse_entity_spec("sdn.csv"));
  EXPECT_FALSE(parse_entity_spec("yaml:"));
}

// --- the real list ---------------------------------------------------------------------------

const std::string sdn_dir = std::string(SANCTWATCH_SHARED_DIR) + "/data/ofac-sdn-2022-01";

std::shared_ptr<const ruleset> default_rules_with_sdn(double* seconds = nullptr) {
  const auto t0 = std::chrono::steady_clock::now();
  auto l = load_rule_dirs({std::string(SANCTWATCH_SOURCE_DIR) + "/rules"},
                          {{"ofac_sdn", "ofac-sdn-csv", sdn_dir + "/sdn.csv"}});
  if (seconds)
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(l.rules) << errors_of(l);
  return l.rules;
}

TEST(engine_entity_lists, real_sdn_loads_fast_and_screens) {
  if (!fs::exists(sdn_dir + "/sdn.csv")) GTEST_SKIP() << "no " << sdn_dir;
  double seconds = 0;
  auto rs = default_rules_with_sdn(&seconds);
  ASSERT_TRUE(rs);
  // Load + import + compile; the target is < 2 s in an optimized build.
  EXPECT_LT(seconds, 10.0);
  const entity_list* sdn = nullptr;
  for (const auto& l : rs->entity_lists)
    if (l.name == "ofac_sdn") sdn = &l;
  ASSERT_NE(sdn, nullptr);
  EXPECT_GT(sdn->entities.size(), 4000u);  // non-persons of 9,044 entries
  auto m = match(*rs, content_item("Treasury sanctioned Rosoboronexport and Sovcomflot."));
  bool named = false;
  for (const auto& r : m)
    for (const auto& e : r.entities) named |= e.id.rfind("ofac-sdn:", 0) == 0;
  EXPECT_TRUE(named);
}

// Precision: ordinary news against the full SDN list raises (almost) nothing.
TEST(engine_entity_lists, real_sdn_is_quiet_on_ordinary_news) {
  if (!fs::exists(sdn_dir + "/sdn.csv")) GTEST_SKIP() << "no " << sdn_dir;
  const std::string gen = std::string(SANCTWATCH_SHARED_DIR) + "/bench/gen_corpus.py";
  if (!fs::exists(gen)) GTEST_SKIP() << "no " << gen;
  const fs::path out = fs::temp_directory_path() / ("sanctwatch-neutral-" + std::to_string(::getpid()));
  const std::string cmd = "python3 '" + gen + "' --feeds 100 --items 30 --hit-rate 0 --seed 11 --out '" +
                          out.string() + "' > /dev/null";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "cannot run " << gen;
  auto rs = default_rules_with_sdn();
  ASSERT_TRUE(rs);
  std::size_t items = 0, alerts = 0;
  std::ifstream list(out / "feeds.txt");
  for (std::string rel; std::getline(list, rel);) {
    std::ifstream in(out / rel, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = feed::parse(ss.str());
    ASSERT_TRUE(doc) << rel;
    for (const auto& it : doc->items) {
      ++items;
      for (const auto& m : match(*rs, it)) {
        ++alerts;
        ADD_FAILURE() << "false positive " << m.matched_rule->id << " on " << it.title;
      }
    }
  }
  fs::remove_all(out);
  EXPECT_EQ(items, 3000u);
  EXPECT_LE(alerts, 3u);  // measured: 0
  // The negative test articles too.
  const std::string articles = std::string(SANCTWATCH_TEST_DATA) + "/articles";
  for (const auto& e : fs::directory_iterator(articles)) {
    if (e.path().filename().string().rfind("neg_", 0) != 0) continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_TRUE(match(*rs, content_item(ss.str())).empty()) << e.path();
  }
}


TEST(engine_entity_lists, ordinary_words_need_a_proper_name_and_support) {
  auto rs = sdn_rules();
  // Words of the English word list never match as prose.
  EXPECT_FALSE(fires(*rs, "The talks gave Kyiv leverage over the negotiations."));
  EXPECT_FALSE(fires(*rs, "Crimes against humanity were alleged, and sanctions followed."));
  EXPECT_FALSE(fires(*rs, "Sanctions were announced in September."));
  // Capitalised at a sentence start or in a title proves nothing.
  EXPECT_FALSE(fires(*rs, "Leverage is what sanctions are for."));
  item titled = content_item("Nothing else here.");
  titled.title = "Sanctions Leverage Grows";
  EXPECT_TRUE(match(*rs, titled).empty());
  // Capitalised inside a sentence, with support: a sanctions word or the entity's kind.
  EXPECT_TRUE(fires(*rs, "OFAC said Leverage had been designated for sanctions evasion."));
  EXPECT_TRUE(fires(*rs, "Shares of the Panama firm Leverage fell."));
  EXPECT_TRUE(fires(*rs, "Coast guards boarded the tanker Humanity off Oman."));
  EXPECT_FALSE(fires(*rs, "Coast guards praised Humanity First volunteers off Oman."));
  // Without support a capitalised ordinary word is still prose.
  EXPECT_FALSE(fires(*rs, "Officials said Humanity would prevail."));
  // Part of a longer name: "the Department of Humanity", "Humanity Watch".
  EXPECT_FALSE(fires(*rs, "The Department of Humanity imposed sanctions."));
  EXPECT_FALSE(fires(*rs, "Investigators at Humanity Watch cited sanctions."));
}

TEST(engine_entity_lists, news_forms_of_listed_names) {
  auto rs = sdn_rules();
  // A descriptor dropped around a distinctive name: "KOVRA OTC, S.R.O." is "Kovra".
  auto e = entities_in(*rs, "Treasury sanctioned the exchange Kovra on Tuesday.");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].id, "ofac-sdn:212");
  EXPECT_EQ(e[0].matched, "Kovra");
  // The quoted name inside a listed one, and "the X Group".
  e = entities_in(*rs, "Fighters of the Zoryan Group crossed the border.");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].id, "ofac-sdn:213");
  EXPECT_EQ(e[0].matched, "Zoryan Group");
  EXPECT_EQ(e[0].type, "organization");
  EXPECT_EQ(e[0].programs, std::vector<std::string>{"RUSSIA-EO14024"});
}

TEST(engine_entity_lists, sdn_csv_without_alt_csv_warns) {
  auto l = load_yaml("entity_lists:\n  sdn:\n    source: ofac/sdn.csv\n    format: ofac-sdn-csv\n"
                     "rules:\n  - id: x\n    title: X\n    when: entity(@sdn)\n",
                     {{"rules/ofac/sdn.csv", sdn_csv}});
  ASSERT_TRUE(l.rules) << errors_of(l);
  bool warned = false;
  for (const auto& w : l.warnings)
    warned |= w.message.find("no alt.csv beside sdn.csv") != std::string::npos &&
              w.message.find("English trade names") != std::string::npos;
  EXPECT_TRUE(warned);
}

// --- the list cache -----------------------------------------------------------------------

// A cache in memory that counts what it is asked.
struct memory_cache {
  std::map<std::string, std::string> entries;
  int gets = 0, hits = 0, puts = 0;
  list_cache handle() {
    list_cache c;
    c.get = [this](const std::string& k) -> std::optional<std::string> {
      ++gets;
      auto it = entries.find(k);
      if (it == entries.end()) return std::nullopt;
      ++hits;
      return it->second;
    };
    c.put = [this](const std::string& k, const std::string& v) {
      ++puts;
      entries[k] = v;
    };
    return c;
  }
};

load_outcome load_with_cache(memory_cache& cache, const std::string& csv = sdn_csv) {
  load_options o;
  o.read = [csv](const std::string& p) -> result<std::string> {
    if (p == "/lists/sdn.csv") return csv;
    if (p == "/lists/alt.csv") return std::string(alt_csv);
    return error{"io", "no such file"};
  };
  o.extra_entities = {*parse_entity_spec("ofac-sdn-csv:/lists/sdn.csv")};
  o.cache = cache.handle();
  return load_ruleset({{"rules/r.yaml", "rules:\n  - id: x\n    title: X\n    when: entity(@*)\n"}}, o);
}

// Everything a list screens for, in a form two loads can be compared by.
std::string screening_of(const ruleset& rs) {
  std::string out;
  for (const auto& l : rs.entity_lists)
    for (const auto& e : l.entities) {
      out += l.name + "|" + e.id + "|" + e.type + "|" + e.name + "|";
      for (const auto& p : e.programs) out += p + ",";
      for (const auto& a : e.aliases)
        out += "\n  " + a.name + "|" + a.stripped + "|" + rs.atoms[a.atom].pattern + "|" +
               std::to_string(a.weak) + std::to_string(int(a.gate)) +
               std::to_string(a.needs_context) + std::to_string(a.ambiguous);
      out += "\n";
    }
  return out;
}

TEST(engine_list_cache, a_cached_list_loads_as_the_import_did) {
  memory_cache cache;
  auto first = load_with_cache(cache);
  ASSERT_TRUE(first.rules) << errors_of(first);
  EXPECT_EQ(cache.hits, 0);
  EXPECT_EQ(cache.puts, 1);
  auto second = load_with_cache(cache);
  ASSERT_TRUE(second.rules) << errors_of(second);
  EXPECT_EQ(cache.hits, 1);
  EXPECT_EQ(cache.puts, 1);  // nothing new to keep
  EXPECT_EQ(screening_of(*first.rules), screening_of(*second.rules));
  EXPECT_NE(screening_of(*second.rules).find("ROSOBORON-EXPORT"), std::string::npos);
  EXPECT_EQ(first.rules->hash, second.rules->hash);
  // Importer warnings come back too.
  ASSERT_EQ(first.warnings.size(), second.warnings.size());
  for (std::size_t i = 0; i < first.warnings.size(); ++i)
    EXPECT_EQ(format_error(first.warnings[i]), format_error(second.warnings[i]));
  // And it screens as before: gates, ambiguity, programs.
  for (const auto* text : {"Rosoboronexport delivered the jets.", "Karat signed a deal.",
                           "The tanker Humanity docked.", "In September the rains came."})
    EXPECT_EQ(nlohmann::json(entities_in(*first.rules, text).size()).dump(),
              nlohmann::json(entities_in(*second.rules, text).size()).dump())
        << text;
  auto e = entities_in(*second.rules, "Rosoboronexport delivered the jets.");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].id, "ofac-sdn:208");
  EXPECT_EQ(e[0].programs, std::vector<std::string>{"RUSSIA-EO14024"});
}

TEST(engine_list_cache, another_list_or_a_damaged_entry_is_imported_again) {
  memory_cache cache;
  ASSERT_TRUE(load_with_cache(cache).rules);
  // A changed list is another key.
  const std::string changed = std::string(sdn_csv) +
                              "215,\"NORTHWIND SHIPPING\",-0- ,IRAN,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
                              "-0- ,-0- \n";
  auto l = load_with_cache(cache, changed);
  ASSERT_TRUE(l.rules);
  EXPECT_EQ(cache.hits, 0);
  EXPECT_EQ(cache.entries.size(), 2u);
  EXPECT_EQ(entities_in(*l.rules, "Northwind Shipping loaded oil.").size(), 1u);
  // A damaged entry (one byte changed, or cut short) is not used, and is replaced.
  for (auto& [k, v] : cache.entries) v[v.size() / 2] ^= 0x20;
  l = load_with_cache(cache);
  ASSERT_TRUE(l.rules);
  EXPECT_EQ(cache.hits, 1);  // found, refused
  EXPECT_EQ(entities_in(*l.rules, "Rosoboronexport delivered the jets.").size(), 1u);
  for (auto& [k, v] : cache.entries) v.resize(v.size() - 7);
  EXPECT_TRUE(load_with_cache(cache).rules);
  // The key: the build, the format, the types, every byte of the list and its companions.
  using detail::list_cache_key;
  const auto k = list_cache_key("ofac-sdn-csv", 7, "a", "b", "c");
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k, list_cache_key("ofac-sdn-csv", 7, "a", "b", "c"));
  EXPECT_NE(k, list_cache_key("csl-csv", 7, "a", "b", "c"));
  EXPECT_NE(k, list_cache_key("ofac-sdn-csv", 5, "a", "b", "c"));
  EXPECT_NE(k, list_cache_key("ofac-sdn-csv", 7, "ab", "", "c"));
  EXPECT_NE(k, list_cache_key("ofac-sdn-csv", 7, "a", "b", "cd"));
  EXPECT_FALSE(detail::build_id().empty());
}

TEST(engine_list_cache, the_real_sdn_list_screens_the_same_from_the_cache) {
  if (!fs::exists(sdn_dir + "/sdn.csv")) GTEST_SKIP() << "no " << sdn_dir;
  const auto dir = fs::temp_directory_path() / ("sanctwatch-sdn-cache-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const auto load = [&](list_cache cache) {
    std::vector<load_error> errors;
    auto files = read_rule_dirs({std::string(SANCTWATCH_SOURCE_DIR) + "/rules"}, errors);
    load_options o;
    o.read = read_disk_file;
    o.extra_entities = {{"ofac_sdn", "ofac-sdn-csv", sdn_dir + "/sdn.csv"}};
    o.cache = std::move(cache);
    return load_ruleset(files, o);
  };
  const auto plain = load({});
  const auto filled = load(disk_list_cache(dir.string()));
  const auto cached = load(disk_list_cache(dir.string()));
  ASSERT_TRUE(plain.rules && filled.rules && cached.rules);
  EXPECT_EQ(screening_of(*plain.rules), screening_of(*filled.rules));
  EXPECT_EQ(screening_of(*plain.rules), screening_of(*cached.rules));
  EXPECT_EQ(plain.warnings.size(), cached.warnings.size());
  EXPECT_EQ(plain.rules->atoms.size(), cached.rules->atoms.size());
  // The word index came from the cache too (an entry of its own), and finds the same.
  EXPECT_GE(std::distance(fs::directory_iterator(dir / "lists"), fs::directory_iterator()), 3);
  for (const auto* text : {"Treasury sanctioned Rosoboronexport and Sovcomflot.",
                           "The tanker Humanity docked in September.",
                           "Commerce added Huawei to the Entity List."})
    EXPECT_EQ(entities_in(*plain.rules, text).size(), entities_in(*cached.rules, text).size())
        << text;
  fs::remove_all(dir);
}

TEST(engine_list_cache, entries_round_trip_and_bad_bytes_are_refused) {
  detail::prepared_list l;
  l.entities.push_back({"ofac-sdn:1", "organization", "ACME", {"IRAN", "SDGT"},
                        {{"ACME LLC", "ACME", true, entities::name_gate::context, {"acme"}},
                         {"Acme Trading", "Acme Trading", false, entities::name_gate::none,
                          {"acme", "trading"}}}});
  l.warnings.push_back({"alt.csv", 3, 7, "a row without a name"});
  const auto bytes = detail::serialize(l);
  const auto back = detail::deserialize(bytes);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->entities.size(), 1u);
  EXPECT_EQ(back->entities[0].programs, (std::vector<std::string>{"IRAN", "SDGT"}));
  ASSERT_EQ(back->entities[0].aliases.size(), 2u);
  EXPECT_TRUE(back->entities[0].aliases[0].weak);
  EXPECT_EQ(back->entities[0].aliases[0].gate, entities::name_gate::context);
  EXPECT_EQ(back->entities[0].aliases[1].tokens, (std::vector<std::string>{"acme", "trading"}));
  EXPECT_EQ(back->warnings[0].file, "alt.csv");
  EXPECT_EQ(back->warnings[0].column, 7u);
  EXPECT_EQ(detail::serialize(*back), bytes);
  // Every truncation, and a flipped byte anywhere, is refused.
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(detail::deserialize(std::string_view(bytes).substr(0, n))) << n;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    EXPECT_FALSE(detail::deserialize(bad)) << i;
  }
  EXPECT_FALSE(detail::deserialize(bytes + "x"));
}

TEST(engine_list_cache, the_disk_cache_keeps_the_newest_entries) {
  const auto dir = fs::temp_directory_path() / ("sanctwatch-cache-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto c = disk_list_cache(dir.string(), 2);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c.get("k1"));
  c.put("k1", "one");
  EXPECT_EQ(c.get("k1"), std::optional<std::string>("one"));
  c.put("k2", "two");
  fs::last_write_time(dir / "lists" / "k1", fs::file_time_type::clock::now() - std::chrono::hours(2));
  fs::last_write_time(dir / "lists" / "k2", fs::file_time_type::clock::now() - std::chrono::hours(1));
  c.put("k3", "three");
  EXPECT_FALSE(c.get("k1"));  // the oldest went
  EXPECT_EQ(c.get("k3"), std::optional<std::string>("three"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "lists"), fs::directory_iterator()), 2);
  // A place it cannot write is no cache, not an error.
  auto nowhere = disk_list_cache("/proc/sanctwatch-cache");
  nowhere.put("k", "v");
  EXPECT_FALSE(nowhere.get("k"));
  EXPECT_FALSE(disk_list_cache(""));
  fs::remove_all(dir);
  // Where: SANCTWATCH_CACHE_DIR, "off" for nowhere, else systemd's, else XDG's.
  ::setenv("SANCTWATCH_CACHE_DIR", "off", 1);
  EXPECT_EQ(default_cache_dir(), "");
  ::unsetenv("SANCTWATCH_CACHE_DIR");
  ::setenv("CACHE_DIRECTORY", "/var/cache/sanctwatch:/other", 1);
  EXPECT_EQ(default_cache_dir(), "/var/cache/sanctwatch");
  ::unsetenv("CACHE_DIRECTORY");
  ::setenv("XDG_CACHE_HOME", "/home/ana/.cache", 1);
  EXPECT_EQ(default_cache_dir(), "/home/ana/.cache/sanctwatch");
  ::unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace sanctwatch::engine::test
