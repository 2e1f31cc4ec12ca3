// Scoring rules against labelled articles: label files, per-tag and per-rule counts, the
// confusion lists and entity screening.
#include <gtest/gtest.h>

#include "engine/eval.hpp"
#include "helpers.hpp"

namespace sanctwatch::engine::test {
namespace {

namespace ev = engine::eval;

const char* k_rules =
    "lists:\n"
    "  sanc: [sanction*]\n"
    "  acts: [imposed, adopted]\n"
    "  ctl: [export control*]\n"
    "entity_lists:\n"
    "  firms: {source: firms.yaml, format: yaml}\n"
    "rules:\n"
    "  - id: s.new\n"
    "    title: t\n"
    "    tags: [sanctions]\n"
    "    when: near(@sanc, @acts, within=3)\n"
    "  - id: s.any\n"
    "    title: t\n"
    "    tags: [sanctions]\n"
    "    when: '@sanc'\n"
    "  - id: x.ctl\n"
    "    title: t\n"
    "    tags: [export-controls]\n"
    "    when: '@ctl'\n"
    "  - id: e.firm\n"
    "    title: t\n"
    "    tags: [entity]\n"
    "    when: entity(@firms)\n";

const char* k_firms =
    "namespace: w\n"
    "entities:\n"
    "  - {id: '101', name: Acme Drilling}\n"
    "  - {id: '102', name: Borealis Shipping}\n";

std::shared_ptr<const ruleset> load() {
  auto l = load_yaml(k_rules, {{"rules/firms.yaml", k_firms}});
  EXPECT_TRUE(l.rules) << errors_of(l);
  return l.rules;
}

ev::article_result run(const ruleset& rs, const std::string& id, const std::string& text) {
  ev::article_result r;
  r.id = id;
  r.title = id;
  item it = content_item(text, id);
  r.matches = match(rs, it);
  for (auto& x : explain(rs, it))
    if (!x.fired) r.explained.push_back(std::move(x));
  return r;
}

TEST(engine_eval, labels_parse_with_header_tags_and_located_errors) {
  std::vector<diagnostic> errs;
  auto l = ev::parse_labels("id\tlabel\treason\na1\tsanctions\twhy\na2\tnone\n\n# note\n"
                            "a3\tsanctions,export-controls\n",
                            "l.tsv", errs);
  ASSERT_TRUE(errs.empty());
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].tags, std::vector<std::string>{"sanctions"});
  EXPECT_TRUE(l[1].tags.empty());
  EXPECT_EQ(l[2].tags, (std::vector<std::string>{"sanctions", "export-controls"}));
  EXPECT_EQ(l[2].line, 6);

  l = ev::parse_labels("a1\tsanctions\na1\tnone\na2\n a3\tbad tag\n", "l.tsv", errs);
  ASSERT_EQ(errs.size(), 3u);
  EXPECT_EQ(format_diagnostic(errs[0]).rfind("l.tsv:2:1: error: article 'a1' is labelled twice", 0), 0u)
      << format_diagnostic(errs[0]);
  EXPECT_EQ(errs[1].line, 3);
  EXPECT_EQ(errs[2].line, 4);
  EXPECT_EQ(errs[2].column, 5);
}

