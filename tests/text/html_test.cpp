#include "text/html.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

namespace sanctwatch::text {
namespace {

TEST(DecodeEntities, NamedReferences) {
  EXPECT_EQ(decode_entities("a &amp; b"), "a & b");
  EXPECT_EQ(decode_entities("&lt;p&gt;"), "<p>");
  EXPECT_EQ(decode_entities("&quot;x&quot; &apos;y&apos;"), "\"x\" 'y'");
  EXPECT_EQ(decode_entities("caf&eacute;"), "caf\u00e9");
  EXPECT_EQ(decode_entities("wait&hellip;"), "wait\u2026");
  EXPECT_EQ(decode_entities("&euro;5 &mdash; &ndash; &rsquo;"), "\u20ac5 \u2014 \u2013 \u2019");
  EXPECT_EQ(decode_entities("a&nbsp;b"), "a\u00a0b");
}

TEST(DecodeEntities, CommonReferencesTakeTheShortcutWithTheSameResult) {
  EXPECT_EQ(decode_entities("&lsquo;a&rsquo; &ldquo;b&rdquo; &ndash;&mdash;&hellip;&copy;&apos;"),
            "\u2018a\u2019 \u201cb\u201d \u2013\u2014\u2026\u00a9'");
  EXPECT_EQ(decode_entities("&amp &nbsp x&ampy &nbsp;"), "& \u00a0 x&ampy \u00a0");
  EXPECT_EQ(decode_entities("&AMP; &Amp; &ampx;"), "& &Amp; &ampx;");  // near misses
}

TEST(DecodeEntities, WholeWhatwgTableIsUsable) {
  // Long names, the end of the sorted table, and references expanding to two code points.
  EXPECT_EQ(decode_entities("&CounterClockwiseContourIntegral;"), "\u2233");
  EXPECT_EQ(decode_entities("&zwnj;"), "\u200c");
  EXPECT_EQ(decode_entities("&AElig;"), "\u00c6");
  EXPECT_EQ(decode_entities("&NotEqualTilde;"), "\u2242\u0338");
  EXPECT_EQ(decode_entities("&bsol;&quot;&NewLine;"), "\\\"\n");
  EXPECT_EQ(decode_entities("&fjlig;"), "fj");
  EXPECT_EQ(decode_entities("&Fopf;"), "\U0001D53D");
}

TEST(DecodeEntities, NamesAreCaseSensitive) {
  EXPECT_EQ(decode_entities("&Eacute;&eacute;"), "\u00c9\u00e9");
  EXPECT_EQ(decode_entities("&AMP;"), "&");
  EXPECT_EQ(decode_entities("&Amp;"), "&Amp;");
}

TEST(DecodeEntities, LegacyFormsWithoutSemicolon) {
  EXPECT_EQ(decode_entities("AT&amp T"), "AT& T");
  EXPECT_EQ(decode_entities("a&nbsp b"), "a\u00a0 b");
  EXPECT_EQ(decode_entities("&copy 2024"), "\u00a9 2024");
  EXPECT_EQ(decode_entities("x &lt y"), "x < y");
  EXPECT_EQ(decode_entities("&eacute"), "\u00e9");
  // Longest legacy prefix wins, and the rest stays text.
  EXPECT_EQ(decode_entities("&notin;"), "\u2209");
  EXPECT_EQ(decode_entities("&not!"), "\u00ac!");
  // Only the legacy names work without `;`.
  EXPECT_EQ(decode_entities("&hellip x"), "&hellip x");
  // Followed by a letter, digit or '=' they stay verbatim (URLs, words).
  EXPECT_EQ(decode_entities("?a=1&copy=2&amplifier"), "?a=1&copy=2&amplifier");
  EXPECT_EQ(decode_entities("&notes"), "&notes");
}

TEST(DecodeEntities, NumericReferences) {
  EXPECT_EQ(decode_entities("&#65;&#x42;&#X43;"), "ABC");
  EXPECT_EQ(decode_entities("&#233;"), "\u00e9");
  EXPECT_EQ(decode_entities("&#x1F600;"), "\U0001F600");
  EXPECT_EQ(decode_entities("&#39;s"), "'s");
  EXPECT_EQ(decode_entities("&#x27;"), "'");
  EXPECT_EQ(decode_entities("&#65 and &#x42x"), "A and Bx");  // `;` is optional
  EXPECT_EQ(decode_entities("&#0000065;"), "A");
}

TEST(DecodeEntities, InvalidCodePointsBecomeReplacementCharacter) {
  EXPECT_EQ(decode_entities("&#0;"), "\ufffd");
  EXPECT_EQ(decode_entities("&#xD800;"), "\ufffd");
  EXPECT_EQ(decode_entities("&#xDFFF;"), "\ufffd");
  EXPECT_EQ(decode_entities("&#x110000;"), "\ufffd");
  EXPECT_EQ(decode_entities("&#99999999999999999999999;"), "\ufffd");
  EXPECT_EQ(decode_entities("&#x10FFFF;"), "\U0010FFFF");
}

TEST(DecodeEntities, C1ControlsMapLikeWindows1252) {
  EXPECT_EQ(decode_entities("&#128;"), "\u20ac");
  EXPECT_EQ(decode_entities("&#150;&#151;"), "\u2013\u2014");
  EXPECT_EQ(decode_entities("&#145;&#146;&#147;&#148;"), "\u2018\u2019\u201c\u201d");
  EXPECT_EQ(decode_entities("&#x9F;"), "\u0178");
  EXPECT_EQ(decode_entities("&#129;"), "\u0081");  // a hole in windows-1252 stays
}

TEST(DecodeEntities, UnknownAndIncompleteReferencesStayVerbatim) {
  EXPECT_EQ(decode_entities("&bogus;"), "&bogus;");
  EXPECT_EQ(decode_entities("AT&T"), "AT&T");
  EXPECT_EQ(decode_entities("a & b"), "a & b");
  EXPECT_EQ(decode_entities("&"), "&");
  EXPECT_EQ(decode_entities("&#;"), "&#;");
  EXPECT_EQ(decode_entities("&#x;"), "&#x;");
  EXPECT_EQ(decode_entities("&;"), "&;");
  EXPECT_EQ(decode_entities("&&amp;"), "&&");
  EXPECT_EQ(decode_entities(std::string(40, 'a').insert(0, "&") + ";"),
            "&" + std::string(40, 'a') + ";");
}

TEST(HtmlToText, StripsTagsAndDecodes) {
  EXPECT_EQ(html_to_text("<b>Huawei</b> &amp; <i>ZTE</i>"), "Huawei & ZTE");
  EXPECT_EQ(html_to_text("Hua<b>wei</b>"), "Huawei");  // inline elements do not split words
  EXPECT_EQ(html_to_text("<a href=\"https://x.example/?a=1&amp;b=2\">link</a> text"), "link text");
  EXPECT_EQ(html_to_text("plain text"), "plain text");
  EXPECT_EQ(html_to_text(""), "");
}

TEST(HtmlToText, BlockElementsBreakLines) {
  EXPECT_EQ(html_to_text("<p>One</p><p>Two</p>"), "One\nTwo");
  EXPECT_EQ(html_to_text("a<br>b<br/>c<BR />d"), "a\nb\nc\nd");
  EXPECT_EQ(html_to_text("<ul><li>x</li><li>y</li></ul>"), "x\ny");
  EXPECT_EQ(html_to_text("<h1>Title</h1>Body"), "Title\nBody");
  EXPECT_EQ(html_to_text("<div><div><p>deep</p></div></div>after"), "deep\nafter");
  EXPECT_EQ(html_to_text("a<hr>b"), "a\nb");
  EXPECT_EQ(html_to_text("<blockquote>q</blockquote><section>s</section><article>t</article>"),
            "q\ns\nt");
  EXPECT_EQ(html_to_text("<figure><img src=x><figcaption>cap</figcaption></figure>"), "cap");
}

TEST(HtmlToText, TableCellsDoNotGlueWords) {
  EXPECT_EQ(html_to_text("<td>a</td><td>b</td>"), "a b");
  EXPECT_EQ(html_to_text("<table><tr><th>k</th><td>v</td></tr><tr><td>w</td></tr></table>"),
            "k v\nw");
}

TEST(HtmlToText, ScriptStyleHeadAndFriendsDropped) {
  EXPECT_EQ(html_to_text("a<script>var x = '<p>no</p>'; if (a < b) {}</script>b"), "a b");
  EXPECT_EQ(html_to_text("a<SCRIPT type=\"text/javascript\">x</SCRIPT >b"), "a b");
  EXPECT_EQ(html_to_text("<style>p { color: red }</style>text"), "text");
  EXPECT_EQ(html_to_text("<html><head><title>T</title><meta charset=utf-8></head>"
                         "<body><p>Body</p></body></html>"),
            "Body");
  EXPECT_EQ(html_to_text("<noscript><p>enable js</p></noscript>shown"), "shown");
  EXPECT_EQ(html_to_text("<template><p>tpl</p></template>shown"), "shown");
  EXPECT_EQ(html_to_text("a<script>never closed <p>"), "a");
  EXPECT_EQ(html_to_text("<script src=x.js/>kept"), "kept");  // XHTML self-closing
  EXPECT_EQ(html_to_text("a<script>x</scriptfoo></script>b"), "a b");
  // <header> is content, not <head>.
  EXPECT_EQ(html_to_text("<header>Top</header>rest"), "Top\nrest");
  // A <head> never closed ends at the first content element.
  EXPECT_EQ(html_to_text("<head><title>T</title><p>para"), "para");
}

TEST(HtmlToText, CommentsCdataAndDeclarations) {
  EXPECT_EQ(html_to_text("a<!-- <p>hidden</p> -->b"), "ab");
  EXPECT_EQ(html_to_text("a <!-- x --> b"), "a b");
  EXPECT_EQ(html_to_text("a<!-->b"), "ab");
  EXPECT_EQ(html_to_text("a<!--->b"), "ab");
  EXPECT_EQ(html_to_text("a<!-- never closed"), "a");
  EXPECT_EQ(html_to_text("<![CDATA[x < y & z]]> w"), "x < y & z w");
  EXPECT_EQ(html_to_text("<!DOCTYPE html><?xml version=\"1.0\"?>text"), "text");
  EXPECT_EQ(html_to_text("a</ bogus>b"), "ab");
  EXPECT_EQ(html_to_text("a</>b"), "ab");
}

TEST(HtmlToText, BrokenMarkupDegradesToText) {
  EXPECT_EQ(html_to_text("a < b and c > d"), "a < b and c > d");
  EXPECT_EQ(html_to_text("1 <2"), "1 <2");
  EXPECT_EQ(html_to_text("text <b"), "text");  // unterminated tag at EOF
  EXPECT_EQ(html_to_text("text <a href=\"x"), "text");
  EXPECT_EQ(html_to_text("<"), "<");
  EXPECT_EQ(html_to_text("x<"), "x<");
  EXPECT_EQ(html_to_text("<a title=\"a > b\">link</a>"), "link");
  EXPECT_EQ(html_to_text("<a title='x>y' href=z>link</a>"), "link");
  EXPECT_EQ(html_to_text("<p>unclosed <b>bold <i>italic"), "unclosed bold italic");
  EXPECT_EQ(html_to_text("</p></div>stray closers"), "stray closers");
}

TEST(HtmlToText, WhitespaceCollapsedPerLineAndBlankLinesRemoved) {
  EXPECT_EQ(html_to_text("  a \n\t b  "), "a b");
  EXPECT_EQ(html_to_text("<p>  </p><p>\n</p><p> x  y </p><div></div>"), "x y");
  EXPECT_EQ(html_to_text("a&nbsp;&nbsp;b"), "a b");
  EXPECT_EQ(html_to_text("a&#160;b&#x2009;c"), "a b c");
  EXPECT_EQ(html_to_text("<pre>line1\nline2</pre>"), "line1\nline2");
}

TEST(HtmlToText, DoubleEscapedFeeds) {
  EXPECT_EQ(html_to_text("AT&amp;amp;T"), "AT&T");
  EXPECT_EQ(html_to_text("&amp;lt;p&amp;gt;Sanctions&amp;lt;/p&amp;gt;"), "Sanctions");
  EXPECT_EQ(html_to_text("&lt;p&gt;Escaped once&lt;/p&gt;&lt;p&gt;Two&lt;/p&gt;"),
            "Escaped once\nTwo");
  EXPECT_EQ(html_to_text("Huawei&amp;#39;s"), "Huawei's");
  // A single level of escaping of ordinary text is decoded once only.
  EXPECT_EQ(html_to_text("x &lt; y"), "x < y");
  EXPECT_EQ(html_to_text("AT&amp;T"), "AT&T");
  EXPECT_EQ(html_to_text("a &amp;lt b"), "a &lt b");  // not a complete reference
}

TEST(HtmlToText, LinearOnHostileInput) {
  const std::size_t n = 1 << 20;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(html_to_text(std::string(n, '<')), std::string(n, '<'));
  std::string nested;
  for (std::size_t i = 0; i < n / 5; ++i) nested += "<div>";
  EXPECT_EQ(html_to_text(nested), "");
  std::string quotes = "<a ";
  for (std::size_t i = 0; i < n / 3; ++i) quotes += "x=\"";
  html_to_text(quotes);
  std::string scripts;
  for (std::size_t i = 0; i < n / 8; ++i) scripts += "<script>";
  EXPECT_EQ(html_to_text(scripts), "");
  html_to_text(std::string(n, '&'));
  std::string amps;
  for (std::size_t i = 0; i < n / 6; ++i) amps += "&amp;";
  html_to_text(amps);
  std::string comments;
  for (std::size_t i = 0; i < n / 4; ++i) comments += "<!--";
  EXPECT_EQ(html_to_text(comments), "");
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(HtmlToText, BinaryGarbageDoesNotThrow) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 131 + 7) % 256);
  EXPECT_NO_THROW(html_to_text(junk));
  EXPECT_NO_THROW(html_to_text(std::string("\0<p>\0", 5)));
}

