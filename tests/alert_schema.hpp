#pragma once
// Checks alert and digest documents against the published schemas (docs/alert.schema.json,
// docs/digest.schema.json) with a real JSON Schema validator: Debian's python3-jsonschema, run
// by /usr/bin/python3.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace sanctwatch::testing {

/// Whether the validator can run here (tests skip with this reason when not).
inline bool alert_validator_available() {
  return ::access("/usr/bin/python3", X_OK) == 0 &&
         std::system("/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1") == 0;
}

/// Validates a file of JSON lines; returns {exit status, the validator's report}.
inline std::pair<int, std::string> validate_alert_lines(const std::string& path) {
  const std::string cmd = std::string("/usr/bin/python3 '") + SANCTWATCH_SOURCE_DIR +
                          "/tests/tools/validate_alerts.py' '" + SANCTWATCH_SOURCE_DIR +
                          "/docs/alert.schema.json' '" + path + "' 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// Validates a file of digest documents (JSON lines) against docs/digest.schema.json, whose
/// alerts refer to docs/alert.schema.json; returns {exit status, the validator's report}.
inline std::pair<int, std::string> validate_digest_lines(const std::string& path) {
  const std::string docs = std::string(SANCTWATCH_SOURCE_DIR) + "/docs/";
  const std::string cmd = std::string("/usr/bin/python3 '") + SANCTWATCH_SOURCE_DIR +
                          "/tests/tools/validate_digests.py' '" + docs + "digest.schema.json' '" +
                          docs + "alert.schema.json' '" + path + "' 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace sanctwatch::testing
