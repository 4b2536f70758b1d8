#include "clients/cli/output.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/display_width.h"
#include "clients/cli/proto_json.h"

namespace meshproof::cli {
namespace {

// True when a YAML 1.1 or 1.2 reader would take the plain scalar `s` for something other
// than this string: a number, a timestamp (2026-12-02T00:00:00Z), a boolean or null
// word, a merge key, or text whose spaces or line breaks a plain scalar would lose.
// yaml-cpp's emitter already quotes what cannot be plain at all (": x", "# y", "- z").
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  // Numbers in every YAML base and form (1_000, 0x1F, 0o17, 1:30, .5, +1, -.inf) and
  // timestamps all start with a digit, a sign or a dot followed by one.
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (digit(s[0])) return true;
  if ((s[0] == '+' || s[0] == '-' || s[0] == '.') && s.size() > 1 && (digit(s[1]) || s[1] == '.'))
    return true;
  const std::string lower = absl::AsciiStrToLower(s);
  static const char* const kWords[] = {"true",  "false", "yes", "no", "on",   "off",
                                       "null",  "~",     "y",   "n",  ".inf", "-.inf",
                                       "+.inf", ".nan",  "<<",  "="};
  for (const char* word : kWords) {
    if (lower == word) return true;
  }
  // Leading or trailing spaces, or a line break, would be lost in a plain scalar.
  return s.front() == ' ' || s.back() == ' ' || s.find('\n') != std::string::npos ||
         s.find('\t') != std::string::npos;
}

// Emits `s` as a scalar (a value or a map key) that reads back as this very string.
void EmitString(const std::string& s, YAML::Emitter* out) {
  if (NeedsQuotes(s)) *out << YAML::DoubleQuoted;
  *out << s;
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
        // Map keys come from the data too (labels, vars): quote them by the same rule.
        *out << YAML::Key;
        EmitString(key, out);
        *out << YAML::Value;
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
    case google::protobuf::Value::kStringValue: EmitString(value.string_value(), out); break;
    case google::protobuf::Value::kNumberValue: {
      // Whole numbers (counts, ports, milliseconds) print as integers, as in JSON, not
      // with a double's seventeen digits.
      const double number = value.number_value();
      if (std::trunc(number) == number && std::fabs(number) < 9e15) {
        *out << static_cast<long long>(number);
      } else {
        // The shortest text that reads back as the same double (0.1, not yaml-cpp's
        // default 0.10000000000000001), as the JSON printer writes it.
        char text[32];
        for (int digits = 15; digits <= 17; ++digits) {
          std::snprintf(text, sizeof(text), "%.*g", digits, number);
          if (std::strtod(text, nullptr) == number) break;
        }
        *out << text;
      }
      break;
    }
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
  std::string out;
  // Our messages hold no Any fields, so printing cannot fail.
  (void)AppendProtoJsonIndented(message, &out);
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
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      // Padded by the columns a terminal shows, not bytes: "±" is two bytes and one
      // column, a Hangul syllable three bytes and two columns.
      if (i + 1 < row.size()) line.append(widths[i] - DisplayWidth(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace meshproof::cli
