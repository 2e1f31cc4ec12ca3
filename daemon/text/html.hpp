#pragma once
/// HTML to plain text, and HTML/XML character references.

#include <string>
#include <string_view>

namespace sanctwatch::text {

/// Decodes every HTML5 named character reference (`&nbsp;`, `&eacute;`, `&hellip;`, ...,
/// also the legacy forms without `;` where HTML5 allows them), decimal and hex numeric
/// references (invalid code points become U+FFFD, C1 controls are mapped as browsers do).
/// Unknown references are kept verbatim. A legacy reference without `;` followed by a letter,
/// digit or `=` is kept verbatim too (the HTML5 attribute-value rule, applied everywhere: feed
/// text is full of URLs like `?a=1&copy=2`).
std::string decode_entities(std::string_view s);

/// Plain text of an HTML fragment or document: tags removed, `script`/`style`/`head`
/// content dropped, block elements (p, div, br, li, h1-h6, tr, ...) become line breaks,
/// entities decoded (once, then once more when the result still holds an escaped
/// `&amp;...;` sequence: double-escaped feeds), whitespace collapsed to single spaces
/// within a line and blank lines removed. Never throws; malformed markup degrades to text.
/// Double escaping: if the decoded text still holds a complete reference (`&lt;`, `&amp;`,
/// `&#39;`), it is decoded once more; if it then holds a tag of a known element (`<p>`,
/// `</div>`, `<br/>`), tags are stripped once more. So `&lt;p&gt;Hi&lt;/p&gt;` and
/// `&amp;lt;p&amp;gt;Hi` both give "Hi" (and prose about "the &lt;p&gt; tag" loses the tag).
/// `<td>`/`<th>` cells are separated by a space; an unterminated tag at EOF is dropped.
std::string html_to_text(std::string_view html);

/// Collapses runs of whitespace (ASCII and Unicode spaces) to one space and trims both ends.
std::string collapse_whitespace(std::string_view s);

/// True when html_to_text and collapse_whitespace would both return `s` unchanged because it
/// is made only of printable ASCII other than '<' and '&', with single spaces between (most
/// feed titles and summaries): one scan instead of a markup check, a copy and a collapse.
bool is_clean_text(std::string_view s);

/// True when the text looks like it holds markup (a tag or an entity), so callers can
/// skip html_to_text for plain strings.
bool looks_like_html(std::string_view s);

}  // namespace sanctwatch::text
