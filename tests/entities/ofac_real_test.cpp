// The real OFAC SDN CSV set of January 2022, from ../shared (never copied into the project).
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "entities/fixture.hpp"
#include "entities/import.hpp"
#include "entities/names.hpp"
#include "text/normalize.hpp"

namespace sanctwatch::entities {
namespace {

class entities_ofac_real : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::filesystem::path dir =
        std::filesystem::path(SANCTWATCH_SHARED_DIR) / "data" / "ofac-sdn-2022-01";
    const auto sdn = testing::read_file(dir / "sdn.csv");
    const auto alt = testing::read_file(dir / "alt.csv");
    const auto add = testing::read_file(dir / "add.csv");
    if (!sdn || !alt || !add) return;
    auto r = import_ofac_sdn_csv(*sdn, *alt, *add, {.list_name = "ofac-sdn"});
    if (r.ok())
      list_ = new entity_list(std::move(*r));
    else
      error_ = new std::string(r.err().message);
  }
  static void TearDownTestSuite() {
    delete list_;
    delete error_;
    list_ = nullptr;
    error_ = nullptr;
  }
  void SetUp() override {
    if (!list_ && !error_)
      GTEST_SKIP() << "no " << SANCTWATCH_SHARED_DIR << "/data/ofac-sdn-2022-01";
    ASSERT_EQ(error_, nullptr) << *error_;
  }
  static const entity& get(std::string_view id) {
    for (const entity& e : list_->entities)
      if (e.id == id) return e;
    static const entity none;
    ADD_FAILURE() << "no entity " << id;
    return none;
  }
  static bool has_name(const entity& e, std::string_view text, strength s, alias_kind k) {
    for (const alias& a : e.names)
      if (a.text == text) return a.strength == s && a.kind == k;
    return false;
  }

  static inline entity_list* list_ = nullptr;
  static inline std::string* error_ = nullptr;
};

TEST_F(entities_ofac_real, counts) {
  EXPECT_EQ(list_->entities.size(), 9044u);
  std::size_t alt_aliases = 0;
  std::size_t weak = 0;
  std::size_t persons = 0;
  std::size_t vessels = 0;
  std::size_t aircraft = 0;
  for (const entity& e : list_->entities) {
    EXPECT_FALSE(e.names.empty()) << e.id;
    EXPECT_EQ(e.names.front().kind, alias_kind::primary) << e.id;
    for (const alias& a : e.names) {
      if (a.kind == alias_kind::aka || a.kind == alias_kind::fka || a.kind == alias_kind::nka)
        ++alt_aliases;
      if (a.strength == strength::weak) ++weak;
    }
    persons += e.type == entity_type::person;
    vessels += e.type == entity_type::vessel;
    aircraft += e.type == entity_type::aircraft;
  }
  // alt.csv has 12,409 rows; a handful repeat the primary name or another alias exactly and
  // are kept once.
  EXPECT_LE(alt_aliases, 12409u);
  EXPECT_GE(alt_aliases, 12300u);
  EXPECT_EQ(vessels, 420u);
  EXPECT_EQ(aircraft, 280u);
  EXPECT_EQ(persons, 4643u);
  EXPECT_GT(weak, 2000u);
  // The January 2022 file repeats ent_num 2677 on its last line for HAMER AND NAIL
  // CONSTRUCTION LIMITED, whose real number (34489) only add.csv still carries.
  std::vector<std::string> warnings;
  for (const diagnostic& d : list_->warnings) warnings.push_back(d.str());
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "line 9044: duplicate ent_num 2677 (first on line 57); kept as "
                          "ofac-sdn:2677#2",
                          "add.csv line 13625: unknown ent_num 34489"}));
  EXPECT_EQ(get("ofac-sdn:2677#2").primary_name, "HAMER AND NAIL CONSTRUCTION LIMITED");
}