TEST(engine_eval, tags_and_rules_are_scored_with_confusion_lists) {
  auto rs = load();
  std::vector<diagnostic> errs;
  auto labels = ev::parse_labels(
      "p1\tsanctions\np2\tsanctions\nn1\tnone\nx1\texport-controls\nx2\texport-controls\n", "l",
      errs);
  std::vector<ev::article_result> res = {
      run(*rs, "p1", "Ottawa imposed sanctions on the firm."),
      run(*rs, "p2", "A quiet day for diplomats."),
      run(*rs, "n1", "The league sanctioned the race."),
      run(*rs, "x1", "New export controls on lasers."),
      run(*rs, "x2", "Export figures rose."),
  };
  auto rep = ev::score(*rs, labels, res);
  EXPECT_EQ(rep.articles, 5u);
  ASSERT_EQ(rep.tags.size(), 2u);
  EXPECT_EQ(rep.tags[0].tag, "sanctions");
  EXPECT_EQ(rep.tags[0].labelled, 2u);
  EXPECT_EQ(rep.tags[0].c.tp, 1u);
  EXPECT_EQ(rep.tags[0].c.fp, 1u);
  EXPECT_EQ(rep.tags[0].c.fn, 1u);
  EXPECT_DOUBLE_EQ(rep.tags[0].c.precision(), 0.5);
  EXPECT_DOUBLE_EQ(rep.tags[0].c.recall(), 0.5);
  EXPECT_DOUBLE_EQ(rep.tags[0].c.f1(), 0.5);
  EXPECT_EQ(rep.tags[1].c.tp, 1u);
  EXPECT_EQ(rep.tags[1].c.fn, 1u);
  EXPECT_EQ(rep.tags[1].c.fp, 0u);
  // Rules with a scored tag, in ruleset order; the entity rule is not one of them.
  ASSERT_EQ(rep.rules.size(), 3u);
  EXPECT_EQ(rep.rules[0].rule, "s.new");
  EXPECT_EQ(rep.rules[0].fired, 1u);
  EXPECT_EQ(rep.rules[0].c.tp, 1u);
  EXPECT_EQ(rep.rules[1].rule, "s.any");
  EXPECT_EQ(rep.rules[1].fired, 2u);
  EXPECT_EQ(rep.rules[1].c.fp, 1u);
  // The false positive names its rules and the sentence, hit marked.
  ASSERT_EQ(rep.false_positives.size(), 1u);
  EXPECT_EQ(rep.false_positives[0].article, "n1");
  EXPECT_EQ(rep.false_positives[0].rules, std::vector<std::string>{"s.any"});
  EXPECT_NE(rep.false_positives[0].evidence.find("\u00bbsanctioned\u00ab"), std::string::npos)
      << rep.false_positives[0].evidence;
  // The false negatives say, per rule of the tag, which top-level terms were false.
  ASSERT_EQ(rep.false_negatives.size(), 2u);
  EXPECT_EQ(rep.false_negatives[0].article, "p2");
  ASSERT_EQ(rep.false_negatives[0].reasons.size(), 2u);
  EXPECT_NE(rep.false_negatives[0].reasons[0].find("s.new: [false] @sanc"), std::string::npos)
      << rep.false_negatives[0].reasons[0];
  EXPECT_DOUBLE_EQ(rep.alerts_per_article, 4.0 / 5.0);
  EXPECT_DOUBLE_EQ(rep.alerts_per_negative, 1.0);

  const std::string text = ev::format_text(rep, 10);
  EXPECT_NE(text.find("sanctions"), std::string::npos);
  EXPECT_NE(text.find("false positives (1)"), std::string::npos) << text;
  EXPECT_NE(text.find("false negatives (2)"), std::string::npos) << text;
  const auto j = ev::to_json(rep);
  EXPECT_EQ(j["tags"][0]["tp"], 1);
  EXPECT_DOUBLE_EQ(j["tags"][0]["precision"].get<double>(), 0.5);
  EXPECT_EQ(j["rules"].size(), 3u);
}

TEST(engine_eval, entities_scored_by_list_id_or_name) {
  auto rs = load();
  std::vector<diagnostic> errs;
  auto labels = ev::parse_labels("a\tnone\nb\tnone\n", "l", errs);
  auto gold = ev::parse_entity_labels(
      "id\tname_in_text\tlisted_as\tlist\n"
      "a\tAcme\tACME DRILLING (ent 101)\tOFAC SDN\n"
      "a\tCaspian Star\tCASPIAN STAR (ent 999)\tOFAC SDN\n"
      "b\tBorealis\tBorealis Shipping\tother\n",
      "e", errs);
  ASSERT_TRUE(errs.empty());
  std::vector<ev::article_result> res = {
      run(*rs, "a", "Acme Drilling signed a deal with Borealis Shipping."),
      run(*rs, "b", "Nothing about firms."),
  };
  std::set<std::string> screened = {"101", "102"};
  ev::options opt;
  opt.entity_labels = &gold;
  opt.screened = &screened;
  auto rep = ev::score(*rs, labels, res, opt);
  // a: Acme right (by list id), Borealis wrong (not labelled in a).
  EXPECT_EQ(rep.entities.matches, 2u);
  EXPECT_EQ(rep.entities.right, 1u);
  ASSERT_EQ(rep.entities.wrong.size(), 1u);
  EXPECT_EQ(rep.entities.wrong[0].entity_id, "w:102");
  // Gold: Acme found; Caspian Star is not in the screened list; Borealis in b missed.
  EXPECT_EQ(rep.entities.gold, 2u);
  EXPECT_EQ(rep.entities.found, 1u);
  EXPECT_EQ(rep.entities.not_screened, 1u);
  ASSERT_EQ(rep.entities.missed.size(), 1u);
  EXPECT_EQ(rep.entities.missed[0].article, "b");
  // Only one list's labels for recall.
  opt.entity_list_filter = "OFAC SDN";
  rep = ev::score(*rs, labels, res, opt);
  EXPECT_EQ(rep.entities.gold, 1u);
  EXPECT_EQ(rep.entities.found, 1u);
}

TEST(engine_eval, list_uid) {
  EXPECT_EQ(ev::list_uid("ofac-sdn:33151"), "33151");
  EXPECT_EQ(ev::list_uid("SUEX OTC, S.R.O. (ent 33151)"), "33151");
  EXPECT_EQ(ev::list_uid("watched:huawei"), "");
  EXPECT_EQ(ev::list_uid("Huawei Technologies Co., Ltd."), "");
}

}  // namespace
}  // namespace sanctwatch::engine::test
