// One-line, human descriptions of what a test expects ("status 418",
// "fails at tls_handshake (curl 35)"), for explain output and reports.
#ifndef MESHPROOF_SERVICES_SCENARIO_DESCRIBE_H_
#define MESHPROOF_SERVICES_SCENARIO_DESCRIBE_H_

#include <string>

#include "meshproof/scenario/v1/scenario.pb.h"

namespace meshproof::scenario {

// Returns the failure class as written in scenarios ("tls_handshake").
std::string FailureClassName(meshproof::scenario::v1::FailureClass failure_class);

// True when `observed` is the expected failure class or one of its alternatives.
bool FailureAccepts(const meshproof::scenario::v1::FailureExpectation& want,
                    meshproof::scenario::v1::FailureClass observed);

// "fails at tls_handshake (curl 35)", "fails at empty_reply or connection_reset".
std::string DescribeFailure(const meshproof::scenario::v1::FailureExpectation& want);

// Returns what the test expects in one line, including required evidence.
std::string DescribeExpectation(const meshproof::scenario::v1::Test& test);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_DESCRIBE_H_
