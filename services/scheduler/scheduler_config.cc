#include "services/scheduler/scheduler_config.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/common/text_file.h"
#include "services/common/yaml_file.h"

namespace meshproof::scheduler {
namespace {

constexpr char kKnownKeys[] =
    "lease, heartbeat_interval, max_attempts, default_run_timeout, max_runs_per_agent, "
    "tick_interval, store_deadline, store_backoff_initial, store_backoff_max, synchronous, "
    "tokens, store_token_file, tls_cert, tls_key, tls_client_ca, store_tls_ca, "
    "store_tls_server_name, store_tls_cert, store_tls_key";

// The field a TLS key sets, or null for another key.
std::string* TlsSlot(const std::string& key, SchedulerConfig* config) {
  if (key == "tls_cert") return &config->tls.cert_file;
  if (key == "tls_key") return &config->tls.key_file;
  if (key == "tls_client_ca") return &config->tls.client_ca_file;
  if (key == "store_tls_ca") return &config->store_tls.ca_file;
  if (key == "store_tls_server_name") return &config->store_tls.server_name;
  if (key == "store_tls_cert") return &config->store_tls.cert_file;
  if (key == "store_tls_key") return &config->store_tls.key_file;
  return nullptr;
}

// Parses a positive duration such as "30s" into *out; false when malformed or not > 0.
bool ParsePositiveDuration(const YAML::Node& value, absl::Duration* out) {
  if (!value.IsScalar()) return false;
  absl::Duration d;
  if (!absl::ParseDuration(value.Scalar(), &d) || d <= absl::ZeroDuration()) return false;
  *out = d;
  return true;
}

bool ParseInt(const YAML::Node& value, int min, int max, int* out) {
  if (!value.IsScalar()) return false;
  int n = 0;
  // yaml-cpp's conversion throws on malformed text; the caller catches.
  n = value.as<int>();
  if (n < min || n > max) return false;
  *out = n;
  return true;
}

}  // namespace

absl::StatusOr<SchedulerConfig> ParseSchedulerConfig(absl::string_view text,
                                                     absl::string_view file_name) {
  SchedulerConfig config;
  MP_ASSIGN_OR_RETURN(const YAML::Node root, ParseYaml(text, file_name));
  if (root.IsNull()) return config;
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file_name, root.Mark()), ": expected a mapping of keys"));
  }
  for (const auto& entry : root) {
    std::string key;
    try {
      key = entry.first.as<std::string>();
    } catch (const YAML::Exception&) {
      return absl::InvalidArgumentError(
          absl::StrCat(YamlWhere(file_name, entry.first.Mark()), ": keys must be strings"));
    }
    const YAML::Node& value = entry.second;
    auto bad = [&](absl::string_view expected) {
      return absl::InvalidArgumentError(
          absl::StrCat(YamlWhere(file_name, value.Mark()), ": ", key, ": expected ", expected));
    };
    constexpr char kDuration[] = "a positive duration such as 30s, 5m or 1h30m";
    try {
      if (key == "lease") {
        if (!ParsePositiveDuration(value, &config.lease)) return bad(kDuration);
      } else if (key == "heartbeat_interval") {
        if (!ParsePositiveDuration(value, &config.heartbeat_interval)) return bad(kDuration);
      } else if (key == "default_run_timeout") {
        if (!ParsePositiveDuration(value, &config.default_run_timeout)) return bad(kDuration);
      } else if (key == "tick_interval") {
        if (!ParsePositiveDuration(value, &config.tick_interval)) return bad(kDuration);
      } else if (key == "store_deadline") {
        if (!ParsePositiveDuration(value, &config.store_deadline)) return bad(kDuration);
      } else if (key == "store_backoff_initial") {
        if (!ParsePositiveDuration(value, &config.store_backoff_initial)) return bad(kDuration);
      } else if (key == "store_backoff_max") {
        if (!ParsePositiveDuration(value, &config.store_backoff_max)) return bad(kDuration);
      } else if (key == "max_attempts") {
        if (!ParseInt(value, 1, 10, &config.max_attempts)) return bad("a whole number 1..10");
      } else if (key == "max_runs_per_agent") {
        if (!ParseInt(value, 1, 1000, &config.max_runs_per_agent)) {
          return bad("a whole number 1..1000");
        }
      } else if (key == "tokens" || key == "store_token_file") {
        if (!value.IsScalar() || value.Scalar().empty()) return bad("a file path");
        (key == "tokens" ? config.tokens : config.store_token_file) = value.Scalar();
      } else if (std::string* slot = TlsSlot(key, &config)) {
        if (!value.IsScalar() || value.Scalar().empty()) {
          return bad(key == "store_tls_server_name" ? "a host name" : "a file path");
        }
        *slot = value.Scalar();
      } else if (key == "synchronous") {
        if (!value.IsScalar()) return bad("normal or full");
        config.synchronous = absl::AsciiStrToUpper(value.Scalar());
        if (config.synchronous != "NORMAL" && config.synchronous != "FULL") {
          return bad("normal or full");
        }
      } else {
        return absl::InvalidArgumentError(absl::StrCat(YamlWhere(file_name, entry.first.Mark()),
                                                       ": unknown key \"", key,
                                                       "\" (known: ", kKnownKeys, ")"));
      }
    } catch (const YAML::Exception&) {
      return bad(key == "max_attempts" ? "a whole number 1..10" : "a number");
    }
  }
  if (config.heartbeat_interval >= config.lease) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_name, ": heartbeat_interval: must be shorter than lease (",
        absl::FormatDuration(config.lease), ") or every lease would expire between heartbeats"));
  }
  if (config.store_backoff_initial > config.store_backoff_max) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": store_backoff_initial: must not exceed store_backoff_max"));
  }
  return config;
}

absl::StatusOr<SchedulerConfig> LoadSchedulerConfig(const std::string& path) {
  MP_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "--config"));
  return ParseSchedulerConfig(text, path);
}

}  // namespace meshproof::scheduler
