#include "tests/testing/metrics_scrape.h"

#include <httplib.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/metrics/http_server.h"

namespace meshproof::testing {

absl::StatusOr<std::string> MetricsAddressFromLog(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line;
  constexpr char kMarker[] = "metrics on ";
  while (std::getline(in, line)) {
    const size_t at = line.find(kMarker);
    if (at != std::string::npos) return line.substr(at + sizeof(kMarker) - 1);
  }
  return absl::NotFoundError(absl::StrCat("no \"metrics on\" line in ", log_path));
}

absl::StatusOr<HttpAnswer> HttpGet(const std::string& address, const std::string& path) {
  std::string host;
  int port = 0;
  if (absl::Status split = metrics::SplitListenAddress(address, &host, &port); !split.ok())
    return split;
  httplib::Client client(host, port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  httplib::Result result = client.Get(path);
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("GET http://", address, path, ": ", httplib::to_string(result.error())));
  }
  return HttpAnswer{result->status, result->get_header_value("Content-Type"), result->body};
}

std::set<std::string> SampleNames(const std::string& scrape) {
  std::set<std::string> names;
  for (absl::string_view line : absl::StrSplit(scrape, '\n', absl::SkipEmpty())) {
    if (line.front() == '#') continue;
    const size_t end = line.find_first_of("{ ");
    names.insert(std::string(line.substr(0, end)));
  }
  return names;
}

}  // namespace meshproof::testing
