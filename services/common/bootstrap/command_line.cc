#include "services/common/bootstrap/command_line.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <deque>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/log.h"
#include "services/common/server_runner.h"
#include "services/common/text_file.h"

namespace meshproof::bootstrap {
namespace {

// The CLI11 app for `table`, with one text (or bool) slot per row to receive the flags.
struct App {
  std::unique_ptr<CLI::App> app;
  std::string config;
  std::deque<std::string> text;  // per row, in table order
  std::deque<bool> flag;         // per row, for kBool
};

std::string FlagHelp(const OptionRow& row) {
  std::string help = row.help;
  std::string extra;
  if (row.type != OptionType::kBool && !row.default_text.empty()) {
    absl::StrAppend(&extra, "default: ", row.default_text);
  }
  if (!row.key.empty()) absl::StrAppend(&extra, extra.empty() ? "" : "; ", "key: ", row.key);
  if (row.required) absl::StrAppend(&extra, extra.empty() ? "" : "; ", "required");
  if (!extra.empty()) absl::StrAppend(&help, " [", extra, "]");
  return help;
}

std::unique_ptr<App> MakeApp(OptionTable& table, const CommandLineInfo& info) {
  auto out = std::make_unique<App>();
  out->app = std::make_unique<CLI::App>(info.about, info.binary);
  CLI::App& app = *out->app;
  app.add_option("--config", out->config,
                 "YAML configuration file: the keys named below (unknown keys are errors); a "
                 "flag given on the command line wins over its key");
  for (OptionRow& row : table.mutable_rows()) {
    std::string& text = out->text.emplace_back();
    bool& flag = out->flag.emplace_back(false);
    if (!row.has_flag) continue;
    const std::string name = "--" + row.name;
    if (row.type == OptionType::kBool) {
      app.add_flag(name, flag, FlagHelp(row));
    } else {
      std::string type = row.type == OptionType::kInt        ? "INT"
                         : row.type == OptionType::kDuration ? "DURATION"
                         : row.type == OptionType::kPath     ? "PATH"
                                                             : "TEXT";
      if (row.type == OptionType::kChoice) type = absl::StrJoin(row.choices, "|");
      app.add_option(name, text, FlagHelp(row))->type_name(type);
    }
  }
  app.set_version_flag("--version", std::string(MESHPROOF_VERSION));
  // The keys without a flag, so --help names every row of the table.
  std::string footer;
  for (const OptionRow& row : table.rows()) {
    if (!row.has_flag) absl::StrAppend(&footer, "  ", row.key, ": ", FlagHelp(row), "\n");
  }
  for (const SectionRow& section : table.sections()) {
    absl::StrAppend(&footer, "  ", section.key, ": ", section.help, "\n");
  }
  if (!footer.empty()) app.footer("Keys of the --config file without a flag:\n" + footer);
  return out;
}

}  // namespace

std::string HelpText(OptionTable& table, const CommandLineInfo& info) {
  std::unique_ptr<App> app = MakeApp(table, info);
  return app->app->help();
}

std::optional<int> ParseCommandLine(OptionTable& table, const CommandLineInfo& info, int argc,
                                    const char* const* argv) {
  std::unique_ptr<App> parsed = MakeApp(table, info);
  CLI::App& app = *parsed->app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  InitLogging(info.component, LogLevel::kInfo);
  if (!parsed->config.empty()) {
    absl::StatusOr<std::string> text = ReadTextFile(parsed->config, "--config");
    if (!text.ok()) {
      LogError(text.status().message());
      return kExitUsage;
    }
    if (absl::Status read = table.ReadFile(*text, parsed->config); !read.ok()) {
      LogError("bad configuration:\n", read.message());
      return kExitUsage;
    }
  }
  // Flags last: a flag given on the command line wins over the file's key.
  size_t i = 0;
  for (OptionRow& row : table.mutable_rows()) {
    const size_t index = i++;
    if (!row.has_flag || app.count("--" + row.name) == 0) continue;
    if (row.type == OptionType::kBool) {
      *std::get<bool*>(row.target) = parsed->flag[index];
      row.given = true;
      continue;
    }
    if (absl::Status set = table.SetFromFlag(row, parsed->text[index]); !set.ok()) {
      LogError(set.message());
      return kExitUsage;
    }
  }
  if (absl::Status finished = table.Finish(); !finished.ok()) {
    LogError(finished.message());
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace meshproof::bootstrap