TEST(CollapseWhitespace, AsciiAndUnicodeSpaces) {
  EXPECT_EQ(collapse_whitespace("  a  b\t\nc  "), "a b c");
  EXPECT_EQ(collapse_whitespace("a\u00a0\u00a0b"), "a b");
  EXPECT_EQ(collapse_whitespace("\u3000a\u2002b\u202fc\u205fd\u1680e\u2028f\u00a0"), "a b c d e f");
  EXPECT_EQ(collapse_whitespace(""), "");
  EXPECT_EQ(collapse_whitespace(" \u00a0 "), "");
  EXPECT_EQ(collapse_whitespace("caf\u00e9 \u4e2d"), "caf\u00e9 \u4e2d");  // not spaces
  // A truncated sequence before a space must not hide the space.
  EXPECT_EQ(collapse_whitespace("a\xe2\x80  b"), "a\xe2\x80 b");
}

TEST(CollapseWhitespace, UnicodeSpacesInsideLongAsciiRuns) {
  // The fast path copies plain ASCII eight bytes at a time; Unicode spaces and double
  // spaces must still be seen wherever they fall in a word.
  EXPECT_EQ(collapse_whitespace("Sanctions\u00a0list\u2003updated today"),
            "Sanctions list updated today");
  EXPECT_EQ(collapse_whitespace("abcdefg\u2003\u00a0 hijklmnop"), "abcdefg hijklmnop");
  EXPECT_EQ(collapse_whitespace("abcdefg  hijklmn  opqrstu \t vwx"), "abcdefg hijklmn opqrstu vwx");
  EXPECT_EQ(collapse_whitespace("abcdefgh \n"), "abcdefgh");
  EXPECT_EQ(collapse_whitespace("abcdef g\u00a0"), "abcdef g");
  EXPECT_EQ(collapse_whitespace("\u3000\u3000abcdefghijk"), "abcdefghijk");
}

