#pragma once
/// Email addresses as the config writes them, read once for both the config's validation
/// and the email sink's headers and SMTP envelope.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sanctwatch {

/// "risk@example.org", "<risk@example.org>", "sanctwatch <alerts@example.org>" or
/// "\"Risk, desk\" <risk@example.org>". The display name may hold any UTF-8 (it is encoded
/// for the header); the address is ASCII: a dot-atom local part, '@', and a domain of
/// letters, digits, hyphens and dots or an address literal ("[192.0.2.1]"). Quoted local
/// parts and internationalized addresses (SMTPUTF8) are not taken: few relays carry them,
/// and a mistyped address is likelier than a real one of that kind.
struct mailbox {
  std::string name;     ///< display name, unquoted; empty when none
  std::string address;  ///< "local@domain"

  /// The domain of the address ("example.org").
  std::string_view domain() const;
};

/// `s` read as one mailbox, or why it is not one (the message quotes no part of `s`).
result<mailbox> parse_mailbox(std::string_view s);

}  // namespace sanctwatch
