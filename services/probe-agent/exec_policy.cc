#include "services/probe-agent/exec_policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;

// Quotes a scenario-supplied value for a message: bounded, control bytes escaped.
std::string Quote(const std::string& value) {
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < 80; ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (value.size() > 80) out += "...";
  return out + "\"";
}

std::shared_ptr<const RE2> Compile(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  return std::make_shared<const RE2>(pattern, options);
}

}  // namespace

absl::Status CheckExecRule(const ExecRule& rule, const std::string& field) {
  if (!absl::StartsWith(rule.program, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".program: expected an absolute path, got ", Quote(rule.program)));
  }
  if (rule.has_args_pattern && !rule.args.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": give args or args_pattern, not both"));
  }
  for (size_t i = 0; i < rule.args.size(); ++i) {
    if (const auto re = Compile(rule.args[i]); !re->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".args[", i, "]: not an RE2 pattern: ", re->error()));
    }
  }
  if (rule.has_args_pattern) {
    if (const auto re = Compile(rule.args_pattern); !re->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".args_pattern: not an RE2 pattern: ", re->error()));
    }
  }
  return absl::OkStatus();
}

ExecPolicy::ExecPolicy(std::vector<ExecRule> rules, std::map<std::string, std::string> env)
    : env_(std::move(env)) {
  for (ExecRule& rule : rules) {
    Compiled compiled;
    for (const std::string& pattern : rule.args) compiled.args.push_back(Compile(pattern));
    if (rule.has_args_pattern) compiled.args_pattern = Compile(rule.args_pattern);
    compiled.rule = std::move(rule);
    rules_.push_back(std::move(compiled));
  }
}

std::vector<std::string> ExecPolicy::programs() const {
  std::vector<std::string> programs;
  for (const Compiled& c : rules_) {
    if (std::find(programs.begin(), programs.end(), c.rule.program) == programs.end()) {
      programs.push_back(c.rule.program);
    }
  }
  return programs;
}

std::string ExecPolicy::Mismatch(const Compiled& compiled, const sv1::ExecProbe& probe) {
  const std::string& program = compiled.rule.program;
  if (compiled.args_pattern) {
    for (int i = 0; i < probe.args_size(); ++i) {
      if (std::any_of(probe.args(i).begin(), probe.args(i).end(),
                      [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); })) {
        return absl::StrCat("exec.args[", i, "]: ", Quote(probe.args(i)),
                            " contains whitespace, which ", program,
                            "'s args_pattern cannot match unambiguously");
      }
    }
    const std::string joined = absl::StrJoin(probe.args(), " ");
    if (!RE2::FullMatch(joined, *compiled.args_pattern)) {
      return absl::StrCat("exec.args: ", Quote(joined),
                          " does not match the args_pattern allowed for ", program);
    }
    return "";
  }
  if (static_cast<size_t>(probe.args_size()) != compiled.args.size()) {
    return absl::StrCat("exec.args: ", program, " is allowed ", compiled.args.size(),
                        " argument(s), got ", probe.args_size());
  }
  for (int i = 0; i < probe.args_size(); ++i) {
    if (!RE2::FullMatch(probe.args(i), *compiled.args[i])) {
      return absl::StrCat("exec.args[", i, "]: ", Quote(probe.args(i)), " is not allowed for ",
                          program, " (allowed: '", compiled.rule.args[i], "')");
    }
  }
  return "";
}

absl::Status ExecPolicy::Check(const sv1::ExecProbe& probe) const {
  const std::string& program = probe.program();
  if (!absl::StartsWith(program, "/")) {
    return absl::PermissionDeniedError(
        absl::StrCat("exec.program: ", Quote(program),
                     " is not an absolute path; the agent runs only the absolute paths "
                     "its exec_allowlist names"));
  }
  if (!probe.env().empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "exec.env: ", Quote(probe.env().begin()->first),
        ": a scenario cannot set an exec probe's environment; the agent passes only its exec_env"));
  }
  for (const std::string& arg : probe.args()) {
    if (arg.find('\0') != std::string::npos) {
      return absl::PermissionDeniedError("exec.args: an argument contains a NUL byte");
    }
  }
  std::string first_mismatch;
  bool listed = false;
  for (const Compiled& compiled : rules_) {
    if (compiled.rule.program != program) continue;
    listed = true;
    const std::string mismatch = Mismatch(compiled, probe);
    if (mismatch.empty()) return absl::OkStatus();
    if (first_mismatch.empty()) first_mismatch = mismatch;
  }
  if (!listed) {
    return absl::PermissionDeniedError(
        absl::StrCat("exec.program: ", Quote(program), " is not in the agent's exec_allowlist"));
  }
  return absl::PermissionDeniedError(first_mismatch);
}

}  // namespace meshproof::agent