TEST(CollapseWhitespace, TruncatedUtf8NextToSpaces) {
  EXPECT_EQ(collapse_whitespace("abcdefg\xc2 hijkl"), "abcdefg\xc2 hijkl");
  EXPECT_EQ(collapse_whitespace("abcdefg \xc2"), "abcdefg \xc2");
  EXPECT_EQ(collapse_whitespace("abcdefg  \xe2\x80"), "abcdefg \xe2\x80");
  EXPECT_EQ(collapse_whitespace("\xe2\x80\xe2\x80\x83x"), "\xe2\x80 x");  // space after junk
  EXPECT_EQ(collapse_whitespace("\xe3\x80 \xe1\x9a"), "\xe3\x80 \xe1\x9a");
  EXPECT_EQ(collapse_whitespace("x\xc2\xc2\xa0y"), "x\xc2 y");
  EXPECT_EQ(collapse_whitespace("\x01 \x01"), "\x01 \x01");  // controls are not spaces
}

// The plain definition: decode nothing, look at every byte, copy non-space bytes one by one.
std::string reference_collapse(std::string_view s) {
  auto space_len = [&](std::size_t i) -> std::size_t {
    const auto at = [&](std::size_t k) {
      return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u;
    };
    const unsigned c = at(i), b1 = at(i + 1), b2 = at(i + 2);
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (c == 0xC2 && (b1 == 0xA0 || b1 == 0x85)) return 2;
    if (c == 0xE1 && b1 == 0x9A && b2 == 0x80) return 3;
    if (c == 0xE2 && b1 == 0x80 &&
        ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF))
      return 3;
    if (c == 0xE2 && b1 == 0x81 && b2 == 0x9F) return 3;
    if (c == 0xE3 && b1 == 0x80 && b2 == 0x80) return 3;
    return 0;
  };
  std::string out;
  bool pending = false;
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t n = space_len(i)) {
      pending = !out.empty();
      i += n;
      continue;
    }
    if (pending) out += ' ';
    pending = false;
    out += s[i++];
  }
  return out;
}

