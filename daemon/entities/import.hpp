#pragma once
/// Importers: bytes of a published sanctions list in, entity_list out. No I/O — reading files
/// or URLs (and, for OFAC's CSV set, finding alt.csv/add.csv next to sdn.csv) is the caller's
/// job, one layer up.
///
/// Error model, shared by every importer: a malformed row or record is recorded in
/// entity_list::warnings with its location ("line N: reason") and skipped; the import fails
/// (error code below) only when the input is structurally unreadable or not one entity could
/// be read from a non-empty input.
///
/// Input encoding: valid UTF-8 (with or without BOM) is taken as is; anything else is decoded
/// as windows-1252 (a superset of the printable latin-1 range) with a warning. A trailing
/// 0x1A (DOS EOF) byte, as in OFAC's files, is ignored; CRLF and LF are both accepted.
///
/// Error codes: "empty_input", "no_entities", "bad_header" (CSV without the needed columns),
/// "bad_xml", "bad_yaml", "unknown_format".

#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "entities/entity.hpp"

namespace sanctwatch::entities {

struct import_options {
  std::string list_name;  ///< copied to entity_list::name; defaults to the format name
};

/// OFAC legacy CSV set. `sdn` is sdn.csv (required); `alt` (alt.csv, aliases) and `add`
/// (add.csv, addresses, used for countries) are merged when non-empty. Ids: "ofac-sdn:<ent_num>".
/// The file-level loader should look for alt.csv and add.csv in the directory of sdn.csv and
/// pass them when present.
result<entity_list> import_ofac_sdn_csv(std::string_view sdn, std::string_view alt = {},
                                        std::string_view add = {},
                                        const import_options& options = {});

/// OFAC sdn.xml, read one <sdnEntry> at a time: memory stays proportional to one entry.
result<entity_list> import_ofac_sdn_xml(std::string_view bytes, const import_options& options = {});

/// trade.gov Consolidated Screening List CSV (header row required). Ids: "csl:<id>".
result<entity_list> import_csl_csv(std::string_view bytes, const import_options& options = {});

/// OpenSanctions FollowTheMoney JSON lines; only `target: true` entities of the schemas
/// Person, Company, Organization, LegalEntity, PublicBody, Vessel, Airplane. Ids: "os:<id>".
result<entity_list> import_opensanctions_ftm(std::string_view bytes,
                                             const import_options& options = {});

/// UK Sanctions List / OFSI CSV, one row per name grouped by Unique ID (or Group ID).
/// Ids: "uk:<Unique ID>".
result<entity_list> import_uk_csv(std::string_view bytes, const import_options& options = {});

/// EU Financial Sanctions Files consolidated list, XML 1.1 (<export>/<sanctionEntity>). Ids:
/// "eu-fsf:<logicalId>". subjectType person -> person, enterprise -> organization. Every
/// nameAlias is a name (all languages and scripts); strong="false" ones are weak. Programs are
/// the regulations' programmes (UKR, RUS, IRN, ...); countries come from citizenship and
/// address. Read as one DOM (the file is tens of MB): a document that does not parse is
/// "bad_xml" as a whole.
result<entity_list> import_eu_fsf_xml(std::string_view bytes, const import_options& options = {});

/// UN Security Council Consolidated List XML (<CONSOLIDATED_LIST>, INDIVIDUALS/INDIVIDUAL and
/// ENTITIES/ENTITY). Ids: "un-sc:<REFERENCE_NUMBER>" (DATAID when there is none). Persons'
/// names are FIRST_NAME..FOURTH_NAME joined in order; NAME_ORIGINAL_SCRIPT is an alias; alias
/// QUALITY "Low" is weak, "Good"/"a.k.a." strong, "f.k.a." a former name. Programs: UN_LIST_TYPE;
/// countries: NATIONALITY and address COUNTRY. Read as one DOM, like import_eu_fsf_xml.
result<entity_list> import_un_sc_xml(std::string_view bytes, const import_options& options = {});

/// The project's curated YAML format:
///   namespace: watched          # optional: ids become "watched:<id>"
///   entities:
///     - id: acme-trading          # kept as written (curated ids are owned by the project)
///       type: organization        # organization | person | vessel | aircraft
///       name: ACME Trading Co., Ltd.
///       aliases: [ACME Trading, {name: ACME, strength: weak}]
///       programs: [BIS-EL]
///       countries: [CN]
///       remarks: free text
/// Errors carry line and column from yaml-cpp marks.
result<entity_list> import_yaml(std::string_view bytes, const import_options& options = {});

/// Format names accepted by import_entities, as used in rule files and `--entities FORMAT:PATH`.
std::span<const std::string_view> known_formats();

/// Dispatches on a format name from known_formats(). For "ofac-sdn-csv" only sdn.csv is read;
/// call import_ofac_sdn_csv directly to merge alt.csv and add.csv.
result<entity_list> import_entities(std::string_view format, std::string_view bytes,
                                    const import_options& options = {});

}  // namespace sanctwatch::entities
