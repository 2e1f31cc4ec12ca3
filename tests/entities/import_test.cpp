#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "entities/detail.hpp"
#include "entities/fixture.hpp"
#include "entities/import.hpp"

namespace sanctwatch::entities {
namespace {

using testing::fixture;

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

// ---------------------------------------------------------------- CSV reader and decoding

TEST(entities_csv_reader, quoted_fields_doubled_quotes_crlf_and_multiline) {
  detail::csv_reader r("a,\"b,c\",\"say \"\"hi\"\"\"\r\n1,\"two\nlines\",3\r\n\r\nx,y\n");
  detail::csv_row row;
  ASSERT_TRUE(r.next(row));
  EXPECT_EQ(row.line, 1u);
  EXPECT_EQ(row.fields, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  ASSERT_TRUE(r.next(row));
  EXPECT_EQ(row.line, 2u);
  EXPECT_EQ(row.fields, (std::vector<std::string>{"1", "two\nlines", "3"}));
  ASSERT_TRUE(r.next(row));
  EXPECT_EQ(row.line, 5u);  // the blank line 4 is skipped
  EXPECT_EQ(row.fields, (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(r.next(row));
}

TEST(entities_csv_reader, unterminated_quote_is_a_row_error) {
  detail::csv_reader r("ok,1\n\"never closed,2\n");
  detail::csv_row row;
  ASSERT_TRUE(r.next(row));
  EXPECT_TRUE(row.error.empty());
  ASSERT_TRUE(r.next(row));
  EXPECT_EQ(row.line, 2u);
  EXPECT_EQ(row.error, "unterminated quoted field");
}

TEST(entities_decoding, utf8_stays_latin1_and_cp1252_are_converted_eof_byte_dropped) {
  bool recoded = true;
  EXPECT_EQ(detail::to_utf8("M\xC3\xBCller\n\x1A", &recoded), "M\xC3\xBCller\n");
  EXPECT_FALSE(recoded);
  EXPECT_EQ(detail::to_utf8("M\xFCller \x93quoted\x94\x1A\r\n", &recoded),
            "M\xC3\xBCller \xE2\x80\x9Cquoted\xE2\x80\x9D");
  EXPECT_TRUE(recoded);
  EXPECT_EQ(detail::to_utf8("\xEF\xBB\xBFx", &recoded), "x");
  EXPECT_FALSE(detail::is_valid_utf8("\xC0\xAF"));         // overlong
  EXPECT_FALSE(detail::is_valid_utf8("\xED\xA0\x80"));     // surrogate
  EXPECT_TRUE(detail::is_valid_utf8("\xF0\x9F\x98\x80"));  // emoji
}

TEST(entities_ofac_remarks, weak_akas_with_apostrophes_inside_names) {
  EXPECT_EQ(detail::extract_weak_akas("a.k.a. 'BNC'."), (std::vector<std::string>{"BNC"}));
  EXPECT_EQ(detail::extract_weak_akas("SSN 1; a.k.a. 'ABU-'UMAR'."),
            (std::vector<std::string>{"ABU-'UMAR"}));
  EXPECT_EQ(detail::extract_weak_akas("a.k.a. ''FUPI''; a.k.a. ''AHMED THE TANZANIAN''."),
            (std::vector<std::string>{"FUPI", "AHMED THE TANZANIAN"}));
  EXPECT_EQ(detail::extract_weak_akas("a.k.a. ''ABD-AL-'IZ'; a.k.a. 'ABU YASIR'."),
            (std::vector<std::string>{"'ABD-AL-'IZ", "ABU YASIR"}));
  EXPECT_EQ(detail::extract_weak_akas("a.k.a. 'ABDEL' AZIZ BEN NARVAN'; x"),
            (std::vector<std::string>{"ABDEL' AZIZ BEN NARVAN"}));
  EXPECT_TRUE(detail::extract_weak_akas("no akas here; a.k.a. 'unterminated").empty());
}

TEST(entities_ofac_programs, bracket_forms) {
  EXPECT_EQ(detail::split_ofac_programs("[SDGT] [IRGC]"),
            (std::vector<std::string>{"SDGT", "IRGC"}));
  EXPECT_EQ(detail::split_ofac_programs("SDGT] [IFSR"), (std::vector<std::string>{"SDGT", "IFSR"}));
  EXPECT_EQ(detail::split_ofac_programs("CAATSA - RUSSIA"),
            (std::vector<std::string>{"CAATSA - RUSSIA"}));
  EXPECT_TRUE(detail::split_ofac_programs("-0- ").empty());
}

TEST(entities_person_order, last_first) {
  EXPECT_EQ(detail::person_order("ABBAS, Abu"), "Abu ABBAS");
  EXPECT_EQ(detail::person_order("SMITH, John, Jr."), "John SMITH Jr.");
  EXPECT_EQ(detail::person_order("MADONNA"), "MADONNA");
  EXPECT_EQ(detail::person_order("TRAILING,"), "TRAILING,");
}

// ---------------------------------------------------------------- OFAC SDN CSV

TEST(entities_ofac_sdn_csv, fixture_with_alt_and_add) {
  const auto r = import_ofac_sdn_csv(fixture("sdn.csv"), fixture("alt.csv"), fixture("add.csv"),
                                     {.list_name = "ofac"});
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity_list& list = *r;
  EXPECT_EQ(list.name, "ofac");
  EXPECT_EQ(list.source_format, "ofac-sdn-csv");
  ASSERT_EQ(list.entities.size(), 5u);

  const entity* org = find(list, "ofac-sdn:100");
  ASSERT_NE(org, nullptr);
  EXPECT_EQ(org->type, entity_type::organization);
  EXPECT_EQ(org->primary_name, "EXAMPLE TRADING CO., LTD.");
  EXPECT_EQ(org->programs, (std::vector<std::string>{"SDGT", "IRGC"}));
  EXPECT_EQ(org->countries, (std::vector<std::string>{"United Arab Emirates", "China"}));
  ASSERT_EQ(org->names.size(), 4u);  // primary, 2 weak, 1 alt (the duplicate alt is dropped)
  EXPECT_EQ(org->names[0],
            (alias{"EXAMPLE TRADING CO., LTD.", strength::strong, alias_kind::primary}));
  EXPECT_EQ(org->names[1], (alias{"EXTRA", strength::weak, alias_kind::weak_aka}));
  EXPECT_EQ(org->names[2], (alias{"ABU-'UMAR", strength::weak, alias_kind::weak_aka}));
  EXPECT_EQ(org->names[3],
            (alias{"EXAMPLE TRADING COMPANY LIMITED", strength::strong, alias_kind::aka}));
  ASSERT_TRUE(org->remarks.has_value());

  // Windows-1252 byte 0xDC decoded; individual names reordered, alt names too.
  const entity* person = find(list, "ofac-sdn:101");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(person->type, entity_type::person);
  EXPECT_EQ(person->primary_name, "M\xC3\x9CLLER, Hans");
  EXPECT_EQ(person->names[0].text, "Hans M\xC3\x9CLLER");
  EXPECT_EQ(person->names[1], (alias{"HANSI", strength::weak, alias_kind::weak_aka}));
  EXPECT_EQ(person->names[2], (alias{"Hans MUELLER", strength::strong, alias_kind::aka}));
  EXPECT_EQ(person->countries, (std::vector<std::string>{"Germany"}));

  const entity* vessel = find(list, "ofac-sdn:103");
  ASSERT_NE(vessel, nullptr);
  EXPECT_EQ(vessel->type, entity_type::vessel);
  EXPECT_EQ(vessel->primary_name, "SEA \"STAR\" ONE");
  EXPECT_EQ(vessel->names[1], (alias{"OCEAN STAR", strength::strong, alias_kind::fka}));
  EXPECT_FALSE(vessel->remarks.has_value());

  const entity* jsc = find(list, "ofac-sdn:104");
  ASSERT_NE(jsc, nullptr);
  EXPECT_EQ(jsc->programs, (std::vector<std::string>{"RUSSIA-EO14024", "CAATSA - RUSSIA"}));
  EXPECT_EQ(jsc->names[1], (alias{"ROSOBORON-EXPORT", strength::strong, alias_kind::nka}));

  const entity* plane = find(list, "ofac-sdn:105");
  ASSERT_NE(plane, nullptr);
  EXPECT_EQ(plane->type, entity_type::aircraft);
  EXPECT_EQ(plane->remarks.value_or(""), "Aircraft Model B747;\r\nsecond line");
}

TEST(entities_ofac_sdn_csv, malformed_rows_are_located_and_skipped) {
  const auto r = import_ofac_sdn_csv(fixture("sdn.csv"), fixture("alt.csv"), fixture("add.csv"));
  ASSERT_TRUE(r.ok());
  const auto w = warning_strings(*r);
  EXPECT_EQ(w, (std::vector<std::string>{
                   "input: not valid UTF-8; decoded as windows-1252",
                   "line 3: expected 12 fields, got 4",
                   "line 4: field 1 (ent_num): not a number: 'abc'",
                   // the quoted remark of line 7 spans two lines
                   "line 9: expected 12 fields, got 3",
                   "line 10: field 2 (SDN_Name): empty",
                   "alt.csv line 4: unknown ent_num 999",
                   "add.csv line 4: field 1 (ent_num): not a number",
               }));
}

TEST(entities_ofac_sdn_csv, sdn_alone_and_through_the_dispatcher) {
  const auto r = import_entities("ofac-sdn-csv", fixture("sdn.csv"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->entities.size(), 5u);
  EXPECT_EQ(r->name, "ofac-sdn-csv");
  EXPECT_EQ(find(*r, "ofac-sdn:100")->names.size(), 3u);
}

TEST(entities_ofac_sdn_csv, nothing_readable_is_an_error) {
  auto r = import_ofac_sdn_csv("1,2,3\nfoo\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "no_entities");
  EXPECT_NE(r.err().message.find("line 1: expected 12 fields, got 3"), std::string::npos);
  EXPECT_NE(r.err().message.find("(and 1 more)"), std::string::npos);
  r = import_ofac_sdn_csv("\x1A");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "empty_input");
}

TEST(entities_ofac_sdn_csv, duplicate_ent_num_is_kept_under_a_distinct_id) {
  const auto r = import_ofac_sdn_csv(
      "1,A,-0- ,X,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
      "1,B,-0- ,X,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
      "1,C,-0- ,X,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n",
      "1,1,aka,A2,-0- \n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->entities.size(), 3u);
  EXPECT_EQ(r->entities[0].id, "ofac-sdn:1");
  EXPECT_EQ(r->entities[0].names.size(), 2u);
  EXPECT_EQ(r->entities[1].id, "ofac-sdn:1#2");
  EXPECT_EQ(r->entities[1].names.size(), 1u);
  EXPECT_EQ(r->entities[2].id, "ofac-sdn:1#3");
  EXPECT_EQ(warning_strings(*r),
            (std::vector<std::string>{
                "line 2: duplicate ent_num 1 (first on line 1); kept as ofac-sdn:1#2",
                "line 3: duplicate ent_num 1 (first on line 1); kept as ofac-sdn:1#3"}));
}

// ---------------------------------------------------------------- OFAC SDN XML

TEST(entities_ofac_sdn_xml, fixture) {
  const auto r = import_ofac_sdn_xml(fixture("sdn.xml"));
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity_list& list = *r;
  ASSERT_EQ(list.entities.size(), 3u);

  const entity& org = list.entities[0];
  EXPECT_EQ(org.id, "ofac-sdn:36");
  EXPECT_EQ(org.type, entity_type::organization);
  EXPECT_EQ(org.primary_name, "AEROCARIBBEAN AIRLINES");
  EXPECT_EQ(org.programs, (std::vector<std::string>{"CUBA"}));
  EXPECT_EQ(org.countries, (std::vector<std::string>{"Cuba"}));
  ASSERT_EQ(org.names.size(), 2u);
  EXPECT_EQ(org.names[1], (alias{"AERO-CARIBBEAN", strength::strong, alias_kind::aka}));

  const entity& person = list.entities[1];
  EXPECT_EQ(person.id, "ofac-sdn:2674");
  EXPECT_EQ(person.type, entity_type::person);
  EXPECT_EQ(person.primary_name, "ABBAS, Abu");
  EXPECT_EQ(person.programs, (std::vector<std::string>{"SDGT", "IRGC"}));
  ASSERT_EQ(person.names.size(), 4u);
  EXPECT_EQ(person.names[0], (alias{"Abu ABBAS", strength::strong, alias_kind::primary}));
  EXPECT_EQ(person.names[1], (alias{"ABU ABBAS", strength::weak, alias_kind::weak_aka}));
  EXPECT_EQ(person.names[2], (alias{"Mohammed ZAIDAN", strength::strong, alias_kind::aka}));
  EXPECT_EQ(person.names[3], (alias{"AL-ABBAS", strength::strong, alias_kind::fka}));
  EXPECT_EQ(person.remarks.value_or(""), "DOB 10 Dec 1948.");

  const entity& vessel = list.entities[2];
  EXPECT_EQ(vessel.id, "ofac-sdn:15036");
  EXPECT_EQ(vessel.type, entity_type::vessel);
  EXPECT_EQ(vessel.primary_name, "SEA & SKY");

  const auto w = warning_strings(list);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].rfind("line 48: malformed <sdnEntry>: ", 0), 0u) << w[0];
  EXPECT_EQ(w[1], "line 51: <sdnEntry> without <uid>");
}

TEST(entities_ofac_sdn_xml, errors) {
  auto r = import_ofac_sdn_xml("<html><body>not it</body></html>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "bad_xml");
  r = import_ofac_sdn_xml("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "empty_input");
  // A truncated download: the complete entries still load.
  r = import_ofac_sdn_xml(
      "<sdnList>\n<sdnEntry><uid>1</uid><lastName>A</lastName><sdnType>Entity</sdnType>"
      "</sdnEntry>\n<sdnEntry><uid>2</uid><lastName>B");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->entities.size(), 1u);
  EXPECT_EQ(warning_strings(*r),
            (std::vector<std::string>{"line 3: <sdnEntry> not closed before end of input"}));
  // An empty but well-formed list is not an error.
  r = import_ofac_sdn_xml("<sdnList></sdnList>");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->entities.empty());
}

TEST(entities_ofac_sdn_xml, sdnentry_prefix_lookalikes_are_not_entries) {
  const auto r = import_ofac_sdn_xml(
      "<sdnList><sdnEntryX/><sdnEntry>\n<uid>5</uid><lastName>X</lastName>"
      "<sdnType>Aircraft</sdnType></sdnEntry></sdnList>");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->entities.size(), 1u);
  EXPECT_EQ(r->entities[0].type, entity_type::aircraft);
}

TEST(entities_ofac_sdn_xml, many_entries_stream_with_correct_lines) {
  std::string xml = "<?xml version=\"1.0\"?>\n<sdnList>\n";
  constexpr int n = 20000;
  for (int i = 1; i <= n; ++i)
    xml += "<sdnEntry>\n<uid>" + std::to_string(i) + "</uid>\n<lastName>NAME " + std::to_string(i) +
           "</lastName>\n<sdnType>Entity</sdnType>\n</sdnEntry>\n";
  xml += "<sdnEntry>\n<uid>x</uid><lastName>A <b> B</lastName>\n</sdnEntry>\n</sdnList>\n";
  const auto r = import_ofac_sdn_xml(xml);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->entities.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(r->entities.back().id, "ofac-sdn:20000");
  // 2 header lines, 5 lines per entry: the broken entry starts on line 3 + 5 * n and its
  // mismatched tag is on the entry's second line.
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0].line, 4u + 5u * n) << r->warnings[0].str();
}

// ---------------------------------------------------------------- CSL

TEST(entities_csl_csv, fixture) {
  const auto r = import_csl_csv(fixture("csl.csv"));
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity_list& list = *r;
  ASSERT_EQ(list.entities.size(), 4u);

  const entity* bis = find(list, "csl:e1a2");
  ASSERT_NE(bis, nullptr);
  EXPECT_EQ(bis->type, entity_type::organization);
  EXPECT_EQ(bis->primary_name, "Huawei Technologies Co., Ltd.");
  EXPECT_EQ(bis->programs,
            (std::vector<std::string>{"Entity List (EL) - Bureau of Industry and Security"}));
  EXPECT_EQ(bis->countries, (std::vector<std::string>{"CN"}));
  ASSERT_EQ(bis->names.size(), 3u);
  EXPECT_EQ(bis->names[1].text, "Huawei");
  EXPECT_EQ(bis->names[2].text, "Huawei Device Co., Ltd.");

  const entity* person = find(list, "csl:sdn1");
  ASSERT_NE(person, nullptr);
  EXPECT_EQ(person->type, entity_type::person);
  EXPECT_EQ(person->names[0].text, "Abu ABBAS");
  EXPECT_EQ(person->names[2].text, "Mohammed ZAIDAN");
  EXPECT_EQ(person->programs,
            (std::vector<std::string>{
                "SDGT", "IRGC", "Specially Designated Nationals (SDN) - Treasury Department"}));
  EXPECT_EQ(person->countries, (std::vector<std::string>{"IQ"}));

  const entity* vessel = find(list, "csl:v1");
  ASSERT_NE(vessel, nullptr);
  EXPECT_EQ(vessel->type, entity_type::vessel);
  EXPECT_EQ(vessel->primary_name, "SEA \"BREEZE\"");

  const entity* odd = find(list, "csl:q1");
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(odd->type, entity_type::unknown);

  EXPECT_EQ(warning_strings(list),
            (std::vector<std::string>{
                "line 4: expected 29 fields, got 6", "line 5, column 6: empty 'name'",
                "line 7: duplicate id 'e1a2'", "line 8, column 4: unknown type 'Spaceship'"}));
}

TEST(entities_csl_csv, header_is_required) {
  const auto r = import_csl_csv("a,b,c\n1,2,3\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "bad_header");
  EXPECT_EQ(r.err().message, "csl-csv: line 1: header must have 'source' and 'name' columns");
}

TEST(entities_csl_csv, columns_found_by_header_in_any_order) {
  const auto r = import_csl_csv("name,id,source\r\nACME CORP,7,Entity List\r\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->entities.size(), 1u);
  EXPECT_EQ(r->entities[0].id, "csl:7");
  EXPECT_EQ(r->entities[0].primary_name, "ACME CORP");
}

// ---------------------------------------------------------------- OpenSanctions FtM

TEST(entities_opensanctions_ftm, fixture) {
  const auto r = import_opensanctions_ftm(fixture("ftm.jsonl"));
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity_list& list = *r;
  ASSERT_EQ(list.entities.size(), 5u);

  const entity& org = list.entities[0];
  EXPECT_EQ(org.id, "os:NK-abc");
  EXPECT_EQ(org.type, entity_type::organization);
  EXPECT_EQ(org.primary_name, "Example Mining PJSC");
  ASSERT_EQ(org.names.size(), 4u);
  EXPECT_EQ(org.names[1], (alias{"Example Mining", strength::strong, alias_kind::aka}));
  EXPECT_EQ(org.names[2], (alias{"Old Example", strength::strong, alias_kind::fka}));
  EXPECT_EQ(org.names[3], (alias{"EXM", strength::weak, alias_kind::weak_aka}));
  EXPECT_EQ(org.programs, (std::vector<std::string>{"RUSSIA-EO14024"}));
  EXPECT_EQ(org.countries, (std::vector<std::string>{"ru"}));
  EXPECT_EQ(org.remarks.value_or(""), "Listed 2022.");

  const entity& person = list.entities[1];
  EXPECT_EQ(person.type, entity_type::person);
  EXPECT_EQ(person.names.size(), 2u);  // the repeated name is not an alias
  EXPECT_EQ(person.countries, (std::vector<std::string>{"ru"}));

  EXPECT_EQ(list.entities[2].type, entity_type::vessel);
  EXPECT_EQ(list.entities[2].countries, (std::vector<std::string>{"pa"}));
  EXPECT_EQ(list.entities[3].type, entity_type::aircraft);
  EXPECT_EQ(list.entities[4].primary_name, "Caption Only Group");

  EXPECT_EQ(
      warning_strings(list),
      (std::vector<std::string>{"line 5: not valid JSON", "line 8: entity 'NK-noname' has no name",
                                "line 10: not a JSON object"}));
}

TEST(entities_opensanctions_ftm, only_bad_lines_is_an_error) {
  const auto r = import_opensanctions_ftm("{\n}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "no_entities");
  // Only non-targets: nothing to report, an empty list.
  const auto r2 = import_opensanctions_ftm(
      R"({"id":"a","schema":"Company","properties":{"name":["X"]},"target":false})");
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->entities.empty());
}

// ---------------------------------------------------------------- UK

TEST(entities_uk_csv, fixture_with_title_line_and_grouped_rows) {
  const auto r = import_uk_csv(fixture("uk.csv"));
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity_list& list = *r;
  ASSERT_EQ(list.entities.size(), 3u);

  const entity& person = list.entities[0];
  EXPECT_EQ(person.id, "uk:RUS0001");
  EXPECT_EQ(person.type, entity_type::person);
  EXPECT_EQ(person.primary_name, "Ivan Ivanovich IVANOV");
  ASSERT_EQ(person.names.size(), 3u);
  EXPECT_EQ(person.names[0],
            (alias{"Ivan Ivanovich IVANOV", strength::strong, alias_kind::primary}));
  EXPECT_EQ(person.names[1], (alias{"Ivan IVANOFF", strength::strong, alias_kind::aka}));
  EXPECT_EQ(person.names[2], (alias{"VANYA", strength::weak, alias_kind::weak_aka}));
  EXPECT_EQ(person.programs, (std::vector<std::string>{"Russia"}));
  EXPECT_EQ(person.countries, (std::vector<std::string>{"Russia"}));
  EXPECT_EQ(person.remarks.value_or(""), "\xE2\x80\x9COligarch\xE2\x80\x9D (UK)");

  // The alias row came first; the primary name still leads.
  const entity& bank = list.entities[1];
  EXPECT_EQ(bank.type, entity_type::organization);
  EXPECT_EQ(bank.primary_name, "EXAMPLE BANK PJSC");
  ASSERT_EQ(bank.names.size(), 3u);
  EXPECT_EQ(bank.names[0].kind, alias_kind::primary);
  EXPECT_EQ(bank.names[0].text, "EXAMPLE BANK PJSC");
  EXPECT_EQ(bank.names[1].text, "JSC EXAMPLE BANK");
  EXPECT_EQ(bank.names[2].text,
            "\xD0\x9F\xD0\x90\xD0\x9E \xD0\x9F\xD0\xA0\xD0\x98\xD0\x9C\xD0\x95"
            "\xD0\xA0 \xD0\x91\xD0\x90\xD0\x9D\xD0\x9A");
  EXPECT_EQ(bank.countries, (std::vector<std::string>{"Russia"}));

  EXPECT_EQ(list.entities[2].type, entity_type::vessel);
  EXPECT_EQ(list.entities[2].id, "uk:RUS0003");

  EXPECT_EQ(warning_strings(list),
            (std::vector<std::string>{"line 8: expected 23 fields, got 3",
                                      "line 10, column 2: empty 'Unique ID'"}));
}

TEST(entities_uk_csv, no_header_is_an_error) {
  const auto r = import_uk_csv("just,some\ncsv,rows\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "bad_header");
}

// ---------------------------------------------------------------- YAML

TEST(entities_yaml, fixture) {
  const auto r = import_yaml(fixture("entities.yaml"), {.list_name = "watched"});
  ASSERT_TRUE(r.ok()) << r.err().message;
  const entity_list& list = *r;
  EXPECT_EQ(list.name, "watched");
  ASSERT_EQ(list.entities.size(), 4u);

  const entity& acme = list.entities[0];
  EXPECT_EQ(acme.id, "acme-trading");
  EXPECT_EQ(acme.type, entity_type::organization);
  ASSERT_EQ(acme.names.size(), 4u);
  EXPECT_EQ(acme.names[0],
            (alias{"ACME Trading Co., Ltd.", strength::strong, alias_kind::primary}));
  EXPECT_EQ(acme.names[1], (alias{"ACME Trading", strength::strong, alias_kind::aka}));
  EXPECT_EQ(acme.names[2], (alias{"ACME", strength::weak, alias_kind::weak_aka}));
  EXPECT_EQ(acme.names[3], (alias{"Acme Old Name", strength::strong, alias_kind::fka}));
  EXPECT_EQ(acme.programs, (std::vector<std::string>{"BIS-EL"}));
  EXPECT_EQ(acme.countries, (std::vector<std::string>{"CN", "HK"}));

  const entity& smith = list.entities[1];
  EXPECT_EQ(smith.type, entity_type::person);
  EXPECT_EQ(smith.primary_name, "SMITH, John");
  EXPECT_EQ(smith.names[0].text, "John SMITH");
  EXPECT_EQ(smith.remarks.value_or(""), "Example person.");

  EXPECT_EQ(list.entities[2].id, "bad-type");
  EXPECT_EQ(list.entities[2].type, entity_type::unknown);
  EXPECT_EQ(list.entities[3].names.size(), 2u);

  EXPECT_EQ(warning_strings(list),
            (std::vector<std::string>{
                "line 17, column 5: entity 'no-name': missing 'name'",
                "line 20, column 11: type: expected organization, person, vessel or aircraft, "
                "got 'spaceship'",
                "line 22, column 5: entity: unknown key 'colour'",
                "line 23, column 5: duplicate id 'acme-trading'",
                "line 30, column 33: strength: expected 'strong' or 'weak', got 'medium'",
                "line 31, column 9: alias: expected a string or {name, strength}",
            }));
}

TEST(entities_yaml, syntax_error_has_line_and_column) {
  auto r = import_yaml(fixture("bad_syntax.yaml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "bad_yaml");
  EXPECT_EQ(r.err().message.rfind("yaml: line 4, column 1: ", 0), 0u) << r.err().message;
  r = import_yaml(fixture("bad_shape.yaml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().message, "yaml: line 2, column 3: 'entities' must be a list");
  r = import_yaml("other: 1\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, "bad_yaml");
  r = import_yaml("entities: []\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->entities.empty());
}

// ---------------------------------------------------------------- dispatcher

TEST(entities_import_entities, dispatches_every_known_format) {
  EXPECT_EQ(known_formats().size(), 8u);
  EXPECT_TRUE(import_entities("ofac-sdn-xml", fixture("sdn.xml")).ok());
  EXPECT_TRUE(import_entities("csl-csv", fixture("csl.csv")).ok());
  EXPECT_TRUE(import_entities("opensanctions-ftm", fixture("ftm.jsonl")).ok());
  EXPECT_TRUE(import_entities("uk-csv", fixture("uk.csv")).ok());
  EXPECT_TRUE(import_entities("eu-fsf-xml", fixture("eu_fsf.xml")).ok());
  EXPECT_TRUE(import_entities("un-sc-xml", fixture("un_sc.xml")).ok());
  const auto y = import_entities("yaml", fixture("entities.yaml"));
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->source_format, "yaml");
  const auto bad = import_entities("xlsx", "whatever");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.err().code, "unknown_format");
}

TEST(entities_entity_type, parse_and_print) {
  EXPECT_EQ(parse_entity_type("Individual"), entity_type::person);
  EXPECT_EQ(parse_entity_type(" ship "), entity_type::vessel);
  EXPECT_EQ(parse_entity_type("Entity"), entity_type::organization);
  EXPECT_EQ(parse_entity_type("spaceship"), std::nullopt);
  EXPECT_EQ(to_string(entity_type::aircraft), "aircraft");
  EXPECT_EQ(to_string(alias_kind::weak_aka), "weak_aka");
  EXPECT_EQ(to_string(strength::weak), "weak");
}

}  // namespace
}  // namespace sanctwatch::entities
