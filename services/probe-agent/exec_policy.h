// What exec probes may run: the operator's allowlist of absolute program paths, each
// with the arguments it accepts (RE2 patterns, full match), and the one environment
// every exec probe gets. A scenario chooses nothing else.
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_EXEC_POLICY_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_EXEC_POLICY_H_

#include <re2/re2.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::agent {

// One entry of `exec_allowlist`. With neither `args` nor `args_pattern` the program
// runs with no arguments at all.
struct ExecRule {
  std::string program;  // an absolute path, compared exactly
  // One pattern per argument: the probe must pass exactly this many arguments, each
  // matching its pattern in full.
  std::vector<std::string> args;
  // Or one pattern matched in full against the arguments joined by single spaces (an
  // argument containing whitespace is then refused: the joined text would be ambiguous).
  std::string args_pattern;
  bool has_args_pattern = false;
};

// Checks an allowlist entry: an absolute program path and patterns RE2 compiles.
// INVALID_ARGUMENT naming `field` (e.g. "exec_allowlist[2].args[1]").
absl::Status CheckExecRule(const ExecRule& rule, const std::string& field);

class ExecPolicy {
 public:
  ExecPolicy() = default;
  // `rules` must have passed CheckExecRule; `env` is the whole environment of every
  // exec probe (empty: an empty environment).
  ExecPolicy(std::vector<ExecRule> rules, std::map<std::string, std::string> env);

  // Returns OK when `probe` may run as it is. PERMISSION_DENIED naming the field and the
  // value refused: a relative or unlisted program, a scenario environment, an argument
  // count or argument the program's entry does not allow. Nothing runs before this.
  absl::Status Check(const meshproof::scenario::v1::ExecProbe& probe) const;

  const std::map<std::string, std::string>& env() const { return env_; }
  std::vector<std::string> programs() const;

 private:
  struct Compiled {
    ExecRule rule;
    std::vector<std::shared_ptr<const RE2>> args;
    std::shared_ptr<const RE2> args_pattern;
  };
  // Returns why `probe`'s arguments do not fit `compiled` (empty: they fit).
  static std::string Mismatch(const Compiled& compiled,
                              const meshproof::scenario::v1::ExecProbe& probe);

  std::vector<Compiled> rules_;
  std::map<std::string, std::string> env_;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_EXEC_POLICY_H_
