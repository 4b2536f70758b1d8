// What a test's attempts say beyond its final verdict: whether they disagreed (the test
// is flaky) and the attempt sequence in one line ("P F P F").
#ifndef MESHPROOF_SERVICES_COMMON_RESULTS_ATTEMPTS_H_
#define MESHPROOF_SERVICES_COMMON_RESULTS_ATTEMPTS_H_

#include <string>

#include "google/protobuf/repeated_ptr_field.h"
#include "meshproof/result/v1/result.pb.h"

namespace meshproof::results {

using AttemptHistory = google::protobuf::RepeatedPtrField<meshproof::result::v1::AttemptSummary>;

// Returns true when some attempts PASSed and others FAILed or were ERROR: the same
// test, asked again, answered differently. True whatever the final verdict was.
bool AttemptsDisagree(const AttemptHistory& history);

// Returns the attempts' verdicts as letters in attempt order, "P F P F" (see
// AttemptLetter); "" for no attempts.
std::string AttemptSequence(const AttemptHistory& history);

}  // namespace meshproof::results

#endif  // MESHPROOF_SERVICES_COMMON_RESULTS_ATTEMPTS_H_
