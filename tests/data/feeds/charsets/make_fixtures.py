#!/usr/bin/env python3
"""Writes the charset fixtures in this directory (run once at authoring time; the bytes
are committed). Each is a small RSS feed whose title holds text in that charset; the
tests assert the UTF-8 title after parsing."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # file, codec for the bytes, declared encoding (None: no declaration), title text
    ("windows-1251.xml", "cp1251", "windows-1251", "Санкции против банков"),
    ("koi8-r.xml", "koi8_r", "KOI8-R", "Экспортный контроль"),
    ("iso-8859-1.xml", "latin-1", "ISO-8859-1", "Café société à Zürich"),
    ("windows-1252.xml", "cp1252", "windows-1252", "“Quoted” — €5m fine"),
    ("iso-8859-2.xml", "iso8859_2", "ISO-8859-2", "Łódź i Kraków"),
    ("iso-8859-7.xml", "iso8859_7", "ISO-8859-7", "Κυρώσεις"),
    ("gb2312.xml", "gb2312", "GB2312", "美国对中国企业实施制裁"),
    ("gbk.xml", "gbk", "GBK", "出口管制实体清单"),
    ("gb18030.xml", "gb18030", "GB18030", "制裁€𠀀"),
    ("big5.xml", "big5", "Big5", "美國制裁公司"),
    ("euc-jp.xml", "euc_jp", "EUC-JP", "輸出規制の強化"),
    ("shift_jis.xml", "shift_jis", "Shift_JIS", "経済制裁ニュース"),
    ("euc-kr.xml", "euc_kr", "EUC-KR", "대북 제재 강화"),
    ("utf-16le-bom.xml", "utf-16", "UTF-16", "Sanktionen – Ölembargo"),  # python writes LE + BOM
    ("utf-16be-nobom.xml", "utf-16-be", "UTF-16", "Санкции UTF-16BE"),
    ("utf-32le-bom.xml", "utf-32", "UTF-32", "制裁 UTF-32"),
    ("utf-8-bom.xml", "utf-8-sig", "UTF-8", "BOM’d UTF-8 Ü"),
    ("no-declaration-utf8.xml", "utf-8", None, "Undeclared UTF-8 ✓"),
]


def feed(title, declared):
    decl = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    return (decl + "<rss version=\"2.0\"><channel><title>" + title + "</title>"
            "<item><title>" + title + "</title><link>https://charset.example/1</link>"
            "</item></channel></rss>\n")


for name, codec, declared, title in CASES:
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(feed(title, declared).encode(codec))

# The HTTP charset wins: bytes in windows-1251, declaration says ISO-8859-1.
with open(os.path.join(HERE, "http-wins-1251.xml"), "wb") as f:
    f.write(feed("Русский", "ISO-8859-1").encode("cp1251"))
# The BOM wins over both: UTF-8 BOM, declaration says windows-1252.
with open(os.path.join(HERE, "bom-wins.xml"), "wb") as f:
    f.write(b"\xef\xbb\xbf" + feed("naïve", "windows-1252").encode("utf-8"))
# JSON Feed in UTF-16LE without a BOM.
with open(os.path.join(HERE, "jsonfeed-utf16le.json"), "wb") as f:
    f.write(('{"version": "https://jsonfeed.org/version/1.1", "title": "JSON Ж",'
             ' "items": [{"id": "1", "title": "Элемент"}]}').encode("utf-16-le"))
# EUC-JP with an invalid sequence (a lead byte followed by ASCII) in the title.
with open(os.path.join(HERE, "euc-jp-invalid.xml"), "wb") as f:
    f.write(feed("あXい", "EUC-JP").encode("euc_jp").replace(b"X", b"\xa4X"))
