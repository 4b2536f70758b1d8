// Reading a whole configuration-sized file, with the error every loader reports the same
// way: "<flag>: cannot read <path>" (NOT_FOUND), so the user knows which flag to fix.
// Only regular files, and only up to a bound: a FIFO or /dev/zero named as a config
// file must not hang the service or fill its memory.
#ifndef MESHPROOF_SERVICES_COMMON_TEXT_FILE_H_
#define MESHPROOF_SERVICES_COMMON_TEXT_FILE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof {

inline constexpr size_t kMaxTextFileBytes = 4 << 20;

// Returns the content of `path`. NOT_FOUND "<flag>: cannot read <path>" when it cannot be
// opened or read; INVALID_ARGUMENT naming the flag when it is not a regular file or is
// larger than kMaxTextFileBytes.
absl::StatusOr<std::string> ReadTextFile(const std::string& path, absl::string_view flag);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_TEXT_FILE_H_
