#include "tests/truthfulness/case_actions.h"

#include <fcntl.h>
#include <re2/re2.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::truth {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(20);
constexpr absl::Duration kStopLimit = absl::Seconds(5);

std::string LabScript() { return absl::StrCat(MESHPROOF_SOURCE_DIR, "/deploy/lab/lab.sh"); }

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// True while `pid` is alive and its command line names `dir` (the lab's own check: a
// reused pid or a zombie is not the component any more).
bool IsLabProcess(pid_t pid, const std::string& dir) {
  std::string cmdline = testing::ReadFileOrEmpty(absl::StrCat("/proc/", pid, "/cmdline"));
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  return cmdline.find(dir + "/") != std::string::npos;
}

}  // namespace

absl::StatusOr<std::string> ExpandVars(const std::string& text,
                                       const std::map<std::string, std::string>& vars) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const size_t end = text.find('}', i + 2);
    if (end == std::string::npos)
      return absl::InvalidArgumentError(absl::StrCat("unclosed ${ in \"", text, "\""));
    const std::string name = text.substr(i + 2, end - i - 2);
    auto it = vars.find(name);
    if (it == vars.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "undefined variable ${", name, "} (not in lab.env nor the runner's variables)"));
    }
    out += it->second;
    i = end + 1;
  }
  return out;
}

std::string NowIso8601() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S+00:00", absl::Now(), absl::UTCTimeZone());
}

ActionRunner::ActionRunner(std::vector<std::string> lab_dirs,
                           std::map<std::string, std::string> vars)
    : lab_dirs_(std::move(lab_dirs)), vars_(std::move(vars)) {}

absl::StatusOr<std::string> ActionRunner::Expand(const std::string& text) const {
  std::map<std::string, std::string> vars = vars_;
  vars["NOW_ISO8601"] = NowIso8601();
  return ExpandVars(text, vars);
}

std::vector<uint64_t> ActionRunner::TakeMarks(const std::vector<Action>& actions) const {
  std::vector<uint64_t> marks;
  for (const Action& action : actions) {
    uint64_t mark = 0;
    if (action.kind == Action::Kind::kWaitForLine) {
      auto file = Expand(action.file);
      if (file.ok()) mark = FileSize(*file);
    }
    marks.push_back(mark);
  }
  return marks;
}

absl::Status ActionRunner::RunAll(const std::vector<Action>& actions,
                                  std::vector<uint64_t> marks) const {
  if (marks.size() != actions.size()) marks = TakeMarks(actions);
  for (size_t i = 0; i < actions.size(); ++i) {
    absl::Status status = Run(actions[i], marks[i]);
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat(actions[i].where, ": action failed: ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status ActionRunner::Run(const Action& action, uint64_t mark) const {
  if (action.lab < 1 || action.lab > static_cast<int>(lab_dirs_.size())) {
    return absl::FailedPreconditionError(absl::StrCat("lab ", action.lab, " is not running"));
  }
  switch (action.kind) {
    case Action::Kind::kAppendLog: return AppendLog(action);
    case Action::Kind::kStop: return Stop(action);
    case Action::Kind::kRotate: return LabCommand(action, {"rotate", "--style", action.target});
    case Action::Kind::kReopen: return LabCommand(action, {"reopen"});
    case Action::Kind::kCopyFile: return CopyFile(action);
    case Action::Kind::kWaitForLine: return WaitForLine(action, mark);
  }
  return absl::InternalError("unknown action");
}

absl::Status ActionRunner::AppendLog(const Action& action) const {
  auto file = Expand(action.file);
  if (!file.ok()) return file.status();
  std::string text;
  for (const std::string& line : action.lines) {
    auto expanded = Expand(line);
    if (!expanded.ok()) return expanded.status();
    absl::StrAppend(&text, *expanded, "\n");
  }
  // One write with O_APPEND, as a logging process appends: the lines land whole at the
  // file's current end.
  const int fd = open(file->c_str(), O_WRONLY | O_APPEND);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot open ", *file, " for appending"));
  const ssize_t written = write(fd, text.data(), text.size());
  close(fd);
  if (written != static_cast<ssize_t>(text.size()))
    return absl::InternalError(absl::StrCat("short write to ", *file));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ActionRunner::ComponentOnPort(const Action& action) const {
  auto port = Expand(action.port);
  if (!port.ok()) return port.status();
  // ss names every process holding the listening socket; the component is the one whose
  // pid file (run/NAME.pid) holds one of them (nginx's master holds its listeners).
  testing::CommandResult ss =
      testing::RunCommand({"ss", "-Hltnp", absl::StrCat("sport = :", *port)});
  if (ss.exit_code != 0) return absl::UnavailableError(absl::StrCat("ss failed: ", ss.err));
  const std::string& dir = lab_dirs_[action.lab - 1];
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/run", ec)) {
    if (entry.path().extension() != ".pid") continue;
    const std::string pid(
        absl::StripAsciiWhitespace(testing::ReadFileOrEmpty(entry.path().string())));
    if (!pid.empty() && absl::StrContains(ss.out, absl::StrCat("pid=", pid, ",")))
      return entry.path().stem().string();
  }
  return absl::NotFoundError(
      absl::StrCat("no component of lab ", action.lab, " listens on port ", *port));
}

absl::Status ActionRunner::Stop(const Action& action) const {
  std::string component = action.target;
  if (!action.port.empty()) {
    auto found = ComponentOnPort(action);
    if (!found.ok()) return found.status();
    component = *found;
  }
  const std::string& dir = lab_dirs_[action.lab - 1];
  const std::string pid_file = absl::StrCat(dir, "/run/", component, ".pid");
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(testing::ReadFileOrEmpty(pid_file)), &pid) ||
      pid <= 1) {
    return absl::NotFoundError(absl::StrCat("no component \"", component, "\" in lab ", action.lab,
                                            " (no pid in ", pid_file, ")"));
  }
  if (!IsLabProcess(pid, dir)) {
    return absl::FailedPreconditionError(
        absl::StrCat(component, " (pid ", pid, ") is not running"));
  }
  // TERM: nginx's fast shutdown, gunicorn's graceful one. The component must be gone
  // (its port closed) before the run starts, so wait for it.
  kill(pid, SIGTERM);
  const absl::Time deadline = absl::Now() + kStopLimit;
  while (IsLabProcess(pid, dir)) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(component, " (pid ", pid, ") still running ",
                                                      absl::FormatDuration(kStopLimit),
                                                      " after SIGTERM"));
    }
    absl::SleepFor(kPoll);  // polling /proc for the exit, bounded above
  }
  return absl::OkStatus();
}

