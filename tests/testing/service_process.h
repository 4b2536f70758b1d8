// Starts a real meshproof binary as a child process for integration tests, waits for its
// "listening on HOST:PORT" line, and stops it with SIGTERM (or SIGKILL) on request.
#ifndef MESHPROOF_TESTS_TESTING_SERVICE_PROCESS_H_
#define MESHPROOF_TESTS_TESTING_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshproof::testing {

// Returns the path of a built binary, e.g. BinaryPath("meshproof-store").
std::string BinaryPath(const std::string& name);

class ServiceProcess {
 public:
  // Starts `binary` with `args`; its stderr goes to `log_path` (appended).
  // Waits up to `timeout` for the "listening on" line.
  static absl::StatusOr<ServiceProcess> Start(const std::string& binary,
                                              const std::vector<std::string>& args,
                                              const std::string& log_path,
                                              absl::Duration timeout = absl::Seconds(20));
  ServiceProcess(ServiceProcess&& other) noexcept;
  ServiceProcess& operator=(ServiceProcess&& other) noexcept;
  ~ServiceProcess();  // SIGKILLs a process still running.

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // Sends SIGTERM and waits up to `timeout`; returns the exit code (or 128+signal).
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(15));
  // Sends SIGKILL and reaps the process.
  void Kill();

 private:
  ServiceProcess() = default;
  pid_t pid_ = -1;
  std::string address_;
};

// Runs a command to completion, capturing stdout and stderr. Returns its exit code.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_text = "");

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_SERVICE_PROCESS_H_
