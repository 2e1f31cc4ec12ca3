// Charset conversion (text/charset.cpp) and the charset decision of the feed parser.
#include "text/charset.hpp"

#include <gtest/gtest.h>

#include "feed/prepare.hpp"
#include "feed_fixture.hpp"

namespace sanctwatch::feed {
namespace {

using testing::fixture;

TEST(charset_to_utf8, converts_legacy_charsets) {
  EXPECT_EQ(text::to_utf8("\xcf\xf0\xe8\xe2\xe5\xf2", "windows-1251").utf8, "Привет");
  EXPECT_EQ(text::to_utf8("\xf0\xd2\xc9\xd7\xc5\xd4", "KOI8-R").utf8, "Привет");
  EXPECT_EQ(text::to_utf8("caf\xe9", "ISO-8859-1").utf8, "café");
  // Latin-1 labels read as windows-1252, as browsers do: 0x93/0x94 are curly quotes.
  EXPECT_EQ(text::to_utf8("\x93hi\x94", "iso-8859-1").utf8, "\u201chi\u201d");
  EXPECT_EQ(text::to_utf8("\x80", "windows-1252").utf8, "€");
  // Unmappable bytes in legacy multi-byte charsets: U+FFFD, not ICU's U+001A.
  EXPECT_EQ(text::to_utf8("\xa4z", "EUC-JP").utf8, "\uFFFDz");
  EXPECT_EQ(text::to_utf8("\xd6\xd0\xce\xc4", "GB2312").utf8, "中文");
  EXPECT_EQ(text::to_utf8("\xd6\xd0\xce\xc4", "gbk").utf8, "中文");
  EXPECT_EQ(text::to_utf8("\x82\xa0", "Shift_JIS").utf8, "あ");
  EXPECT_EQ(text::to_utf8("\xa4\xa2", "EUC-JP").utf8, "あ");
  EXPECT_EQ(text::to_utf8("\xc7\xd1", "EUC-KR").utf8, "한");
  EXPECT_EQ(text::to_utf8("\xa4\xa4", "Big5").utf8, "中");
  EXPECT_EQ(text::to_utf8(std::string("a\0b\0", 4), "UTF-16LE").utf8, "ab");
  EXPECT_EQ(text::to_utf8(std::string("\0\0\0a", 4), "UTF-32BE").utf8, "a");
}

TEST(charset_to_utf8, invalid_bytes_become_replacement_characters) {
  // A lone surrogate in UTF-16 and a truncated Shift_JIS sequence.
  EXPECT_EQ(text::to_utf8(std::string("\x00\xd8"
                                      "a\0",
                                      4),
                          "UTF-16LE")
                .utf8,
            "\uFFFDa");
  const auto sj = text::to_utf8("a\x82", "Shift_JIS");
  EXPECT_EQ(sj.utf8.substr(0, 1), "a");
  EXPECT_NE(sj.utf8.find("\uFFFD"), std::string::npos);
}

TEST(charset_to_utf8, unknown_charset_is_read_as_utf8_and_reported) {
  const auto c = text::to_utf8("abc\xff", "x-no-such-charset");
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.utf8, "abc\uFFFD");
  EXPECT_TRUE(text::to_utf8("abc", "UTF-8").ok);
}

TEST(charset_sanitize_utf8, replaces_only_what_is_invalid) {
  EXPECT_EQ(text::sanitize_utf8("plain ascii"), "plain ascii");
  EXPECT_EQ(text::sanitize_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"), "café 😀");
  EXPECT_EQ(text::sanitize_utf8("a\xffz"), "a\uFFFDz");
  EXPECT_EQ(text::sanitize_utf8("\xc0\xaf"), "\uFFFD\uFFFD");            // overlong '/'
  EXPECT_EQ(text::sanitize_utf8("\xed\xa0\x80"), "\uFFFD\uFFFD\uFFFD");  // surrogate
  EXPECT_EQ(text::sanitize_utf8("\xf4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(text::sanitize_utf8("end\xe2\x82"), "end\uFFFD\uFFFD");
}

TEST(charset_choice, precedence) {
  using detail::choose_charset;
  const std::string decl = "<?xml version=\"1.0\" encoding=\"ISO-8859-2\"?><rss/>";
  EXPECT_EQ(choose_charset(decl, "", true).name, "iso-8859-2");
  EXPECT_EQ(choose_charset(decl, "", true).source, "xml");
  EXPECT_EQ(choose_charset(decl, "text/xml; charset=\"KOI8-R\"", true).name, "koi8-r");
  EXPECT_EQ(choose_charset("\xEF\xBB\xBF" + decl, "text/xml; charset=KOI8-R", true).name, "utf-8");
  EXPECT_EQ(choose_charset("<rss/>", "", true).name, "utf-8");
  EXPECT_EQ(choose_charset("<rss/>", "application/rss+xml", true).source, "default");
  EXPECT_EQ(choose_charset(std::string("<\0r\0", 4), "", true).name, "utf-16le");
  EXPECT_EQ(choose_charset(std::string("\0<\0r", 4), "", true).name, "utf-16be");
  EXPECT_EQ(choose_charset(std::string("{\0\0\0", 4), "", true).name, "utf-32le");
  EXPECT_EQ(choose_charset(std::string("\xFF\xFE\0\0", 4), "", true).name, "utf-32le");
  EXPECT_EQ(detail::http_charset("text/html;charset=UTF-8"), "utf-8");
  EXPECT_EQ(detail::http_charset("text/html; Charset = 'big5' ; q=1"), "big5");
  EXPECT_EQ(detail::http_charset("text/html"), "");
}

struct charset_fixture {
  const char* file;
  const char* title;
};

class charset_fixtures : public ::testing::TestWithParam<charset_fixture> {};

TEST_P(charset_fixtures, title_reads_back_in_utf8) {
  const auto d = testing::parse_fixture(std::string("charsets/") + GetParam().file);
  ASSERT_EQ(d.items.size(), 1u) << GetParam().file;
  EXPECT_EQ(d.feed.title, GetParam().title);
  EXPECT_EQ(d.items[0].title, GetParam().title);
  EXPECT_EQ(d.items[0].link, "https://charset.example/1");
}

INSTANTIATE_TEST_SUITE_P(
    all, charset_fixtures,
    ::testing::Values(charset_fixture{"windows-1251.xml", "Санкции против банков"},
                      charset_fixture{"koi8-r.xml", "Экспортный контроль"},
                      charset_fixture{"iso-8859-1.xml", "Café société à Zürich"},
                      charset_fixture{"windows-1252.xml", "“Quoted” — €5m fine"},
                      charset_fixture{"iso-8859-2.xml", "Łódź i Kraków"},
                      charset_fixture{"iso-8859-7.xml", "Κυρώσεις"},
                      charset_fixture{"gb2312.xml", "美国对中国企业实施制裁"},
                      charset_fixture{"gbk.xml", "出口管制实体清单"},
                      charset_fixture{"gb18030.xml", "制裁€𠀀"},
                      charset_fixture{"big5.xml", "美國制裁公司"},
                      charset_fixture{"euc-jp.xml", "輸出規制の強化"},
                      charset_fixture{"shift_jis.xml", "経済制裁ニュース"},
                      charset_fixture{"euc-kr.xml", "대북 제재 강화"},
                      charset_fixture{"utf-16le-bom.xml", "Sanktionen – Ölembargo"},
                      charset_fixture{"utf-16be-nobom.xml", "Санкции UTF-16BE"},
                      charset_fixture{"utf-32le-bom.xml", "制裁 UTF-32"},
                      charset_fixture{"utf-8-bom.xml", "BOM’d UTF-8 Ü"},
                      charset_fixture{"no-declaration-utf8.xml", "Undeclared UTF-8 ✓"},
                      charset_fixture{"bom-wins.xml", "naïve"}));

TEST(charset_http, http_charset_beats_the_declaration) {
  parse_options o;
  o.content_type = "application/rss+xml; charset=windows-1251";
  const auto d = testing::parse_fixture("charsets/http-wins-1251.xml", o);
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "Русский");
  // Without the header the (wrong) declaration is all there is.
  const auto wrong = testing::parse_fixture("charsets/http-wins-1251.xml");
  ASSERT_EQ(wrong.items.size(), 1u);
  EXPECT_NE(wrong.items[0].title, "Русский");
}

TEST(charset_http, unknown_charset_falls_back_to_utf8_with_a_warning) {
  parse_options o;
  o.content_type = "text/xml; charset=x-martian";
  const auto d =
      testing::parse_ok("<rss version=\"2.0\"><channel><title>Ok</title></channel></rss>", o);
  EXPECT_EQ(d.feed.title, "Ok");
  EXPECT_TRUE(testing::has_warning(d, "x-martian")) << testing::all_warnings(d);
}

TEST(charset_invalid, unmappable_bytes_are_replaced) {
  const auto d = testing::parse_fixture("charsets/euc-jp-invalid.xml");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "あ\uFFFDXい");
}

TEST(charset_json, utf16_json_feed) {
  const auto d = testing::parse_fixture("charsets/jsonfeed-utf16le.json");
  EXPECT_EQ(d.feed.title, "JSON Ж");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].title, "Элемент");
}

}  // namespace
}  // namespace sanctwatch::feed