TEST(CollapseWhitespace, MatchesReferenceOnRandomMixes) {
  const char* const parts[] = {" ",      "  ",       "\t",       "\n",     "\r\n",     "\v",
                               "\f",     "\u00a0",   "\u0085",   "\u2003", "\u2028",   "\u202f",
                               "\u205f", "\u3000",   "\u1680",   "\u200b", "\xe2\x80", "\xc2",
                               "\xe2",   "\xe3\x80", "\xe1\x9a", "\x01",   "a",        "word",
                               "\u00e9", "\u4e2d",   "\u0416",   "\u2014", "sanction", "x y z"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(parts) - 1);
  std::uniform_int_distribution<int> len(0, 48);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    for (int i = len(rng); i > 0; --i) s += parts[pick(rng)];
    ASSERT_EQ(collapse_whitespace(s), reference_collapse(s)) << testing::PrintToString(s);
  }
}

TEST(HtmlToText, LinesCollapsedAndBlankLinesDropped) {
  EXPECT_EQ(html_to_text("<p>  Lorem   ipsum\u00a0 dolor  </p>\n<p>\u2003\u00a0</p>"
                         "<div>\tsit\u3000amet</div><br><br><p>consectetur adipiscing</p>"),
            "Lorem ipsum dolor\nsit amet\nconsectetur adipiscing");
  EXPECT_EQ(html_to_text("<pre>a  b\n\n  c</pre>"), "a b\nc");
  EXPECT_EQ(html_to_text("abcdefg <br> \xe2\x80<br>x"), "abcdefg\n\xe2\x80\nx");
}

