#include "services/common/results/verdict_words.h"

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace meshproof::results {
namespace {

namespace rv1 = ::meshproof::result::v1;

// Strips an enum value's prefix ("RUN_VERDICT_PASSED" -> "PASSED"); "?" when the
// number has no name in this build (a newer peer's value).
std::string Strip(const std::string& name, absl::string_view prefix) {
  if (name.size() > prefix.size() && absl::StartsWith(name, prefix))
    return name.substr(prefix.size());
  return name.empty() ? "?" : name;
}

}  // namespace

std::string TestVerdictWord(rv1::TestVerdict verdict) {
  if (verdict == rv1::TEST_VERDICT_UNSPECIFIED) return "?";
  return Strip(rv1::TestVerdict_Name(verdict), "TEST_VERDICT_");
}

std::string RunVerdictWord(rv1::RunVerdict verdict) {
  if (verdict == rv1::RUN_VERDICT_UNSPECIFIED) return "OPEN";
  return Strip(rv1::RunVerdict_Name(verdict), "RUN_VERDICT_");
}

std::string ClaimVerdictWord(rv1::ClaimVerdict verdict) {
  if (verdict == rv1::CLAIM_VERDICT_UNSPECIFIED) return "?";
  return Strip(rv1::ClaimVerdict_Name(verdict), "CLAIM_VERDICT_");
}

std::string AttemptLetter(rv1::TestVerdict verdict) {
  switch (verdict) {
    case rv1::TEST_VERDICT_PASS: return "P";
    case rv1::TEST_VERDICT_FAIL: return "F";
    case rv1::TEST_VERDICT_ERROR: return "E";
    default: return TestVerdictWord(verdict);
  }
}

std::string EnvironmentKindText(const std::string& kind) {
  if (kind == "lab") return "meshproof's lab (a reproduction of the gateways, not a real mesh)";
  if (kind == "cluster") return "a real cluster";
  return kind;
}

}  // namespace meshproof::results