absl::Status ActionRunner::LabCommand(const Action& action, std::vector<std::string> args) const {
  std::vector<std::string> argv = {LabScript(), args[0], "--dir", lab_dirs_[action.lab - 1]};
  argv.insert(argv.end(), args.begin() + 1, args.end());
  testing::CommandResult result = testing::RunCommand(argv);
  if (result.exit_code != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("lab.sh ", args[0], " exited ", result.exit_code, ": ",
                     absl::StripAsciiWhitespace(result.err + result.out)));
  }
  return absl::OkStatus();
}

absl::Status ActionRunner::CopyFile(const Action& action) const {
  auto from = Expand(action.from);
  if (!from.ok()) return from.status();
  auto to = Expand(action.file);
  if (!to.ok()) return to.status();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(*from, ec))
    return absl::NotFoundError(absl::StrCat("no file ", *from));
  const std::string content = testing::ReadFileOrEmpty(*from);
  // Overwrite keeps the inode (an editor or `cp`); rename swaps in a new one (a
  // configuration manager, Kubernetes' ConfigMap symlink swap).
  const std::string target = action.by_rename ? *to + ".new" : *to;
  {
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.good()) return absl::InternalError(absl::StrCat("cannot write ", target));
  }
  if (action.by_rename && std::rename(target.c_str(), to->c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename ", target, " to ", *to));
  }
  return absl::OkStatus();
}

absl::Status ActionRunner::WaitForLine(const Action& action, uint64_t mark) const {
  auto file = Expand(action.file);
  if (!file.ok()) return file.status();
  auto pattern_text = Expand(action.pattern);
  if (!pattern_text.ok()) return pattern_text.status();
  RE2 pattern(*pattern_text, RE2::Quiet);
  if (!pattern.ok())
    return absl::InvalidArgumentError(absl::StrCat("bad pattern: ", pattern.error()));
  const absl::Time deadline = absl::Now() + action.timeout;
  while (true) {
    const std::string text = testing::ReadFileOrEmpty(*file);
    // A file shorter than the mark was truncated or replaced: all of it is new.
    const size_t from = text.size() >= mark ? mark : 0;
    for (absl::string_view line : absl::StrSplit(absl::string_view(text).substr(from), '\n')) {
      if (RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), pattern))
        return absl::OkStatus();
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("no new line matching /", *pattern_text,
                                                      "/ in ", *file, " within ",
                                                      absl::FormatDuration(action.timeout)));
    }
    absl::SleepFor(kPoll);  // polling a file for a condition, bounded by the deadline
  }
}

}  // namespace meshproof::truth
