#include "clients/cli/command_support.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/output.h"
#include "clients/cli/rpc_error.h"

namespace meshproof::cli {
namespace {

namespace schedv1 = ::meshproof::scheduler::v1;

absl::StatusOr<std::pair<Setting, CliConfig>> Resolve(const ConnectionFlags& flags,
                                                      bool scheduler) {
  auto config = ResolveConfig(flags, ProcessEnv());
  if (!config.ok()) return config.status();
  const Setting& address = scheduler ? config->scheduler : config->store;
  if (address.value.empty()) {
    const char* flag = scheduler ? "--scheduler" : "--store";
    const char* env = scheduler ? "MESHPROOF_SCHEDULER" : "MESHPROOF_STORE";
    const char* key = scheduler ? "scheduler" : "store";
    return absl::InvalidArgumentError(absl::StrCat("no ", scheduler ? "scheduler" : "results store",
                                                   " address: pass ", flag, " HOST:PORT, set ", env,
                                                   ", or add \"", key, ": HOST:PORT\" to ",
                                                   ConfigFilePath(flags, ProcessEnv())));
  }
  return std::make_pair(address, *config);
}

}  // namespace

int PrintError(const absl::Status& status) {
  std::fprintf(stderr, "meshproof: %s\n", std::string(status.message()).c_str());
  return ExitCodeFor(status);
}

int PrintResponse(const google::protobuf::Message& message, const std::string& output,
                  const std::function<void()>& table) {
  absl::StatusOr<OutputFormat> format = ParseOutputFormat(output);
  if (!format.ok()) return PrintError(format.status());
  if (*format == OutputFormat::kTable) {
    table();
  } else {
    std::fputs(FormatMessage(message, *format).c_str(), stdout);
  }
  return kExitOk;
}

absl::StatusOr<std::unique_ptr<SchedulerClient>> ConnectScheduler(const ConnectionFlags& flags) {
  auto resolved = Resolve(flags, /*scheduler=*/true);
  if (!resolved.ok()) return resolved.status();
  const auto& [address, config] = *resolved;
  Peer peer{"scheduler", address.value, "--scheduler", "MESHPROOF_SCHEDULER"};
  auto channel = MakeChannel(address.value, config.token.value, config.tls, config.insecure);
  if (!channel.ok()) return channel.status();
  return std::make_unique<SchedulerClient>(*channel,
                                           RpcCaller(peer, absl::Seconds(config.timeout_seconds)));
}

absl::StatusOr<std::unique_ptr<StoreClient>> ConnectStore(const ConnectionFlags& flags) {
  auto resolved = Resolve(flags, /*scheduler=*/false);
  if (!resolved.ok()) return resolved.status();
  const auto& [address, config] = *resolved;
  Peer peer{"results store", address.value, "--store", "MESHPROOF_STORE"};
  auto channel = MakeChannel(address.value, config.token.value, config.tls, config.insecure);
  if (!channel.ok()) return channel.status();
  return std::make_unique<StoreClient>(*channel,
                                       RpcCaller(peer, absl::Seconds(config.timeout_seconds)));
}

absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(
    const std::vector<std::string>& items, const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(flag, " \"", item, "\": expected KEY=VALUE"));
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& text, const std::string& flag) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " \"", text, "\": expected a positive duration such as 30s, 5m or 1h30m"));
  }
  return d;
}

std::string RunStateWord(schedv1::RunState state) {
  if (state == schedv1::RUN_STATE_UNSPECIFIED) return "?";
  const std::string name = schedv1::RunState_Name(state);
  return name.substr(std::string("RUN_STATE_").size());
}

bool IsFinalState(schedv1::RunState state) {
  switch (state) {
    case schedv1::RUN_STATE_PASSED:
    case schedv1::RUN_STATE_FAILED:
    case schedv1::RUN_STATE_INCONCLUSIVE:
    case schedv1::RUN_STATE_ERROR:
    case schedv1::RUN_STATE_CANCELLED:
    case schedv1::RUN_STATE_TIMED_OUT: return true;
    default: return false;
  }
}

int ExitCodeForRunState(schedv1::RunState state) {
  switch (state) {
    case schedv1::RUN_STATE_PASSED: return kExitOk;
    case schedv1::RUN_STATE_INCONCLUSIVE: return kExitInconclusive;
    default: return kExitFailed;
  }
}

std::string ShortTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

}  // namespace meshproof::cli
