#include <algorithm>
#include <cctype>
#include <string>

#include <gtest/gtest.h>

#include "entities/legal_forms.hpp"
#include "entities/names.hpp"

namespace sanctwatch::entities {
namespace {

struct strip_case {
  const char* in;
  const char* out;
};

class entities_legal_form_stripping : public ::testing::TestWithParam<strip_case> {};

TEST_P(entities_legal_form_stripping, strips) {
  EXPECT_EQ(strip_legal_forms(GetParam().in), GetParam().out) << GetParam().in;
}

INSTANTIATE_TEST_SUITE_P(
    table, entities_legal_form_stripping,
    ::testing::Values(
        // the brief's examples
        strip_case{"PUBLIC JOINT STOCK COMPANY EXAMPLE MINING", "EXAMPLE MINING"},
        strip_case{"EXAMPLE TRADING CO., LIMITED", "EXAMPLE TRADING"},
        strip_case{"OOO \"ROMASHKA\"", "ROMASHKA"},
        // English and Asian suffixes, one and several
        strip_case{"EXAMPLE TRADING CO., LTD.", "EXAMPLE TRADING"},
        strip_case{"Example Trading Co.,Ltd", "Example Trading"},
        strip_case{"Example Trading Company Limited", "Example Trading"},
        strip_case{"ACME LLC", "ACME"}, strip_case{"ACME L.L.C.", "ACME"},
        strip_case{"ACME, Inc.", "ACME"}, strip_case{"ACME Corp.", "ACME"},
        strip_case{"ACME CORPORATION", "ACME"}, strip_case{"ACME PLC", "ACME"},
        strip_case{"ACME Pte. Ltd.", "ACME"}, strip_case{"ACME SDN. BHD.", "ACME"},
        strip_case{"ACME FZE", "ACME"}, strip_case{"ACME FZCO", "ACME"},
        strip_case{"ACME LLP", "ACME"}, strip_case{"ACME Group Co., Ltd.", "ACME"},
        // Russian, transliterated and Cyrillic, either side
        strip_case{"JSC ROSOBORONEXPORT", "ROSOBORONEXPORT"},
        strip_case{"ROSOBORONEXPORT JSC", "ROSOBORONEXPORT"},
        strip_case{"PJSC SBERBANK", "SBERBANK"}, strip_case{"OJSC EXAMPLE", "EXAMPLE"},
        strip_case{"CJSC EXAMPLE", "EXAMPLE"}, strip_case{"OAO EXAMPLE", "EXAMPLE"},
        strip_case{"ZAO EXAMPLE", "EXAMPLE"}, strip_case{"AO EXAMPLE", "EXAMPLE"},
        strip_case{"PAO EXAMPLE", "EXAMPLE"},
        strip_case{"OPEN JOINT STOCK COMPANY EXAMPLE", "EXAMPLE"},
        strip_case{"CLOSED JOINT STOCK COMPANY EXAMPLE", "EXAMPLE"},
        strip_case{"JOINT STOCK COMPANY \"EXAMPLE BANK\"", "EXAMPLE BANK"},
        strip_case{"LIMITED LIABILITY COMPANY \"ROMASHKA\"", "ROMASHKA"},
        strip_case{"Limited Liability Company Romashka", "Romashka"},
        strip_case{"EXAMPLE BANK (PJSC)", "EXAMPLE BANK"},
        strip_case{
            "\xD0\x9E\xD0\x9E\xD0\x9E \xC2\xAB\xD0\xA0\xD0\x9E\xD0\x9C\xD0\x90\xD0\xA8\xD0\x9A"
            "\xD0\x90\xC2\xBB",
            "\xD0\xA0\xD0\x9E\xD0\x9C\xD0\x90\xD0\xA8\xD0\x9A\xD0\x90"},  // ООО «РОМАШКА»
        strip_case{"EXAMPLE O\xC3\x9C", "EXAMPLE"}, strip_case{"EXAMPLE OU", "EXAMPLE"},
        // EU and Latin America
        strip_case{"Example GmbH", "Example"}, strip_case{"Example AG", "Example"},
        strip_case{"Example S.A.", "Example"}, strip_case{"Example SA", "Example"},
        strip_case{"Example S.A. de C.V.", "Example"}, strip_case{"EXAMPLE SA DE CV", "EXAMPLE"},
        strip_case{"Example SARL", "Example"}, strip_case{"Example S.R.L.", "Example"},
        strip_case{"Example SpA", "Example"}, strip_case{"Example B.V.", "Example"},
        strip_case{"Example N.V.", "Example"}, strip_case{"Example GmbH & Co. KG", "Example"},
        // never empty, never inside a name, western forms never as prefixes
        strip_case{"COMPANY LIMITED", "COMPANY LIMITED"}, strip_case{"LLC", "LLC"},
        strip_case{"AG BANK", "AG BANK"}, strip_case{"COMPANY OF HEROES LTD", "COMPANY OF HEROES"},
        strip_case{"EXAMPLE LIMITED TRADING", "EXAMPLE LIMITED TRADING"},
        strip_case{"ASIA PACIFIC", "ASIA PACIFIC"}, strip_case{"COLTD EXAMPLE", "COLTD EXAMPLE"},
        strip_case{"  NOTHING TO DO  ", "NOTHING TO DO"}, strip_case{"", ""}));

TEST(entities_legal_forms, table_covers_the_required_forms) {
  const std::vector<std::string> required = {"Co.",
                                             "Ltd.",
                                             "Limited",
                                             "LLC",
                                             "L.L.C.",
                                             "Inc.",
                                             "Corp.",
                                             "Corporation",
                                             "Company",
                                             "PLC",
                                             "JSC",
                                             "PJSC",
                                             "OJSC",
                                             "CJSC",
                                             "OOO",
                                             "OAO",
                                             "ZAO",
                                             "AO",
                                             "PAO",
                                             "OÜ",
                                             "GmbH",
                                             "AG",
                                             "S.A.",
                                             "S.A. de C.V.",
                                             "SARL",
                                             "S.R.L.",
                                             "SpA",
                                             "B.V.",
                                             "N.V.",
                                             "Pte. Ltd.",
                                             "Sdn. Bhd.",
                                             "FZE",
                                             "FZCO",
                                             "LLP",
                                             "Public Joint Stock Company",
                                             "Limited Liability Company",
                                             "Joint Stock Company",
                                             "Closed Joint Stock Company",
                                             "Open Joint Stock Company",
                                             "Company Limited",
                                             "Co., Limited",
                                             "Co., Ltd."};
  for (const std::string& r : required) {
    const auto forms = legal_forms();
    EXPECT_TRUE(std::any_of(forms.begin(), forms.end(), [&](const legal_form& f) {
      return f.text == r;
    })) << r;
    EXPECT_EQ(strip_legal_forms("Example " + r), "Example") << r;
  }
}

// ---------------------------------------------------------------- variants

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(entities_match_variants, organization) {
  const auto v = match_variants("OOO \"ROSOBORON-EXPORT\"", entity_type::organization);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.front(), "OOO \"ROSOBORON-EXPORT\"");
  EXPECT_TRUE(contains(v, "OOO ROSOBORON-EXPORT"));
  EXPECT_TRUE(contains(v, "ROSOBORON-EXPORT"));
  EXPECT_TRUE(contains(v, "ROSOBORON EXPORT"));
  EXPECT_TRUE(contains(v, "OOO ROSOBORON EXPORT"));
  // no duplicates
  auto sorted = v;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
}

TEST(entities_match_variants, plain_name_is_only_itself) {
  EXPECT_EQ(match_variants("BANCO NACIONAL DE CUBA", entity_type::organization),
            (std::vector<std::string>{"BANCO NACIONAL DE CUBA"}));
  EXPECT_EQ(match_variants("  SPACED   OUT ", entity_type::organization),
            (std::vector<std::string>{"SPACED OUT"}));
  EXPECT_TRUE(match_variants("  ", entity_type::organization).empty());
  EXPECT_TRUE(match_variants("\"\"", entity_type::organization).size() <= 1);
}

TEST(entities_match_variants, legal_forms_stripped) {
  const auto v = match_variants("EXAMPLE TRADING CO., LTD.", entity_type::organization);
  EXPECT_EQ(v, (std::vector<std::string>{"EXAMPLE TRADING CO., LTD.", "EXAMPLE TRADING"}));
}

TEST(entities_match_variants, persons_reordered_and_not_stripped) {
  const auto v = match_variants("AL-ZAWAHIRI, Ayman", entity_type::person);
  EXPECT_EQ(v, (std::vector<std::string>{"AL-ZAWAHIRI, Ayman", "Ayman AL-ZAWAHIRI",
                                         "AL ZAWAHIRI, Ayman", "Ayman AL ZAWAHIRI"}));
  // "Company" in a person's name is not a legal form.
  EXPECT_EQ(match_variants("John Company", entity_type::person),
            (std::vector<std::string>{"John Company"}));
  EXPECT_EQ(match_variants(alias{"Abu ABBAS", strength::strong, alias_kind::primary},
                           entity_type::person),
            (std::vector<std::string>{"Abu ABBAS"}));
}

// ---------------------------------------------------------------- needs_context

struct context_case {
  const char* name;
  bool needs;
};

class entities_context : public ::testing::TestWithParam<context_case> {};

TEST_P(entities_context, decides) {
  EXPECT_EQ(needs_context(GetParam().name), GetParam().needs) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    table, entities_context,
    ::testing::Values(
        context_case{"HUAWEI", true},                                        // one word, 6 letters
        context_case{"ROSNEFT", true},                                       // 7 letters
        context_case{"ROSOBORONEXPORT", false}, context_case{"SMIC", true},  // acronym
        context_case{"I.R.G.C.", true},                                      // dotted acronym
        context_case{"U.S.", true}, context_case{"INTERNATIONAL", true},     // common word, long
        context_case{"Petroleum", true}, context_case{"GOLDEN STAR", true},  // all common words
        context_case{"GLOBAL TRADING GROUP", true}, context_case{"NATIONAL BANK OF CUBA", true},  // ordinary words: a proper name
        context_case{"BANCO NACIONAL DE CUBA", false}, context_case{"Abu ABBAS", false},
        context_case{"SBERBANK", false},  // 8 letters, not a word
        context_case{"\xD0\x93\xD0\x90\xD0\x97\xD0\x9F\xD0\xA0\xD0\x9E\xD0\x9C",
                     true},  // ГАЗПРОМ: 7
        context_case{"\xD0\x93\xD0\x90\xD0\x97\xD0\x9F\xD0\xA0\xD0\x9E\xD0\x9C\xD0\x91\xD0\x90"
                     "\xD0\x9D\xD0\x9A",
                     false},                             // ГАЗПРОМБАНК
        context_case{"\xD0\x93\xD0\x90\xD0\x97", true},  // ГАЗ
        context_case{"", true}));

TEST(entities_needs_context, weak_aliases_always) {
  EXPECT_TRUE(needs_context(alias{"KHALFAN AL-QAWASMI", strength::weak, alias_kind::weak_aka}));
  EXPECT_FALSE(needs_context(alias{"KHALFAN AL-QAWASMI", strength::strong, alias_kind::aka}));
}

TEST(entities_common_words, english_word_list) {
  // The compiled-in word list: ordinary words and proper nouns alike, any case.
  for (const char* w : {"leverage", "Humanity", "SEPTEMBER", "Wagner", "explorer"})
    EXPECT_TRUE(is_common_word(w)) << w;
  for (const char* w : {"sberbank", "rosoboronexport", "huawei", "suex"})
    EXPECT_FALSE(is_common_word(w)) << w;
  EXPECT_TRUE(is_dictionary_word("argument"));
  EXPECT_FALSE(is_dictionary_word("Argument"));  // the table is lower case
}

TEST(entities_gates, by_name_shape) {
  EXPECT_EQ(gate_for("LEVERAGE", false), name_gate::proper_name_and_support);
  EXPECT_EQ(gate_for("EVIL CORP", false), name_gate::proper_name);
  EXPECT_EQ(gate_for("SMIC", false), name_gate::context);
  EXPECT_EQ(gate_for("SUEX", false), name_gate::context);
  EXPECT_EQ(gate_for("ROSOBORONEXPORT", false), name_gate::none);
  EXPECT_EQ(gate_for("ROSOBORONEXPORT", true), name_gate::context);
  EXPECT_EQ(gate_for("BANCO NACIONAL DE CUBA", false), name_gate::none);
}

TEST(entities_variants, news_forms) {
  auto v = match_variants("SUEX OTC, S.R.O.", entity_type::organization);
  EXPECT_NE(std::find(v.begin(), v.end(), "SUEX"), v.end());
  v = match_variants("PRIVATE MILITARY COMPANY 'WAGNER'", entity_type::organization);
  EXPECT_NE(std::find(v.begin(), v.end(), "WAGNER"), v.end());
  EXPECT_NE(std::find(v.begin(), v.end(), "WAGNER GROUP"), v.end());
  // Nothing distinctive left: no variant.
  v = match_variants("GLOBAL TRADING GROUP", entity_type::organization);
  EXPECT_EQ(std::find(v.begin(), v.end(), "GLOBAL TRADING"), v.end());
}

TEST(entities_common_words, lookup) {
  EXPECT_TRUE(is_common_word("international"));
  EXPECT_TRUE(is_common_word("Shipping,"));
  EXPECT_FALSE(is_common_word("rosneft"));
  EXPECT_FALSE(is_common_word(""));
}

// ---------------------------------------------------------------- ambiguity

std::string ascii_fold(std::string_view s) {
  std::string out;
  for (const char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

entity make(std::string id, entity_type t, std::vector<std::string> names) {
  entity e;
  e.id = std::move(id);
  e.type = t;
  e.primary_name = names.front();
  for (std::size_t i = 0; i < names.size(); ++i)
    e.names.push_back({names[i], strength::strong, i ? alias_kind::aka : alias_kind::primary});
  return e;
}

TEST(entities_find_ambiguous, derived_names_shared_by_entities) {
  entity_list list;
  list.entities.push_back(make("a", entity_type::organization, {"EXAMPLE BANK PJSC", "EXB"}));
  list.entities.push_back(make("b", entity_type::organization, {"Example Bank LLC"}));
  list.entities.push_back(make("c", entity_type::organization, {"OTHER CO", "EXB"}));
  list.entities.push_back(make("d", entity_type::organization, {"UNIQUE NAME LTD"}));
  // The same entity deriving a key twice is not ambiguous.
  list.entities.push_back(make("e", entity_type::organization, {"SOLO LTD", "SOLO LIMITED"}));
  const auto amb = find_ambiguous(list, ascii_fold);
  ASSERT_EQ(amb.size(), 2u);
  EXPECT_EQ(amb[0].key, "example bank");
  EXPECT_EQ(amb[0].entity_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(amb[1].key, "exb");
  EXPECT_EQ(amb[1].entity_ids, (std::vector<std::string>{"a", "c"}));
}

TEST(entities_find_ambiguous, engine_normalization_folds_case_and_diacritics) {
  entity_list list;
  list.entities.push_back(
      make("sg", entity_type::organization, {"Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale SA"}));
  list.entities.push_back(make("sg2", entity_type::organization, {"SOCIETE GENERALE"}));
  list.entities.push_back(make("p1", entity_type::person, {"M\xC3\x9CLLER, Hans"}));
  list.entities.push_back(make("p2", entity_type::person, {"Hans M\xC3\xBCller"}));
  const auto amb = find_ambiguous(list);
  ASSERT_EQ(amb.size(), 2u);
  EXPECT_EQ(amb[0].key, "hans muller");
  EXPECT_EQ(amb[0].entity_ids, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(amb[1].key, "societe generale");
  EXPECT_EQ(amb[1].entity_ids, (std::vector<std::string>{"sg", "sg2"}));
}

TEST(entities_find_ambiguous, empty_list) {
  EXPECT_TRUE(find_ambiguous(entity_list{}, ascii_fold).empty());
}

}  // namespace
}  // namespace sanctwatch::entities