TEST_F(entities_ofac_real, known_entries) {
  const entity& bnc = get("ofac-sdn:306");
  EXPECT_EQ(bnc.primary_name, "BANCO NACIONAL DE CUBA");
  EXPECT_EQ(bnc.type, entity_type::organization);
  EXPECT_EQ(bnc.programs, (std::vector<std::string>{"CUBA"}));
  EXPECT_TRUE(has_name(bnc, "BNC", strength::weak, alias_kind::weak_aka));
  EXPECT_TRUE(has_name(bnc, "NATIONAL BANK OF CUBA", strength::strong, alias_kind::aka));
  EXPECT_EQ(bnc.countries, (std::vector<std::string>{"Switzerland", "Spain", "Japan", "Panama"}));

  const entity& abbas = get("ofac-sdn:2674");
  EXPECT_EQ(abbas.type, entity_type::person);
  EXPECT_EQ(abbas.primary_name, "ABBAS, Abu");
  EXPECT_EQ(abbas.names.front().text, "Abu ABBAS");

  const entity& anglo = get("ofac-sdn:173");
  EXPECT_EQ(anglo.primary_name, "ANGLO-CARIBBEAN CO., LTD.");
  EXPECT_TRUE(has_name(anglo, "AVIA IMPORT", strength::strong, alias_kind::aka));
  EXPECT_EQ(anglo.countries, (std::vector<std::string>{"United Kingdom"}));

  const entity& marzook = get("ofac-sdn:3754");
  EXPECT_EQ(marzook.names.front().text, "Mousa Mohammed ABU MARZOOK");
  EXPECT_TRUE(has_name(marzook, "ABU-'UMAR", strength::weak, alias_kind::weak_aka));
  // Weak AKAs of individuals are reordered like every other person name.
  EXPECT_TRUE(has_name(get("ofac-sdn:19449"), "Abu Human Bakr ibn 'Abd al-'Aziz AL-ATHARI",
                       strength::weak, alias_kind::weak_aka));
  EXPECT_EQ(marzook.programs, (std::vector<std::string>{"SDGT"}));
}

TEST_F(entities_ofac_real, multi_program_entries) {
  std::size_t multi = 0;
  for (const entity& e : list_->entities) {
    multi += e.programs.size() > 1;
    for (const std::string& p : e.programs) {
      EXPECT_EQ(p.find('['), std::string::npos) << e.id;
      EXPECT_EQ(p.find(']'), std::string::npos) << e.id;
    }
  }
  EXPECT_GT(multi, 500u);
}

TEST_F(entities_ofac_real, every_name_has_variants) {
  std::size_t variants = 0;
  for (const entity& e : list_->entities)
    for (const alias& a : e.names) {
      const auto v = match_variants(a, e.type);
      ASSERT_FALSE(v.empty()) << e.id << " " << a.text;
      variants += v.size();
    }
  EXPECT_GT(variants, 25000u);
}

}  // namespace
}  // namespace sanctwatch::entities

namespace sanctwatch::entities {
namespace {

TEST_F(entities_ofac_real, ambiguous_names_with_the_engine_normalization) {
  const auto amb = find_ambiguous(*list_);
  EXPECT_GT(amb.size(), 200u);
  EXPECT_LT(amb.size(), 1000u);
  auto candidates = [&](std::string_view key) {
    for (const ambiguous_name& a : amb)
      if (a.key == key) return a.entity_ids;
    return std::vector<std::string>{};
  };
  // Branch offices listed as separate entries under one name.
  EXPECT_EQ(candidates("al-rashid trust"),
            (std::vector<std::string>{"ofac-sdn:6912", "ofac-sdn:7201"}));
  EXPECT_EQ(candidates("msc"), (std::vector<std::string>{"ofac-sdn:17187", "ofac-sdn:28687"}));
  EXPECT_EQ(candidates("al aqsa sinabil establishment").size(), 9u);
  for (const ambiguous_name& a : amb) {
    EXPECT_GE(a.entity_ids.size(), 2u);
    EXPECT_EQ(a.key, text::normalize_text(a.key)) << "keys are already normalized";
  }
}

}  // namespace
}  // namespace sanctwatch::entities
