// `passwd`: an argon2id hash of a password for `web.users` (docs/triage.md).
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "cli/command.hpp"
#include "web/auth.hpp"

namespace sanctwatch::cli {
namespace {

// One line of standard input, without echo when it is a terminal.
bool read_secret(const char* prompt, std::string& out) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::fputs(prompt, stderr);
    std::fflush(stderr);
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  const bool got = static_cast<bool>(std::getline(std::cin, out));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", stderr);
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return got;
}

}  // namespace

int run_passwd(const args& a) {
  if (!a.positional.empty()) {
    std::fprintf(stderr, "sanctwatch passwd: the password is read from standard input, not given "
                         "as an argument (it would stay in the shell's history)\n");
    return usage_error;
  }
  std::string password, again;
  if (!read_secret("password: ", password)) {
    std::fprintf(stderr, "sanctwatch passwd: no password on standard input\n");
    return usage_error;
  }
  if (::isatty(STDIN_FILENO) == 1 && (!read_secret("again: ", again) || again != password)) {
    std::fprintf(stderr, "sanctwatch passwd: the two passwords differ\n");
    return usage_error;
  }
  if (password.size() < 8) {
    std::fprintf(stderr, "sanctwatch passwd: use at least 8 characters\n");
    return usage_error;
  }
  try {
    std::printf("%s\n", web::hash_password(password).c_str());
    return ok;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sanctwatch passwd: %s\n", e.what());
    return usage_error;
  }
}

}  // namespace sanctwatch::cli
