#include "services/common/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace meshproof {

absl::StatusOr<std::string> ReadTextFile(const std::string& path, absl::string_view flag) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked next.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(flag, ": cannot read ", path));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, " is not a regular file"));
  }
  std::string text;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return absl::NotFoundError(absl::StrCat(flag, ": cannot read ", path));
    }
    if (n == 0) break;
    // Checked while reading: a file that grows (or lies about its size) stops here.
    if (text.size() + static_cast<size_t>(n) > kMaxTextFileBytes) {
      close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": ", path, " is larger than ", kMaxTextFileBytes, " bytes"));
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

}  // namespace meshproof
