#include "web/auth.hpp"

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace sanctwatch::web {
namespace {

// OWASP's first argon2id choice: 64 MiB, 3 passes, one lane; 16 bytes of salt, 32 of hash.
constexpr std::uint32_t t_cost = 3, m_cost_kib = 65536, lanes = 1;
constexpr std::size_t salt_len = 16, hash_len = 32;

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
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

}  // namespace sanctwatch::web
