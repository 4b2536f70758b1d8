// Secret redaction: the one place that decides how a secret value is hidden. A Redactor
// knows the secret values of one run (or one CLI invocation) and replaces every
// occurrence with "***" in text, statuses and whole protobuf messages. Every boundary
// that persists, returns, logs or prints data of a run with secrets calls it
// (docs/security.md, "Secrets").
#ifndef MESHPROOF_SERVICES_COMMON_REDACTION_H_
#define MESHPROOF_SERVICES_COMMON_REDACTION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace meshproof {

// What replaces a secret.
inline constexpr absl::string_view kRedacted = "***";

// Shortest secret value accepted: a shorter one would match everywhere (every "a" of
// every report) and its *** marks would themselves spell the secret out.
inline constexpr size_t kMinSecretBytes = 4;

class Redactor {
 public:
  Redactor() = default;
  // Values shorter than kMinSecretBytes are ignored here (callers refuse them earlier
  // with CheckSecretValue). Each value is also matched in the forms a server or a URL
  // echoes it in: percent-encoded (a URL that a probe or an effective_url reports),
  // JSON-escaped (a body such as httpbin's /headers), and base64 at each of the three
  // byte alignments (an echoed "Authorization: Basic ..." header), standard and URL-safe
  // alphabets. Base64 cores shorter than 6 characters are not matched.
  explicit Redactor(const std::vector<std::string>& secrets);

  bool empty() const { return secrets_.empty(); }

  // Returns `text` with every occurrence of a secret replaced by kRedacted, the longest
  // secret first at each position, so a secret that contains another is hidden whole.
  std::string Redact(absl::string_view text) const;

  // Like Redact, and also hides a trailing prefix of a secret (an excerpt cut inside a
  // secret must not show its first bytes).
  std::string RedactTruncated(absl::string_view text) const;

  // Returns `status` with its message redacted (same code).
  absl::Status RedactStatus(const absl::Status& status) const;

  // Redacts every string and bytes field of `message`, recursively (repeated fields,
  // map keys and values, nested messages). Bytes fields are treated as excerpts
  // (RedactTruncated).
  void RedactMessage(google::protobuf::Message* message) const;

 private:
  // Longest first.
  std::vector<std::string> secrets_;
};

// Returns INVALID_ARGUMENT naming `field` when `value` cannot be a secret: shorter than
// kMinSecretBytes, or holding a line break (logs and CLI output are redacted line by
// line). The message never contains the value.
absl::Status CheckSecretValue(absl::string_view field, absl::string_view value);

// Adds secret values to the process-wide set that every log line is redacted against
// (log.h). Values stay for the life of the process; at most kMaxLogSecrets distinct
// values are kept, the oldest dropped first.
inline constexpr size_t kMaxLogSecrets = 4096;
void AddLogSecrets(const std::vector<std::string>& secrets);

// Returns `line` redacted against the process-wide set (used by LogLine).
std::string RedactForLog(absl::string_view line);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_REDACTION_H_
