#include "clients/cli/cli_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/scenario_input.h"
#include "services/common/auth/token_file.h"

namespace meshproof::cli {
namespace {

std::string Location(absl::string_view file, const YAML::Mark& mark) {
  // yaml-cpp counts from 0; editors and our scenario diagnostics count from 1.
  return absl::StrCat(file, ":", mark.line + 1, ":", mark.column + 1);
}

void Pick(Setting* setting, const std::string& flag_value, const char* flag,
          const std::optional<std::string>& env_value, const char* env_name,
          const std::optional<std::string>& file_value, const std::string& file) {
  if (!flag_value.empty()) {
    *setting = {flag_value, flag};
  } else if (env_value.has_value() && !env_value->empty()) {
    *setting = {*env_value, env_name};
  } else if (file_value.has_value() && !file_value->empty()) {
    *setting = {*file_value, file};
  }
}

}  // namespace

absl::StatusOr<FileConfig> ParseConfigFile(absl::string_view text, absl::string_view file_name) {
  YAML::Node root;
  // yaml-cpp reports syntax errors by throwing; nothing may escape our code.
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(Location(file_name, e.mark), ": ", e.msg));
  }
  FileConfig config;
  if (!root || root.IsNull()) return config;  // an empty file sets nothing
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Location(file_name, root.Mark()),
        ": expected a map of scheduler, store, token, tls_ca, tls_server_name, tls_cert, tls_key"));
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    std::optional<std::string>* slot = nullptr;
    if (key == "scheduler") slot = &config.scheduler;
    if (key == "store") slot = &config.store;
    if (key == "token") slot = &config.token;
    if (key == "tls_ca") slot = &config.tls_ca;
    if (key == "tls_server_name") slot = &config.tls_server_name;
    if (key == "tls_cert") slot = &config.tls_cert;
    if (key == "tls_key") slot = &config.tls_key;
    if (slot == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(Location(file_name, entry.first.Mark()), ": ", key,
                       ": unknown key (expected scheduler, store, token, tls_ca, tls_server_name, "
                       "tls_cert or tls_key)"));
    }
    if (!entry.second.IsScalar()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Location(file_name, entry.second.Mark()), ": ", key, ": expected a string"));
    }
    *slot = entry.second.Scalar();
  }
  return config;
}

GetEnv ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string ConfigFilePath(const ConnectionFlags& flags, const GetEnv& env) {
  if (!flags.config_file.empty()) return flags.config_file;
  if (auto path = env("MESHPROOF_CONFIG"); path.has_value() && !path->empty()) return *path;
  if (auto xdg = env("XDG_CONFIG_HOME"); xdg.has_value() && !xdg->empty()) {
    return absl::StrCat(*xdg, "/meshproof/config.yaml");
  }
  if (auto home = env("HOME"); home.has_value() && !home->empty()) {
    return absl::StrCat(*home, "/.config/meshproof/config.yaml");
  }
  return "";
}

absl::StatusOr<CliConfig> ResolveConfig(const ConnectionFlags& flags, const GetEnv& env) {
  const std::string path = ConfigFilePath(flags, env);
  const bool named = !flags.config_file.empty() || env("MESHPROOF_CONFIG").value_or("") != "";
  FileConfig file;
  if (!path.empty()) {
    auto text = ReadFile(path);
    if (!text.ok()) {
      if (named || text.status().code() != absl::StatusCode::kNotFound) {
        return absl::Status(text.status().code(),
                            absl::StrCat("config file ", text.status().message()));
      }
    } else {
      auto parsed = ParseConfigFile(*text, path);
      if (!parsed.ok()) return parsed.status();
      file = *parsed;
    }
  }
  CliConfig config;
  config.timeout_seconds = flags.timeout_seconds;
  Pick(&config.scheduler, flags.scheduler, "--scheduler", env("MESHPROOF_SCHEDULER"),
       "MESHPROOF_SCHEDULER", file.scheduler, path);
  Pick(&config.store, flags.store, "--store", env("MESHPROOF_STORE"), "MESHPROOF_STORE", file.store,
       path);
  if (!flags.token.empty() && !flags.token_file.empty()) {
    return absl::InvalidArgumentError("--token and --token-file: give one of them");
  }
  Pick(&config.token, flags.token, "--token", env("MESHPROOF_TOKEN"), "MESHPROOF_TOKEN", file.token,
       path);
  if (!flags.token_file.empty()) {
    auto token = auth::ReadTokenFile(flags.token_file, "--token-file");
    if (!token.ok()) return token.status();
    config.token = {token->token, "--token-file"};
  }
  auto pick = [&](const std::string& flag_value, const char* env_name,
                  const std::optional<std::string>& file_value) {
    Setting setting;
    Pick(&setting, flag_value, "", env(env_name), env_name, file_value, path);
    return setting.value;
  };
  config.tls.ca_file = pick(flags.tls.ca_file, "MESHPROOF_TLS_CA", file.tls_ca);
  config.tls.server_name =
      pick(flags.tls.server_name, "MESHPROOF_TLS_SERVER_NAME", file.tls_server_name);
  config.tls.cert_file = pick(flags.tls.cert_file, "MESHPROOF_TLS_CERT", file.tls_cert);
  config.tls.key_file = pick(flags.tls.key_file, "MESHPROOF_TLS_KEY", file.tls_key);
  config.insecure = flags.insecure;
  return config;
}

void AddConnectionFlags(CLI::App* command, ConnectionFlags* flags, bool scheduler, bool store) {
  if (scheduler) {
    command->add_option("--scheduler", flags->scheduler,
                        "scheduler HOST:PORT (or MESHPROOF_SCHEDULER, config file)");
  }
  if (store)
    command->add_option("--store", flags->store,
                        "results store HOST:PORT (or MESHPROOF_STORE, config file)");
  AddTokenFlags(command, flags);
  command->add_option("--config", flags->config_file,
                      "config file (default ~/.config/meshproof/config.yaml)");
  command->add_option("--timeout", flags->timeout_seconds, "seconds each call may take")
      ->capture_default_str();
  AddTlsFlags(command, flags);
}

void AddTokenFlags(CLI::App* command, ConnectionFlags* flags) {
  command->add_option(
      "--token", flags->token,
      "bearer token (shows in ps: prefer --token-file or MESHPROOF_TOKEN; or the config file)");
  command->add_option("--token-file", flags->token_file,
                      "file whose first line is the bearer token");
}

void AddTlsFlags(CLI::App* command, ConnectionFlags* flags) {
  command->add_option("--tls-ca", flags->tls.ca_file,
                      "PEM CA bundle the server's certificate must chain to; turns TLS on (or "
                      "tls_ca in the config file)");
  command->add_option("--tls-server-name", flags->tls.server_name,
                      "name to verify in the server's certificate instead of the address's host");
  command->add_option("--tls-cert", flags->tls.cert_file,
                      "PEM client certificate, for servers that require mTLS");
  command->add_option("--tls-key", flags->tls.key_file, "PEM private key of --tls-cert");
  command->add_flag("--insecure", flags->insecure,
                    "allow sending the token in plaintext to a non-loopback address");
}

}  // namespace meshproof::cli
