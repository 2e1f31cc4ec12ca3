#pragma once
/// The daemon's web side (docs/triage.md): the queue page (`/`), the JSON API of the queue
/// (`/api/alerts`) and the Atom feed of alerts (`/alerts.atom`), with the same filters,
/// served on `web.listen` by cpp-httplib's thread pool beside the daemon's event loop, on a
/// connection to the state of its own.

#include <memory>
#include <string>

#include "config/config.hpp"

namespace sanctwatch::web {

class server {
 public:
  /// Binds `w.listen` (port 0 picks one) and starts serving; throws std::runtime_error naming
  /// the address when it cannot bind, or the state when it cannot open it.
  server(const config::web_settings& w, const std::string& state_location,
         const std::string& state_password);
  /// Stops accepting, finishes the requests in progress, closes the state.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// "127.0.0.1:8080": where it listens (the port chosen for port 0).
  std::string address() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace sanctwatch::web
