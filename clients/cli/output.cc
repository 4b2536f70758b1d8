#include "clients/cli/output.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace meshproof::cli {
namespace {

// True when YAML would read the plain scalar `s` as something other than a string.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  double number;
  if (absl::SimpleAtod(s, &number)) return true;
  const std::string lower = absl::AsciiStrToLower(s);
  static const char* const kWords[] = {"true", "false", "yes", "no", "on",
                                       "off",  "null",  "~",   "y",  "n"};
  for (const char* word : kWords) {
    if (lower == word) return true;
  }
  // Leading or trailing spaces, or a line break, would be lost in a plain scalar.
  return s.front() == ' ' || s.back() == ' ' || s.find('\n') != std::string::npos;
}

void Emit(const google::protobuf::Value& value, YAML::Emitter* out) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStructValue: {
      *out << YAML::BeginMap;
      // JSON object keys come back unordered from the map; sort for stable output.
      std::vector<std::string> keys;
      for (const auto& [k, v] : value.struct_value().fields()) keys.push_back(k);
      std::sort(keys.begin(), keys.end());
      for (const std::string& key : keys) {
        *out << YAML::Key << key << YAML::Value;
        Emit(value.struct_value().fields().at(key), out);
      }
      *out << YAML::EndMap;
      break;
    }
    case google::protobuf::Value::kListValue:
      *out << YAML::BeginSeq;
      for (const auto& item : value.list_value().values()) Emit(item, out);
      *out << YAML::EndSeq;
      break;
    case google::protobuf::Value::kStringValue:
      if (NeedsQuotes(value.string_value())) *out << YAML::DoubleQuoted;
      *out << value.string_value();
      break;
    case google::protobuf::Value::kNumberValue: *out << value.number_value(); break;
    case google::protobuf::Value::kBoolValue: *out << value.bool_value(); break;
    default: *out << YAML::Null; break;
  }
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "yaml") return OutputFormat::kYaml;
  return absl::InvalidArgumentError(
      absl::StrCat("--output: expected table, json or yaml, got \"", text, "\""));
}

void AddOutputFlag(CLI::App* command, std::string* output) {
  command->add_option("-o,--output", *output, "table, json or yaml")
      ->check(CLI::IsMember({"table", "json", "yaml"}))
      ->capture_default_str();
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  // Our messages hold no Any fields, so printing cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

std::string ToYaml(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  google::protobuf::Value value;
  // Going through Value keeps YAML's types exact (int64 stays a string, as in JSON).
  if (!google::protobuf::util::JsonStringToMessage(json, &value).ok()) return json + "\n";
  YAML::Emitter out;
  Emit(value, &out);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

std::string FormatMessage(const google::protobuf::Message& message, OutputFormat format) {
  return format == OutputFormat::kYaml ? ToYaml(message) : ToJson(message);
}

std::string Table::Render(absl::string_view empty_text) const {
  if (rows_.size() <= 1) return absl::StrCat(empty_text, "\n");
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace meshproof::cli
