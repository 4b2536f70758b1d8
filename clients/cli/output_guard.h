// Keeps secret values out of everything the CLI prints. Once a secret is known, the
// process's stdout and stderr are passed through a pipe to a thread that redacts each
// line (services/common/redaction.h) before it reaches the terminal or file, so no
// printf, stream or library message can show one.
#ifndef MESHPROOF_CLIENTS_CLI_OUTPUT_GUARD_H_
#define MESHPROOF_CLIENTS_CLI_OUTPUT_GUARD_H_

#include <string>
#include <vector>

namespace meshproof::cli {

// Adds `secrets` to the values hidden from output and, the first time one is given,
// starts the redacting pipe (stdio buffers are flushed first). Safe to call repeatedly;
// does nothing for an empty list.
void ProtectOutput(const std::vector<std::string>& secrets);

// Flushes and drains the pipe so every line is written, then restores stdout and
// stderr. Registered with atexit by the first ProtectOutput; calling it again is
// harmless.
void FinishOutput();

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_OUTPUT_GUARD_H_
