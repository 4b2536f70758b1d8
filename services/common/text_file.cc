#include "services/common/text_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace meshproof {

absl::StatusOr<std::string> ReadTextFile(const std::string& path, absl::string_view flag) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace meshproof
