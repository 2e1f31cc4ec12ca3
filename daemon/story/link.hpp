#pragma once
/// Canonical links: the form of an article URL under which copies of one story, linked
/// with different tracking parameters or spellings, compare equal. A grouping key, never a
/// link to show or fetch. Pure string work, no I/O; thread-safe.

#include <string>
#include <string_view>

namespace sanctwatch::story {

/// The canonical form of an http(s) link:
/// - scheme and host lower-cased, `http` folded into `https`, a leading `www.` and a
///   trailing dot of the host dropped, user info dropped, default ports (80, 443) dropped;
/// - the fragment dropped; percent-escapes of unreserved characters decoded and the others
///   upper-cased (`%7e` -> `~`, `%2f` -> `%2F`);
/// - a trailing slash of the path dropped (`/a/b/` -> `/a/b`, `/` -> ``);
/// - tracking parameters dropped from the query (`utm_*`, `fbclid`, `gclid`, `dclid`,
///   `msclkid`, `mc_cid`, `mc_eid`, `igshid`, `yclid`, `_ga`, `_gl`, `ocid`, `cmpid`,
///   `at_medium`, `at_campaign`, `wt.mc_id`, `mkt_tok`, `ref_src`, `ref_url`, `smid`,
///   `sr_share`; names compared case-insensitively), empty parameters dropped, and the rest
///   sorted, so parameter order does not matter.
/// Anything that is not an absolute http(s) URL with a host (relative links, `urn:`,
/// `mailto:`, an empty string) gives "": such a link identifies no story.
std::string canonical_link(std::string_view url);

}  // namespace sanctwatch::story
