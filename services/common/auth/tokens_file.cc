#include "services/common/auth/tokens_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/common/text_file.h"
#include "services/common/yaml_file.h"

namespace meshproof::auth {
namespace {

constexpr size_t kMaxNameLength = 64;
// A budget above this is no budget: a typo, not a policy.
constexpr int kMaxCallsPerSecond = 100000;

absl::Status Bad(absl::string_view file, const YAML::Node& at, absl::string_view field,
                 absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(YamlWhere(file, at.Mark()), ": ", field, ": ", message));
}

// Names appear in logs and as recorded actors: keep them to a plain, printable set so
// a name can never forge a log line or look like another.
bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '@';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<std::string> Scalar(absl::string_view file, const YAML::Node& value,
                                   absl::string_view field) {
  if (!value.IsScalar()) return Bad(file, value, field, "expected a string");
  return value.Scalar();
}

absl::StatusOr<TokenEntry> ParseEntry(absl::string_view file, const YAML::Node& node,
                                      const std::string& prefix) {
  if (!node.IsMap()) {
    return Bad(file, node, prefix, "expected a mapping with name, roles and sha256");
  }
  TokenEntry entry;
  bool has_name = false, has_roles = false, has_hash = false;
  AgentBinding binding;
  bool has_agent_key = false;
  YAML::Node first_agent_key;  // where the first binding key is, for the message
  std::string first_agent_field;
  bool has_burst = false;
  YAML::Node burst_key;
  std::string burst_field;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return Bad(file, kv.first, prefix, "keys must be strings");
    const std::string key = kv.first.Scalar();
    const std::string field = absl::StrCat(prefix, ".", key);
    const YAML::Node& value = kv.second;
    if (!seen.insert(key).second) return Bad(file, kv.first, field, "given twice");
    if (key == "name") {
      absl::StatusOr<std::string> name = Scalar(file, value, field);
      if (!name.ok()) return name.status();
      if (!ValidName(*name)) {
        return Bad(file, value, field,
                   absl::StrCat("expected 1 to ", kMaxNameLength,
                                " characters of letters, digits, '-', '_', '.' or '@'"));
      }
      entry.name = *name;
      has_name = true;
    } else if (key == "team") {
      absl::StatusOr<std::string> team = Scalar(file, value, field);
      if (!team.ok()) return team.status();
      if (!team->empty() && !ValidName(*team)) {
        return Bad(file, value, field,
                   "expected letters, digits, '-', '_', '.' or '@' (at most 64)");
      }
      entry.team = *team;
    } else if (key == "roles") {
      if (!value.IsSequence() || value.size() == 0) {
        return Bad(file, value, field,
                   absl::StrCat("expected a non-empty list of roles (", KnownRoleNames(), ")"));
      }
      for (size_t i = 0; i < value.size(); ++i) {
        const YAML::Node& item = value[i];
        const std::string item_field = absl::StrCat(field, "[", i, "]");
        absl::StatusOr<std::string> text = Scalar(file, item, item_field);
        if (!text.ok()) return text.status();
        std::optional<Role> role = ParseRole(*text);
        if (!role) {
          return Bad(
              file, item, item_field,
              absl::StrCat("unknown role \"", *text, "\" (expected ", KnownRoleNames(), ")"));
        }
        if (entry.roles.Has(*role)) {
          return Bad(file, item, item_field, absl::StrCat("role ", *text, " listed twice"));
        }
        entry.roles.Add(*role);
      }
      has_roles = true;
    } else if (key == "sha256") {
      absl::StatusOr<std::string> hex = Scalar(file, value, field);
      if (!hex.ok()) return hex.status();
      std::optional<TokenHash> hash = HashFromHex(*hex);
      if (!hash) {
        return Bad(file, value, field,
                   "expected the token's SHA-256 as 64 hex digits (meshproof token hash, or "
                   "printf %s TOKEN | sha256sum)");
      }
      entry.sha256 = *hash;
      has_hash = true;
    } else if (key == "agent_id" || key == "cluster") {
      absl::StatusOr<std::string> text = Scalar(file, value, field);
      if (!text.ok()) return text.status();
      if (!ValidName(*text)) {
        return Bad(file, value, field, "expected letters, digits, '-', '_', '.' or '@' (1 to 64)");
      }
      (key == "agent_id" ? binding.agent_id : binding.cluster) = *text;
      if (!has_agent_key) {
        first_agent_key = kv.first;
        first_agent_field = field;
      }
      has_agent_key = true;
    } else if (key == "serves_teams") {
      if (!value.IsSequence() || value.size() == 0) {
        return Bad(file, value, field, "expected a non-empty list of teams");
      }
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string item_field = absl::StrCat(field, "[", i, "]");
        absl::StatusOr<std::string> team = Scalar(file, value[i], item_field);
        if (!team.ok()) return team.status();
        if (!ValidName(*team)) {
          return Bad(file, value[i], item_field,
                     "expected letters, digits, '-', '_', '.' or '@' (1 to 64)");
        }
        binding.teams.push_back(*team);
      }
      if (!has_agent_key) {
        first_agent_key = kv.first;
        first_agent_field = field;
      }
      has_agent_key = true;
    } else if (key == "calls_per_second") {
      absl::StatusOr<std::string> text = Scalar(file, value, field);
      if (!text.ok()) return text.status();
      double rate = 0;
      if (!absl::SimpleAtod(*text, &rate) || !(rate > 0) || rate > kMaxCallsPerSecond) {
        return Bad(file, value, field,
                   absl::StrCat("expected a number of calls per second above 0 and at most ",
                                kMaxCallsPerSecond));
      }
      entry.rate.per_second = rate;
    } else if (key == "burst") {
      absl::StatusOr<std::string> text = Scalar(file, value, field);
      if (!text.ok()) return text.status();
      int burst = 0;
      if (!absl::SimpleAtoi(*text, &burst) || burst < 1 || burst > kMaxCallsPerSecond) {
        return Bad(file, value, field,
                   absl::StrCat("expected a whole number of calls from 1 to ", kMaxCallsPerSecond));
      }
      entry.rate.burst = burst;
      has_burst = true;
      burst_key = kv.first;
      burst_field = field;
    } else {
      return Bad(file, kv.first, field,
                 "unknown key (expected name, team, roles, sha256, agent_id, cluster, "
                 "serves_teams, calls_per_second or burst)");
    }
  }
  if (!has_name) return Bad(file, node, absl::StrCat(prefix, ".name"), "required");
  if (has_burst && entry.rate.per_second <= 0) {
    return Bad(file, burst_key, burst_field, "only with calls_per_second");
  }
  if (entry.rate.per_second > 0 && !has_burst) {
    entry.rate.burst = std::max(1, static_cast<int>(std::ceil(entry.rate.per_second * 2)));
  }
  if (!has_roles) return Bad(file, node, absl::StrCat(prefix, ".roles"), "required");
  if (!has_hash) return Bad(file, node, absl::StrCat(prefix, ".sha256"), "required");
  if (entry.roles.Has(Role::kAgent)) {
    // An agent token names the one agent it is, so it cannot claim another agent's id
    // or cluster and receive that agent's work.
    if (binding.agent_id.empty()) {
      return Bad(file, node, absl::StrCat(prefix, ".agent_id"),
                 "required for a token with the role agent (the agent id it may claim)");
    }
    if (binding.cluster.empty()) {
      return Bad(file, node, absl::StrCat(prefix, ".cluster"),
                 "required for a token with the role agent (the cluster it may claim)");
    }
    entry.agent = std::move(binding);
  } else if (has_agent_key) {
    return Bad(file, first_agent_key, first_agent_field, "only for a token with the role agent");
  }
  return entry;
}

}  // namespace

