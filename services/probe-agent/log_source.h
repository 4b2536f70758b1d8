// Log sources for evidence: note a position before the probe, read the lines written
// after it. A file (byte offset) and an HTTP URL (line count) are supported.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_LOG_SOURCE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_LOG_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "meshproof/scenario/v1/scenario.pb.h"
#include "services/probe-agent/prober.h"

namespace meshproof::agent {

class LogSource {
 public:
  virtual ~LogSource() = default;
  // Returns the current end of the log.
  virtual absl::StatusOr<uint64_t> Position() = 0;
  // Returns the complete lines written after `position`.
  virtual absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) = 0;
  // Describes the source for people ("file /var/log/egress.log").
  virtual std::string Describe() const = 0;
};

// A file; positions are byte offsets. A file shorter than the noted position was
// truncated or rotated, and is read from its start.
class FileLogSource final : public LogSource {
 public:
  explicit FileLogSource(std::string path) : path_(std::move(path)) {}
  absl::StatusOr<uint64_t> Position() override;
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) override;
  std::string Describe() const override { return "file " + path_; }

 private:
  std::string path_;
};

// A log served over HTTP; positions are line counts of the whole body.
class HttpLogSource final : public LogSource {
 public:
  HttpLogSource(Prober* prober, std::string url) : prober_(prober), url_(std::move(url)) {}
  absl::StatusOr<uint64_t> Position() override;
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) override;
  std::string Describe() const override { return "url " + url_; }

 private:
  Prober* prober_;
  std::string url_;
};

// Returns the source a spec names. UNIMPLEMENTED for the Kubernetes pod-log API, which
// this agent does not read yet.
absl::StatusOr<std::unique_ptr<LogSource>> MakeLogSource(const meshproof::scenario::v1::LogSource& spec,
                                                         Prober* prober);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_LOG_SOURCE_H_
