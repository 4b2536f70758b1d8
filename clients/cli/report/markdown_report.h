// The Markdown report: the hand-made verification report's shape (header, verdict, per
// phase a table of test | reproduction | expected | actual | verdict | proves, evidence
// excerpts, deferred tests with reasons, claims ledger), plus "What changed" when the run
// is compared with another. docs/reports.md shows an example.
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_MARKDOWN_REPORT_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_MARKDOWN_REPORT_H_

#include <string>

#include "clients/cli/report/report_input.h"

namespace meshproof::cli::report {

// Returns the Markdown report of `input` (GitHub-flavoured tables). Deterministic: the
// same input always gives the same bytes (no "generated at" clock).
std::string RenderMarkdown(const ReportInput& input);

}  // namespace meshproof::cli::report

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_MARKDOWN_REPORT_H_
