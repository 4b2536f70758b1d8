// The JUnit XML report for CI systems: one testsuite per scenario run, one testcase per
// test (preflight, setup and teardown steps too, under their own classname), a failure
// with expected vs actual, skipped for deferred and blocked tests, properties for the
// cluster and environment. tests/cli/junit.xsd is the schema it is checked against.
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_JUNIT_REPORT_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_JUNIT_REPORT_H_

#include <string>

#include "clients/cli/report/report_input.h"

namespace meshproof::cli::report {

// Returns the JUnit XML document of `input`. Deterministic.
std::string RenderJunit(const ReportInput& input);

}  // namespace meshproof::cli::report

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_JUNIT_REPORT_H_
