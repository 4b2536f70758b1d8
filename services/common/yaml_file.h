// YAML for the services' own files (configs, the tokens file): parsing without letting
// yaml-cpp's exceptions out, and positions in errors as FILE:LINE:COLUMN, the way every
// file error of meshproof names its place.
#ifndef MESHPROOF_SERVICES_COMMON_YAML_FILE_H_
#define MESHPROOF_SERVICES_COMMON_YAML_FILE_H_

#include <yaml-cpp/yaml.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof {

// "FILE:LINE:COLUMN", 1-based.
std::string YamlWhere(absl::string_view file, const YAML::Mark& mark);

// Parses `text`; an empty document is a null node. INVALID_ARGUMENT "FILE:L:C: not
// valid YAML: ..." when it does not parse.
absl::StatusOr<YAML::Node> ParseYaml(absl::string_view text, absl::string_view file_name);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_YAML_FILE_H_
