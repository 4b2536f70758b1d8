// libFuzzer target for tokens files: parsing never crashes, an accepted file holds at
// least one token, and its names are distinct and non-empty.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "services/common/auth/tokens_file.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ::meshproof::fuzz::Check;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto tokens = ::meshproof::auth::ParseTokensFile(text, "tokens.yaml");
  if (!tokens.ok()) {
    Check(!tokens.status().message().empty(), "refused without a message");
    return 0;
  }
  Check(!tokens->empty(), "accepted a file with no tokens");
  std::set<std::string> names;
  for (const auto& entry : *tokens) {
    Check(!entry.name.empty(), "accepted a token without a name");
    Check(names.insert(entry.name).second, "accepted a repeated name");
  }
  return 0;
}
