// Reading a whole configuration-sized file, with the error every loader reports the same
// way: "<flag>: cannot read <path>" (NOT_FOUND), so the user knows which flag to fix.
#ifndef MESHPROOF_SERVICES_COMMON_TEXT_FILE_H_
#define MESHPROOF_SERVICES_COMMON_TEXT_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof {

absl::StatusOr<std::string> ReadTextFile(const std::string& path, absl::string_view flag);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_TEXT_FILE_H_
