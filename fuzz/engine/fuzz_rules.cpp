// libFuzzer target: the rule loader must turn any bytes into a ruleset or located errors, and
// a ruleset that loads must run its inline tests and match text without failing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/load.hpp"
#include "engine/match.hpp"

namespace {

// What every `source:` of an entity list reads: a small curated list, whatever the path, so
// entity lists of any format are exercised (other formats fail to import: a located error).
constexpr const char* entity_file = R"(entities:
  - id: huawei
    name: Huawei Technologies Co., Ltd.
    type: organization
    aliases: [Huawei, {name: HW, strength: weak}]
    programs: [entity-list]
  - id: golden-star
    name: GOLDEN STAR LLC
    type: vessel
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sanctwatch;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  engine::load_options options;
  options.read = [](const std::string&) -> result<std::string> { return std::string(entity_file); };
  const auto out = engine::load_ruleset({{"fuzz.yaml", bytes}}, options);
  if ((out.rules == nullptr) == out.errors.empty()) std::abort();
  for (const auto& e : out.errors) {
    if (e.message.empty()) std::abort();
    (void)engine::format_error(e);
  }
  if (!out.rules) return 0;
  (void)engine::run_tests(*out.rules);
  // The input itself as an item: its words are likely to hit its own terms.
  item it;
  it.id = "fuzz";
  it.title = bytes.substr(0, bytes.find('\n'));
  it.content = bytes;
  it.authors.push_back(it.title);
  it.link = "https://example.com/" + it.title;
  (void)engine::match(*out.rules, it);
  (void)engine::explain(*out.rules, it);
  return 0;
}
