// Helpers every networked command shares: connecting to the scheduler or the store from
// the resolved configuration, printing an error and choosing its exit code, parsing
// KEY=VALUE and duration flags, and the words for run states.
#ifndef MESHPROOF_CLIENTS_CLI_COMMAND_SUPPORT_H_
#define MESHPROOF_CLIENTS_CLI_COMMAND_SUPPORT_H_

#include <google/protobuf/message.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/cli/cli_config.h"
#include "clients/cli/scheduler_client.h"
#include "clients/cli/store_client.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"

namespace meshproof::cli {

// Prints the status's message to stderr ("meshproof: ...") and returns its exit code.
int PrintError(const absl::Status& status);

// Prints a response in `output` ("json" or "yaml" on stdout; "table" calls `table`)
// and returns the exit code: 0, or that of a bad --output.
int PrintResponse(const google::protobuf::Message& message, const std::string& output,
                  const std::function<void()>& table);

// Returns a client of the scheduler that --scheduler / MESHPROOF_SCHEDULER / the config
// file names. INVALID_ARGUMENT when none does, or the config file is malformed.
absl::StatusOr<std::unique_ptr<SchedulerClient>> ConnectScheduler(const ConnectionFlags& flags);

// Returns a client of the results store (--store / MESHPROOF_STORE / config file).
absl::StatusOr<std::unique_ptr<StoreClient>> ConnectStore(const ConnectionFlags& flags);

// Parses "KEY=VALUE" flags into a map. INVALID_ARGUMENT naming `flag` for a missing '='
// or an empty key.
absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(
    const std::vector<std::string>& items, const std::string& flag);

// Parses "30s", "5m", "1h30m". INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& text, const std::string& flag);

// "QUEUED", "PASSED", ... for a run state.
std::string RunStateWord(scheduler::v1::RunState state);

// True for states a run never leaves (PASSED ... TIMED_OUT).
bool IsFinalState(scheduler::v1::RunState state);

// The exit code of a finished run: 0 passed, 1 failed/error/cancelled/timed out,
// 4 inconclusive.
int ExitCodeForRunState(scheduler::v1::RunState state);

// Returns "2026-06-07 01:49" (UTC) or "-".
std::string ShortTime(const google::protobuf::Timestamp& ts);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_COMMAND_SUPPORT_H_
