// The EU Financial Sanctions Files XML importer (eu-fsf-xml): an invented fixture in the
// published structure, the shared error model, and a listed name found in an article by the
// real binary.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "entities/fixture.hpp"
#include "entities/import.hpp"
#include "entities/match_article.hpp"

namespace sanctwatch::entities {
namespace {

using testing::fixture;
using testing::match_article;

const entity* find(const entity_list& list, std::string_view id) {
  for (const entity& e : list.entities)
    if (e.id == id) return &e;
  return nullptr;
}

std::vector<std::string> warning_strings(const entity_list& list) {
  std::vector<std::string> out;
  for (const diagnostic& d : list.warnings) out.push_back(d.str());
  return out;
}

// ---------------------------------------------------------------- EU FSF XML

TEST(entities_eu_fsf_xml, fixture) {
  auto r = import_eu_fsf_xml(fixture("eu_fsf.xml"));
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity_list& l = r.value();
  EXPECT_EQ(l.name, "eu-fsf-xml");
  EXPECT_EQ(l.source_format, "eu-fsf-xml");
  ASSERT_EQ(l.entities.size(), 2u);

  const entity* firm = find(l, "eu-fsf:900101");
  ASSERT_NE(firm, nullptr);
  EXPECT_EQ(firm->type, entity_type::organization);
  EXPECT_EQ(firm->primary_name, "Joint Stock Company Vostrakel Machine Works");
  EXPECT_EQ(
      firm->names,
      (std::vector<alias>{
          {"Joint Stock Company Vostrakel Machine Works", strength::strong, alias_kind::primary},
          {"АО Востракель", strength::strong, alias_kind::aka},
          {"VMW", strength::weak, alias_kind::weak_aka},
      }));
  EXPECT_EQ(firm->programs, (std::vector<std::string>{"UKR", "RUS"}));
  EXPECT_EQ(firm->countries, std::vector<std::string>{"RUSSIAN FEDERATION"});
  EXPECT_EQ(firm->remarks, "Invented test record.");

  const entity* person = find(l, "eu-fsf:900102");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(person->type, entity_type::person);
  EXPECT_EQ(person->primary_name, "Orlan Petrovich Zaskevin");
  // An alias with only first and last name is joined in reading order.
  EXPECT_EQ(person->names, (std::vector<alias>{
                               {"Orlan Petrovich Zaskevin", strength::strong, alias_kind::primary},
                               {"Orlan Zaskevine", strength::strong, alias_kind::aka},
                               {"Uncle Orlo", strength::weak, alias_kind::weak_aka},
                           }));
  EXPECT_EQ(person->programs, std::vector<std::string>{"IRN"});
  // citizenship "UNKNOWN"/"00" is no country.
  EXPECT_EQ(person->countries, std::vector<std::string>{"IRAN (ISLAMIC REPUBLIC OF)"});
  EXPECT_FALSE(person->remarks);

  // The record without logicalId and the one without names are skipped, located.
  EXPECT_EQ(warning_strings(l),
            (std::vector<std::string>{"line 31: <sanctionEntity> without logicalId",
                                      "line 35: logicalId 900104: no <nameAlias> name"}));
}

TEST(entities_eu_fsf_xml, primary_name_prefers_a_strong_english_alias_remarks_mark_weak_ones) {
  auto r = import_eu_fsf_xml(
      "<export><sanctionEntity logicalId=\"1\"><subjectType code=\"enterprise\"/>"
      "<nameAlias wholeName=\"ОРЛАН\" nameLanguage=\"RU\" strong=\"true\"/>"
      "<nameAlias wholeName=\"ORL\" nameLanguage=\"\" strong=\"false\"/>"
      "<nameAlias wholeName=\"Orlan Holding\" nameLanguage=\"EN\" strong=\"true\"/>"
      "<nameAlias wholeName=\"O.H.\" strong=\"true\"><remark>Low quality alias</remark>"
      "</nameAlias></sanctionEntity></export>");
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity& e = r.value().entities.at(0);
  EXPECT_EQ(e.primary_name, "Orlan Holding");
  ASSERT_EQ(e.names.size(), 4u);
  EXPECT_EQ(e.names[0], (alias{"Orlan Holding", strength::strong, alias_kind::primary}));
  EXPECT_EQ(e.names[1], (alias{"ОРЛАН", strength::strong, alias_kind::aka}));
  EXPECT_EQ(e.names[2], (alias{"ORL", strength::weak, alias_kind::weak_aka}));
  // Older files mark a weak alias only in its remark.
  EXPECT_EQ(e.names[3], (alias{"O.H.", strength::weak, alias_kind::weak_aka}));
}

TEST(entities_eu_fsf_xml, bom_and_dispatcher) {
  auto r = import_entities("eu-fsf-xml", fixture("eu_fsf_bom.xml"), {"eu"});
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r.value().name, "eu");
  ASSERT_EQ(r.value().entities.size(), 1u);
  EXPECT_EQ(r.value().entities[0].id, "eu-fsf:900201");
  EXPECT_EQ(r.value().entities[0].primary_name, "Mirtavel Logistics");
  EXPECT_EQ(r.value().entities[0].programs, std::vector<std::string>{"BLR"});
  EXPECT_TRUE(r.value().warnings.empty());
}

TEST(entities_eu_fsf_xml, errors) {
  EXPECT_EQ(import_eu_fsf_xml("").err().code, "empty_input");
  EXPECT_EQ(import_eu_fsf_xml("\xEF\xBB\xBF  \n").err().code, "empty_input");
  auto not_xml = import_eu_fsf_xml("logicalId,wholeName\n1,ACME\n");
  EXPECT_EQ(not_xml.err().code, "bad_xml");
  // Broken XML is refused as a whole, located.
  auto broken = import_eu_fsf_xml(
      "<export>\n<sanctionEntity logicalId=\"1\">\n<nameAlias wholeName=\"X\"\n</export>");
  EXPECT_EQ(broken.err().code, "bad_xml");
  EXPECT_NE(broken.err().message.find("eu-fsf-xml: line "), std::string::npos)
      << broken.err().message;
  // Well-formed, but another document.
  EXPECT_EQ(import_eu_fsf_xml("<sdnList><sdnEntry/></sdnList>").err().code, "bad_xml");
  EXPECT_EQ(import_eu_fsf_xml("<export generationDate=\"2026-01-01\"></export>").err().code,
            "no_entities");
  auto only_bad = import_eu_fsf_xml("<export>\n<sanctionEntity/>\n</export>");
  EXPECT_EQ(only_bad.err().code, "no_entities");
  EXPECT_NE(only_bad.err().message.find("line 2: <sanctionEntity> without logicalId"),
            std::string::npos)
      << only_bad.err().message;
}

TEST(entities_eu_fsf_xml, latin1_input_is_decoded_with_a_warning) {
  auto r = import_eu_fsf_xml(
      "<export><sanctionEntity logicalId=\"7\"><subjectType code=\"person\"/>"
      "<nameAlias wholeName=\"Jos\xE9 Ort\xEDz\" strong=\"true\"/></sanctionEntity></export>");
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r.value().entities.at(0).primary_name, "Jos\xC3\xA9 Ort\xC3\xADz");
  EXPECT_EQ(warning_strings(r.value()),
            std::vector<std::string>{"input: not valid UTF-8; decoded as windows-1252"});
}

TEST(entities_list_formats_end_to_end, eu_fsf_name_found_in_an_article) {
  int code = -1;
  const std::string out = match_article(
      "eu-fsf-xml", "eu_fsf.xml",
      "The Council froze the assets of Vostrakel Machine Works, a tank parts maker.", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("\"eu-fsf:900101\""), std::string::npos) << out;
}

}  // namespace
}  // namespace sanctwatch::entities
