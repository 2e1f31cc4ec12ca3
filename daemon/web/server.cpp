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

using json = nlohmann::json;
using params = std::multimap<std::string, std::string>;

constexpr const char* session_cookie = "sw_session";
constexpr const char* login_cookie = "sw_login";

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
  res.set_content(json{{"error", message}}.dump(), "application/json");
}

void html(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "text/html; charset=utf-8");
}

void see_other(httplib::Response& res, const std::string& to) {
  res.status = 303;
  res.set_header("Location", to);
}

// A form's fields (application/x-www-form-urlencoded body); the query string stays apart.
params form_of(const httplib::Request& req) {
  params out;
  if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0)
    httplib::detail::parse_query_text(req.body, out);
  return out;
}

std::string field(const params& p, const std::string& key) {
  const auto it = p.find(key);
  return it == p.end() ? std::string() : it->second;
}

// Where to go after signing in: a path on this site only (never "//elsewhere").
std::string safe_next(const std::string& next) {
  if (next.empty() || next[0] != '/' || (next.size() > 1 && (next[1] == '/' || next[1] == '\\')))
    return "/";
  for (char c : next)
    if (static_cast<unsigned char>(c) < 0x20) return "/";
  return next;
}

bool behind_tls(const httplib::Request& req) {
  return req.get_header_value("X-Forwarded-Proto") == "https";
}

std::string cookie(const std::string& name, const std::string& value, const std::string& path,
                   const httplib::Request& req, bool clear = false) {
  return name + "=" + value + "; Path=" + path + "; HttpOnly; SameSite=Strict" +
         (behind_tls(req) ? "; Secure" : "") + (clear ? "; Max-Age=0" : "");
}

// What the page says after a change: from a fixed set, never text from the URL (a link
// must not put words of its own on the page).
std::string notice_for(const std::string& code) {
  static const std::pair<const char*, const char*> notices[] = {
      {"acknowledged", "Acknowledged."},
      {"unacknowledged", "The acknowledgement was taken back."},
      {"true-positive", "Labelled true positive."},
      {"false-positive", "Labelled false positive."},
      {"unlabelled", "The label was removed."},
      {"silence-added", "Silence added."},
      {"silence-expired", "Silence expired."}};
  for (const auto& [c, text] : notices)
    if (code == c) return text;
  return "";
}

// Pages: styles and the script from this server only, no framing, forms only to here.
constexpr const char* page_policy =
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

}  // namespace

struct server::impl {
  impl(const config::web_settings& w, std::string location, std::string password)
      : settings(w), users(w.users), location(std::move(location)), password(std::move(password)) {}

  config::web_settings settings;
  web::users users;
  login_throttle throttle;
  web::sessions sessions;
  std::string location, password;
  std::mutex db_mu;
  std::unique_ptr<store::store> db;  ///< opened when first needed, again after it was lost
  httplib::Server http;
  std::string host;
  int port = 0;
  std::thread thread;

  // --- Who is asking --------------------------------------------------------------------

  // The viewer by session cookie (not signed in without one).
  viewer viewer_of(const httplib::Request& req) {
    viewer v;
    v.sign_in = !users.empty();
    const auto id = cookie_value(req.get_header_value("Cookie"), session_cookie);
    if (const auto s = sessions.find(id, std::chrono::steady_clock::now())) {
      v.user = s->user;
      v.csrf = s->csrf;
    }
    return v;
  }

  // The user of a request's HTTP Basic credentials; empty when there are none or they are
  // wrong (then counted against the address). False when the address is throttled.
  bool basic_user(const httplib::Request& req, std::string& user) {
    const auto now = std::chrono::steady_clock::now();
    if (!throttle.allowed(req.remote_addr, now)) return false;
    if (const auto c = basic_credentials(req.get_header_value("Authorization"))) {
      if (const auto name = users.check(c->first, c->second)) {
        throttle.succeeded(req.remote_addr);
        user = *name;
      } else {
        throttle.failed(req.remote_addr, now);
      }
    }
    return true;
  }

  void throttled(httplib::Response& res) {
    res.set_header("Retry-After", "300");
    plain(res, 429, "too many failed sign-ins from this address; try again later");
  }

  // Whether the request may read; `v` is who reads. When not, `res` says why: pages send
  // people to the sign-in form, the API and the feed answer 401 (or 429).
  bool may_read(const httplib::Request& req, httplib::Response& res, viewer& v, bool page) {
    v = viewer_of(req);
    if (v.signed_in() || settings.public_read) return true;
    if (page && req.get_header_value("Authorization").empty()) {
      see_other(res, "/login?next=" + percent(req.target));
      return false;
    }
    std::string user;
    if (!basic_user(req, user)) {
      throttled(res);
      return false;
    }
    if (!user.empty()) {
      v.user = user;
      return true;
    }
    res.set_header("WWW-Authenticate", "Basic realm=\"sanctwatch\", charset=\"UTF-8\"");
    plain(res, 401, "sign in: HTTP Basic with a user of web.users, or a session");
    return false;
  }

