// The hostile-input suite's machinery: tables of inputs read from tests/security/inputs/
// (YAML), sent to real service processes over loopback gRPC (any unary RPC by name, the
// request in protobuf text format), to real binaries as files, each with a bounded
// deadline, and compared with the status each input must get.
#ifndef MESHPROOF_TESTS_SECURITY_HOSTILE_RUNNER_H_
#define MESHPROOF_TESTS_SECURITY_HOSTILE_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshproof::security {

// One row of an input table.
struct HostileCase {
  std::string file;  // the table it came from, for messages
  std::string name;
  // "package.Service/Method" for gRPC cases.
  std::string rpc;
  // Protobuf text format of the request, after Expand(). A row may give `yaml:` instead:
  // a scenario file submitted with SubmitScenario.
  std::string request;
  // Several messages for a client-streaming call (AgentGateway.Connect).
  std::vector<std::string> stream;
  // Accepted status code names ("OK", "INVALID_ARGUMENT", ...).
  std::vector<std::string> expect;
  // Optional: a substring the status message must contain.
  std::string message;
  // Call metadata; when `authorization` is absent the suite's admin token is sent.
  std::map<std::string, std::string> metadata;
  bool no_auth = false;
  // Send these bytes as the request instead of a message (malformed protobuf).
  bool raw = false;
  // File cases: the binary, the flag that names the file, the file's content, the exit
  // code the binary must end with, and a substring of its stderr.
  std::string binary;
  std::vector<std::string> args;
  std::string content;
  int expect_exit = -1;
  // Optional, unary calls: the response's repeated field `count_field` holds `count`
  // items (to see that refused requests stored nothing).
  std::string count_field;
  int count = -1;
};

// Expands {{repeat:TEXT:N}} (TEXT N times; TEXT may not hold ':' or '}') in `text`.
std::string Expand(const std::string& text);

// Reads every case of a table file. Fails on a malformed table.
absl::StatusOr<std::vector<HostileCase>> LoadCases(const std::string& path);

// The outcome of one call.
struct CallOutcome {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string message;
  absl::Duration took;
  // Unary calls: the size of the response's field `count_field` (-1 when not asked).
  int count = -1;
};

// Sends one gRPC case on `channel` with a deadline of `deadline`. Unary and server-
// streaming methods are driven generically (streams are read to the end); bidi streams
// write every `stream` message, then half-close.
absl::StatusOr<CallOutcome> CallCase(const HostileCase& c,
                                     const std::shared_ptr<grpc::Channel>& channel,
                                     const std::string& admin_token, absl::Duration deadline);

// Returns the canonical name of a status code ("INVALID_ARGUMENT").
std::string CodeName(grpc::StatusCode code);

// True when the grpc.health.v1 Check answers SERVING within `deadline`.
bool Serving(const std::shared_ptr<grpc::Channel>& channel, absl::Duration deadline);

}  // namespace meshproof::security

#endif  // MESHPROOF_TESTS_SECURITY_HOSTILE_RUNNER_H_
