#include "services/common/bootstrap/option_table.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "services/common/status_macros.h"
#include "services/common/yaml_file.h"
#include "services/scenario/diagnostic.h"
#include "services/scenario/suggest.h"
#include "services/scenario/vars.h"

namespace meshproof::bootstrap {
namespace {

std::string DefaultText(const OptionRow& row) {
  return std::visit(
      [](auto* target) -> std::string {
        using T = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return *target;
        } else if constexpr (std::is_same_v<T, bool>) {
          return *target ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int>) {
          return absl::StrCat(*target);
        } else {
          return absl::FormatDuration(*target);
        }
      },
      row.target);
}

// Converts `text` for `row` and stores it. The error message is "expected ..., got ...".
absl::Status SetFromText(const OptionRow& row, const std::string& text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", ExpectedText(row), ", got \"", text.substr(0, 60), "\""));
  };
  switch (row.type) {
    case OptionType::kString:
    case OptionType::kPath:
      if (row.non_empty && text.empty()) return bad();
      *std::get<std::string*>(row.target) = text;
      return absl::OkStatus();
    case OptionType::kBool: {
      const std::string lower = absl::AsciiStrToLower(text);
      if (lower != "true" && lower != "false") return bad();
      *std::get<bool*>(row.target) = lower == "true";
      return absl::OkStatus();
    }
    case OptionType::kInt: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(text, &n) || n < row.min || n > row.max) return bad();
      *std::get<int*>(row.target) = static_cast<int>(n);
      return absl::OkStatus();
    }
    case OptionType::kDuration: {
      absl::Duration d;
      if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) return bad();
      *std::get<absl::Duration*>(row.target) = d;
      return absl::OkStatus();
    }
    case OptionType::kChoice:
      if (row.allow_empty && text.empty()) {
        *std::get<std::string*>(row.target) = "";
        return absl::OkStatus();
      }
      for (const std::string& choice : row.choices) {
        if (absl::EqualsIgnoreCase(choice, text)) {
          *std::get<std::string*>(row.target) = choice;
          return absl::OkStatus();
        }
      }
      return bad();
  }
  return bad();
}

std::string KnownKeys(const OptionTable& table) {
  std::vector<std::string> keys;
  for (const OptionRow& row : table.rows())
    if (!row.key.empty()) keys.push_back(row.key);
  for (const SectionRow& section : table.sections()) keys.push_back(section.key);
  return absl::StrJoin(keys, ", ");
}

}  // namespace

Option& Option::Required() {
  row_->required = true;
  return *this;
}

Option& Option::FlagOnly() {
  row_->key.clear();
  return *this;
}

Option& Option::FileOnly() {
  row_->has_flag = false;
  return *this;
}

Option& Option::AllowEmpty() {
  row_->allow_empty = true;
  return *this;
}

Option& Option::NonEmpty(std::string what) {
  row_->non_empty = true;
  if (!what.empty()) row_->what = std::move(what);
  return *this;
}

Option& Option::Expect(std::string what) {
  row_->what = std::move(what);
  return *this;
}

std::string ExpectedText(const OptionRow& row) {
  switch (row.type) {
    case OptionType::kString: return row.what.empty() ? "a string" : row.what;
    case OptionType::kPath: return row.what.empty() ? "a file path" : row.what;
    case OptionType::kBool: return "true or false";
    case OptionType::kInt: return absl::StrCat("a whole number ", row.min, "..", row.max);
    case OptionType::kDuration: return "a positive duration such as 30s, 5m or 1h30m";
    case OptionType::kChoice: {
      if (row.choices.size() < 2) return absl::StrJoin(row.choices, "");
      return absl::StrCat(absl::StrJoin(row.choices.begin(), row.choices.end() - 1, ", "), " or ",
                          row.choices.back());
    }
  }
  return "";
}

Option OptionTable::Add(const std::string& name, OptionType type, std::string help,
                        decltype(OptionRow::target) target) {
  OptionRow& row = rows_.emplace_back();
  row.name = name;
  row.key = absl::StrReplaceAll(name, {{"-", "_"}});
  row.type = type;
  row.help = std::move(help);
  row.target = target;
  row.default_text = DefaultText(row);
  return Option(&row);
}

Option OptionTable::String(const std::string& name, std::string* out, std::string help) {
  return Add(name, OptionType::kString, std::move(help), out);
}

Option OptionTable::Path(const std::string& name, std::string* out, std::string help) {
  Option option = Add(name, OptionType::kPath, std::move(help), out);
  option.NonEmpty();
  return option;
}

Option OptionTable::Bool(const std::string& name, bool* out, std::string help) {
  return Add(name, OptionType::kBool, std::move(help), out);
}

Option OptionTable::Int(const std::string& name, int* out, int min, int max, std::string help) {
  Option option = Add(name, OptionType::kInt, std::move(help), out);
  rows_.back().min = min;
  rows_.back().max = max;
  return option;
}

Option OptionTable::Duration(const std::string& name, absl::Duration* out, std::string help) {
  return Add(name, OptionType::kDuration, std::move(help), out);
}

