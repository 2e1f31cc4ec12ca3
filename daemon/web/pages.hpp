#pragma once
/// The triage page, rendered on the server: HTML that works without JavaScript, its
/// stylesheet served from the binary (no CDN). Everything from an alert is escaped.

#include <map>
#include <string>

#include "store/store.hpp"

namespace sanctwatch::web {

/// The queue: the filter form (filled from `params`, so a filtered view is a URL), one row
/// per story alert, the link to older alerts. `problem`, when not empty, says what was wrong
/// with the filters (and the queue is empty).
std::string queue_html(const store::queue_page& page,
                       const std::multimap<std::string, std::string>& params,
                       const std::string& problem = "");

/// The stylesheet (`/static/style.css`).
const std::string& stylesheet();

/// `params` as a query string (`a=1&b=x%20y`), leaving out `drop` and empty values.
std::string query_string(const std::multimap<std::string, std::string>& params,
                         const std::string& drop = "");

}  // namespace sanctwatch::web
