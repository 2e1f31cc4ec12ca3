#include "web/server.hpp"

#include <httplib.h>
#include <openssl/evp.h>
#include <sys/socket.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "core/log.hpp"
#include "core/time.hpp"
#include "store/store.hpp"
#include "web/auth.hpp"
#include "web/pages.hpp"
#include "web/queries.hpp"

namespace sanctwatch::web {
namespace {

// "user:password" from an Authorization: Basic header; empty when there is none.
std::optional<std::pair<std::string, std::string>> basic_credentials(const std::string& header) {
  if (header.rfind("Basic ", 0) != 0) return std::nullopt;
  std::string b64 = header.substr(6);
  while (!b64.empty() && b64.back() == ' ') b64.pop_back();
  if (b64.empty() || b64.size() % 4 != 0 || b64.size() > 1024) return std::nullopt;
  std::string decoded(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  decoded.resize(static_cast<std::size_t>(n) - (b64.end()[-1] == '=') - (b64.end()[-2] == '='));
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

void plain(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

}  // namespace

struct server::impl {
  impl(const config::web_settings& w, std::string location, std::string password)
      : settings(w), users(w.users), location(std::move(location)), password(std::move(password)) {}

  config::web_settings settings;
  web::users users;
  login_throttle throttle;
  std::string location, password;
  std::mutex db_mu;
  std::unique_ptr<store::store> db;  ///< opened when first needed, again after it was lost
  httplib::Server http;
  std::string host;
  int port = 0;
  std::thread thread;

  // Whether the request may read; when not, `res` says why (401 or 429).
  bool may_read(const httplib::Request& req, httplib::Response& res) {
    if (settings.public_read) return true;
    const auto now = std::chrono::steady_clock::now();
    if (!throttle.allowed(req.remote_addr, now)) {
      res.set_header("Retry-After", "300");
      plain(res, 429, "too many failed sign-ins from this address; try again later");
      return false;
    }
    if (const auto c = basic_credentials(req.get_header_value("Authorization"))) {
      if (users.check(c->first, c->second)) {
        throttle.succeeded(req.remote_addr);
        return true;
      }
      throttle.failed(req.remote_addr, now);
    }
    res.set_header("WWW-Authenticate", "Basic realm=\"sanctwatch\", charset=\"UTF-8\"");
    plain(res, 401, "sign in: HTTP Basic with a user of web.users");
    return false;
  }

  // One page of the queue for the request's filters, or the status and reason it cannot be
  // had (400: the filters; 503: the state).
  std::optional<std::pair<int, std::string>> page(const httplib::Request& req,
                                                  store::queue_page& out) {
    const auto q = parse_query(req.params, now_utc());
    if (!q) return std::make_pair(400, q.err().message);
    std::lock_guard lock(db_mu);
    try {
      if (!db) db = std::make_unique<store::store>(location, password);
      out = db->queue(q.value().filter, q.value().limit, q.value().after, true);
      return std::nullopt;
    } catch (const std::invalid_argument& e) {
      return std::make_pair(400, std::string(e.what()));
    } catch (const std::exception& e) {
      // The state went away (a lost PostgreSQL connection, a locked or full disk): open it
      // anew for the next request.
      db.reset();
      log::warning(std::string("web: the state cannot be read: ") + e.what());
      return std::make_pair(503, std::string("the state cannot be read now"));
    }
  }

  // The page for a JSON or Atom answer; false after answering the error as JSON.
  bool page_or_error(const httplib::Request& req, httplib::Response& res, store::queue_page& out) {
    const auto problem = page(req, out);
    if (problem) plain(res, problem->first, problem->second);
    return !problem;
  }

  void routes() {
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    http.Get("/api/alerts", [this](const httplib::Request& req, httplib::Response& res) {
      store::queue_page p;
      if (!may_read(req, res) || !page_or_error(req, res, p)) return;
      res.set_content(api_page(p), "application/json");
    });
    http.Get("/alerts.atom", [this](const httplib::Request& req, httplib::Response& res) {
      store::queue_page p;
      if (!may_read(req, res) || !page_or_error(req, res, p)) return;
      const bool tls = req.get_header_value("X-Forwarded-Proto") == "https";
      const std::string host_header = req.get_header_value("Host");
      const std::string self = std::string(tls ? "https://" : "http://") +
                               (host_header.empty() ? host + ":" + std::to_string(port) : host_header) +
                               req.target;
      res.set_content(atom_feed(p, self, now_utc()), "application/atom+xml; charset=utf-8");
    });
    http.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      if (!may_read(req, res)) return;
      store::queue_page p;
      const auto problem = page(req, p);
      if (problem && problem->first != 400) return plain(res, problem->first, problem->second);
      if (problem) res.status = 400;  // the form says what is wrong with the filters
      res.set_content(queue_html(p, req.params, problem ? problem->second : ""),
                      "text/html; charset=utf-8");
      // Styles from this server only, no script yet, no framing, forms only to here.
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                     "frame-ancestors 'none'; base-uri 'none'");
    });
    http.Get("/static/style.css", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(stylesheet(), "text/css; charset=utf-8");
      res.set_header("Cache-Control", "max-age=3600");
    });
    http.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Referrer-Policy", "no-referrer");
      if (!res.has_header("Content-Security-Policy"))
        res.set_header("Content-Security-Policy", "default-src 'none'");
      if (!settings.public_read && !res.has_header("Cache-Control"))
        res.set_header("Cache-Control", "no-store");
    });
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          plain(res, 500, "internal error");
        });
  }
};

server::server(const config::web_settings& w, const std::string& state_location,
               const std::string& state_password)
    : p_(std::make_unique<impl>(w, state_location, state_password)) {
  auto& s = *p_;
  const auto colon = w.listen.rfind(':');
  s.host = w.listen.substr(0, colon);
  if (s.host.size() > 2 && s.host.front() == '[' && s.host.back() == ']')
    s.host = s.host.substr(1, s.host.size() - 2);
  const int wanted = std::stoi(w.listen.substr(colon + 1));
  const auto timeout = static_cast<time_t>(w.request_timeout.count());
  s.http.set_read_timeout(timeout);
  s.http.set_write_timeout(timeout);
  s.http.set_keep_alive_timeout(5);
  s.http.set_keep_alive_max_count(100);
  s.http.set_payload_max_length(64 * 1024);  // forms, never uploads
  const int threads = w.threads;
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which lets a second daemon
  // share the port silently instead of failing to start.
  s.http.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.routes();
  // The state first: a daemon that cannot read it should say so at start, not per request.
  s.db = std::make_unique<store::store>(state_location, state_password);
  s.port = wanted == 0 ? s.http.bind_to_any_port(s.host)
                       : (s.http.bind_to_port(s.host, wanted) ? wanted : -1);
  if (s.port <= 0) throw std::runtime_error("web.listen " + w.listen + ": cannot listen there");
  s.thread = std::thread([this] { p_->http.listen_after_bind(); });
  // Serving before the constructor returns, so that a stop right after cannot come first.
  for (int i = 0; i < 5000 && !s.http.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

server::~server() {
  p_->http.stop();
  if (p_->thread.joinable()) p_->thread.join();
}

std::string server::address() const {
  const bool v6 = p_->host.find(':') != std::string::npos;
  return (v6 ? "[" + p_->host + "]" : p_->host) + ":" + std::to_string(p_->port);
}

}  // namespace sanctwatch::web
