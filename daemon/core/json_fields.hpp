#pragma once
/// Reading fields of JSON documents that may be malformed or of another version (stored
/// alerts, documents from older releases): a missing field, or one of another type, reads as
/// empty instead of throwing. Header-only; the caller links nlohmann_json.

#include <string>

#include <nlohmann/json.hpp>

namespace sanctwatch {

/// `j[key]` when `j` is an object and that is a string; else "".
inline std::string json_string(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// `j[key]` when `j` is an object and that is an array; else an empty array.
inline const nlohmann::json& json_array(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  if (!j.is_object()) return empty;
  const auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

/// `j[key]` when `j` is an object and that is an object; else an empty object.
inline const nlohmann::json& json_object(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!j.is_object()) return empty;
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

}  // namespace sanctwatch
