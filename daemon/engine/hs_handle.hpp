#pragma once
/// Move-only owners of Hyperscan handles, so no business code calls hs_free_*.

#include <hs.h>

#include <utility>

namespace sanctwatch::engine {

class hs_database {
 public:
  hs_database() = default;
  explicit hs_database(hs_database_t* db) : db_(db) {}
  hs_database(hs_database&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  hs_database& operator=(hs_database&& o) noexcept {
    if (this != &o) {
      reset();
      db_ = std::exchange(o.db_, nullptr);
    }
    return *this;
  }
  hs_database(const hs_database&) = delete;
  hs_database& operator=(const hs_database&) = delete;
  ~hs_database() { reset(); }

  hs_database_t* get() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }
  void reset() {
    if (db_) hs_free_database(db_);
    db_ = nullptr;
  }

 private:
  hs_database_t* db_ = nullptr;
};

/// Scratch space; one per thread (Hyperscan scratch is not shareable between concurrent scans).
/// grow() makes it fit one more database, as hs_alloc_scratch allows.
class hs_scratch {
 public:
  hs_scratch() = default;
  hs_scratch(hs_scratch&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  hs_scratch& operator=(hs_scratch&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  hs_scratch(const hs_scratch&) = delete;
  hs_scratch& operator=(const hs_scratch&) = delete;
  ~hs_scratch() { reset(); }

  bool grow(const hs_database_t* db) { return hs_alloc_scratch(db, &s_) == HS_SUCCESS; }
  hs_scratch_t* get() const { return s_; }
  void reset() {
    if (s_) hs_free_scratch(s_);
    s_ = nullptr;
  }

 private:
  hs_scratch_t* s_ = nullptr;
};

}  // namespace sanctwatch::engine
