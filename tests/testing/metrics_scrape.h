// Reading a real service's /metrics: the address it logged ("metrics on HOST:PORT", logged
// before its "listening on" line) and an HTTP GET over a real socket.
#ifndef MESHPROOF_TESTS_TESTING_METRICS_SCRAPE_H_
#define MESHPROOF_TESTS_TESTING_METRICS_SCRAPE_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace meshproof::testing {

// Returns the HOST:PORT of the "metrics on HOST:PORT" line in the log at `log_path`.
// NOT_FOUND when there is none.
absl::StatusOr<std::string> MetricsAddressFromLog(const std::string& log_path);

struct HttpAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

// GETs http://`address``path`. UNAVAILABLE when no answer came within 5 s.
absl::StatusOr<HttpAnswer> HttpGet(const std::string& address, const std::string& path);

// Returns the names of the samples in a text-format scrape ("x_bucket", "x_sum", ...):
// the first word of every line that is not a comment.
std::set<std::string> SampleNames(const std::string& scrape);

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_METRICS_SCRAPE_H_
