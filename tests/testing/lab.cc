#include "tests/testing/lab.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::testing {
namespace {

std::string LabScript() { return absl::StrCat(MESHPROOF_SOURCE_DIR, "/deploy/lab/lab.sh"); }

}  // namespace

absl::StatusOr<std::unique_ptr<Lab>> Lab::Start(const std::string& dir, const Options& options) {
  std::vector<std::string> argv = {LabScript(),
                                   "up",
                                   "--dir",
                                   dir,
                                   "--base-port",
                                   "0",
                                   "--route-order",
                                   options.route_order,
                                   "--egress-route",
                                   options.egress_route_absent ? "absent" : "present",
                                   "--outbound-policy",
                                   options.outbound_policy,
                                   "--blocked-as",
                                   options.blocked_as,
                                   "--log-delay",
                                   absl::StrCat(options.log_delay_ms)};
  if (options.netns) argv.push_back("--netns");
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  // A port picked by lab.sh can be taken before nginx binds it; a second pick is
  // another random range.
  CommandResult result;
  for (int attempt = 0; attempt < 3; ++attempt) {
    result = RunCommand(argv);
    if (result.exit_code == 0) break;
    RunCommand({LabScript(), "down", "--dir", dir});
  }
  if (result.exit_code != 0) {
    return absl::UnavailableError(absl::StrCat("lab.sh up failed: ", result.err));
  }
  std::unique_ptr<Lab> lab(new Lab());
  lab->dir_ = dir;
  for (absl::string_view line : absl::StrSplit(ReadFileOrEmpty(dir + "/lab.env"), '\n')) {
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos || absl::StartsWith(line, "#")) continue;
    lab->env_[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  if (lab->env_.empty()) return absl::InternalError("lab.env is empty");
  return lab;
}

Lab::~Lab() { RunCommand({LabScript(), "down", "--dir", dir_}); }

absl::Status Lab::Rotate(RotateStyle style, bool reopen) {
  std::vector<std::string> argv = {
      LabScript(), "rotate",  "--dir",
      dir_,        "--style", style == RotateStyle::kCopyTruncate ? "copytruncate" : "rename"};
  if (reopen) argv.push_back("--reopen");
  const CommandResult result = RunCommand(argv);
  if (result.exit_code != 0)
    return absl::InternalError(absl::StrCat("lab.sh rotate failed: ", result.err));
  return absl::OkStatus();
}

absl::Status Lab::Reopen() {
  const CommandResult result = RunCommand({LabScript(), "reopen", "--dir", dir_});
  if (result.exit_code != 0)
    return absl::InternalError(absl::StrCat("lab.sh reopen failed: ", result.err));
  return absl::OkStatus();
}

std::string Lab::Get(const std::string& key) const {
  auto it = env_.find(key);
  return it == env_.end() ? "" : it->second;
}

bool CanUseNetns() {
  if (geteuid() != 0) return false;
  return RunCommand({"ip", "netns", "list"}).exit_code == 0;
}

}  // namespace meshproof::testing
