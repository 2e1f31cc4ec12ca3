#pragma once
// A real PostgreSQL server for tests: Debian's postgresql packages, a cluster made by initdb
// in a temporary directory, listening on 127.0.0.1 on a free port, stopped and removed when
// the object dies. PostgreSQL refuses to run as root: as root the cluster belongs to the
// unprivileged user `nobody` and every server command runs through runuser(1).
//
//   sanctwatch::testing::pg_server pg;
//   if (!pg.available()) GTEST_SKIP() << pg.why();
//   connect(pg.uri());            // postgresql://sanctwatch@127.0.0.1:PORT/sanctwatch
//   pg.stop(); pg.start();        // the database going away and coming back
//
// Tests need no crash safety, so the server skips flushing to disk (fsync, synchronous_commit
// and full_page_writes off); `durable` keeps PostgreSQL's defaults, for benchmarks that must
// pay what a production server pays per commit.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sanctwatch::testing {

class pg_server {
 public:
  explicit pg_server(bool durable = false) : durable_(durable) {
    bin_ = find_bin();
    if (bin_.empty()) {
      why_ = "PostgreSQL is not installed (Debian packages postgresql and libpq-dev)";
      return;
    }
    char tmpl[] = "/tmp/sanctwatch-pg-XXXXXX";
    if (!mkdtemp(tmpl)) {
      why_ = "cannot make a temporary directory";
      return;
    }
    dir_ = tmpl;
    std::filesystem::permissions(dir_, std::filesystem::perms::all);
    if (geteuid() == 0 && std::system(("chown nobody '" + dir_ + "'").c_str()) != 0) {
      why_ = "cannot hand " + dir_ + " to the user nobody";
      return;
    }
    port_ = free_port();
    if (!run("'" + bin_ + "/initdb' -D '" + dir_ + "/data' -U sanctwatch --auth=trust -E UTF8 "
             "--no-sync --no-instructions > '" + dir_ + "/initdb.log' 2>&1")) {
      why_ = "initdb failed: " + slurp(dir_ + "/initdb.log");
      return;
    }
    if (!start()) {
      why_ = "the server did not start: " + slurp(dir_ + "/server.log");
      return;
    }
    if (!run("'" + bin_ + "/createdb' -h 127.0.0.1 -p " + std::to_string(port_) +
             " -U sanctwatch sanctwatch > '" + dir_ + "/createdb.log' 2>&1")) {
      why_ = "createdb failed: " + slurp(dir_ + "/createdb.log");
      return;
    }
    ok_ = true;
  }
  ~pg_server() {
    if (running_) stop();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  bool available() const { return ok_; }
  const std::string& why() const { return why_; }
  int port() const { return port_; }
  /// A libpq connection URI for `db` as the cluster's superuser `sanctwatch`.
  std::string uri(const std::string& db = "sanctwatch") const {
    return "postgresql://sanctwatch@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  /// Runs SQL with psql as the superuser; true when it succeeded.
  bool psql(const std::string& sql, const std::string& db = "sanctwatch") const {
    std::ofstream(dir_ + "/q.sql") << sql;
    return run("'" + bin_ + "/psql' -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
               std::to_string(port_) + " -U sanctwatch -d " + db + " -f '" + dir_ +
               "/q.sql' > '" + dir_ + "/psql.log' 2>&1");
  }

  bool start() {
    const std::string no_flush =
        durable_ ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    running_ = run("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -w -t 60 -l '" + dir_ +
                   "/server.log' -o \"-p " + std::to_string(port_) + " -k '" + dir_ +
                   "' -c listen_addresses=127.0.0.1 -c max_connections=200" + no_flush +
                   "\" start > /dev/null 2>&1");
    return running_;
  }
  /// A fast shutdown: open connections are closed at once, as when the server goes away.
  bool stop() {
    running_ = false;
    return run("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -w -m fast stop > /dev/null 2>&1");
  }

 private:
  static std::string find_bin() {
    std::error_code ec;
    std::string best;
    for (std::filesystem::directory_iterator it("/usr/lib/postgresql", ec), end; !ec && it != end;
         it.increment(ec)) {
      const auto bin = it->path() / "bin";
      if (std::filesystem::exists(bin / "initdb") && std::filesystem::exists(bin / "pg_ctl") &&
          (best.empty() || bin.string() > best))
        best = bin.string();
    }
    return best;
  }
  static int free_port() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
    close(s);
    return port;
  }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // As root, as the user nobody (PostgreSQL refuses root); otherwise as ourselves.
  bool run(const std::string& cmd) const {
    const std::string full =
        geteuid() == 0 ? "runuser -u nobody -- /bin/sh -c \"cd /tmp && " + escape(cmd) + "\""
                       : cmd;
    return std::system(full.c_str()) == 0;
  }
  static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
      out += c;
    }
    return out;
  }

  std::string bin_, dir_, why_;
  int port_ = 0;
  bool durable_ = false;
  bool ok_ = false;
  bool running_ = false;
};

}  // namespace sanctwatch::testing
