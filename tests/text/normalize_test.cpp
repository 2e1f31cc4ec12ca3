#include "text/normalize.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace sanctwatch::text {
namespace {

// The invariants every result must hold, whatever the input.
void expect_well_formed(std::string_view original, const normalized& n) {
  ASSERT_EQ(n.origin.size(), n.text.size() + 1);
  EXPECT_EQ(n.origin.back(), original.size());
  for (std::size_t i = 1; i < n.origin.size(); ++i) {
    ASSERT_LE(n.origin[i - 1], n.origin[i]) << "origin not monotonic at " << i;
  }
  for (std::uint32_t o : n.origin) ASSERT_LE(o, original.size());
}

// The original bytes behind the first occurrence of `needle` in the normalized text.
std::string_view original_of(std::string_view original, const normalized& n,
                             std::string_view needle) {
  const std::size_t s = n.text.find(needle);
  if (s == std::string::npos) return "<not found>";
  const std::size_t e = s + needle.size();
  return original.substr(n.origin[s], n.origin[e] - n.origin[s]);
}

TEST(Normalize, AsciiLowercased) {
  EXPECT_EQ(normalize_text("Huawei SMIC ZTE"), "huawei smic zte");
  EXPECT_EQ(normalize_text("Entity List, 2024: OK!"), "entity list, 2024: ok!");
  EXPECT_EQ(normalize_text(""), "");
  const normalized n = normalize("AbC");
  EXPECT_EQ(n.text, "abc");
  EXPECT_EQ(n.origin, (std::vector<std::uint32_t>{0, 1, 2, 3}));
}

// The 16-byte path and the byte loop must agree wherever a block boundary falls: possessives
// and capitals at every offset, with and without a buffer reused from a longer text.
TEST(Normalize, WideAsciiPathMatchesByteLoop) {
  normalized reused;
  normalize(std::string(300, 'X') + "\u00e9", reused);
  for (std::size_t pad = 0; pad < 40; ++pad) {
    const std::string original = std::string(pad, 'A') + " Huawei's CHIPS and the bank's " +
                                 std::string(pad % 7, ' ') + "LOANS'S rose; Rosneft's. " +
                                 std::string(33, 'q') + "'s end";
    // Expected: lower case, "'s" after a word and before a non-word removed.
    std::string want;
    for (std::size_t i = 0; i < original.size(); ++i) {
      const auto alnum = [&](std::size_t k) {
        return k < original.size() && std::isalnum(static_cast<unsigned char>(original[k]));
      };
      if (original[i] == '\'' && i > 0 && alnum(i - 1) && i + 1 < original.size() &&
          (original[i + 1] == 's' || original[i + 1] == 'S') && !alnum(i + 2)) {
        ++i;
        continue;
      }
      want += static_cast<char>(std::tolower(static_cast<unsigned char>(original[i])));
    }
    const normalized fresh = normalize(original);
    EXPECT_EQ(fresh.text, want) << pad;
    expect_well_formed(original, fresh);
    normalize(original, reused);
    EXPECT_EQ(reused.text, fresh.text);
    EXPECT_EQ(reused.origin, fresh.origin);
  }
}

TEST(Normalize, NfkcCompatibilityForms) {
  EXPECT_EQ(normalize_text("\ufb01nance"), "finance");                          // ﬁ ligature
  EXPECT_EQ(normalize_text("\uff28\uff35\uff21\uff37\uff25\uff29"), "huawei");  // full width
  EXPECT_EQ(normalize_text("\uff11\uff12\uff13"), "123");
  EXPECT_EQ(normalize_text("x\u00b2"), "x2");
  EXPECT_EQ(normalize_text("\u2460"), "1");  // circled digit one
  EXPECT_EQ(normalize_text("\u2122"), "tm");
  EXPECT_EQ(normalize_text("wait\u2026"), "wait...");
}

TEST(Normalize, DiacriticsRemoved) {
  EXPECT_EQ(normalize_text("M\u00fcller"), "muller");
  EXPECT_EQ(normalize_text("S\u00e3o Paulo"), "sao paulo");
  EXPECT_EQ(normalize_text("\u00c9COLE Fran\u00e7aise"), "ecole francaise");
  EXPECT_EQ(normalize_text("Ho\u00e0ng Vi\u1ec7t"), "hoang viet");
  EXPECT_EQ(normalize_text("\u0160koda \u017dilina"), "skoda zilina");
  // Decomposed input gives the same result as precomposed input.
  EXPECT_EQ(normalize_text("Mu\u0308ller"), "muller");
  EXPECT_EQ(normalize_text("e\u0301\u0323"), "e");
  // Letters with a stroke have no decomposition; they are folded explicitly.
  EXPECT_EQ(normalize_text("\u0110or\u0111evi\u0107"), "dordevic");
  EXPECT_EQ(normalize_text("\u0141\u00f3d\u017a"), "lodz");
  EXPECT_EQ(normalize_text("\u00d8rsted"), "orsted");
}

TEST(Normalize, FullCaseFolding) {
  EXPECT_EQ(normalize_text("Stra\u00dfe"), "strasse");
  EXPECT_EQ(normalize_text("STRASSE"), "strasse");
  EXPECT_EQ(normalize_text("\u1e9e"), "ss");                              // capital sharp s
  EXPECT_EQ(normalize_text("\u03a3\u039f\u03a3"), "\u03c3\u03bf\u03c3");  // final sigma folded
  EXPECT_EQ(normalize_text("\u0130stanbul"), "istanbul");
}

TEST(Normalize, OtherScriptsPassThroughLowercased) {
  EXPECT_EQ(normalize_text("\u0420\u041e\u0421\u0422\u0415\u0425"),
            "\u0440\u043e\u0441\u0442\u0435\u0445");  // РОСТЕХ -> ростех
  EXPECT_EQ(normalize_text("\u534e\u4e3a\u6280\u672f"), "\u534e\u4e3a\u6280\u672f");  // 华为技术
  EXPECT_EQ(normalize_text("\u0625\u064a\u0631\u0627\u0646"), "\u0625\u064a\u0631\u0627\u0646");
  EXPECT_EQ(normalize_text("\ud55c\uad6d"), "\ud55c\uad6d");  // Hangul recomposed after NFD
  EXPECT_EQ(normalize_text("\u304c"), "\u304c");              // kana voicing mark kept
  EXPECT_EQ(normalize_text("\U0001F600 ok"), "\U0001F600 ok");
}

TEST(Normalize, QuotesDashesAndSpacesUnified) {
  EXPECT_EQ(normalize_text("\u2018a\u2019 \u201cb\u201d \u201ec\u201f \u00abd\u00bb"),
            "'a' \"b\" \"c\" \"d\"");
  EXPECT_EQ(normalize_text("\u201a\u201b\u2032\u2033\u2039\u203a"), "'''\"''");
  EXPECT_EQ(normalize_text("a\u2010b\u2011c\u2012d\u2013e\u2014f\u2015g\u2212h"),
            "a-b-c-d-e-f-g-h");
  EXPECT_EQ(normalize_text("a\ufe58b\ufe63c\uff0dd"), "a-b-c-d");
  EXPECT_EQ(normalize_text("a\u00a0b\u2009c\u3000d\u202fe"), "a b c d e");
  EXPECT_EQ(normalize_text("a\u2028b"), "a\nb");
  EXPECT_EQ(normalize_text("soft\u00adhyphen"), "softhyphen");  // default ignorable
  EXPECT_EQ(normalize_text("zero\u200bwidth"), "zerowidth");
}

TEST(Normalize, PossessivesRemoved) {
  EXPECT_EQ(normalize_text("Huawei's"), "huawei");
  EXPECT_EQ(normalize_text("Huawei\u2019s chips"), "huawei chips");
  EXPECT_EQ(normalize_text("HUAWEI'S"), "huawei");
  EXPECT_EQ(normalize_text("Huawei\u00b4s."), "huawei.");
  EXPECT_EQ(normalize_text("M\u00fcller's firm"), "muller firm");
  EXPECT_EQ(normalize_text("\u534e\u4e3a's"), "\u534e\u4e3a");
  // Not possessives: a word continues, or nothing precedes the apostrophe.
  EXPECT_EQ(normalize_text("o'sullivan"), "o'sullivan");
  EXPECT_EQ(normalize_text("it'sx"), "it'sx");
  EXPECT_EQ(normalize_text("'s"), "'s");
  EXPECT_EQ(normalize_text("the 's' key"), "the 's' key");
  EXPECT_EQ(normalize_text("dual-use"), "dual-use");
}

TEST(Normalize, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(normalize_text("a\xff"
                           "b"),
            "a\ufffd"
            "b");
  EXPECT_EQ(normalize_text("\xc3"), "\ufffd");            // truncated
  EXPECT_EQ(normalize_text("\xc0\xaf"), "\ufffd\ufffd");  // overlong: two maximal subparts
  EXPECT_EQ(normalize_text("\xed\xa0\x80"), "\ufffd\ufffd\ufffd");  // surrogate
  EXPECT_EQ(normalize_text("\xf0\x9f\x98"), "\ufffd");              // truncated 4-byte sequence
  EXPECT_EQ(normalize_text("\xef\xbf\xbd"), "\ufffd");              // a real U+FFFD stays
  const std::string bad = "x\x80y";
  const normalized n = normalize(bad);
  expect_well_formed(bad, n);
  EXPECT_EQ(original_of(bad, n, "\ufffd"), "\x80");
}

TEST(Normalize, OriginMapsBackToOriginalBytes) {
  const std::string original = "Sanctions on M\u00fcller GmbH";
  const normalized n = normalize(original);
  expect_well_formed(original, n);
  EXPECT_EQ(n.text, "sanctions on muller gmbh");
  EXPECT_EQ(original_of(original, n, "muller"), "M\u00fcller");
  EXPECT_EQ(original_of(original, n, "gmbh"), "GmbH");
  EXPECT_EQ(original_of(original, n, "u"), "\u00fc");
}

TEST(Normalize, OriginOfExpansionsAndContractions) {
  const std::string original = "Stra\u00dfe";
  const normalized n = normalize(original);
  expect_well_formed(original, n);
  ASSERT_EQ(n.text, "strasse");
  EXPECT_EQ(n.origin[4], 4u);  // both bytes of "ss" come from the 2-byte ß at offset 4
  EXPECT_EQ(n.origin[5], 4u);
  EXPECT_EQ(n.origin[6], 6u);
  EXPECT_EQ(original_of(original, n, "ss"), "\u00df");

  const std::string lig = "\ufb01rm";
  const normalized m = normalize(lig);
  expect_well_formed(lig, m);
  EXPECT_EQ(original_of(lig, m, "fi"), "\ufb01");
  // Part of an expansion has no original bytes of its own: every byte shares one origin.
  EXPECT_EQ(m.origin[0], 0u);
  EXPECT_EQ(m.origin[1], 0u);
  EXPECT_EQ(m.origin[2], 3u);

  // A decomposed character maps back to its base and its mark.
  const std::string decomposed = "Mu\u0308ller";
  const normalized d = normalize(decomposed);
  expect_well_formed(decomposed, d);
  EXPECT_EQ(original_of(decomposed, d, "muller"), decomposed);
  EXPECT_EQ(original_of(decomposed, d, "u"), "u\u0308");
}

TEST(Normalize, OriginAcrossPossessiveAndIgnorables) {
  const std::string original = "Huawei\u2019s chips";
  const normalized n = normalize(original);
  expect_well_formed(original, n);
  ASSERT_EQ(n.text, "huawei chips");
  EXPECT_EQ(original_of(original, n, "huawei"), "Huawei\u2019s");  // the possessive is covered
  EXPECT_EQ(original_of(original, n, "chips"), "chips");

  const std::string shy = "Hua\u00adwei";
  const normalized s = normalize(shy);
  expect_well_formed(shy, s);
  EXPECT_EQ(s.text, "huawei");
  EXPECT_EQ(original_of(shy, s, "huawei"), shy);
}

TEST(Normalize, OriginWellFormedOnMixedInput) {
  const std::string samples[] = {
      "",
      "\xff\xfe",
      "A\u0301\u0302\u0303",
      "\u0301leading mark",
      "x" + std::string(100, '\xcc') + "y",
      "Zalgo: Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035a\u035b\u035c\u035d"
      "\u035e\u035f\u0360\u0361\u0362\u0363\u0364\u0365\u0366\u0367\u0368\u0369\u036a\u036b"
      "\u036c\u036d\u036e\u036f\u0300\u0301\u0302\u0303\u0304\u0305 end",
      "\ufdfa",  // expands to 18 code points
      "Mixed \u00c9t\u00e9 \u0420\u043e\u0441\u0441\u0438\u044f \u4e2d\u6587 "
      "\u05e9\u05dc\u05d5\u05dd",
      "it's Huawei's 's's",
  };
  for (const std::string& s : samples) {
    SCOPED_TRACE(s);
    expect_well_formed(s, normalize(s));
  }
  EXPECT_EQ(normalize_text("\ufdfa").find("\u0635"), 0u);
}

TEST(Normalize, LongCombiningRunsStayLinear) {
  std::string marks = "a";
  for (int i = 0; i < 200000; ++i) marks += (i % 2) ? "\u0316" : "\u0301";  // mixed classes
  const normalized n = normalize(marks);
  expect_well_formed(marks, n);
  EXPECT_EQ(n.text, "a");
}

TEST(Normalize, FastPathAndIcuPathAgree) {
  // The same words reached through ASCII and through full-width forms normalize identically.
  EXPECT_EQ(normalize_text("Dual-Use \"Goods\" Huawei's"),
            normalize_text("\uff24\uff55\uff41\uff4c\uff0d\uff35\uff53\uff45 \u201cGoods\u201d "
                           "Huawei\u2019s"));
}

}  // namespace
}  // namespace sanctwatch::text
