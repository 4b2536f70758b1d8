#include "services/common/yaml_file.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace meshproof {

std::string YamlWhere(absl::string_view file, const YAML::Mark& mark) {
  return absl::StrCat(file, ":", mark.line + 1, ":", mark.column + 1);
}

absl::StatusOr<YAML::Node> ParseYaml(absl::string_view text, absl::string_view file_name) {
  // yaml-cpp reports errors with exceptions; they stop here.
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file_name, e.mark), ": not valid YAML: ", e.msg));
  }
}

}  // namespace meshproof
