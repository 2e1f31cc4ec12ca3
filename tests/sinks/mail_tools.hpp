#pragma once
// Real mail parts for the email tests: Python's standard `email` package reads the messages
// sanctwatch writes (parse_email.py), and an aiosmtpd server on loopback receives them
// (smtp_server.py). Both run as /usr/bin/python3: the python3 first on PATH may be another
// interpreter without Debian's python3-aiosmtpd.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

extern char** environ;

namespace sanctwatch::testing {

inline const std::string python = "/usr/bin/python3";
inline const std::string mail_scripts = std::string(SANCTWATCH_SOURCE_DIR) + "/tests/sinks/";

/// Why the Python side cannot run here, or empty when it can.
inline std::string python_missing(bool need_aiosmtpd) {
  if (!std::filesystem::exists(python)) return python + " is not installed";
  if (need_aiosmtpd &&
      std::system((python + " -c 'import aiosmtpd' >/dev/null 2>&1").c_str()) != 0)
    return "python3-aiosmtpd is not installed (debian-packages.txt)";
  return {};
}

/// What parse_email.py makes of `message`; a JSON null when it could not run.
inline nlohmann::json parse_email(const std::string& message, const temp_dir& dir) {
  static int n = 0;
  const std::string file = dir.file("parse-" + std::to_string(++n) + ".eml");
  std::ofstream(file, std::ios::binary) << message;
  const std::string cmd = python + " '" + mail_scripts + "parse_email.py' '" + file + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return nullptr;
  std::string out;
  char buf[4096];
  for (std::size_t got; (got = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, got);
  if (pclose(p) != 0) return nullptr;
  return nlohmann::json::parse(out, nullptr, false);
}

/// smtp_server.py as a child process on a port of its own; killed when this goes.
class smtp_server {
 public:
  smtp_server(const temp_dir& dir, std::vector<std::string> options) : dir_(dir.file("mail")) {
    std::filesystem::create_directories(dir_);
    std::vector<std::string> args = {python, mail_scripts + "smtp_server.py", "--dir", dir_};
    args.insert(args.end(), options.begin(), options.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addopen(&fa, 2, dir.file("smtp-server.log").c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (posix_spawn(&pid_, python.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    // The port, on the first line; a server that does not start within 10 s has failed.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pid_ != 0 && line.find('\n') == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{fds[0], POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      char c[64];
      const ssize_t got = read(fds[0], c, sizeof c);
      if (got <= 0) break;
      line.append(c, static_cast<std::size_t>(got));
    }
    close(fds[0]);
    if (line.find('\n') != std::string::npos) port_ = std::atoi(line.c_str());
  }
  ~smtp_server() {
    if (pid_ != 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  smtp_server(const smtp_server&) = delete;
  smtp_server& operator=(const smtp_server&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& scheme = "smtp") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }
  /// The n-th message received (1-based), as received; empty when there is none.
  std::string message(int n) const { return slurp(dir_ + "/" + std::to_string(n) + ".eml"); }
  /// Its envelope and session: {"from", "to", "authenticated", "tls"}.
  nlohmann::json envelope(int n) const {
    return nlohmann::json::parse(slurp(dir_ + "/" + std::to_string(n) + ".json"), nullptr, false);
  }
  /// How many messages have arrived.
  int received() const {
    int n = 0;
    while (std::filesystem::exists(dir_ + "/" + std::to_string(n + 1) + ".eml")) ++n;
    return n;
  }

 private:
  std::string dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

/// A self-signed certificate for 127.0.0.1 (cert.pem, key.pem in `dir`); false without openssl.
inline bool make_certificate(const temp_dir& dir) {
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
      dir.file("key.pem") + "' -out '" + dir.file("cert.pem") + "' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace sanctwatch::testing
