#include "services/common/auth/token_registry.h"

namespace meshproof::auth {

const TokenEntry* TokenRegistry::Find(absl::string_view token) const {
  const TokenHash presented = HashToken(token);
  const TokenEntry* found = nullptr;
  // No early exit: the time taken says nothing about which entry matched. Names are
  // unique hashes (the parser refuses duplicates), so at most one entry matches.
  for (const TokenEntry& entry : entries_) {
    const bool match = HashesEqual(entry.sha256, presented);
    if (match) found = &entry;
  }
  return found;
}

}  // namespace meshproof::auth
