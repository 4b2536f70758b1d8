// A service binary's command line, driven by its OptionTable: --help generated from the
// table, --version, --config FILE read with the table's strict reader, then every flag
// given on the command line (flags win over the file's keys).
// CLI11 reports bad flags with exceptions; they are caught in command_line.cc so none
// leaves it.
#ifndef MESHPROOF_SERVICES_COMMON_BOOTSTRAP_COMMAND_LINE_H_
#define MESHPROOF_SERVICES_COMMON_BOOTSTRAP_COMMAND_LINE_H_

#include <optional>
#include <string>

#include "services/common/bootstrap/option_table.h"

namespace meshproof::bootstrap {

struct CommandLineInfo {
  std::string binary;     // "meshproof-store", shown in --help
  std::string about;      // one line saying what the binary is
  std::string component;  // the name on every log line: "store"
};

// Parses argv against `table`, reads --config when given, applies the flags given, then
// runs table.Finish(). Initialises logging for `info.component` at info level. Returns
// an exit code when the process should stop now (--help and --version: kExitOk; a bad
// flag, an unreadable or bad configuration file, a failed check: kExitUsage with the
// reason on stderr), or nullopt to go on.
std::optional<int> ParseCommandLine(OptionTable& table, const CommandLineInfo& info, int argc,
                                    const char* const* argv);

// Returns the --help text ParseCommandLine prints for `table`.
std::string HelpText(OptionTable& table, const CommandLineInfo& info);

}  // namespace meshproof::bootstrap

#endif  // MESHPROOF_SERVICES_COMMON_BOOTSTRAP_COMMAND_LINE_H_
