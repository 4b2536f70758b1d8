#include "services/scenario/vars.h"

#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/scenario/limits.h"

namespace meshproof::scenario {

bool IsValidVarName(absl::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  if (!(absl::ascii_isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

bool VarSubstituter::Substitute(absl::string_view text, std::string* out,
                                std::string* error) const {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      out->push_back(text[i++]);
      continue;
    }
    if (absl::StartsWith(text.substr(i), "$${")) {
      // Escaped: a literal "${" survives substitution (also when disabled, so the
      // stored form keeps its escape and later substitution sees the same text).
      out->append(enabled_ ? "${" : "$${");
      i += 3;
      continue;
    }
    if (!absl::StartsWith(text.substr(i), "${")) {
      out->push_back(text[i++]);
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == absl::string_view::npos) {
      *error = absl::StrCat("unterminated variable reference \"", text.substr(i, 20),
                            "\"; write ${NAME}, or $${ for a literal ${");
      return false;
    }
    const absl::string_view name = text.substr(i + 2, close - i - 2);
    if (!IsValidVarName(name)) {
      *error = absl::StrCat("\"${", name, "}\" is not a valid variable reference; names are ",
                            "letters, digits and _ and do not start with a digit");
      return false;
    }
    if (!enabled_) {
      absl::StrAppend(out, text.substr(i, close - i + 1));
    } else {
      auto it = values_.find(std::string(name));
      if (it == values_.end() && without_value_.contains(std::string(name))) {
        *error = absl::StrCat("variable ${", name, "} is declared without a default (~) and ",
                              "no value was given; pass --var ", name,
                              "=VALUE or give a vars file that sets it");
        return false;
      }
      if (it == values_.end()) {
        *error =
            absl::StrCat("undefined variable ${", name, "}; declare it under vars:, pass --var ",
                         name, "=VALUE, or give a vars file that sets it");
        return false;
      }
      if (it->second.size() > kMaxVarValueBytes) {
        *error = absl::StrCat("variable ${", name, "} is ", it->second.size(),
                              " bytes long; a value may be at most ", kMaxVarValueBytes, " bytes");
        return false;
      }
      // Checked before copying: a reference repeated many times must fail here, not
      // after the oversized text was built.
      if (out->size() + it->second.size() > max_string_bytes_) {
        *error = absl::StrCat("substituting ${", name, "} makes this string longer than ",
                              max_string_bytes_, " bytes");
        return false;
      }
      if (total_bytes_ + out->size() + it->second.size() > max_total_bytes_) {
        *error = absl::StrCat("substituting ${", name, "} makes the scenario's strings longer ",
                              "than ", max_total_bytes_, " bytes in total; use the variable in ",
                              "fewer places or give it a shorter value");
        return false;
      }
      out->append(it->second);
    }
    i = close + 1;
  }
  total_bytes_ += out->size();
  return true;
}

absl::Status CheckVarValues(const std::map<std::string, std::string>& vars,
                            absl::string_view field) {
  if (vars.size() > kMaxVars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxVars, " variables, got ", vars.size()));
  }
  for (const auto& [name, value] : vars) {
    if (!IsValidVarName(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": \"", name.substr(0, 40), "\" is not a valid variable name (letters, ",
          "digits and _, not starting with a digit, at most 128)"));
    }
    if (value.size() > kMaxVarValueBytes) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".", name, ": the value is ",
                                                     value.size(), " bytes; at most ",
                                                     kMaxVarValueBytes, " are accepted"));
    }
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::map<std::string, std::string>> ParseYamlVars(
    absl::string_view text, absl::string_view file_name, std::set<std::string>* secret_names) {
  std::map<std::string, std::string> vars;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ":", e.mark.line + 1, ": ", e.msg));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": expected K=V lines or a YAML map of variables"));
  }
  for (const auto& entry : root) {
    const int line = entry.first.Mark().line + 1;
    if (!entry.first.IsScalar() || !IsValidVarName(entry.first.Scalar())) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line, ": not a valid variable name"));
    }
    if (!entry.second.IsScalar()) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_name, ":", line, ": ", entry.first.Scalar(), ": expected a scalar value"));
    }
    vars[entry.first.Scalar()] = entry.second.Scalar();
    if (entry.second.Tag() == "!secret") {
      if (secret_names == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(file_name, ":", line, ": ",
                                                       entry.first.Scalar(),
                                                       ": secret values are not accepted here"));
      }
      secret_names->insert(entry.first.Scalar());
    }
  }
  return vars;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseVarsFile(
    absl::string_view text, absl::string_view file_name, std::set<std::string>* secret_names) {
  std::map<std::string, std::string> vars;
  int line_number = 0;
  bool saw_colon_line = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    const size_t colon = line.find(':');
    if (eq == absl::string_view::npos || (colon != absl::string_view::npos && colon < eq)) {
      saw_colon_line = true;
      break;
    }
    absl::string_view name = absl::StripAsciiWhitespace(line.substr(0, eq));
    if (absl::ConsumePrefix(&name, "export ")) name = absl::StripAsciiWhitespace(name);
    const bool secret = absl::ConsumePrefix(&name, "secret ");
    if (secret) name = absl::StripAsciiWhitespace(name);
    if (secret && secret_names == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_number, ": secret values are not accepted here"));
    }
    if (!IsValidVarName(name)) {
      return absl::InvalidArgumentError(absl::StrCat(file_name, ":", line_number, ": \"", name,
                                                     "\" is not a valid variable name"));
    }
    vars[std::string(name)] = std::string(line.substr(eq + 1));
    if (secret) secret_names->insert(std::string(name));
  }
  if (saw_colon_line) {
    if (secret_names != nullptr) secret_names->clear();
    return ParseYamlVars(text, file_name, secret_names);
  }
  return vars;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseVarFlag(absl::string_view text) {
  const size_t eq = text.find('=');
  if (eq == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--var: expected NAME=VALUE, got \"", text, "\""));
  }
  const absl::string_view name = text.substr(0, eq);
  if (!IsValidVarName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--var: \"", name, "\" is not a valid variable name"));
  }
  return std::make_pair(std::string(name), std::string(text.substr(eq + 1)));
}

}  // namespace meshproof::scenario

namespace meshproof::scenario {

absl::StatusOr<std::pair<std::string, std::string>> ParseSecretVarFlag(absl::string_view text) {
  // Unlike --var, nothing of the text is quoted back: it may be the secret itself.
  const size_t eq = text.find('=');
  if (eq == absl::string_view::npos) {
    return absl::InvalidArgumentError("--secret-var: expected NAME=VALUE");
  }
  const absl::string_view name = text.substr(0, eq);
  if (!IsValidVarName(name)) {
    return absl::InvalidArgumentError("--secret-var: the name is not a valid variable name");
  }
  return std::make_pair(std::string(name), std::string(text.substr(eq + 1)));
}

}  // namespace meshproof::scenario
