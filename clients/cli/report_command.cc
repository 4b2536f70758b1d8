#include "clients/cli/report_command.h"

#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/report/html_report.h"
#include "clients/cli/report/json_report.h"
#include "clients/cli/report/junit_report.h"
#include "clients/cli/report/markdown_report.h"
#include "clients/cli/report_loader.h"

namespace meshproof::cli {
namespace {

struct ReportFlags {
  ConnectionFlags connection;
  std::string run_id;
  std::string against;
  std::string format = "md";
  std::string out;
  uint32_t history_runs = report::kHistoryRuns;
  bool exit_with_verdict = false;
};

int ExitCodeForVerdict(result::v1::RunVerdict verdict) {
  switch (verdict) {
    case result::v1::RUN_VERDICT_PASSED: return kExitOk;
    case result::v1::RUN_VERDICT_INCONCLUSIVE: return kExitInconclusive;
    default: return kExitFailed;
  }
}

int RunReport(const ReportFlags& flags) {
  auto client = ConnectStore(flags.connection);
  if (!client.ok()) return PrintError(client.status());
  LoadOptions options;
  options.against = flags.against;
  // Only the HTML report draws the history; the others need no extra calls.
  options.history_runs = flags.format == "html" ? flags.history_runs : 0;
  auto input = LoadReportInput(**client, flags.run_id, options);
  if (!input.ok()) return PrintError(input.status());
  std::string text;
  if (flags.format == "md") text = report::RenderMarkdown(*input);
  if (flags.format == "html") text = report::RenderHtml(*input);
  if (flags.format == "junit") text = report::RenderJunit(*input);
  if (flags.format == "json") text = report::RenderJson(*input);
  if (flags.out.empty() || flags.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    std::ofstream file(flags.out, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
      return PrintError(
          absl::InvalidArgumentError(absl::StrCat("--out ", flags.out, ": cannot write the file")));
    }
    std::fprintf(stderr, "wrote %s (%zu bytes)\n", flags.out.c_str(), text.size());
  }
  return flags.exit_with_verdict ? ExitCodeForVerdict(input->detail.run().verdict()) : kExitOk;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand("report", "A run's report: Markdown, HTML, JUnit XML or JSON");
  cmd->footer(
      "Examples:\n"
      "  meshproof report run-0042 --against previous > report.md\n"
      "  meshproof report run-0042 --format html --out report.html\n"
      "  meshproof report run-0042 --format junit --out junit.xml --exit-with-verdict\n"
      "Exit codes: 0 written (with --exit-with-verdict: 0 passed, 1 failed, 4 inconclusive),\n"
      "2 bad input or unknown run, 3 store unreachable.");
  cmd->add_option("run", flags->run_id, "run id")->required();
  cmd->add_option("--against", flags->against,
                  "compare with this run, or \"previous\" (same scenario and cluster)");
  cmd->add_option("-f,--format", flags->format, "md, html, junit or json")
      ->check(CLI::IsMember({"md", "html", "junit", "json"}))
      ->capture_default_str();
  cmd->add_option("--out", flags->out, "write to this file instead of stdout");
  cmd->add_option("--history", flags->history_runs, "runs of history in the HTML grid")
      ->capture_default_str();
  cmd->add_flag("--exit-with-verdict", flags->exit_with_verdict,
                "exit with the run's verdict (for CI)");
  AddConnectionFlags(cmd, &flags->connection, /*scheduler=*/false, /*store=*/true);
  cmd->callback([flags, exit_code] { *exit_code = RunReport(*flags); });
}

}  // namespace meshproof::cli
