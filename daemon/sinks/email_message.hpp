#pragma once
/// The email of an alert, as bytes: RFC 5322 headers and a MIME multipart/alternative body
/// with a text/plain and a text/html part, both UTF-8 in quoted-printable, CRLF line ends
/// and no line over 76 bytes. Pure functions: bytes in, bytes out, no clock or I/O (the
/// sink passes the time for an alert document that carries none).
///
/// What a message says is read from the alert document (docs/alerts.md) by render_email()
/// alone, so a change of the document touches that one function.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mailbox.hpp"
#include "core/result.hpp"
#include "sinks/digest_reading.hpp"
#include "sinks/sink.hpp"

namespace sanctwatch::sinks {

/// What a person reads about one alert, before MIME encoding. Text with '\n' line ends.
struct email_content {
  std::string subject;  ///< "[HIGH] <item title>" ("[HIGH] Update: …"), one line, unencoded UTF-8
  std::string text;     ///< the text/plain part
  std::string html;     ///< the text/html part; everything from the alert is escaped
  /// When the alert (or this update of it) was made, from the document; empty when the
  /// document carries no readable time.
  std::optional<std::chrono::sys_seconds> time;
};

/// Renders the alert from its JSON document (schema 2, or 1 as recorded before an upgrade):
/// headline (the item title), severity, the rules `shown` (a sink's filter; all when empty)
/// with their tags, link, feed and date, the evidence sentences with the marked words
/// (»…« in text, <mark><b>…</b></mark> in HTML), entities, the other outlets that carry the
/// story. An update with `changes` says "Update: now also …" in the subject ("[HIGH]
/// Update: <headline>") and at the top. Fails on a document that is not a JSON object.
result<email_content> render_email(const alert_view& a, const std::vector<fired_rule>& shown = {});

/// Renders a digest (alert_view::digest, read by sinks/digest_reading.hpp): Subject
/// "[sanctwatch] digest: 5 alerts (1 critical, 2 high, 2 medium) — 2024-06-01 09:00–10:00 UTC";
/// then one section per headline rule, most severe first, listing its alerts most severe
/// first: severity and headline (linked), outlet and date, the other rules `shown`, what the
/// updates of a story people saw before brought, how many updates the digest folds in, and the
/// first evidence sentence with its marks. At most 100 alerts are listed, the rest counted.
/// Fails on a document that is not a digest.
result<email_content> render_email_digest(const alert_view& d, const shown_fn& shown = {});

/// "<sanctwatch.ID@DOMAIN>" for the alert, "<sanctwatch.ID-N@DOMAIN>" for its n-th update
/// (DOMAIN: the sender's). The same on every attempt, so receivers drop a repeat after a
/// crash or a lost reply; an update gets its own, and points at the alert's with
/// In-Reply-To and References so that mail clients thread them.
std::string email_message_id(std::string_view alert_id, int revision, std::string_view domain);

/// The whole message for `to` from `from`. Date is the alert's time from the document,
/// `now` when it has none.
result<std::string> build_email(const alert_view& a, const mailbox& from,
                                const std::vector<mailbox>& to,
                                std::chrono::system_clock::time_point now,
                                const std::vector<fired_rule>& shown = {});

/// The whole message of a digest: like build_email, its Message-ID from the digest id (the
/// same on every attempt), its Date the end of its period.
result<std::string> build_digest_email(const alert_view& d, const mailbox& from,
                                       const std::vector<mailbox>& to,
                                       std::chrono::system_clock::time_point now,
                                       const shown_fn& shown = {});

/// The message for a list refresh summary (alert_view::list_event): its line as the subject,
/// its text as the body.
std::string build_list_email(const alert_view& a, const mailbox& from,
                             const std::vector<mailbox>& to,
                             std::chrono::system_clock::time_point now);

/// A header field "Name: value", folded to lines of at most 78 bytes: printable ASCII is
/// kept as words; anything else becomes RFC 2047 encoded-words (UTF-8, base64), each within
/// 75 bytes and never splitting a character. No trailing CRLF.
std::string header_field(std::string_view name, std::string_view text);

/// `text` ('\n' line ends) in quoted-printable with CRLF line ends, lines at most 76 bytes.
std::string quoted_printable(std::string_view text);

/// "Sun, 22 Nov 2026 10:15:03 +0000".
std::string rfc5322_date(std::chrono::sys_seconds t);

}  // namespace sanctwatch::sinks
