#include "services/results-store/store_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/common/text_file.h"
#include "services/common/yaml_file.h"

namespace meshproof::store {

absl::StatusOr<StoreConfig> ParseStoreConfig(absl::string_view text, absl::string_view file_name) {
  StoreConfig config;
  MP_ASSIGN_OR_RETURN(const YAML::Node root, ParseYaml(text, file_name));
  if (root.IsNull()) return config;
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file_name, root.Mark()), ": expected a mapping of keys"));
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>("");
    const YAML::Node& value = entry.second;
    const std::string at = YamlWhere(file_name, entry.first.Mark());
    auto bad = [&](absl::string_view expected) {
      return absl::InvalidArgumentError(
          absl::StrCat(YamlWhere(file_name, value.Mark()), ": ", key, ": expected ", expected));
    };
    try {
      if (key == "listen") {
        if (!value.IsScalar()) return bad("HOST:PORT");
        config.listen = value.as<std::string>();
      } else if (key == "db") {
        if (!value.IsScalar() || value.as<std::string>().empty()) return bad("a file path");
        config.db = value.as<std::string>();
      } else if (key == "retention_days") {
        if (!value.IsScalar()) return bad("a whole number of days, 0..36500");
        config.retention_days = value.as<int>();
        if (config.retention_days < 0 || config.retention_days > 36500) {
          return bad("a whole number of days, 0..36500");
        }
      } else if (key == "max_batch") {
        if (!value.IsScalar()) return bad("1..500");
        config.max_batch = value.as<int>();
        if (config.max_batch < 1 || config.max_batch > 500) return bad("1..500");
      } else if (key == "tokens" || key == "tls_cert" || key == "tls_key" ||
                 key == "tls_client_ca") {
        if (!value.IsScalar() || value.as<std::string>().empty()) return bad("a file path");
        (key == "tokens"     ? config.tokens
         : key == "tls_cert" ? config.tls_cert
         : key == "tls_key"  ? config.tls_key
                             : config.tls_client_ca) = value.as<std::string>();
      } else if (key == "backup_dir") {
        if (!value.IsScalar() || value.as<std::string>().empty()) return bad("a folder path");
        config.backup_dir = value.as<std::string>();
      } else if (key == "synchronous") {
        if (!value.IsScalar()) return bad("normal or full");
        config.synchronous = absl::AsciiStrToUpper(value.as<std::string>());
        if (config.synchronous != "NORMAL" && config.synchronous != "FULL") {
          return bad("normal or full");
        }
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            at, ": unknown key \"", key,
            "\" (known: listen, db, retention_days, max_batch, synchronous, tokens, backup_dir, "
            "tls_cert, tls_key, tls_client_ca)"));
      }
    } catch (const YAML::Exception&) {
      return bad(key == "retention_days" ? "a whole number of days, 0..36500"
                 : key == "max_batch"    ? "1..500"
                                         : "a string");
    }
  }
  return config;
}

absl::StatusOr<StoreConfig> LoadStoreConfig(const std::string& path) {
  MP_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "--config"));
  return ParseStoreConfig(text, path);
}

}  // namespace meshproof::store
