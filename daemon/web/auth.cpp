#include "web/auth.hpp"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "core/hash.hpp"

namespace sanctwatch::web {
namespace {

// OWASP's first argon2id choice: 64 MiB, 3 passes, one lane; 16 bytes of salt, 32 of hash.
constexpr std::uint32_t t_cost = 3, m_cost_kib = 65536, lanes = 1;
constexpr std::size_t salt_len = 16, hash_len = 32;

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return hex_bytes(md, n);
}

}  // namespace

std::string hash_password(std::string_view password) {
  unsigned char salt[salt_len];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("no random bytes for a salt");
  std::string encoded(argon2_encodedlen(t_cost, m_cost_kib, lanes, salt_len, hash_len, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(t_cost, m_cost_kib, lanes, password.data(), password.size(),
                                       salt, sizeof salt, hash_len, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(const std::string& encoded, std::string_view password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool login_throttle::allowed(const std::string& address, clock::time_point now) {
  std::lock_guard lock(mu_);
  const auto it = by_address_.find(address);
  if (it == by_address_.end()) return true;
  if (now - it->second.last >= window_) {
    by_address_.erase(it);
    return true;
  }
  return it->second.failures < max_;
}

void login_throttle::failed(const std::string& address, clock::time_point now) {
  std::lock_guard lock(mu_);
  auto& r = by_address_[address];
  if (now - r.last >= window_) r.failures = 0;
  ++r.failures;
  r.last = now;
  // Bounded: forget the stalest addresses when many are tracked at once.
  if (by_address_.size() > 10000)
    for (auto it = by_address_.begin(); it != by_address_.end();)
      it = now - it->second.last >= window_ ? by_address_.erase(it) : std::next(it);
}

void login_throttle::succeeded(const std::string& address) {
  std::lock_guard lock(mu_);
  by_address_.erase(address);
}

std::optional<std::string> users::check(const std::string& name, std::string_view password) {
  const auto now = std::chrono::steady_clock::now();
  const std::string digest = sha256_hex(name + '\0' + std::string(password));
  {
    std::lock_guard lock(mu_);
    if (const auto it = verified_.find(digest); it != verified_.end() && it->second > now)
      return name;
  }
  for (const auto& u : list_)
    if (u.name == name && verify_password(u.password_hash, password)) {
      std::lock_guard lock(mu_);
      if (verified_.size() > 1000) verified_.clear();
      verified_[digest] = now + std::chrono::minutes(5);
      return name;
    }
  return std::nullopt;
}

std::string random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for a token");
  return hex_bytes(bytes, sizeof bytes);
}

bool same_token(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::pair<std::string, sessions::session> sessions::start(const std::string& user,
                                                          clock::time_point now) {
  std::string id = random_token();
  session s{user, random_token()};
  std::lock_guard lock(mu_);
  for (auto it = by_digest_.begin(); it != by_digest_.end();)
    it = now - it->second.last_used >= lifetime_ ? by_digest_.erase(it) : std::next(it);
  if (by_digest_.size() >= max_) {
    auto oldest = by_digest_.begin();
    for (auto it = by_digest_.begin(); it != by_digest_.end(); ++it)
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    by_digest_.erase(oldest);
  }
  by_digest_[sha256_hex(id)] = {s, now};
  return {std::move(id), std::move(s)};
}

std::optional<sessions::session> sessions::find(std::string_view id, clock::time_point now) {
  if (id.size() != 64) return std::nullopt;
  const std::string key = sha256_hex(id);
  std::lock_guard lock(mu_);
  const auto it = by_digest_.find(key);
  if (it == by_digest_.end()) return std::nullopt;
  if (now - it->second.last_used >= lifetime_) {
    by_digest_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second.s;
}

void sessions::end(std::string_view id) {
  const std::string key = sha256_hex(id);
  std::lock_guard lock(mu_);
  by_digest_.erase(key);
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
  }
  return "";
}

}  // namespace sanctwatch::web
