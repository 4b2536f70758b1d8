#include "services/results-store/backup_path.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace meshproof::store {
namespace {

// realpath(3) into a string; empty when the path does not resolve.
std::string Resolve(const std::string& path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) == nullptr) return "";
  return buffer;
}

}  // namespace

std::string BackupDirectory(const std::string& backup_dir, const std::string& database_path) {
  if (!backup_dir.empty()) return backup_dir;
  const size_t slash = database_path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return database_path.substr(0, slash);
}

absl::StatusOr<std::string> CheckBackupDestination(const std::string& destination,
                                                   const std::string& directory) {
  if (destination.empty()) return absl::InvalidArgumentError("destination: is required");
  if (!absl::StartsWith(destination, "/")) {
    return absl::InvalidArgumentError("destination: must be an absolute path");
  }
  if (destination.size() >= PATH_MAX || destination.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("destination: not a usable path");
  }
  for (absl::string_view part : absl::StrSplit(destination.substr(1), '/')) {
    if (part == "." || part == "..") {
      return absl::InvalidArgumentError("destination: must not contain . or .. components");
    }
  }
  if (absl::EndsWith(destination, "/")) {
    return absl::InvalidArgumentError("destination: must name a file, not a folder");
  }
  const std::string parent = destination.substr(0, destination.rfind('/'));
  const std::string resolved_parent = Resolve(parent.empty() ? "/" : parent);
  const std::string resolved_dir = Resolve(directory);
  const bool inside =
      !resolved_parent.empty() && !resolved_dir.empty() &&
      (resolved_parent == resolved_dir ||
       absl::StartsWith(resolved_parent, resolved_dir == "/" ? "/" : resolved_dir + "/"));
  if (!inside) {
    return absl::PermissionDeniedError(
        "destination: backups are written only under the store's backup directory "
        "(backup_dir in its configuration)");
  }
  // lstat, not stat: a dangling symlink would let SQLite create its target elsewhere.
  struct stat info;
  if (lstat(destination.c_str(), &info) == 0) {
    return absl::AlreadyExistsError("destination: the file already exists");
  }
  return destination;
}

}  // namespace meshproof::store
