// The meshproof CLI's exit codes, the same for every command (docs/cli.md).
#ifndef MESHPROOF_CLIENTS_CLI_EXIT_CODES_H_
#define MESHPROOF_CLIENTS_CLI_EXIT_CODES_H_

namespace meshproof::cli {

inline constexpr int kExitOk = 0;            // done; the run passed
inline constexpr int kExitFailed = 1;        // a test failed
inline constexpr int kExitBadInput = 2;      // bad usage or input; nothing was changed
inline constexpr int kExitUnavailable = 3;   // a service could not be reached
inline constexpr int kExitInconclusive = 4;  // preflight failed: the run proves nothing

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_EXIT_CODES_H_
