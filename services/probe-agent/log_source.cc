#include "services/probe-agent/log_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/time_util.h"
#include "services/probe-agent/kubernetes_log_source.h"
#include "services/scenario/log_source_uri.h"

namespace meshproof::agent {
namespace {

// A poll reads at most this much of a file; a gateway writing faster than that between
// two polls 50 ms apart is not a verification lab.
constexpr size_t kMaxReadBytes = 16 << 20;
constexpr size_t kHttpLogLimit = 32 << 20;
// Lines one poll keeps (each costs a string besides its bytes).
constexpr size_t kMaxLinesPerRead = 200000;

}  // namespace

std::vector<std::string> CompleteLines(absl::string_view text) {
  std::vector<std::string> lines;
  // A line without its newline is still being written; it is read on the next poll.
  const size_t end = text.rfind('\n');
  if (end == absl::string_view::npos) return lines;
  for (absl::string_view line : absl::StrSplit(text.substr(0, end), '\n')) lines.emplace_back(line);
  return lines;
}

namespace {

// Bytes kept from just before the position: enough that a truncated file regrown with
// other lines is told apart from the original.
constexpr size_t kMarkBytes = 64;

std::string ErrnoText() { return std::strerror(errno); }

// Reads [offset, offset + length) of `fd`; a short read ends early.
std::string ReadAt(int fd, uint64_t offset, uint64_t length) {
  std::string text(static_cast<size_t>(length), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        pread(fd, text.data() + done, text.size() - done, static_cast<off_t>(offset + done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

// Reads the complete lines of `fd` from `from` to its current end: at most kMaxReadBytes
// and kMaxLinesPerRead lines of it, so a log written fast (or hostile) cannot make one
// poll hold more than that in memory. Sets *cut when more was there; what was not read
// is a gap, never silently missing.
std::vector<std::string> LinesFrom(int fd, uint64_t from, uint64_t size, bool* cut) {
  if (size <= from) return {};
  std::vector<std::string> lines =
      CompleteLines(ReadAt(fd, from, std::min<uint64_t>(size - from, kMaxReadBytes)));
  if (size - from > kMaxReadBytes) *cut = true;
  if (lines.size() > kMaxLinesPerRead) {
    lines.resize(kMaxLinesPerRead);
    *cut = true;
  }
  return lines;
}

}  // namespace

FileLogSource::~FileLogSource() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<uint64_t> FileLogSource::Position() {
  if (fd_ >= 0) close(fd_);
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0)
    return absl::UnavailableError(absl::StrCat("cannot read ", path_, ": ", ErrnoText()));
  struct stat st {};
  if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd_);
    fd_ = -1;
    return absl::UnavailableError(absl::StrCat("cannot read ", path_, ": not a regular file"));
  }
  inode_ = st.st_ino;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  largest_size_ = size;
  const uint64_t mark_length = std::min<uint64_t>(size, kMarkBytes);
  mark_ = ReadAt(fd_, size - mark_length, mark_length);
  truncated_ = false;
  gap_.clear();
  return size;
}

bool FileLogSource::StillHoldsMark(uint64_t position) const {
  if (mark_.empty() || position < mark_.size()) return true;
  return ReadAt(fd_, position - mark_.size(), mark_.size()) == mark_;
}

absl::StatusOr<std::vector<std::string>> FileLogSource::LinesSince(uint64_t position) {
  if (fd_ < 0)
    return absl::FailedPreconditionError(absl::StrCat("no position was taken in ", path_));
  struct stat st {};
  if (fstat(fd_, &st) != 0)
    return absl::UnavailableError(absl::StrCat("cannot read ", path_, ": ", ErrnoText()));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  // A file that shrank, or whose bytes before the position changed, was truncated in
  // place; once seen, it is read from its start for the rest of this source's life (the
  // file may regrow past the old size before the next poll).
  if (!truncated_ && (size < largest_size_ || size < position || !StillHoldsMark(position))) {
    truncated_ = true;
    gap_ = absl::StrCat(path_,
                        " was truncated while it was read (copytruncate rotation): lines written "
                        "just before the truncation are only in the rotated copy");
  }
  largest_size_ = std::max(largest_size_, size);
  bool cut = false;
  std::vector<std::string> lines = LinesFrom(fd_, truncated_ ? 0 : position, size, &cut);
  // The path may name another file now (rotated by rename, or replaced): the writer
  // moves to it when it reopens, so it is read from its start as well.
  struct stat now {};
  if (stat(path_.c_str(), &now) == 0 && now.st_ino != inode_ && S_ISREG(now.st_mode)) {
    const int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
      struct stat opened {};
      if (fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode)) {
        for (std::string& line : LinesFrom(fd, 0, static_cast<uint64_t>(opened.st_size), &cut)) {
          lines.push_back(std::move(line));
        }
      }
      close(fd);
    }
  }
  if (cut && gap_.empty()) {
    gap_ = absl::StrCat("more was written to ", path_, " since the position than one read takes (",
                        kMaxReadBytes >> 20, " MiB or ", kMaxLinesPerRead,
                        " lines): later lines were not read");
  }
  return lines;
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
  if (lines->size() < position) {
    // The log restarted: lines written before the restart are gone.
    gap_ = absl::StrCat(spec_.url(),
                        " served fewer lines than before (the log restarted or was rotated)");
    return lines;
  }
  return std::vector<std::string>(lines->begin() + static_cast<long>(position), lines->end());
}

absl::StatusOr<std::unique_ptr<LogSource>> MakeLogSource(
    const meshproof::scenario::v1::LogSource& spec, Prober* prober, const Clock* clock,
    const KubernetesAccess& kubernetes) {
  if (spec.has_uri()) {
    auto named = scenario::ResolveLogSourceUri(spec.uri());
    if (!named.ok()) return named.status();
    return MakeLogSource(*named, prober, clock, kubernetes);
  }
  if (spec.has_file()) return std::make_unique<FileLogSource>(spec.file().path());
  if (spec.has_http()) return std::make_unique<HttpLogSource>(prober, spec.http());
  if (spec.has_kubernetes()) {
    return std::make_unique<KubernetesLogSource>(prober, clock, kubernetes, spec.kubernetes());
  }
  return absl::InvalidArgumentError("the log evidence has no source");
}

}  // namespace meshproof::agent
