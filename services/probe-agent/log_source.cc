#include "services/probe-agent/log_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace meshproof::agent {
namespace {

constexpr size_t kMaxReadBytes = 16 << 20;
constexpr size_t kHttpLogLimit = 32 << 20;

std::vector<std::string> CompleteLines(absl::string_view text) {
  std::vector<std::string> lines;
  // A line without its newline is still being written; it is read on the next poll.
  const size_t end = text.rfind('\n');
  if (end == absl::string_view::npos) return lines;
  for (absl::string_view line : absl::StrSplit(text.substr(0, end), '\n')) lines.emplace_back(line);
  return lines;
}

}  // namespace

absl::StatusOr<uint64_t> FileLogSource::Position() {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot read ", path_, ": ", std::strerror(errno)));
  }
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<std::vector<std::string>> FileLogSource::LinesSince(uint64_t position) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path_, ": ", std::strerror(errno)));
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  if (size < position) position = 0;
  const uint64_t length = std::min<uint64_t>(size - position, kMaxReadBytes);
  std::string text(length, '\0');
  in.seekg(static_cast<std::streamoff>(position));
  in.read(text.data(), static_cast<std::streamsize>(length));
  text.resize(static_cast<size_t>(in.gcount()));
  return CompleteLines(text);
}

absl::StatusOr<uint64_t> HttpLogSource::Position() {
  auto body = prober_->Fetch(url_, absl::Seconds(5), kHttpLogLimit);
  if (!body.ok()) return body.status();
  return CompleteLines(*body).size();
}

absl::StatusOr<std::vector<std::string>> HttpLogSource::LinesSince(uint64_t position) {
  auto body = prober_->Fetch(url_, absl::Seconds(5), kHttpLogLimit);
  if (!body.ok()) return body.status();
  std::vector<std::string> lines = CompleteLines(*body);
  if (lines.size() < position) return lines;  // the log restarted
  return std::vector<std::string>(lines.begin() + static_cast<long>(position), lines.end());
}

absl::StatusOr<std::unique_ptr<LogSource>> MakeLogSource(const meshproof::scenario::v1::LogSource& spec,
                                                         Prober* prober) {
  if (spec.has_file()) return std::make_unique<FileLogSource>(spec.file().path());
  if (spec.has_http()) return std::make_unique<HttpLogSource>(prober, spec.http().url());
  if (spec.has_kubernetes()) {
    return absl::UnimplementedError("the Kubernetes pod-log source is not supported by this agent yet");
  }
  return absl::InvalidArgumentError("the log evidence has no source");
}

}  // namespace meshproof::agent
