#pragma once
/// Who may read and act on the triage page and its feeds (docs/triage.md, "Access"): users
/// from the config with argon2id password hashes, checked at sign-in or per request (HTTP
/// Basic, for feed readers and scripts), with failed attempts throttled per client address.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace sanctwatch::web {

/// An argon2id hash of `password` in the encoded form (`$argon2id$v=19$m=65536,t=3,p=1$…`),
/// with a fresh random salt: what `sanctwatch passwd` prints. Throws std::runtime_error when
/// the library fails (out of memory).
std::string hash_password(std::string_view password);
/// Whether `password` matches an encoded argon2id hash (false for a malformed hash).
bool verify_password(const std::string& encoded, std::string_view password);

/// Failed sign-ins per client address: after `max_failures` within `window` the address is
/// refused until the window has passed since its last failure.
class login_throttle {
 public:
  using clock = std::chrono::steady_clock;
  explicit login_throttle(int max_failures = 5, std::chrono::seconds window = std::chrono::minutes(5))
      : max_(max_failures), window_(window) {}
  bool allowed(const std::string& address, clock::time_point now);
  void failed(const std::string& address, clock::time_point now);
  void succeeded(const std::string& address);

 private:
  struct record {
    int failures = 0;
    clock::time_point last;
  };
  std::mutex mu_;
  std::map<std::string, record> by_address_;
  int max_;
  std::chrono::seconds window_;
};

/// The configured users; checks names and passwords. Verified credentials are remembered
/// (as a SHA-256 of name and password, never the password) for a few minutes, so a feed
/// reader polling with Basic authentication does not cost an argon2 run per request.
class users {
 public:
  explicit users(std::vector<config::web_user> list) : list_(std::move(list)) {}
  /// The user's name when `name` and `password` are right.
  std::optional<std::string> check(const std::string& name, std::string_view password);
  bool empty() const { return list_.empty(); }

 private:
  std::vector<config::web_user> list_;
  std::mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> verified_;  // digest -> until
};

/// 32 random bytes as hex: session ids and CSRF tokens. Throws std::runtime_error when the
/// system has no random bytes to give.
std::string random_token();
/// Whether two tokens are equal, in time that does not depend on where they differ.
bool same_token(std::string_view a, std::string_view b);

/// Who signed in on the page: a session per sign-in, kept in memory (a restart signs
/// everyone out), known by a random id in an HttpOnly cookie and ending `lifetime` after
/// its last use. Each session has its own CSRF token, which every form and every scripted
/// change must carry. Bounded: past `max_sessions` the least recently used one ends.
class sessions {
 public:
  using clock = std::chrono::steady_clock;
  struct session {
    std::string user;
    std::string csrf;
  };
  explicit sessions(std::chrono::seconds lifetime = std::chrono::hours(12),
                    std::size_t max_sessions = 10000)
      : lifetime_(lifetime), max_(max_sessions) {}
  /// A new session for `user`: its id (the cookie's value) and the session.
  std::pair<std::string, session> start(const std::string& user, clock::time_point now);
  /// The live session with that id; using it extends it.
  std::optional<session> find(std::string_view id, clock::time_point now);
  void end(std::string_view id);

 private:
  struct entry {
    session s;
    clock::time_point last_used;
  };
  std::mutex mu_;
  std::map<std::string, entry> by_digest_;  // SHA-256 of the id -> session
  std::chrono::seconds lifetime_;
  std::size_t max_;
};

/// A cookie's value from a Cookie header (`a=1; sw_session=…`); empty when absent.
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace sanctwatch::web