absl::StatusOr<std::vector<TokenEntry>> ParseTokensFile(absl::string_view text,
                                                        absl::string_view file_name) {
  MP_ASSIGN_OR_RETURN(const YAML::Node root, ParseYaml(text, file_name));
  if (root.IsNull()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": empty; expected a mapping with the key tokens"));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(YamlWhere(file_name, root.Mark()),
                                                   ": expected a mapping with the key tokens"));
  }
  std::optional<YAML::Node> list;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != "tokens") {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      return Bad(file_name, kv.first, key, "unknown key (expected tokens)");
    }
    if (list.has_value()) return Bad(file_name, kv.first, "tokens", "given twice");
    list.emplace(kv.second);
  }
  if (!list.has_value() || !list->IsSequence() || list->size() == 0) {
    return Bad(file_name, list.has_value() ? *list : root, "tokens",
               "expected a non-empty list of tokens (a service nobody can call is a "
               "mistake; run without --tokens to leave it open)");
  }
  std::vector<TokenEntry> entries;
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    const YAML::Node& item = (*list)[i];
    const std::string prefix = absl::StrCat("tokens[", i, "]");
    absl::StatusOr<TokenEntry> entry = ParseEntry(file_name, item, prefix);
    if (!entry.ok()) return entry.status();
    if (!names.insert(entry->name).second) {
      return Bad(file_name, item["name"], absl::StrCat(prefix, ".name"),
                 absl::StrCat("\"", entry->name, "\" is already used by an earlier token"));
    }
    for (const TokenEntry& earlier : entries) {
      if (HashesEqual(earlier.sha256, entry->sha256)) {
        return Bad(file_name, item["sha256"], absl::StrCat(prefix, ".sha256"),
                   absl::StrCat("the same token as \"", earlier.name,
                                "\" (one token must name one caller)"));
      }
    }
    entries.push_back(*std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::vector<TokenEntry>> LoadTokensFile(const std::string& path) {
  MP_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "--tokens"));
  return ParseTokensFile(text, path);
}

}  // namespace meshproof::auth
