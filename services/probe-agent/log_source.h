// Log sources for evidence: note a position before the probe, read the lines written
// after it. The interface, a file (byte offset) and an HTTP URL (line count) live here;
// the Kubernetes pod-log source is in kubernetes_log_source.h.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_LOG_SOURCE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_LOG_SOURCE_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/common/clock.h"
#include "services/probe-agent/prober.h"

namespace meshproof::agent {

// One source is made per evidence spec and attempt, so implementations may keep state
// between Position() and LinesSince().
class LogSource {
 public:
  virtual ~LogSource() = default;
  // Returns the current end of the log. UNAVAILABLE when the log cannot be read.
  virtual absl::StatusOr<uint64_t> Position() = 0;
  // Returns the complete lines written after `position` (a line still being written is
  // returned by a later call). UNAVAILABLE when the log cannot be read.
  virtual absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) = 0;
  // Describes the source for people ("file /var/log/egress.log").
  virtual std::string Describe() const = 0;
};

// A file; positions are byte offsets. A file shorter than the noted position was
// truncated, and a file with another inode was rotated: both are read from their start
// (lines appended to a rotated-away file after the position are not seen).
class FileLogSource final : public LogSource {
 public:
  explicit FileLogSource(std::string path) : path_(std::move(path)) {}
  absl::StatusOr<uint64_t> Position() override;
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) override;
  std::string Describe() const override { return "file " + path_; }

 private:
  std::string path_;
  ino_t inode_ = 0;
};

// A log served over HTTP; positions are line counts of the whole body.
class HttpLogSource final : public LogSource {
 public:
  HttpLogSource(Prober* prober, meshproof::scenario::v1::HttpLogSource spec)
      : prober_(prober), spec_(std::move(spec)) {}
  absl::StatusOr<uint64_t> Position() override;
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) override;
  std::string Describe() const override { return "url " + spec_.url(); }

 private:
  absl::StatusOr<std::vector<std::string>> Read();
  Prober* prober_;
  meshproof::scenario::v1::HttpLogSource spec_;
};

// Splits `text` into its complete (newline-terminated) lines.
std::vector<std::string> CompleteLines(absl::string_view text);

// Returns the source a spec names. INVALID_ARGUMENT when the spec names none.
absl::StatusOr<std::unique_ptr<LogSource>> MakeLogSource(const meshproof::scenario::v1::LogSource& spec,
                                                         Prober* prober, const Clock* clock);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_LOG_SOURCE_H_
