#include "services/probe-agent/log_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/time_util.h"
#include "services/probe-agent/kubernetes_log_source.h"

namespace meshproof::agent {
namespace {

// A poll reads at most this much of a file; a gateway writing faster than that between
// two polls 50 ms apart is not a verification lab.
constexpr size_t kMaxReadBytes = 16 << 20;
constexpr size_t kHttpLogLimit = 32 << 20;

}  // namespace

std::vector<std::string> CompleteLines(absl::string_view text) {
  std::vector<std::string> lines;
  // A line without its newline is still being written; it is read on the next poll.
  const size_t end = text.rfind('\n');
  if (end == absl::string_view::npos) return lines;
  for (absl::string_view line : absl::StrSplit(text.substr(0, end), '\n')) lines.emplace_back(line);
  return lines;
}

absl::StatusOr<uint64_t> FileLogSource::Position() {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot read ", path_, ": ", std::strerror(errno)));
  }
  inode_ = st.st_ino;
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<std::vector<std::string>> FileLogSource::LinesSince(uint64_t position) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path_, ": ", std::strerror(errno)));
  struct stat st {};
  if (stat(path_.c_str(), &st) == 0 && inode_ != 0 && st.st_ino != inode_) position = 0;  // rotated
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  if (size < position) position = 0;  // truncated
  const uint64_t length = std::min<uint64_t>(size - position, kMaxReadBytes);
  std::string text(length, '\0');
  in.seekg(static_cast<std::streamoff>(position));
  in.read(text.data(), static_cast<std::streamsize>(length));
  text.resize(static_cast<size_t>(in.gcount()));
  return CompleteLines(text);
}

absl::StatusOr<std::vector<std::string>> HttpLogSource::Read() {
  meshproof::scenario::v1::HttpProbe request;
  request.set_url(spec_.url());
  *request.mutable_headers() = spec_.headers();
  *request.mutable_timeout() = ToProtoDuration(absl::Seconds(5));
  auto body = prober_->Fetch(request, kHttpLogLimit);
  if (!body.ok()) return body.status();
  return CompleteLines(*body);
}

absl::StatusOr<uint64_t> HttpLogSource::Position() {
  auto lines = Read();
  if (!lines.ok()) return lines.status();
  return lines->size();
}

absl::StatusOr<std::vector<std::string>> HttpLogSource::LinesSince(uint64_t position) {
  auto lines = Read();
  if (!lines.ok()) return lines.status();
  if (lines->size() < position) return lines;  // the log restarted
  return std::vector<std::string>(lines->begin() + static_cast<long>(position), lines->end());
}

absl::StatusOr<std::unique_ptr<LogSource>> MakeLogSource(const meshproof::scenario::v1::LogSource& spec,
                                                         Prober* prober, const Clock* clock) {
  if (spec.has_file()) return std::make_unique<FileLogSource>(spec.file().path());
  if (spec.has_http()) return std::make_unique<HttpLogSource>(prober, spec.http());
  if (spec.has_kubernetes()) return std::make_unique<KubernetesLogSource>(prober, clock, spec.kubernetes());
  return absl::InvalidArgumentError("the log evidence has no source");
}

}  // namespace meshproof::agent
