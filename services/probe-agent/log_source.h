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
  // Says why lines written after the position may have been missed (the log was
  // rotated in a way that can lose lines), or "" when every line was seen. Read after
  // LinesSince(); once set it stays set for this source.
  virtual std::string Gap() const { return ""; }
  // Returns, for each line of the last LinesSince() in order, where it was read (the pod
  // of a Kubernetes source), or an empty vector when the source has a single origin.
  virtual std::vector<std::string> Origins() const { return {}; }
};

// A file; positions are byte offsets into the file as it was when Position() opened it.
// The file is followed by its open descriptor, so rotation is handled the way `tail -F`
// would, without losing lines:
//   - renamed away (the writer may still append to it until it reopens): the old file
//     is read to its end AND the file now at the path is read from its start;
//   - truncated in place (copytruncate): detected by size and by the bytes just before
//     the position; the file is read from its start from then on, and Gap() says that
//     lines written before the truncation may be only in the copy.
// Only regular files are read.
class FileLogSource final : public LogSource {
 public:
  explicit FileLogSource(std::string path) : path_(std::move(path)) {}
  ~FileLogSource() override;
  FileLogSource(const FileLogSource&) = delete;
  FileLogSource& operator=(const FileLogSource&) = delete;

  absl::StatusOr<uint64_t> Position() override;
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) override;
  std::string Describe() const override { return "file " + path_; }
  std::string Gap() const override { return gap_; }

 private:
  // True when the bytes noted just before `position` are still there.
  bool StillHoldsMark(uint64_t position) const;

  std::string path_;
  int fd_ = -1;
  ino_t inode_ = 0;
  uint64_t largest_size_ = 0;
  // The bytes just before the position, to notice a truncation that the file regrew past.
  std::string mark_;
  bool truncated_ = false;
  std::string gap_;
};

// A log served over HTTP; positions are line counts of the whole body.
class HttpLogSource final : public LogSource {
 public:
  HttpLogSource(Prober* prober, meshproof::scenario::v1::HttpLogSource spec)
      : prober_(prober), spec_(std::move(spec)) {}
  absl::StatusOr<uint64_t> Position() override;
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t position) override;
  std::string Describe() const override { return "url " + spec_.url(); }
  std::string Gap() const override { return gap_; }

 private:
  std::string gap_;
  absl::StatusOr<std::vector<std::string>> Read();
  Prober* prober_;
  meshproof::scenario::v1::HttpLogSource spec_;
};

// Splits `text` into its complete (newline-terminated) lines.
std::vector<std::string> CompleteLines(absl::string_view text);

struct KubernetesAccess;

// Returns the source a spec names; a Kubernetes source reaches the API with `kubernetes`
// (the agent's configuration). INVALID_ARGUMENT when the spec names none.
absl::StatusOr<std::unique_ptr<LogSource>> MakeLogSource(
    const meshproof::scenario::v1::LogSource& spec, Prober* prober, const Clock* clock,
    const KubernetesAccess& kubernetes);

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_LOG_SOURCE_H_
