// libFuzzer target: the scenario parser must never crash, hang or leak on any input, and
// must either accept the input or explain why not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include "absl/strings/string_view.h"

#include "services/scenario/scenario_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  meshproof::scenario::ParseOptions options;
  options.file_name = "fuzz.yaml";
  options.vars = {{"HOST", "127.0.0.1"}, {"PORT", "8080"}};
  std::vector<meshproof::scenario::Diagnostic> diagnostics;
  auto parsed = meshproof::scenario::ParseScenario(text, options, &diagnostics);
  // A rejection always carries at least one diagnostic.
  if (!parsed.ok() && diagnostics.empty()) std::abort();
  return 0;
}
