// The signature of a webhook request: HMAC-SHA256 (OpenSSL) over the exact body bytes,
// keyed with the webhook's secret, sent as "X-Meshproof-Signature: sha256=<lower hex>".
#ifndef MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_SIGNING_H_
#define MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_SIGNING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace meshproof::scheduler {

inline constexpr absl::string_view kSignatureHeader = "X-Meshproof-Signature";
inline constexpr absl::string_view kEventIdHeader = "X-Meshproof-Event-Id";
inline constexpr absl::string_view kEventKindHeader = "X-Meshproof-Event";
inline constexpr absl::string_view kTimestampHeader = "X-Meshproof-Timestamp";

// Returns HMAC-SHA256(key, data) in lower-case hex (64 characters).
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);

// Returns the X-Meshproof-Signature value for `body`: "sha256=" and the hex HMAC.
std::string WebhookSignature(absl::string_view secret, absl::string_view body);

// Returns whether `header` is the signature of `body` under `secret`, compared in
// constant time (what a receiver does; used by the tests).
bool VerifyWebhookSignature(absl::string_view secret, absl::string_view body,
                            absl::string_view header);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_WEBHOOK_SIGNING_H_
