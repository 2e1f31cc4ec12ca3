#pragma once
/// Expected failures as values: a parser, a fetch or a rule load returns result<T>,
/// holding either a T or an error with a machine-readable code and a human message.

#include <string>
#include <utility>
#include <variant>

namespace sanctwatch {

/// An expected failure. `code` is stable and short ("not_a_feed", "bad_date", ...);
/// `message` is for people and names what and where.
struct error {
  std::string code;
  std::string message;
};

template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  result(error e) : v_(std::move(e)) {}              // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const sanctwatch::error& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, sanctwatch::error> v_;
};

}  // namespace sanctwatch
