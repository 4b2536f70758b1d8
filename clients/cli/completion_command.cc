#include "clients/cli/completion_command.h"

#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/exit_codes.h"

namespace meshproof::cli {
namespace {

// One `case` arm per command path ("", "run", "run start") listing the words that may
// follow it; `paths` receives every non-root path.
void Collect(const CLI::App& app, const std::string& path, std::string* arms,
             std::vector<std::string>* paths) {
  std::vector<std::string> words;
  // CLI11 2.1 has no const overload of get_subcommands with a filter.
  const std::vector<CLI::App*> subs = const_cast<CLI::App&>(app).get_subcommands({});
  for (const CLI::App* sub : subs) words.push_back(sub->get_name());
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& name : opt->get_lnames()) words.push_back(absl::StrCat("--", name));
  }
  absl::StrAppend(arms, "    \"", path, "\") words=\"", absl::StrJoin(words, " "), "\" ;;\n");
  for (const CLI::App* sub : subs) {
    const std::string sub_path =
        path.empty() ? sub->get_name() : absl::StrCat(path, " ", sub->get_name());
    paths->push_back(sub_path);
    Collect(*sub, sub_path, arms, paths);
  }
}

}  // namespace

std::string BashCompletion(const CLI::App& app) {
  std::string arms;
  std::vector<std::string> paths;
  Collect(app, "", &arms, &paths);
  std::string known;
  // Only known command paths extend the path; arguments (file names, run ids) do not.
  for (const std::string& p : paths)
    absl::StrAppend(&known, "      \"", p, "\") path=\"$candidate\" ;;\n");
  return absl::StrCat(
      "# bash completion for meshproof; load with: source <(meshproof completion bash)\n"
      "_meshproof() {\n"
      "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" path=\"\" w words=\"\" candidate\n"
      "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
      "    [[ \"$w\" == -* ]] && continue\n"
      "    candidate=\"${path:+$path }$w\"\n"
      "    case \"$candidate\" in\n",
      known,
      "    esac\n"
      "  done\n"
      "  case \"$path\" in\n",
      arms,
      "  esac\n"
      "  if [[ \"$cur\" == -* ]]; then\n"
      "    COMPREPLY=( $(compgen -W \"$words\" -- \"$cur\") )\n"
      "  else\n"
      "    COMPREPLY=( $(compgen -W \"$(printf '%s\\n' $words | grep -v '^-')\" -- \"$cur\") "
      "$(compgen -f -- \"$cur\") )\n"
      "  fi\n"
      "}\n"
      "complete -o filenames -F _meshproof meshproof\n");
}

void AddCompletionCommand(CLI::App& app, int* exit_code) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("completion", "Print a shell completion script");
  cmd->footer("Example:\n  source <(meshproof completion bash)");
  cmd->add_option("shell", *shell, "the shell (bash)")->required()->check(CLI::IsMember({"bash"}));
  CLI::App* root = &app;
  cmd->callback([root, shell, exit_code] {
    std::fputs(BashCompletion(*root).c_str(), stdout);
    *exit_code = kExitOk;
  });
}

}  // namespace meshproof::cli