TEST(IsCleanText, ExactlyTheTextsPassedThroughUnchanged) {
  EXPECT_TRUE(is_clean_text("Sanctions on shipping firms widen, officials say."));
  EXPECT_TRUE(is_clean_text(std::string(40, 'a') + " " + std::string(40, 'b')));
  EXPECT_FALSE(is_clean_text(""));
  EXPECT_FALSE(is_clean_text(" leading"));
  EXPECT_FALSE(is_clean_text("trailing "));
  EXPECT_FALSE(is_clean_text("two  spaces"));
  EXPECT_FALSE(is_clean_text("a <b>tag</b>"));
  EXPECT_FALSE(is_clean_text("AT&T"));
  EXPECT_FALSE(is_clean_text("line\nbreak"));
  EXPECT_FALSE(is_clean_text("caf\xC3\xA9"));
  // Block boundaries (16 bytes): a space last in a block is kept when a clean byte follows.
  for (std::size_t at = 1; at < 40; ++at) {
    std::string s(48, 'x');
    s[at] = ' ';
    EXPECT_TRUE(is_clean_text(s)) << at;
    s[at + 1] = ' ';
    EXPECT_FALSE(is_clean_text(s)) << at;
  }
  // Whenever it says clean, both conversions agree that nothing changes.
  std::mt19937 rng(7);
  const std::string alphabet = "ab <&;p> \n\t";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (std::size_t n = rng() % 40; n > 0; --n) s += alphabet[rng() % alphabet.size()];
    if (!is_clean_text(s)) continue;
    EXPECT_EQ(html_to_text(s), s);
    EXPECT_EQ(collapse_whitespace(s), s);
  }
}

TEST(LooksLikeHtml, TagsAndEntities) {
  EXPECT_TRUE(looks_like_html("<p>x</p>"));
  EXPECT_TRUE(looks_like_html("a<br/>b"));
  EXPECT_TRUE(looks_like_html("AT&amp;T"));
  EXPECT_TRUE(looks_like_html("&#39;"));
  EXPECT_TRUE(looks_like_html("<!-- c -->"));
  EXPECT_FALSE(looks_like_html("plain words"));
  EXPECT_FALSE(looks_like_html("a < b and c > d"));
  EXPECT_FALSE(looks_like_html("AT&T"));
  EXPECT_FALSE(looks_like_html("x <"));
}

}  // namespace
}  // namespace sanctwatch::text
