#pragma once
/// One blocking HTTP(S)/file fetch with libcurl's easy interface, for one-shot commands
/// (`sanctwatch parse URL`). The daemon uses the multi interface on Asio instead.

#include <string>

#include "core/result.hpp"

namespace sanctwatch::http {

struct fetch_response {
  long status = 0;
  std::string content_type;
  std::string effective_url;
  std::string body;
};

struct fetch_options {
  long timeout_seconds = 30;
  std::size_t max_body_bytes = 16 * 1024 * 1024;  ///< decoded bytes; larger bodies are cut off
  std::string user_agent;                           ///< empty: "sanctwatch/<version>"
};

/// GET with redirects (at most 10), gzip/deflate/br, TLS verification on.
/// Transport failures and non-2xx statuses are errors naming the URL and the reason.
result<fetch_response> fetch(const std::string& url, const fetch_options& options = {});

}  // namespace sanctwatch::http
