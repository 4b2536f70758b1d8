// HttpPoster over libcurl's easy interface: the sender thread posts one request at a
// time, so one handle per call is simple and costs nothing that matters at this rate.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "services/scheduler/webhook_poster.h"

namespace meshproof::scheduler {
namespace {

// Keeps at most a little of the answer: only its status code matters.
size_t DiscardBody(char* /*data*/, size_t size, size_t count, void* /*user*/) {
  return size * count;
}

// Called by libcurl while a transfer runs: a non-zero return aborts it.
int AbortWhenCancelled(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(cancelled)->load() ? 1 : 0;
}

class CurlPoster final : public HttpPoster {
 public:
  void Cancel() override { cancelled_ = true; }

  absl::StatusOr<int> Post(const std::string& url,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::string& body, absl::Duration timeout) override {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
    curl_slist* list = nullptr;
    list = curl_slist_append(list, "Content-Type: application/json");
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    for (const auto& [name, value] : headers) {
      list = curl_slist_append(list, absl::StrCat(name, ": ", value).c_str());
    }
    const long timeout_ms = std::max<long>(1, absl::ToInt64Milliseconds(timeout));
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &DiscardBody);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "meshproof-scheduler");
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &AbortWhenCancelled);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &cancelled_);
    const CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      return absl::UnavailableError("aborted: the scheduler is stopping");
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(
          absl::StrCat("no answer within ", absl::FormatDuration(timeout)));
    }
    if (rc != CURLE_OK) {
      // curl's message names the failure (refused, DNS, TLS) and never the body.
      return absl::UnavailableError(curl_easy_strerror(rc));
    }
    return static_cast<int>(code);
  }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace

std::unique_ptr<HttpPoster> NewCurlPoster() { return std::make_unique<CurlPoster>(); }

}  // namespace meshproof::scheduler
