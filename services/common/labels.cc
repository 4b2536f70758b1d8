#include "services/common/labels.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace meshproof {
namespace {

bool IsKeyChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == '/';
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseLabels(absl::string_view text,
                                                               absl::string_view flag_name) {
  std::map<std::string, std::string> labels;
  if (absl::StripAsciiWhitespace(text).empty()) return labels;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag_name, ": expected key=value, got \"", item, "\""));
    }
    absl::string_view key = item.substr(0, eq);
    for (char c : key) {
      if (!IsKeyChar(c)) {
        return absl::InvalidArgumentError(absl::StrCat(
            flag_name, ": label key \"", key, "\" may only contain letters, digits, . _ - /"));
      }
    }
    if (!labels.emplace(std::string(key), std::string(item.substr(eq + 1))).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag_name, ": label key \"", key, "\" is given twice"));
    }
  }
  return labels;
}

absl::Status ValidateLabelEntries(const std::vector<std::pair<std::string, std::string>>& labels,
                                  absl::string_view field) {
  if (labels.size() > kMaxLabels) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxLabels, " entries, got ", labels.size()));
  }
  for (const auto& [key, value] : labels) {
    if (key.empty())
      return absl::InvalidArgumentError(absl::StrCat(field, ": keys must not be empty"));
    const std::string entry = absl::StrCat(field, "[\"", key.substr(0, 40), "\"]");
    if (key.size() > kMaxLabelKeyLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          entry, ": must be at most ", kMaxLabelKeyLength, " bytes, got ", key.size()));
    }
    if (value.size() > kMaxLabelValueLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          entry, ": must be at most ", kMaxLabelValueLength, " bytes, got ", value.size()));
    }
  }
  return absl::OkStatus();
}

}  // namespace meshproof
