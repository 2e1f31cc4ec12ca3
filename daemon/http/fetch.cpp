#include "http/fetch.hpp"

#include <curl/curl.h>

#include <memory>

#include "core/uri.hpp"
#include "core/version.hpp"

namespace sanctwatch::http {
namespace {

struct easy_deleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using easy_handle = std::unique_ptr<CURL, easy_deleter>;

struct sink {
  std::string* body;
  std::size_t limit;
  bool truncated = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<sink*>(user);
  const std::size_t len = size * n;
  if (s->body->size() + len > s->limit) {
    s->truncated = true;
    return 0;  // aborts the transfer: a compression bomb or an oversize body
  }
  s->body->append(data, len);
  return len;
}

}  // namespace

result<fetch_response> fetch(const std::string& url, const fetch_options& options) {
  static const bool initialized = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!initialized) return error{"curl_init", "libcurl could not be initialized"};
  easy_handle h{curl_easy_init()};
  if (!h) return error{"curl_init", "libcurl could not create a handle"};

  fetch_response r;
  sink s{&r.body, options.max_body_bytes};
  const std::string agent = options.user_agent.empty()
                                ? std::string("sanctwatch/") + version + " (+feed monitor)"
                                : options.user_agent;
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(h.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h.get(), CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h.get(), CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, options.timeout_seconds);
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, errbuf);

  const CURLcode rc = curl_easy_perform(h.get());
  const std::string shown = redact_url(url);
  if (s.truncated)
    return error{"too_large", shown + ": body larger than " + std::to_string(options.max_body_bytes) +
                                  " bytes"};
  if (rc != CURLE_OK)
    return error{"transport", shown + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc))};

  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &r.status);
  if (const char* ct = nullptr; curl_easy_getinfo(h.get(), CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
    r.content_type = ct;
  if (const char* eu = nullptr; curl_easy_getinfo(h.get(), CURLINFO_EFFECTIVE_URL, &eu) == CURLE_OK && eu)
    r.effective_url = eu;
  const bool is_file = url.rfind("file:", 0) == 0;
  if (!is_file && (r.status < 200 || r.status > 299))
    return error{"http_status", shown + ": HTTP " + std::to_string(r.status)};
  return r;
}

}  // namespace sanctwatch::http
