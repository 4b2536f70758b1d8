#include "services/scheduler/webhook_sender.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"
#include "services/common/text_file.h"
#include "services/scheduler/webhook_signing.h"

namespace meshproof::scheduler {

absl::Duration WebhookBackoff(int tries, absl::Duration initial, absl::Duration max, double unit) {
  absl::Duration d = initial;
  for (int i = 1; i < tries && d < max; ++i) d *= 2;
  d = std::min(d, max);
  unit = std::clamp(unit, 0.0, 1.0);
  return d / 2 + (d / 2) * unit;
}

bool IsRetryableHttpStatus(int code) {
  return code >= 500 || code == 408 || code == 429 || code < 200;
}

absl::StatusOr<std::map<std::string, WebhookTarget>> LoadWebhookTargets(
    const std::vector<WebhookConfig>& hooks) {
  std::map<std::string, WebhookTarget> targets;
  for (const WebhookConfig& hook : hooks) {
    WebhookTarget target;
    target.url = hook.url;
    if (!hook.secret_file.empty()) {
      absl::StatusOr<std::string> secret = ReadTextFile(
          hook.secret_file, absl::StrCat("webhooks: \"", hook.name, "\": secret_file"));
      if (!secret.ok()) return absl::InvalidArgumentError(secret.status().message());
      target.secret = std::string(absl::StripTrailingAsciiWhitespace(*secret));
      if (target.secret.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("webhooks: \"", hook.name, "\": secret_file: is empty"));
      }
    }
    targets.emplace(hook.name, std::move(target));
  }
  return targets;
}

WebhookSender::WebhookSender(std::unique_ptr<Database> db,
                             std::map<std::string, WebhookTarget> targets, HttpPoster* poster,
                             const Clock* clock, WebhookSenderOptions options)
    : db_(std::move(db)),
      outbox_(db_.get()),
      targets_(std::move(targets)),
      poster_(poster),
      clock_(clock),
      options_(std::move(options)),
      jitter_(std::random_device{}()) {}

WebhookSender::~WebhookSender() { Stop(); }

absl::Status WebhookSender::SendOne(const WebhookDelivery& d, absl::Time now, bool* delivered) {
  *delivered = false;
  auto target = targets_.find(d.webhook);
  if (target == targets_.end()) {
    LogWarning("webhook \"", d.webhook, "\" is no longer configured; event ", d.event_id,
               " dropped");
    return outbox_.GiveUp(d.id, "the webhook is no longer configured", now);
  }
  if (now - d.created > options_.max_age) {
    LogWarning("webhook \"", d.webhook, "\": event ", d.event_id, " given up after ", d.tries,
               " tries (older than webhook_max_age ", absl::FormatDuration(options_.max_age), ")");
    return outbox_.GiveUp(d.id, "older than webhook_max_age", now);
  }
  // Checked here as well as at start-up: the allowlist is what the operator promised.
  const std::string host = WebhookUrlHost(target->second.url);
  if (!WebhookHostAllowed(host, options_.allowed_hosts)) {
    LogWarning("webhook \"", d.webhook, "\": host ", host,
               " is not in webhook_allowed_hosts; event ", d.event_id, " dropped");
    return outbox_.GiveUp(d.id, "host not in webhook_allowed_hosts", now);
  }
  std::vector<std::pair<std::string, std::string>> headers = {
      {std::string(kEventIdHeader), d.event_id},
      {std::string(kEventKindHeader), d.kind},
      {std::string(kTimestampHeader), absl::StrCat(absl::ToUnixSeconds(now))},
  };
  if (!target->second.secret.empty()) {
    headers.emplace_back(std::string(kSignatureHeader),
                         WebhookSignature(target->second.secret, d.body));
  }
  absl::StatusOr<int> code = poster_->Post(target->second.url, headers, d.body, options_.timeout);
  const absl::Time after = clock_->Now();
  std::string error;
  if (code.ok() && *code >= 200 && *code < 300) {
    MP_ASSIGN_OR_RETURN(*delivered, outbox_.MarkDelivered(d.id, after));
    LogInfo("webhook \"", d.webhook, "\": ", d.kind, " event ", d.event_id, " delivered (HTTP ",
            *code, ", try ", d.tries + 1, ")");
    return absl::OkStatus();
  }
  if (code.ok() && !IsRetryableHttpStatus(*code)) {
    LogWarning("webhook \"", d.webhook, "\": event ", d.event_id, " refused with HTTP ", *code,
               "; not retried");
    return outbox_.GiveUp(d.id, absl::StrCat("refused: HTTP ", *code), after);
  }
  error = code.ok() ? absl::StrCat("HTTP ", *code) : std::string(code.status().message());
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(jitter_);
  const absl::Duration wait =
      WebhookBackoff(d.tries + 1, options_.backoff_initial, options_.backoff_max, unit);
  if (d.tries == 0 || (d.tries + 1) % 10 == 0) {
    LogWarning("webhook \"", d.webhook, "\": event ", d.event_id, " not delivered (", error,
               "); retrying in ", absl::FormatDuration(wait), " (try ", d.tries + 1, ")");
  }
  return outbox_.NoteFailure(d.id, error, after + wait);
}

absl::StatusOr<int> WebhookSender::SendOnce() {
  const absl::Time now = clock_->Now();
  MP_ASSIGN_OR_RETURN(std::vector<WebhookDelivery> due, outbox_.Due(now, 100));
  int delivered = 0;
  for (const WebhookDelivery& d : due) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) break;
    }
    bool ok = false;
    MP_RETURN_IF_ERROR(SendOne(d, clock_->Now(), &ok));
    delivered += ok ? 1 : 0;
  }
  MP_RETURN_IF_ERROR(outbox_.PruneDone(now - options_.keep_done));
  return delivered;
}

void WebhookSender::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void WebhookSender::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

void WebhookSender::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  // A request in flight is aborted rather than waited for (up to webhook_timeout); its
  // row stays pending and is sent again after the next start.
  poster_->Cancel();
  if (thread_.joinable()) thread_.join();
}

void WebhookSender::Loop() {
  while (true) {
    absl::StatusOr<int> sent = SendOnce();
    if (!sent.ok()) LogError("webhook outbox: ", sent.status().ToString());
    absl::Duration wait = options_.idle_poll;
    absl::StatusOr<absl::Time> next = outbox_.NextDue();
    if (next.ok() && *next != absl::InfiniteFuture()) {
      wait = std::clamp(*next - clock_->Now(), absl::ZeroDuration(), options_.idle_poll);
    }
    absl::MutexLock lock(&mu_);
    auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_ || wake_; };
    mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
    if (stop_) return;
    wake_ = false;
  }
}

}  // namespace meshproof::scheduler
