// The narrow interface the webhook sender posts through (one HTTP POST, its status code),
// and its libcurl implementation. Redirects are not followed (a redirect could lead past
// the operator's host allowlist), only http and https are spoken, and the whole request
// is bounded by a timeout.
#ifndef MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_POSTER_H_
#define MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_POSTER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshproof::scheduler {

class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  // POSTs `body` to `url`. Returns the HTTP status code of the answer (any code), or
  // UNAVAILABLE / DEADLINE_EXCEEDED when no answer came (the text says why, e.g.
  // "connection refused").
  virtual absl::StatusOr<int> Post(const std::string& url,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& body, absl::Duration timeout) = 0;
  // Aborts a Post in flight and every later one (UNAVAILABLE), so a stopping scheduler
  // does not wait for a slow receiver. Thread-safe.
  virtual void Cancel() {}
};

std::unique_ptr<HttpPoster> NewCurlPoster();

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_POSTER_H_
