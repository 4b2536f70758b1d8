// The HTML report: one self-contained file (inline CSS and SVG, no scripts, no network
// fetches) with the Markdown report's content plus pictures of the history — a grid of
// tests × recent runs coloured by verdict (passed-on-retry drawn apart) and a latency
// sparkline per test — and the comparison's regressions highlighted. Readable on a
// phone (viewport meta, tables that scroll or stack) and printable (@media print).
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_HTML_REPORT_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_HTML_REPORT_H_

#include <string>

#include "clients/cli/report/report_input.h"

namespace meshproof::cli::report {

// How many of the most recent runs the history grid shows.
inline constexpr int kHistoryRuns = 20;

// Returns the HTML document of `input`. Deterministic.
std::string RenderHtml(const ReportInput& input);

}  // namespace meshproof::cli::report

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_HTML_REPORT_H_
