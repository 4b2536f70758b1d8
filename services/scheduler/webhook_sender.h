// Sends the webhook outbox (webhook_outbox.h) from its own thread and its own database
// connection, never under the scheduler's lock: due rows oldest first, each POSTed with
// its signature, event id and timestamp headers, marked delivered on a 2xx answer.
// Failures are retried with exponential backoff and jitter until the row is older than
// the max age; an answer no retry will change (4xx other than 408 and 429), a host off
// the operator's allowlist or a webhook no longer configured gives the row up at once.
//
// Delivery is at least once: the row is marked right after the receiver's 2xx, so a
// scheduler killed between the two sends that event again after restart. Receivers
// deduplicate on X-Meshproof-Event-Id (docs/operations.md).
#ifndef MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_SENDER_H_
#define MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_SENDER_H_

#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/scheduler/database.h"
#include "services/scheduler/webhook_outbox.h"
#include "services/scheduler/webhook_poster.h"

namespace meshproof::scheduler {

struct WebhookSenderOptions {
  absl::Duration timeout = absl::Seconds(10);
  absl::Duration backoff_initial = absl::Seconds(1);
  absl::Duration backoff_max = absl::Minutes(5);
  absl::Duration max_age = absl::Hours(24);
  std::vector<std::string> allowed_hosts;
  // How long the idle loop sleeps when nothing is due and nobody wakes it.
  absl::Duration idle_poll = absl::Seconds(1);
  // Delivered and given-up rows are kept this long (to recognise a repeated event).
  absl::Duration keep_done = absl::Hours(24 * 7);
};

// Where and how one configured webhook is sent (its secret read from secret_file).
struct WebhookTarget {
  std::string url;
  std::string secret;  // empty: unsigned (Slack)
};

// Returns the delay before try `tries` + 1 after `tries` failed ones: initial, doubling,
// capped at max, then "equal jitter" — half of it fixed, the other half scaled by
// `unit` (in [0, 1)) — so receivers coming back are not hit by every scheduler at once.
absl::Duration WebhookBackoff(int tries, absl::Duration initial, absl::Duration max, double unit);

// Returns whether an HTTP answer means "retry later" (5xx, 408, 429) rather than
// "refused for good" (other 4xx). 2xx is success and not asked here.
bool IsRetryableHttpStatus(int code);

// Reads each webhook's secret file (trailing newline dropped). INVALID_ARGUMENT naming
// the webhook when a file cannot be read or is empty.
absl::StatusOr<std::map<std::string, WebhookTarget>> LoadWebhookTargets(
    const std::vector<WebhookConfig>& hooks);

class WebhookSender {
 public:
  WebhookSender(std::unique_ptr<Database> db, std::map<std::string, WebhookTarget> targets,
                HttpPoster* poster, const Clock* clock, WebhookSenderOptions options);
  ~WebhookSender();

  // Sends every row due now once. Returns how many were delivered; errors only for the
  // database (a delivery failure is recorded on its row).
  absl::StatusOr<int> SendOnce();

  void Start();
  // Asks the thread to look at the outbox now (after a commit that queued events).
  void Wake();
  void Stop();

 private:
  void Loop();
  absl::Status SendOne(const WebhookDelivery& d, absl::Time now, bool* delivered);

  std::unique_ptr<Database> db_;
  WebhookOutbox outbox_;
  std::map<std::string, WebhookTarget> targets_;
  HttpPoster* poster_;
  const Clock* clock_;
  WebhookSenderOptions options_;
  std::mt19937_64 jitter_;
  absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_SENDER_H_
