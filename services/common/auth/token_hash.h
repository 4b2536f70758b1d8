// SHA-256 of a bearer token, its hex form, and the constant-time comparison of two
// hashes. Tokens files hold only these hashes, never the tokens.
#ifndef MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_HASH_H_
#define MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_HASH_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace meshproof::auth {

using TokenHash = std::array<uint8_t, 32>;

// Returns SHA-256 of the token's bytes (exactly what follows "Bearer ").
TokenHash HashToken(absl::string_view token);

// Returns the lower-case hex form (64 characters).
std::string HashToHex(const TokenHash& hash);

// Parses 64 hex digits (either case); nullopt for anything else.
std::optional<TokenHash> HashFromHex(absl::string_view hex);

// Compares two hashes in time that does not depend on where they differ, so a caller
// timing failed attempts learns nothing about a stored hash.
bool HashesEqual(const TokenHash& a, const TokenHash& b);

}  // namespace meshproof::auth

#endif  // MESHPROOF_SERVICES_COMMON_AUTH_TOKEN_HASH_H_
