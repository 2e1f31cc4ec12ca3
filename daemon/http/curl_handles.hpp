#pragma once
/// Move-only owners for libcurl's C handles, so business code never calls a cleanup
/// function. Each owns exactly one handle; none is thread-safe (libcurl handles are not).
/// An easy handle must be removed from its multi handle before it is destroyed: the
/// http::client guarantees that ordering.

#include <curl/curl.h>

#include <memory>
#include <string_view>

namespace sanctwatch::http {

namespace detail {
struct easy_deleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct multi_deleter {
  void operator()(CURLM* h) const noexcept { curl_multi_cleanup(h); }
};
struct url_deleter {
  void operator()(CURLU* h) const noexcept { curl_url_cleanup(h); }
};
struct slist_deleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
struct curl_free_deleter {
  void operator()(char* p) const noexcept { curl_free(p); }
};
}  // namespace detail

/// One easy (transfer) handle.
using easy_handle = std::unique_ptr<CURL, detail::easy_deleter>;
/// One multi handle; owns the connection cache shared by its transfers.
using multi_handle = std::unique_ptr<CURLM, detail::multi_deleter>;
/// One parsed URL (curl_url API).
using url_handle = std::unique_ptr<CURLU, detail::url_deleter>;
/// A string allocated by libcurl.
using curl_string = std::unique_ptr<char, detail::curl_free_deleter>;

/// A header list handed to CURLOPT_HTTPHEADER; must outlive the transfer using it.
class slist {
 public:
  slist() = default;
  /// Appends one "Name: value" line; returns false when libcurl is out of memory.
  bool append(const char* line) {
    curl_slist* next = curl_slist_append(list_.get(), line);
    if (!next) return false;
    list_.release();
    list_.reset(next);
    return true;
  }
  curl_slist* get() const noexcept { return list_.get(); }

 private:
  std::unique_ptr<curl_slist, detail::slist_deleter> list_;
};

}  // namespace sanctwatch::http