Option OptionTable::Choice(const std::string& name, std::string* out,
                           std::vector<std::string> choices, std::string help) {
  Option option = Add(name, OptionType::kChoice, std::move(help), out);
  rows_.back().choices = std::move(choices);
  return option;
}

void OptionTable::Section(const std::string& key, std::string help,
                          std::function<void(const scenario::YamlField&)> read) {
  sections_.push_back(SectionRow{key, std::move(help), std::move(read)});
}

void OptionTable::Check(std::function<absl::Status()> check) {
  checks_.push_back(std::move(check));
}

absl::Status OptionTable::ReadFile(absl::string_view text, const std::string& file_name) {
  MP_ASSIGN_OR_RETURN(const YAML::Node root, ParseYaml(text, file_name));
  if (!root.IsDefined() || root.IsNull()) return absl::OkStatus();
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file_name, root.Mark()), ": expected a mapping of keys"));
  }
  scenario::DiagnosticCollector sink(file_name);
  // Configuration files take no ${VARS}: a reference is plain text here.
  const scenario::VarSubstituter no_vars({}, false);
  const scenario::YamlField top(root, "", &sink, &no_vars);

  std::vector<std::string> known;
  for (const OptionRow& row : rows_)
    if (!row.key.empty()) known.push_back(row.key);
  for (const SectionRow& section : sections_) known.push_back(section.key);
  std::map<std::string, YAML::Mark> seen;
  for (const auto& entry : root) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      sink.AddAt(key.Mark(), "", "keys must be plain strings");
      continue;
    }
    const std::string& name = key.Scalar();
    if (auto [it, inserted] = seen.emplace(name, key.Mark()); !inserted) {
      sink.AddAt(key.Mark(), name,
                 absl::StrCat("duplicate key (first at ", it->second.line + 1, ":",
                              it->second.column + 1, ")"));
      continue;
    }
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = absl::StrCat("unknown key \"", name.substr(0, 60), "\"");
    if (const std::string nearest = scenario::NearestWord(name, known); !nearest.empty()) {
      absl::StrAppend(&message, "; did you mean \"", nearest, "\"?");
    }
    absl::StrAppend(&message, " (known: ", KnownKeys(*this), ")");
    sink.AddAt(key.Mark(), "", std::move(message));
  }

  for (OptionRow& row : rows_) {
    if (row.key.empty()) continue;
    const scenario::YamlField field = top.Child(row.key);
    if (!field.node().IsDefined()) continue;
    if (!field.node().IsScalar()) {
      field.Error(absl::StrCat("expected ", ExpectedText(row), ", got ", field.Kind()));
      continue;
    }
    if (absl::Status set = SetFromText(row, field.node().Scalar()); !set.ok()) {
      field.Error(std::string(set.message()));
      continue;
    }
    row.given = true;
  }
  for (const SectionRow& section : sections_) {
    const scenario::YamlField field = top.Child(section.key);
    if (field.present()) section.read(field);
  }
  const std::vector<scenario::Diagnostic> diagnostics = sink.Take();
  if (!diagnostics.empty()) return scenario::DiagnosticsToStatus(diagnostics);
  return absl::OkStatus();
}

absl::Status OptionTable::SetFromFlag(OptionRow& row, const std::string& text) {
  if (absl::Status set = SetFromText(row, text); !set.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", row.name, ": ", set.message()));
  }
  row.given = true;
  return absl::OkStatus();
}

absl::Status OptionTable::Finish() const {
  for (const OptionRow& row : rows_) {
    if (!row.required || row.given) continue;
    std::string where;
    if (row.has_flag) where = absl::StrCat("--", row.name);
    if (!row.key.empty()) {
      absl::StrAppend(&where, where.empty() ? "" : " or ", "the configuration key ", row.key);
    }
    return absl::InvalidArgumentError(absl::StrCat(where, ": required"));
  }
  for (const auto& check : checks_) MP_RETURN_IF_ERROR(check());
  return absl::OkStatus();
}

std::string OptionTable::MarkdownReference() const {
  std::string out =
      "| Flag | Configuration key | Value | Default | Meaning |\n"
      "|------|-------------------|-------|---------|---------|\n";
  auto cell = [](const std::string& text) { return absl::StrReplaceAll(text, {{"|", "\\|"}}); };
  for (const OptionRow& row : rows_) {
    absl::StrAppend(&out, "| ", row.has_flag ? absl::StrCat("`--", row.name, "`") : "—", " | ",
                    row.key.empty() ? "—" : absl::StrCat("`", row.key, "`"), " | ",
                    cell(ExpectedText(row)), " | ",
                    row.default_text.empty() || row.type == OptionType::kBool
                        ? (row.type == OptionType::kBool ? row.default_text : "—")
                        : absl::StrCat("`", row.default_text, "`"),
                    " | ", cell(row.help), row.required ? " (required)" : "", " |\n");
  }
  for (const SectionRow& section : sections_) {
    absl::StrAppend(&out, "| — | `", section.key, "` | a YAML structure | — | ", cell(section.help),
                    " |\n");
  }
  return out;
}

}  // namespace meshproof::bootstrap
