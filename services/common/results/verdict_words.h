// The words people read for verdicts: "PASS", "FAILED", "CONFIRMED"... The CLI's tables,
// every report format and the probe command print these and nothing else.
#ifndef MESHPROOF_SERVICES_COMMON_RESULTS_VERDICT_WORDS_H_
#define MESHPROOF_SERVICES_COMMON_RESULTS_VERDICT_WORDS_H_

#include <string>

#include "meshproof/result/v1/result.pb.h"

namespace meshproof::results {

// Returns "PASS", "FAIL", "ERROR", "SKIPPED", "BLOCKED", "NOT_RUN"; "?" for UNSPECIFIED
// or a number this build does not know.
std::string TestVerdictWord(meshproof::result::v1::TestVerdict verdict);

// Returns "PASSED", "FAILED", "INCONCLUSIVE", "ERROR", "CANCELLED", "TIMED_OUT"; "OPEN"
// for a run without a verdict yet (UNSPECIFIED); "?" for an unknown number.
std::string RunVerdictWord(meshproof::result::v1::RunVerdict verdict);

// Returns "CONFIRMED", "REFUTED", "UNTESTED"; "?" for UNSPECIFIED or an unknown number.
std::string ClaimVerdictWord(meshproof::result::v1::ClaimVerdict verdict);

// Returns the one-letter form of an attempt's verdict used in converge reasons:
// "P" (PASS), "F" (FAIL), "E" (ERROR), otherwise the full word.
std::string AttemptLetter(meshproof::result::v1::TestVerdict verdict);

// Says what a run measured (Environment.kind): "meshproof's lab (a reproduction of the
// gateways, not a real mesh)", "a real cluster", or the kind itself when unknown.
std::string EnvironmentKindText(const std::string& kind);

// The note a claims ledger of a lab run carries: its verdicts are about the lab.
inline constexpr char kLabEvidenceNote[] =
    "Measured on meshproof's lab, which reproduces the gateways with nginx: a CONFIRMED claim "
    "says the lab behaves so, not that a real mesh does.";

}  // namespace meshproof::results

#endif  // MESHPROOF_SERVICES_COMMON_RESULTS_VERDICT_WORDS_H_
