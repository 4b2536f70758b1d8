#include "services/common/auth/token_hash.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace meshproof::auth {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

TokenHash HashToken(absl::string_view token) {
  TokenHash hash;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), hash.data());
  return hash;
}

std::string HashToHex(const TokenHash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(hash.size() * 2);
  for (uint8_t b : hash) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0xf]);
  }
  return hex;
}

std::optional<TokenHash> HashFromHex(absl::string_view hex) {
  TokenHash hash;
  if (hex.size() != hash.size() * 2) return std::nullopt;
  for (size_t i = 0; i < hash.size(); ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    hash[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return hash;
}

bool HashesEqual(const TokenHash& a, const TokenHash& b) {
  // OpenSSL's CRYPTO_memcmp reads every byte whatever the contents; memcmp stops at the
  // first difference, which is what a timing attack measures.
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace meshproof::auth
