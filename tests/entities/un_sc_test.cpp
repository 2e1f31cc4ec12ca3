// The UN Security Council Consolidated List XML importer (un-sc-xml): an invented fixture in
// the published structure, the shared error model, and a listed name found in an article by
// the real binary.
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

// ---------------------------------------------------------------- UN SC XML

TEST(entities_un_sc_xml, fixture) {
  auto r = import_un_sc_xml(fixture("un_sc.xml"));
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity_list& l = r.value();
  EXPECT_EQ(l.name, "un-sc-xml");
  ASSERT_EQ(l.entities.size(), 4u);

  const entity* person = find(l, "un-sc:KPi.901");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(person->type, entity_type::person);
  EXPECT_EQ(person->primary_name, "KALDOR BRENVIK OSTRAM");
  EXPECT_EQ(person->names, (std::vector<alias>{
                               {"KALDOR BRENVIK OSTRAM", strength::strong, alias_kind::primary},
                               {"칼도르 브렌빅", strength::strong, alias_kind::aka},
                               {"Kaldor Brenvick", strength::strong, alias_kind::aka},
                               {"Old Kal", strength::weak, alias_kind::weak_aka},
                               {"The Captain", strength::weak, alias_kind::weak_aka},
                           }));
  EXPECT_EQ(person->programs, std::vector<std::string>{"DPRK"});
  EXPECT_EQ(person->countries,
            (std::vector<std::string>{"Democratic People's Republic of Korea", "Malaysia"}));
  EXPECT_EQ(person->remarks, "Invented test record.");

  // No REFERENCE_NUMBER (empty or absent): DATAID is the id.
  const entity* by_dataid = find(l, "un-sc:9900102");
  ASSERT_NE(by_dataid, nullptr);
  EXPECT_EQ(by_dataid->primary_name, "NOBODY");
  EXPECT_EQ(by_dataid->programs, std::vector<std::string>{"Libya"});

  const entity* firm = find(l, "un-sc:QDe.901");
  ASSERT_NE(firm, nullptr);
  EXPECT_EQ(firm->type, entity_type::organization);
  EXPECT_EQ(firm->primary_name, "TORVANEK MARITIME TRADING COMPANY");
  EXPECT_EQ(firm->names,
            (std::vector<alias>{
                {"TORVANEK MARITIME TRADING COMPANY", strength::strong, alias_kind::primary},
                {"Torvanek Trading", strength::strong, alias_kind::aka},
                {"Torvanek Shipping Est.", strength::strong, alias_kind::fka},
                {"TMTC", strength::weak, alias_kind::weak_aka},
            }));
  EXPECT_EQ(firm->programs, std::vector<std::string>{"Al-Qaida"});
  EXPECT_EQ(firm->countries, (std::vector<std::string>{"Somalia", "Kenya"}));

  const entity* front = find(l, "un-sc:9900202");
  ASSERT_NE(front, nullptr);
  EXPECT_EQ(front->type, entity_type::organization);

  EXPECT_EQ(warning_strings(l),
            std::vector<std::string>{"line 50: <INDIVIDUAL> without REFERENCE_NUMBER or DATAID"});
}

TEST(entities_un_sc_xml, bom_and_dispatcher) {
  auto r = import_entities("un-sc-xml",
                           "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                           "<CONSOLIDATED_LIST><ENTITIES><ENTITY><DATAID>5</DATAID>"
                           "<FIRST_NAME>VELSKARD NETWORK</FIRST_NAME><REFERENCE_NUMBER>CFe.905"
                           "</REFERENCE_NUMBER><UN_LIST_TYPE>Central African Republic"
                           "</UN_LIST_TYPE></ENTITY></ENTITIES></CONSOLIDATED_LIST>\r\n",
                           {"un"});
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r.value().name, "un");
  ASSERT_EQ(r.value().entities.size(), 1u);
  EXPECT_EQ(r.value().entities[0].id, "un-sc:CFe.905");
  EXPECT_EQ(r.value().entities[0].primary_name, "VELSKARD NETWORK");
  EXPECT_EQ(r.value().entities[0].programs, std::vector<std::string>{"Central African Republic"});
  EXPECT_TRUE(r.value().warnings.empty());
}

TEST(entities_un_sc_xml, errors) {
  EXPECT_EQ(import_un_sc_xml("").err().code, "empty_input");
  EXPECT_EQ(import_un_sc_xml("DATAID,FIRST_NAME\n1,X\n").err().code, "bad_xml");
  auto broken = import_un_sc_xml("<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n");
  EXPECT_EQ(broken.err().code, "bad_xml");
  EXPECT_NE(broken.err().message.find("un-sc-xml: line "), std::string::npos)
      << broken.err().message;
  EXPECT_EQ(import_un_sc_xml("<export><sanctionEntity logicalId=\"1\"/></export>").err().code,
            "bad_xml");
  EXPECT_EQ(import_un_sc_xml("<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>")
                .err()
                .code,
            "no_entities");
  auto only_bad = import_un_sc_xml(
      "<CONSOLIDATED_LIST>\n<ENTITIES>\n<ENTITY><DATAID>3</DATAID></ENTITY>\n</ENTITIES>\n"
      "</CONSOLIDATED_LIST>\n");
  EXPECT_EQ(only_bad.err().code, "no_entities");
  EXPECT_NE(only_bad.err().message.find("line 3: 3: no FIRST_NAME"), std::string::npos)
      << only_bad.err().message;
}

TEST(entities_list_formats_end_to_end, un_sc_name_found_in_an_article) {
  int code = -1;
  const std::string out = match_article(
      "un-sc-xml", "un_sc.xml",
      "The committee said Torvanek Maritime Trading Company moved funds for the group.", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("\"un-sc:QDe.901\""), std::string::npos) << out;
}

}  // namespace
}  // namespace sanctwatch::entities
