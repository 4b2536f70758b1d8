// Reproduction commands: the shell line a person can paste to repeat a probe by hand
// (curl for HTTP, nc/getent for TCP/DNS) and to check the evidence (grep the log).
#ifndef MESHPROOF_SERVICES_SCENARIO_CURL_COMMAND_H_
#define MESHPROOF_SERVICES_SCENARIO_CURL_COMMAND_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::scenario {

// Returns `text` quoted for a POSIX shell when it needs quoting (single quotes).
std::string ShellQuote(absl::string_view text);

// Returns the one-line command that repeats the test's probe: curl with only the options
// the probe sets (-H, --resolve, --connect-to, -k, --cacert, --cert/--key, TLS versions,
// HTTP version, timeouts, -L), `nc -z` for TCP, `getent` for DNS, curl | grep for Envoy
// admin, the program and arguments for exec. `defaults` fills unset timeouts.
std::string ReproductionCommand(const meshproof::scenario::v1::Test& test,
                                const meshproof::scenario::v1::Defaults& defaults);

// Returns, per evidence spec, the shell line that shows the evidence (e.g.
// `tail -n 20 /var/log/egress.log | grep -E 'outbound\|443'`).
std::vector<std::string> EvidenceCommands(const meshproof::scenario::v1::Test& test);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_CURL_COMMAND_H_
