// What a truthfulness case does to its labs around a run: append stale lines to a log,
// stop a component, rotate or reopen the logs (lab.sh), replace a file, wait for a line.
// An action the lab cannot do (an option lab.sh does not have) is an error, never a
// silent no-op: the case then fails instead of proving nothing.
#ifndef MESHPROOF_TESTS_TRUTHFULNESS_CASE_ACTIONS_H_
#define MESHPROOF_TESTS_TRUTHFULNESS_CASE_ACTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/truthfulness/truth_case.h"

namespace meshproof::truth {

// Replaces every ${NAME} in `text` with vars[NAME]; `$${` is a literal `${`.
// INVALID_ARGUMENT naming the variable when one is undefined.
absl::StatusOr<std::string> ExpandVars(const std::string& text,
                                       const std::map<std::string, std::string>& vars);

// The current time as nginx's $time_iso8601 writes it (UTC), e.g. 2026-06-07T01:49:40+00:00.
std::string NowIso8601();

class ActionRunner {
 public:
  // `lab_dirs[i]` is lab i+1's folder; `vars` expands the actions' strings.
  ActionRunner(std::vector<std::string> lab_dirs, std::map<std::string, std::string> vars);

  // Notes where each wait_for_line action's file ends now, so that only lines written
  // after this moment count. Call before the run starts.
  std::vector<uint64_t> TakeMarks(const std::vector<Action>& actions) const;

  // Does `actions` in order and stops at the first error (message names the action's
  // place in the case file). `marks` comes from TakeMarks (empty: marks taken now).
  absl::Status RunAll(const std::vector<Action>& actions, std::vector<uint64_t> marks = {}) const;

 private:
  absl::Status Run(const Action& action, uint64_t mark) const;
  absl::Status AppendLog(const Action& action) const;
  absl::Status Stop(const Action& action) const;
  absl::StatusOr<std::string> ComponentOnPort(const Action& action) const;
  absl::Status LabCommand(const Action& action, std::vector<std::string> args) const;
  absl::Status CopyFile(const Action& action) const;
  absl::Status WaitForLine(const Action& action, uint64_t mark) const;
  absl::StatusOr<std::string> Expand(const std::string& text) const;

  std::vector<std::string> lab_dirs_;
  std::map<std::string, std::string> vars_;
};

}  // namespace meshproof::truth

#endif  // MESHPROOF_TESTS_TRUTHFULNESS_CASE_ACTIONS_H_
