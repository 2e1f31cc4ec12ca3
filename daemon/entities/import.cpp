#include "entities/import.hpp"

#include <array>

namespace sanctwatch::entities {

namespace {
constexpr std::array<std::string_view, 8> formats = {
    "ofac-sdn-csv", "ofac-sdn-xml", "csl-csv",   "opensanctions-ftm",
    "uk-csv",       "eu-fsf-xml",   "un-sc-xml", "yaml"};
}  // namespace

std::span<const std::string_view> known_formats() { return formats; }

result<entity_list> import_entities(std::string_view format, std::string_view bytes,
                                    const import_options& options) {
  if (format == "ofac-sdn-csv") return import_ofac_sdn_csv(bytes, {}, {}, options);
  if (format == "ofac-sdn-xml") return import_ofac_sdn_xml(bytes, options);
  if (format == "csl-csv") return import_csl_csv(bytes, options);
  if (format == "opensanctions-ftm") return import_opensanctions_ftm(bytes, options);
  if (format == "uk-csv") return import_uk_csv(bytes, options);
  if (format == "eu-fsf-xml") return import_eu_fsf_xml(bytes, options);
  if (format == "un-sc-xml") return import_un_sc_xml(bytes, options);
  if (format == "yaml") return import_yaml(bytes, options);
  std::string known;
  for (const std::string_view f : formats) known += (known.empty() ? "" : ", ") + std::string(f);
  return error{"unknown_format",
               "unknown entity list format '" + std::string(format) + "' (known: " + known + ")"};
}

}  // namespace sanctwatch::entities
