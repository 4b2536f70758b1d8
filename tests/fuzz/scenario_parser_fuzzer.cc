// libFuzzer target for the scenario parser: on any input it must not crash, hang, leak
// or trip a sanitizer, and the invariants below must hold:
//   - a rejection always carries at least one diagnostic;
//   - the version (source.content_hash) does not depend on variable values, and equals
//     ContentHash of the unsubstituted scenario;
//   - substituting an accepted unsubstituted scenario with the same values gives the
//     same scenario as parsing with substitution.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/scenario/content_hash.h"
#include "services/scenario/scenario_parser.h"

namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace sc = ::meshproof::scenario;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const std::map<std::string, std::string> values = {{"HOST", "127.0.0.1"}, {"PORT", "8080"}};

  sc::ParseOptions options;
  options.file_name = "fuzz.yaml";
  options.vars = values;
  std::vector<sc::Diagnostic> diagnostics;
  auto parsed = sc::ParseScenario(text, options, &diagnostics);
  if (!parsed.ok() && diagnostics.empty()) Fail("rejected without a diagnostic");

  sc::ParseOptions raw_options = options;
  raw_options.substitute_vars = false;
  auto raw = sc::ParseScenario(text, raw_options, &diagnostics);
  if (!raw.ok()) {
    if (diagnostics.empty()) Fail("rejected without a diagnostic (unsubstituted)");
    if (parsed.ok()) Fail("accepted with values but rejected unsubstituted");
    return 0;
  }
  if (sc::ContentHash(*raw) != raw->source().content_hash()) Fail("version is not ContentHash");
  if (!parsed.ok()) return 0;
  if (parsed->source().content_hash() != raw->source().content_hash()) {
    Fail("version depends on variable values");
  }
  auto substituted = sc::SubstituteVars(*raw, values);
  if (!substituted.ok()) Fail("SubstituteVars rejected what ParseScenario accepted");
  if (!google::protobuf::util::MessageDifferencer::Equals(*substituted, *parsed)) {
    Fail("SubstituteVars differs from a substituted parse");
  }
  return 0;
}
