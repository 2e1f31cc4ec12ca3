#include "engine/list_cache.hpp"

#include <link.h>
#include <openssl/evp.h>

#include <cstring>

#include "core/hash.hpp"
#include "core/version.hpp"

namespace sanctwatch::engine::detail {
namespace {

constexpr std::string_view list_kind = "SWLC";
constexpr std::uint32_t format_version = 1;
constexpr std::size_t digest_size = 32;

void sha256(std::string_view bytes, unsigned char* out) {
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &n, EVP_sha256(), nullptr);
}

class writer {
 public:
  void u32(std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out.append(b, 4);
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out.append(s);
  }
  void strs(const std::vector<std::string>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
  std::string out;
};

// Reads what writer wrote; any read past the end, or a count larger than the bytes left
// could hold, makes it fail (and every later read fail too).
class reader {
 public:
  explicit reader(std::string_view b) : b_(b) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && at_ == b_.size(); }
  std::uint32_t u32() {
    if (!ok_ || b_.size() - at_ < 4) return fail();
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t(static_cast<unsigned char>(b_[at_ + i])) << (8 * i);
    at_ += 4;
    return v;
  }
  std::string str() {
    const std::uint32_t n = u32();
    if (!ok_ || b_.size() - at_ < n) return fail(), std::string();
    std::string s(b_.substr(at_, n));
    at_ += n;
    return s;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v(count(4));
    for (auto& s : v) s = str();
    return v;
  }
  // A count of records at least `min_size` bytes each.
  std::size_t count(std::size_t min_size) {
    const std::uint32_t n = u32();
    if (!ok_ || n > (b_.size() - at_) / min_size) return fail(), 0;
    return n;
  }

 private:
  std::uint32_t fail() {
    ok_ = false;
    return 0;
  }
  std::string_view b_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string serialize(const prepared_list& l) {
  writer w;
  w.u32(static_cast<std::uint32_t>(l.entities.size()));
  for (const auto& e : l.entities) {
    w.str(e.id);
    w.str(e.type);
    w.str(e.name);
    w.strs(e.programs);
    w.u32(static_cast<std::uint32_t>(e.aliases.size()));
    for (const auto& a : e.aliases) {
      w.str(a.name);
      w.str(a.stripped);
      w.u32((a.weak ? 1u : 0u) | std::uint32_t(a.gate) << 8);
      w.strs(a.tokens);
    }
  }
  w.u32(static_cast<std::uint32_t>(l.warnings.size()));
  for (const auto& x : l.warnings) {
    w.str(x.file);
    w.u32(x.line);
    w.u32(x.column);
    w.str(x.message);
  }
  return seal(list_kind, w.out);
}

std::string seal(std::string_view kind, std::string_view body) {
  unsigned char digest[digest_size];
  sha256(body, digest);
  writer h;
  h.out.append(kind.substr(0, 4));
  h.u32(format_version);
  h.out.append(reinterpret_cast<const char*>(digest), digest_size);
  h.out.append(body);
  return std::move(h.out);
}

std::optional<std::string_view> unseal(std::string_view kind, std::string_view bytes) {
  constexpr std::size_t header = 4 + 4 + digest_size;
  if (kind.size() != 4 || bytes.size() < header || bytes.substr(0, 4) != kind) return std::nullopt;
  reader h(bytes.substr(4, 4));
  if (h.u32() != format_version) return std::nullopt;
  const std::string_view body = bytes.substr(header);
  unsigned char digest[digest_size];
  sha256(body, digest);
  if (std::memcmp(digest, bytes.data() + 8, digest_size) != 0) return std::nullopt;
  return body;
}

std::optional<prepared_list> deserialize(std::string_view bytes) {
  const auto sealed = unseal(list_kind, bytes);
  if (!sealed) return std::nullopt;
  reader r(*sealed);
  prepared_list l;
  l.entities.resize(r.count(3 * 4 + 2 * 4));
  for (auto& e : l.entities) {
    e.id = r.str();
    e.type = r.str();
    e.name = r.str();
    e.programs = r.strs();
    e.aliases.resize(r.count(4 * 4));
    for (auto& a : e.aliases) {
      a.name = r.str();
      a.stripped = r.str();
      const std::uint32_t flags = r.u32();
      a.weak = flags & 1;
      const std::uint32_t gate = flags >> 8;
      if (gate > std::uint32_t(entities::name_gate::proper_name_and_support)) return std::nullopt;
      a.gate = entities::name_gate(gate);
      a.tokens = r.strs();
    }
  }
  l.warnings.resize(r.count(4 * 4));
  for (auto& x : l.warnings) {
    x.file = r.str();
    x.line = r.u32();
    x.column = r.u32();
    x.message = r.str();
  }
  if (!r.done()) return std::nullopt;
  return l;
}

const std::string& build_id() {
  static const std::string id = [] {
    std::string found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) -> int {
          // The first object is the program itself.
          auto& out = *static_cast<std::string*>(data);
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            const auto& ph = info->dlpi_phdr[i];
            if (ph.p_type != PT_NOTE) continue;
            const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
            const char* end = p + ph.p_memsz;
            while (p + sizeof(ElfW(Nhdr)) <= end) {
              const auto* n = reinterpret_cast<const ElfW(Nhdr)*>(p);
              const char* name = p + sizeof(ElfW(Nhdr));
              const char* desc = name + ((n->n_namesz + 3) & ~3u);
              if (desc + n->n_descsz > end) break;
              if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
                out = hex_bytes(reinterpret_cast<const unsigned char*>(desc), n->n_descsz);
                return 1;
              }
              p = desc + ((n->n_descsz + 3) & ~3u);
            }
          }
          return 1;  // only the program
        },
        &found);
    return found.empty() ? std::string(version) + " " + __DATE__ + " " + __TIME__ : found;
  }();
  return id;
}

std::string list_cache_key(std::string_view format, unsigned types, std::string_view bytes,
                           std::string_view aliases, std::string_view addresses) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  const auto part = [&](std::string_view s) {
    const std::uint64_t n = s.size();
    EVP_DigestUpdate(ctx, &n, sizeof n);  // lengths first: no two inputs run together alike
    EVP_DigestUpdate(ctx, s.data(), s.size());
  };
  part("sanctwatch entity list cache 1");
  part(build_id());
  part(format);
  part(std::to_string(types));
  part(bytes);
  part(aliases);
  part(addresses);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  return hex_bytes(digest, n);
}

}  // namespace sanctwatch::engine::detail
