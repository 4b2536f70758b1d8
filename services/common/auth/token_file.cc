#include "services/common/auth/token_file.h"

#include <sys/stat.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace meshproof::auth {

absl::StatusOr<TokenFromFile> ReadTokenFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(flag, ": cannot read ", path));
  std::string line;
  std::getline(in, line);
  TokenFromFile result;
  result.token = std::string(absl::StripAsciiWhitespace(line));
  if (result.token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, ": the first line is empty; expected the token"));
  }
  if (absl::StrContains(result.token, ' ') || absl::StrContains(result.token, '\t')) {
    // Most likely "Bearer TOKEN" pasted whole; the token alone is expected.
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, ": the first line holds a space; expected the token alone"));
  }
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
    result.warning = absl::StrCat(flag, ": ", path,
                                  " is readable by every user; chmod o-r it to keep the "
                                  "token to this service");
  }
  return result;
}

void AttachToken(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

}  // namespace meshproof::auth