  // Whether the request may change something, and as whom. A session must carry its CSRF
  // token (the form's `csrf` field, or the X-CSRF-Token header from the script); HTTP Basic
  // (scripts, API only) must send JSON, which no other site's form can.
  bool may_act(const httplib::Request& req, httplib::Response& res, const params& form,
               viewer& v, bool api) {
    v = viewer_of(req);
    const auto refuse = [&](int status, const std::string& why) {
      if (api) plain(res, status, why);
      else html(res, status, message_html("Refused", why, v));
      return false;
    };
    if (v.signed_in()) {
      std::string token = req.get_header_value("X-CSRF-Token");
      if (token.empty()) token = field(form, "csrf");
      if (!same_token(token, v.csrf))
        return refuse(403, "This form is out of date or did not come from this site; reload the "
                           "page and try again.");
      return true;
    }
    if (api && !req.get_header_value("Authorization").empty()) {
      std::string user;
      if (!basic_user(req, user)) {
        throttled(res);
        return false;
      }
      if (user.empty()) {
        res.set_header("WWW-Authenticate", "Basic realm=\"sanctwatch\", charset=\"UTF-8\"");
        return refuse(401, "sign in: HTTP Basic with a user of web.users, or a session");
      }
      if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0)
        return refuse(415, "send the request as application/json");
      v.user = user;
      return true;
    }
    if (!api) {
      see_other(res, "/login");
      return false;
    }
    return refuse(401, "sign in first (a session, or HTTP Basic with a user of web.users)");
  }

  // --- The state ------------------------------------------------------------------------

  // Runs `f` on the state; the status and reason when it cannot (400: a bad argument; 503:
  // the state went away, and is opened anew for the next request).
  template <class F>
  std::optional<std::pair<int, std::string>> with_db(F&& f) {
    std::lock_guard lock(db_mu);
    try {
      if (!db) db = std::make_unique<store::store>(location, password);
      f(*db);
      return std::nullopt;
    } catch (const std::invalid_argument& e) {
      return std::make_pair(400, std::string(e.what()));
    } catch (const std::exception& e) {
      db.reset();
      log::warning(std::string("web: the state cannot be read: ") + e.what());
      return std::make_pair(503, std::string("the state cannot be read now"));
    }
  }

  // One page of the queue for the request's filters, or the status and reason it cannot.
  std::optional<std::pair<int, std::string>> page(const httplib::Request& req,
                                                  store::queue_page& out) {
    const auto q = parse_query(req.params, now_utc());
    if (!q) return std::make_pair(400, q.err().message);
    return with_db([&](store::store& s) {
      out = s.queue(q.value().filter, q.value().limit, q.value().after, true);
    });
  }

  // The page for a JSON or Atom answer; false after answering the error as JSON.
  bool page_or_error(const httplib::Request& req, httplib::Response& res, store::queue_page& out) {
    const auto problem = page(req, out);
    if (problem) plain(res, problem->first, problem->second);
    return !problem;
  }

  // Everything the alert page shows; empty when there is no such alert.
  std::optional<std::pair<int, std::string>> alert(const std::string& id,
                                                   std::optional<alert_view>& out) {
    return with_db([&](store::store& s) {
      auto a = s.alert(id);
      if (!a || a->digest) return;
      out = alert_view{std::move(*a), s.revisions(id), s.triage(id), s.actions(id)};
    });
  }

  // --- Changes --------------------------------------------------------------------------

  // Acknowledge, take back, label: 200 and what it did (a notice code), or the status and
  // reason it did not.
  std::pair<int, std::string> change(const std::string& id, const std::string& what,
                                     const std::string& user, const std::string& note,
                                     const std::string& label) {
    if (note.size() > 2000) return {400, "the note is longer than 2,000 bytes"};
    if (what == "label" && !label.empty() && label != "true-positive" && label != "false-positive")
      return {400, "label must be true-positive, false-positive or empty"};
    bool found = false;
    const auto problem = with_db([&](store::store& s) {
      const auto now = now_utc();
      if (what == "acknowledge") found = s.acknowledge(id, user, note, now);
      else if (what == "unacknowledge") found = s.unacknowledge(id, user, now);
      else found = s.set_label(id, label, note, user, now);
    });
    if (problem) return *problem;
    if (!found) return {404, "no alert has the id " + id};
    if (what == "acknowledge") return {200, "acknowledged"};
    if (what == "unacknowledge") return {200, "unacknowledged"};
    return {200, label.empty() ? "unlabelled" : label};
  }

  // A new silence from a form or a JSON body; the record, or the status and reason.
  std::pair<int, std::string> add_silence(const std::vector<std::string>& matchers,
                                          const std::string& from, const std::string& for_,
                                          const std::string& until, const std::string& comment,
                                          const std::string& user, store::silence_record& out) {
    const auto now = now_utc();
    timestamp starts = now;
    if (!from.empty()) {
      const auto t = parse_when(from, now, false);
      if (!t) return {400, "the start '" + from + "' is neither a date nor a duration"};
      starts = *t;
    }
    std::optional<timestamp> ends;
    if (!until.empty()) {
      ends = parse_when(until, now, false);
      if (!ends) return {400, "the end '" + until + "' is neither a date nor a duration"};
    } else if (!for_.empty()) {
      if (const auto d = config::parse_duration(for_)) ends = starts + *d;
      else return {400, "'" + for_ + "' is not a duration (2h, 7d)"};
    } else {
      return {400, "say how long it lasts (for 2h) or until when"};
    }
    if (comment.size() > 2000) return {400, "the comment is longer than 2,000 bytes"};
    auto made = sinks::new_silence(matchers, starts, *ends, comment, user, now);
    if (!made) return {400, made.err().message};
    out = silence_record_of(made.value());
    const auto problem = with_db([&](store::store& s) { s.add_silence(out); });
    if (problem) return *problem;
    log::notice("web: " + user + " added silence " + out.id + " " + out.matchers);
    return {201, "silence-added"};
  }

  std::pair<int, std::string> expire_silence(const std::string& id, const std::string& user,
                                             std::optional<store::silence_record>& out) {
    const auto problem = with_db([&](store::store& s) {
      if (s.expire_silence(id, now_utc())) out = s.silence(id);
    });
    if (problem) return *problem;
    if (!out) return {404, "no silence has the id " + id};
    log::notice("web: " + user + " expired silence " + id);
    return {200, "silence-expired"};
  }

  // --- Routes ---------------------------------------------------------------------------

  void read_routes() {
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    http.Get("/api/alerts", [this](const httplib::Request& req, httplib::Response& res) {
      store::queue_page p;
      viewer v;
      if (!may_read(req, res, v, false) || !page_or_error(req, res, p)) return;
      res.set_content(api_page(p), "application/json");
    });
    http.Get(R"(/api/alerts/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      if (!may_read(req, res, v, false)) return;
      std::optional<alert_view> a;
      if (const auto problem = alert(req.matches[1], a)) return plain(res, problem->first, problem->second);
      if (!a) return plain(res, 404, "no alert has the id " + std::string(req.matches[1]));
      res.set_content(alert_json(a->alert, a->revisions, a->triage, a->history)
                          .dump(-1, ' ', false, json::error_handler_t::replace),
                      "application/json");
    });
    http.Get("/alerts.atom", [this](const httplib::Request& req, httplib::Response& res) {
      store::queue_page p;
      viewer v;
      if (!may_read(req, res, v, false) || !page_or_error(req, res, p)) return;
      const std::string host_header = req.get_header_value("Host");
      const std::string self = std::string(behind_tls(req) ? "https://" : "http://") +
                               (host_header.empty() ? host + ":" + std::to_string(port) : host_header) +
                               req.target;
      res.set_content(atom_feed(p, self, now_utc()), "application/atom+xml; charset=utf-8");
    });
    http.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      if (!may_read(req, res, v, true)) return;
      store::queue_page p;
      const auto problem = page(req, p);
      if (problem && problem->first != 400) return plain(res, problem->first, problem->second);
      // On a bad filter the form says what is wrong with it.
      html(res, problem ? 400 : 200, queue_html(p, req.params, v, problem ? problem->second : ""));
      res.set_header("Content-Security-Policy", page_policy);
    });
    http.Get(R"(/alerts/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      if (!may_read(req, res, v, true)) return;
      std::optional<alert_view> a;
      if (const auto problem = alert(req.matches[1], a))
        return html(res, problem->first, message_html("Not now", problem->second, v));
      res.set_header("Content-Security-Policy", page_policy);
      if (!a)
        return html(res, 404, message_html("No such alert",
                                           "No alert has the id " + std::string(req.matches[1]) +
                                               " (the retention may have removed it).",
                                           v));
      html(res, 200, alert_html(*a, v, notice_for(req.get_param_value("done"))));
    });
    http.Get("/silences", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      if (!may_read(req, res, v, true)) return;
      std::vector<store::silence_record> all;
      if (const auto problem = with_db([&](store::store& s) { all = s.silences(std::nullopt); }))
        return html(res, problem->first, message_html("Not now", problem->second, v));
      std::vector<std::string> prefill;
      for (auto [it, end] = req.params.equal_range("match"); it != end; ++it)
        prefill.push_back(it->second);
      html(res, 200,
           silences_html(all, now_utc(), v, req.has_param("all"), prefill, "",
                         notice_for(req.get_param_value("done"))));
      res.set_header("Content-Security-Policy", page_policy);
    });
    http.Get("/api/silences", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      if (!may_read(req, res, v, false)) return;
      std::vector<store::silence_record> all;
      if (const auto problem = with_db([&](store::store& s) { all = s.silences(std::nullopt); }))
        return plain(res, problem->first, problem->second);
      const auto now = now_utc();
      json out = json::array();
      for (const auto& s : all)
        if (req.has_param("all") || now < s.ends_at) out.push_back(silence_json(s, now));
      res.set_content(json{{"silences", out}}.dump(), "application/json");
    });
    http.Get("/static/style.css", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(stylesheet(), "text/css; charset=utf-8");
      res.set_header("Cache-Control", "max-age=3600");
    });
    http.Get("/static/app.js", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(script(), "text/javascript; charset=utf-8");
      res.set_header("Cache-Control", "max-age=3600");
    });
  }

  void sign_in_routes() {
    http.Get("/login", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v = viewer_of(req);
      const std::string next = safe_next(req.get_param_value("next"));
      if (v.signed_in()) return see_other(res, next);
      if (users.empty())
        return html(res, 404, message_html("No sign-in", "No users are configured (web.users).", v));
      const std::string token = random_token();
      res.set_header("Set-Cookie", cookie(login_cookie, token, "/login", req));
      html(res, 200, login_html(v, token, next));
      res.set_header("Content-Security-Policy", page_policy);
    });
    http.Post("/login", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      v.sign_in = !users.empty();
      const auto form = form_of(req);
      const std::string next = safe_next(field(form, "next"));
      res.set_header("Content-Security-Policy", page_policy);
      const auto again = [&](int status, const std::string& why) {
        const std::string token = random_token();
        res.set_header("Set-Cookie", cookie(login_cookie, token, "/login", req));
        html(res, status, login_html(v, token, next, why));
      };
      // The form's token must be the one its cookie carries: no other site can post it.
      if (!same_token(field(form, "csrf"),
                      cookie_value(req.get_header_value("Cookie"), login_cookie)))
        return again(403, "The sign-in form was out of date; try again.");
      const auto now = std::chrono::steady_clock::now();
      if (!throttle.allowed(req.remote_addr, now)) {
        res.set_header("Retry-After", "300");
        return again(429, "Too many failed sign-ins from this address; try again in 5 minutes.");
      }
      const auto user = users.check(field(form, "name"), field(form, "password"));
      if (!user) {
        throttle.failed(req.remote_addr, now);
        log::notice("web: failed sign-in from " + req.remote_addr);
        return again(401, "Wrong name or password.");
      }
      throttle.succeeded(req.remote_addr);
      const auto [id, session] = sessions.start(*user, now);
      res.set_header("Set-Cookie", cookie(session_cookie, id, "/", req));
      res.set_header("Set-Cookie", cookie(login_cookie, "", "/login", req, true));
      log::notice("web: " + *user + " signed in from " + req.remote_addr);
      see_other(res, next);
    });
    http.Post("/logout", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      if (!may_act(req, res, form_of(req), v, false)) return;
      sessions.end(cookie_value(req.get_header_value("Cookie"), session_cookie));
      res.set_header("Set-Cookie", cookie(session_cookie, "", "/", req, true));
      see_other(res, "/");
    });
  }

  void action_routes() {
    http.Post(R"(/alerts/([^/]+)/(acknowledge|unacknowledge|label))",
              [this](const httplib::Request& req, httplib::Response& res) {
                const auto form = form_of(req);
                viewer v;
                if (!may_act(req, res, form, v, false)) return;
                const std::string id = req.matches[1];
                const std::string what = req.matches[2];
                const auto [status, said] =
                    change(id, what, v.user, field(form, what == "label" ? "reason" : "note"),
                           field(form, "label"));
                if (status != 200) return html(res, status, message_html("Not done", said, v));
                see_other(res, "/alerts/" + percent(id) + "?done=" + percent(said));
              });
    http.Post(R"(/api/alerts/([^/]+)/(acknowledge|unacknowledge|label))",
              [this](const httplib::Request& req, httplib::Response& res) {
                viewer v;
                if (!may_act(req, res, {}, v, true)) return;
                const json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
                if (!body.is_object()) return plain(res, 400, "the body is not a JSON object");
                const std::string id = req.matches[1];
                const std::string what = req.matches[2];
                const auto text = [&](const char* k) {
                  return body.contains(k) && body[k].is_string() ? body[k].get<std::string>() : "";
                };
                const auto [status, said] =
                    change(id, what, v.user, text(what == "label" ? "reason" : "note"), text("label"));
                if (status != 200) return plain(res, status, said);
                std::optional<alert_view> a;
                if (const auto problem = alert(id, a)) return plain(res, problem->first, problem->second);
                if (!a) return plain(res, 404, "no alert has the id " + id);
                res.set_content(alert_json(a->alert, a->revisions, a->triage, a->history)
                                    .dump(-1, ' ', false, json::error_handler_t::replace),
                                "application/json");
              });
    http.Post("/silences", [this](const httplib::Request& req, httplib::Response& res) {
      const auto form = form_of(req);
      viewer v;
      if (!may_act(req, res, form, v, false)) return;
      std::vector<std::string> matchers;
      std::string lines = field(form, "matchers");
      for (std::size_t at = 0; at <= lines.size();) {
        auto nl = lines.find('\n', at);
        if (nl == std::string::npos) nl = lines.size();
        std::string m = lines.substr(at, nl - at);
        while (!m.empty() && (m.back() == '\r' || m.back() == ' ')) m.pop_back();
        while (!m.empty() && m.front() == ' ') m.erase(0, 1);
        if (!m.empty()) matchers.push_back(m);
        at = nl + 1;
      }
      store::silence_record made;
      const auto [status, said] = add_silence(matchers, field(form, "from"), field(form, "for"),
                                              field(form, "until"), field(form, "comment"), v.user, made);
      res.set_header("Content-Security-Policy", page_policy);
      if (status == 201) return see_other(res, "/silences?done=" + percent(said));
      std::vector<store::silence_record> all;
      (void)with_db([&](store::store& s) { all = s.silences(std::nullopt); });
      html(res, status, silences_html(all, now_utc(), v, false, matchers, said));
    });
    http.Post(R"(/silences/([^/]+)/expire)", [this](const httplib::Request& req, httplib::Response& res) {
      const auto form = form_of(req);
      viewer v;
      if (!may_act(req, res, form, v, false)) return;
      std::optional<store::silence_record> s;
      const auto [status, said] = expire_silence(req.matches[1], v.user, s);
      if (status != 200) return html(res, status, message_html("Not done", said, v));
      see_other(res, "/silences?done=" + percent(said));
    });
    http.Post("/api/silences", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      if (!may_act(req, res, {}, v, true)) return;
      const json body = json::parse(req.body, nullptr, false);
      if (!body.is_object()) return plain(res, 400, "the body is not a JSON object");
      const auto text = [&](const char* k) {
        return body.contains(k) && body[k].is_string() ? body[k].get<std::string>() : "";
      };
      std::vector<std::string> matchers;
      if (body.contains("matchers") && body["matchers"].is_array())
        for (const auto& m : body["matchers"])
          if (m.is_string()) matchers.push_back(m.get<std::string>());
          else return plain(res, 400, "matchers must be strings");
      store::silence_record made;
      const auto [status, said] = add_silence(matchers, text("starts_at"), text("duration"),
                                              text("ends_at"), text("comment"), v.user, made);
      if (status != 201) return plain(res, status, said);
      res.status = 201;
      res.set_content(silence_json(made, now_utc()).dump(), "application/json");
    });
    http.Post(R"(/api/silences/([^/]+)/expire)", [this](const httplib::Request& req, httplib::Response& res) {
      viewer v;
      if (!may_act(req, res, {}, v, true)) return;
      std::optional<store::silence_record> s;
      const auto [status, said] = expire_silence(req.matches[1], v.user, s);
      if (status != 200) return plain(res, status, said);
      res.set_content(silence_json(*s, now_utc()).dump(), "application/json");
    });
  }

  void routes() {
    read_routes();
    sign_in_routes();
    action_routes();
    http.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Referrer-Policy", "no-referrer");
      if (!res.has_header("Content-Security-Policy"))
        res.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
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
  // Headers and body go out in separate writes: without TCP_NODELAY the body waits for the
  // client's delayed ACK (40 ms a page on Linux).
  s.http.set_tcp_nodelay(true);
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
