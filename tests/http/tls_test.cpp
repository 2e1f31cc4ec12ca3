// HTTPS on loopback: nghttpd (Debian's nghttp2-server) serves a feed over TLS with a
// certificate made for the test. Verification is always on, so the feed is fetched only with
// the test's CA; the server offers HTTP/2 through ALPN and the client takes it, sending
// every request after the first over the same connection. Skips when nghttpd or openssl is
// not installed (CI installs both from debian-packages.txt).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "http/client.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace sanctwatch::http {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string find_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"})
    if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  return {};
}

// A port nobody listens on right now (the kernel's choice for port 0).
int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

bool port_open(int port) {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

class https_server : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string nghttpd = find_tool("nghttpd"), openssl = find_tool("openssl");
    if (nghttpd.empty() || openssl.empty()) GTEST_SKIP() << "nghttpd or openssl not installed";
    const std::string key = dir_.file("key.pem");
    cert_ = dir_.file("cert.pem");
    const std::string make_cert =
        "'" + openssl +
        "' req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
        "-keyout '" +
        key + "' -out '" + cert_ + "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(make_cert.c_str()), 0) << make_cert;
    const std::string docroot = dir_.file("htdocs");
    fs::create_directories(docroot);
    std::ofstream(docroot + "/feed.xml")
        << "<rss version=\"2.0\"><channel><title>Secure wire</title><item><guid>1</guid>"
           "<title>Treasury imposed sanctions on three firms</title></item></channel></rss>";
    for (int attempt = 0; attempt < 5 && pid_ == 0; ++attempt) {
      port_ = free_port();
      std::vector<std::string> args = {
          nghttpd, "-a", "127.0.0.1", "-d", docroot, std::to_string(port_), key, cert_};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
      posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
      pid_t pid = 0;
      const int rc = posix_spawn(&pid, nghttpd.c_str(), &fa, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&fa);
      ASSERT_EQ(rc, 0);
      const auto deadline = std::chrono::steady_clock::now() + 5s;
      while (!port_open(port_) && std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) break;  // the port was taken meanwhile
        std::this_thread::sleep_for(20ms);
      }
      if (port_open(port_)) {
        pid_ = pid;
      } else {
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
      }
    }
    ASSERT_NE(pid_, 0) << "nghttpd did not start";
  }

  void TearDown() override {
    if (pid_ != 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  std::string url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_) + "/feed.xml";
  }

  std::vector<response> fetch_all(client_options options, const std::vector<std::string>& urls) {
    asio::io_context io;
    client c(io, std::move(options));
    std::vector<response> out;
    for (const auto& u : urls) {
      request r;
      r.url = u;
      r.timeout = 10s;
      c.start(std::move(r), [&out](response resp) { out.push_back(std::move(resp)); });
      // One after the other, so the later ones find the first connection open.
      if (io.stopped()) io.restart();
      auto guard = asio::make_work_guard(io);
      const auto deadline = std::chrono::steady_clock::now() + 15s;
      const std::size_t want = out.size() + 1;
      while (out.size() < want && std::chrono::steady_clock::now() < deadline)
        io.run_one_until(deadline);
    }
    return out;
  }

  sanctwatch::testing::temp_dir dir_;
  std::string cert_;
  int port_ = 0;
  pid_t pid_ = 0;
};

TEST_F(https_server, certificate_verification_is_always_on) {
  const auto out = fetch_all({}, {url()});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].error, error_kind::tls) << out[0].error_message;
  EXPECT_TRUE(out[0].body.empty());
}

TEST_F(https_server, trusted_ca_gives_http2_and_one_connection) {
  const auto out = fetch_all({.ca_file = cert_}, {url(), url(), url()});
  ASSERT_EQ(out.size(), 3u);
  for (const auto& r : out) {
    ASSERT_EQ(r.error, error_kind::none) << r.error_message;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.http_version, 2);
    EXPECT_NE(r.body.find("Secure wire"), std::string::npos);
  }
  EXPECT_FALSE(out[0].reused_connection);
  EXPECT_TRUE(out[1].reused_connection);
  EXPECT_TRUE(out[2].reused_connection);
}

TEST_F(https_server, host_name_must_match_the_certificate) {
  // The certificate names 127.0.0.1 only: the same server reached as "localhost" is refused.
  const auto out = fetch_all({.ca_file = cert_}, {url("localhost")});
  ASSERT_EQ(out.size(), 1u);
  if (out[0].error == error_kind::connect || out[0].error == error_kind::dns)
    GTEST_SKIP() << "localhost does not reach 127.0.0.1 here: " << out[0].error_message;
  EXPECT_EQ(out[0].error, error_kind::tls) << out[0].error_message;
}

}  // namespace
}  // namespace sanctwatch::http
