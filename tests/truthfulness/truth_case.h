// One truthfulness case: a lab perturbation, the scenario run against it, and the one
// right verdict (with the words its reason must contain) for each test that matters.
// Cases are YAML files under tests/truthfulness/cases/; README.md there documents the
// schema. Loading rejects unknown keys and bad values, naming FILE:LINE:COLUMN and the
// field.
#ifndef MESHPROOF_TESTS_TRUTHFULNESS_TRUTH_CASE_H_
#define MESHPROOF_TESTS_TRUTHFULNESS_TRUTH_CASE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshproof::truth {

// Something the runner does to a lab or to files, before a run or while it executes.
// Strings may hold ${VARS}; they are expanded when the action runs.
struct Action {
  enum class Kind {
    kAppendLog,    // append `lines` to `file`
    kStop,         // stop lab component `target`, or the one listening on `port`
    kRotate,       // lab.sh rotate --style `target`
    kReopen,       // lab.sh reopen
    kCopyFile,     // copy `from` to `file`, overwriting in place or by rename
    kWaitForLine,  // wait until `file` has a new line matching `pattern`
  };
  Kind kind = Kind::kAppendLog;
  int lab = 1;                                // which lab (1 or 2) the action addresses
  std::string file;                           // append_log, copy_file (destination), wait_for_line
  std::vector<std::string> lines;             // append_log
  std::string target;                         // stop: component; rotate: style
  std::string port;                           // stop: the component listening on this port
  std::string from;                           // copy_file
  bool by_rename = false;                     // copy_file: write a new file and rename it over
  std::string pattern;                        // wait_for_line (RE2)
  absl::Duration timeout = absl::Seconds(5);  // wait_for_line
  std::string where;                          // FILE:LINE:COLUMN of the action, for messages
};

// One accepted outcome: a verdict name and the texts its reason must contain.
struct Outcome {
  std::string verdict;  // PASS, FAIL, ... (tests); PASSED, ... (runs); CONFIRMED, ... (claims)
  std::vector<std::string> reason_contains;
  std::string reason_prefix;
};

// What one test, claim or the run itself must end with: any one of `any_of` (a verdict
// and words of its reason), or, with `verdict_not`, anything but those verdicts.
struct Expectation {
  enum class Subject { kTest, kRun, kClaim };
  Subject subject = Subject::kTest;
  std::string name;  // test name or claim id; empty for the run
  std::vector<Outcome> any_of;
  std::vector<std::string> verdict_not;
  std::string where;
};

struct CaseRun {
  std::vector<Action> before;  // done in order before the run starts
  std::vector<Action> during;  // done in order while the run executes
  std::string scenario;        // scenario YAML with ${VARS}
  int scenario_line = 1;       // line in the case file where the scenario text starts
  int scenario_indent = 0;     // columns the block scalar is indented by there
  std::vector<Expectation> expect;
};

struct TruthCase {
  std::string name;
  std::string about;
  std::string file;
  int labs = 1;
  std::vector<std::string> lab_args;  // extra `lab.sh up` flags, for every lab
  bool agent_in_mesh_netns = false;   // run the agent inside lab 1's mesh namespace
  std::vector<CaseRun> runs;
};

// Parses a case from `text`; `file_name` is used in messages and must be NAME.yaml for
// the case's `name`. INVALID_ARGUMENT "FILE:LINE:COLUMN: field: message" on any problem.
absl::StatusOr<TruthCase> ParseTruthCase(const std::string& text, const std::string& file_name);

// Reads and parses one case file.
absl::StatusOr<TruthCase> LoadTruthCase(const std::string& path);

// Returns the *.yaml files in `dir`, sorted by name (empty when `dir` cannot be read).
std::vector<std::string> ListCaseFiles(const std::string& dir);

// The verdict names of a subject, from the result protocol without the enum prefix
// ("PASS", "INCONCLUSIVE", "CONFIRMED"; UNSPECIFIED left out).
std::vector<std::string> VerdictNames(Expectation::Subject subject);
bool IsVerdictName(Expectation::Subject subject, const std::string& name);

}  // namespace meshproof::truth

#endif  // MESHPROOF_TESTS_TRUTHFULNESS_TRUTH_CASE_H_
