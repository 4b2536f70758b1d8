// The options of one service binary, each declared once: its command-line flag, its key
// in the YAML configuration file, its type, default, help text and validation. The same
// table reads the file (strictly: unknown keys and wrong types are errors naming
// FILE:LINE:COLUMN), the flags (command_line.h) and writes --help and the reference in
// the docs, so a flag and its key cannot drift apart.
//
// Precedence: a flag given on the command line wins over the file's key, which wins over
// the default (the value the target held when the option was declared).
//
// Adding an option to a service is one row in its Declare*Options (store_config.cc,
// scheduler_config.cc, agent_config.cc), with the field it fills in the service's config
// struct, e.g.
//   table->Duration("lease", &config->lease, "an assignment's lease ...");
// gives --lease and the key `lease`. Then rewrite the reference in the service's doc:
//   MESHPROOF_UPDATE_DOCS=1 build/bin/options_reference_test
#ifndef MESHPROOF_SERVICES_COMMON_BOOTSTRAP_OPTION_TABLE_H_
#define MESHPROOF_SERVICES_COMMON_BOOTSTRAP_OPTION_TABLE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/scenario/yaml_reader.h"

namespace meshproof::bootstrap {

enum class OptionType {
  kString,    // any text
  kPath,      // a non-empty file or folder path
  kBool,      // a flag without a value; true or false in the file
  kInt,       // a whole number in [min, max]
  kDuration,  // a positive duration such as 30s, 5m or 1h30m
  kChoice,    // one of `choices`, matched without regard to case
};

// One row of the table. Built through OptionTable's adders and Option's setters.
struct OptionRow {
  std::string name;  // flag spelling without "--": "tls-cert"
  std::string key;   // configuration key: "tls_cert"; empty: command line only
  bool has_flag = true;
  OptionType type = OptionType::kString;
  std::string help;
  std::string default_text;  // the target's value when declared, for --help and the docs
  bool required = false;
  bool allow_empty = false;  // kChoice: "" is accepted too (means "not said")
  bool non_empty = false;    // kString, kPath: "" is refused
  std::string what;          // kString, kPath: what a value looks like ("HOST:PORT")
  int64_t min = 0;
  int64_t max = 0;
  std::vector<std::string> choices;
  std::variant<std::string*, bool*, int*, absl::Duration*> target;
  // Set while parsing: whether the file or a flag gave a value.
  bool given = false;
};

// A file-only key holding a nested structure (lists, maps), read by its own code with
// the strict reader.
struct SectionRow {
  std::string key;
  std::string help;
  std::function<void(const scenario::YamlField&)> read;
};

// Fluent setters for the row an OptionTable adder just declared.
class Option {
 public:
  explicit Option(OptionRow* row) : row_(row) {}
  // Fails parsing unless a flag or the file gives a value.
  Option& Required();
  // Leaves the option out of the configuration file.
  Option& FlagOnly();
  // Leaves the option off the command line.
  Option& FileOnly();
  // Accepts "" besides the choices (a kChoice whose default is "not said").
  Option& AllowEmpty();
  // Refuses "" (kString, kPath); `what` names what a value looks like in errors.
  Option& NonEmpty(std::string what = "");
  // Names what a value looks like in errors and the docs ("HOST:PORT").
  Option& Expect(std::string what);

 private:
  OptionRow* row_;
};

class OptionTable {
 public:
  // Each adder declares `--name` and the key `name` with '-' replaced by '_'; the current
  // value of `*out` is the default. `*out` must outlive the table's use.
  Option String(const std::string& name, std::string* out, std::string help);
  Option Path(const std::string& name, std::string* out, std::string help);
  Option Bool(const std::string& name, bool* out, std::string help);
  Option Int(const std::string& name, int* out, int min, int max, std::string help);
  Option Duration(const std::string& name, absl::Duration* out, std::string help);
  Option Choice(const std::string& name, std::string* out, std::vector<std::string> choices,
                std::string help);
  // Declares a file-only key whose value `read` parses, reporting through the field.
  void Section(const std::string& key, std::string help,
               std::function<void(const scenario::YamlField&)> read);
  // Adds a check run once every value is in (e.g. one duration shorter than another).
  // Its error message should start with the key it blames.
  void Check(std::function<absl::Status()> check);

  const std::deque<OptionRow>& rows() const { return rows_; }
  std::deque<OptionRow>& mutable_rows() { return rows_; }
  const std::vector<SectionRow>& sections() const { return sections_; }

  // Reads a configuration file's YAML text into the targets. INVALID_ARGUMENT with every
  // problem on its own line as "FILE:LINE:COLUMN: key: message" (an unknown key as
  // "FILE:LINE:COLUMN: unknown key \"k\"..."); an empty file sets nothing.
  absl::Status ReadFile(absl::string_view text, const std::string& file_name);

  // Sets `row`'s target from a flag's text. INVALID_ARGUMENT "--name: expected ...".
  absl::Status SetFromFlag(OptionRow& row, const std::string& text);

  // Runs the required-option checks and every Check. INVALID_ARGUMENT naming the first
  // option that fails.
  absl::Status Finish() const;

  // Returns the markdown reference of every row and section (flag, key, type, default,
  // help), for the docs.
  std::string MarkdownReference() const;

 private:
  Option Add(const std::string& name, OptionType type, std::string help,
             decltype(OptionRow::target) target);

  std::deque<OptionRow> rows_;
  std::vector<SectionRow> sections_;
  std::vector<std::function<absl::Status()>> checks_;
};

// Returns what a value of `row` must look like: "a file path", "a whole number 1..10"...
std::string ExpectedText(const OptionRow& row);

}  // namespace meshproof::bootstrap

#endif  // MESHPROOF_SERVICES_COMMON_BOOTSTRAP_OPTION_TABLE_H_
