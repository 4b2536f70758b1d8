// How commands print what they get back: `--output table` (aligned columns for people),
// `json` (the protobuf JSON mapping with proto field names, one document, stable for
// scripts) or `yaml` (the same document as YAML).
#ifndef MESHPROOF_CLIENTS_CLI_OUTPUT_H_
#define MESHPROOF_CLIENTS_CLI_OUTPUT_H_

#include <google/protobuf/message.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof::cli {

enum class OutputFormat { kTable, kJson, kYaml };

// Parses "table", "json" or "yaml". INVALID_ARGUMENT naming --output otherwise.
absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view text);

// Adds `--output table|json|yaml` to `command`, checked by CLI11.
void AddOutputFlag(CLI::App* command, std::string* output);

// Returns `message` as indented JSON ending with a newline (proto field names).
std::string ToJson(const google::protobuf::Message& message);

// Returns `message` as YAML ending with a newline: the JSON document's structure, with
// strings quoted whenever YAML would otherwise read them as another type.
std::string ToYaml(const google::protobuf::Message& message);

// Returns `message` in `format`, which must be json or yaml.
std::string FormatMessage(const google::protobuf::Message& message, OutputFormat format);

// Columns aligned with two spaces between them; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : rows_{std::move(headers)} {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Returns the table with a header line, or `empty_text` + "\n" when it has no rows.
  std::string Render(absl::string_view empty_text = "(none)") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_OUTPUT_H_
