// libFuzzer target for variables: ${NAME} substitution, vars files and --var flags. On
// any input nothing may crash or grow past the expansion bounds, and:
//   - with substitution off, accepted text comes back unchanged;
//   - with it on, no result is longer than the per-string bound and all results of one
//     substituter add up to at most the total bound, whatever the values;
//   - a parsed vars file or flag holds only valid names.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "services/scenario/vars.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace sc = ::meshproof::scenario;
  using ::meshproof::fuzz::Check;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  constexpr size_t kString = 4096, kTotal = 16384;
  const std::map<std::string, std::string> values = {
      {"A", "a"}, {"HOST", "127.0.0.1"}, {"BIG", std::string(1000, 'b')}, {"EMPTY", ""}};
  sc::VarSubstituter on(values, /*enabled=*/true, {"REQUIRED"});
  on.SetExpansionLimits(kString, kTotal);
  size_t total = 0;
  // The same text three times through one substituter: the total bound must hold across calls.
  for (int i = 0; i < 3; ++i) {
    std::string out, error;
    if (on.Substitute(text, &out, &error)) {
      Check(out.size() <= text.size() + kString, "values added more than the string bound");
      total += out.size();
    } else {
      Check(!error.empty(), "refused without a message");
    }
  }
  Check(total <= kTotal + 3 * text.size(), "substitutions grew past the total bound");

  const sc::VarSubstituter off(values, /*enabled=*/false);
  std::string out, error;
  if (off.Substitute(text, &out, &error)) Check(out == text, "substitution off changed the text");

  auto file = sc::ParseVarsFile(text, "fuzz.env");
  if (file.ok()) {
    for (const auto& [name, value] : *file)
      Check(sc::IsValidVarName(name), "vars file gave a bad name");
  }
  auto flag = sc::ParseVarFlag(text);
  if (flag.ok()) Check(sc::IsValidVarName(flag->first), "--var gave a bad name");
  return 0;
}
