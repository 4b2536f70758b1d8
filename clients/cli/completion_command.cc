#include "clients/cli/completion_command.h"

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/exit_codes.h"

namespace meshproof::cli {
namespace {

// What one command path ("", "run", "run start") accepts: every shell's script is
// generated from the same list, so bash, zsh and fish complete alike.
struct CommandSpec {
  std::string path;
  std::vector<std::string> subcommands;
  std::vector<std::string> flags;
  // Flags that take a value: the word after them is not a command or a positional.
  std::vector<std::string> valued;
  // The kind of each positional in order (see PositionalKind).
  std::vector<std::string> positionals;
};

// Where a positional's or a flag value's candidates come from: "scenarios", "runs" and
// "schedules" are asked of the services (`meshproof __complete KIND`), "files" of the
// file system, "shells" are listed, "none" offers nothing.
std::string ValueKind(const std::string& name) {
  static const auto* kinds = new std::map<std::string, std::string>{
      {"scenario", "scenarios"},
      {"name", "scenarios"},
      {"--scenario", "scenarios"},
      {"run", "runs"},
      {"base", "runs"},
      {"head", "runs"},
      {"schedule", "schedules"},
      {"--schedule", "schedules"},
      {"files", "files"},
      {"file", "files"},
      {"--out", "files"},
      {"--config", "files"},
      {"--tls-ca", "files"},
      {"--tls-cert", "files"},
      {"--tls-key", "files"},
      {"--vars-file", "files"},
      {"--token-file", "files"},
      {"shell", "shells"},
  };
  auto it = kinds->find(name);
  return it == kinds->end() ? "none" : it->second;
}

void Collect(const CLI::App& app, const std::string& path, std::vector<CommandSpec>* specs) {
  CommandSpec spec;
  spec.path = path;
  // CLI11 2.1 has no const overload of get_subcommands with a filter.
  const std::vector<CLI::App*> subs = const_cast<CLI::App&>(app).get_subcommands({});
  std::vector<const CLI::App*> visible;
  for (const CLI::App* sub : subs) {
    if (sub->get_group().empty()) continue;  // hidden (`__complete`)
    visible.push_back(sub);
    spec.subcommands.push_back(sub->get_name());
  }
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_lnames().empty() && opt->get_snames().empty()) {
      // `schedule create ID` names a new schedule: offering existing ones would mislead.
      const bool new_name = app.get_name() == "create";
      if (opt->get_positional())
        spec.positionals.push_back(new_name ? "none" : ValueKind(opt->get_name(true)));
      continue;
    }
    for (const std::string& name : opt->get_lnames()) {
      const std::string flag = absl::StrCat("--", name);
      spec.flags.push_back(flag);
      if (opt->get_items_expected_max() > 0) spec.valued.push_back(flag);
    }
  }
  specs->push_back(std::move(spec));
  for (const CLI::App* sub : visible) {
    // Aliases (`schedule get` for `schedule show`) are recognised on the line; only the
    // primary name is offered.
    std::vector<std::string> names = {sub->get_name()};
    for (const std::string& alias : sub->get_aliases()) names.push_back(alias);
    for (const std::string& name : names)
      Collect(*sub, path.empty() ? name : absl::StrCat(path, " ", name), specs);
  }
}

std::vector<CommandSpec> Specs(const CLI::App& app) {
  std::vector<CommandSpec> specs;
  Collect(app, "", &specs);
  return specs;
}

// Every valued flag whose value has a kind, for the "what follows --X" lookup.
std::map<std::string, std::string> FlagKinds(const std::vector<CommandSpec>& specs) {
  std::map<std::string, std::string> kinds;
  for (const CommandSpec& spec : specs) {
    for (const std::string& flag : spec.valued) {
      const std::string kind = ValueKind(flag);
      if (kind != "none") kinds[flag] = kind;
    }
  }
  return kinds;
}

// The flags a user may have typed to reach the services: passed on to `__complete`.
constexpr char kConnectionFlags[] =
    "--scheduler --store --token --token-file --config --tls-ca --tls-server-name --tls-cert "
    "--tls-key --timeout";

// The spec lookup shared by bash and zsh (both scope variables dynamically, so the
// assignments land in the caller's locals). Returns 1 for an unknown path.
std::string ShSpecFunction(const std::vector<CommandSpec>& specs) {
  std::string out = "_meshproof_spec() {\n  case \"$1\" in\n";
  for (const CommandSpec& s : specs) {
    absl::StrAppend(&out, "    \"", s.path, "\") subs=\"", absl::StrJoin(s.subcommands, " "),
                    "\" flags=\"", absl::StrJoin(s.flags, " "), "\" valued=\"",
                    absl::StrJoin(s.valued, " "), "\" pos=\"", absl::StrJoin(s.positionals, " "),
                    "\" ;;\n");
  }
  absl::StrAppend(&out, "    *) return 1 ;;\n  esac\n}\n");
  absl::StrAppend(&out, "_meshproof_flag_kind() {\n  case \"$1\" in\n");
  for (const auto& [flag, kind] : FlagKinds(specs))
    absl::StrAppend(&out, "    ", flag, ") echo ", kind, " ;;\n");
  absl::StrAppend(&out, "    *) echo none ;;\n  esac\n}\n");
  return out;
}

// The walk over the words before the cursor, the same in bash and zsh once `first`,
// `last` and `word` say how to index the words: it finds the command path, counts
// positionals, notes a pending flag value and collects connection flags.
std::string ShWalk(const std::string& first, const std::string& last, const std::string& word) {
  return absl::StrCat("  for (( i = ", first, "; i < ", last,
                      "; i++ )); do\n"
                      "    w=",
                      word,
                      "\n"
                      "    if [[ -n $skip ]]; then\n"
                      "      [[ \" $conn_flags \" == *\" $skip \"* ]] && conn+=(\"$skip\" \"$w\")\n"
                      "      skip=\"\"\n"
                      "      continue\n"
                      "    fi\n"
                      "    if [[ $w == -* ]]; then\n"
                      "      _meshproof_spec \"$cmdpath\"\n"
                      "      if [[ $w == *=* ]]; then\n"
                      "        [[ \" $conn_flags \" == *\" ${w%%=*} \"* ]] && conn+=(\"$w\")\n"
                      "      elif [[ \" $valued \" == *\" $w \"* ]]; then\n"
                      "        skip=$w\n"
                      "      elif [[ $w == --insecure ]]; then\n"
                      "        conn+=(\"$w\")\n"
                      "      fi\n"
                      "      continue\n"
                      "    fi\n"
                      "    candidate=\"${cmdpath:+$cmdpath }$w\"\n"
                      "    if _meshproof_spec \"$candidate\"; then cmdpath=$candidate; npos=0;"
                      " else npos=$(( npos + 1 )); fi\n"
                      "  done\n"
                      "  _meshproof_spec \"$cmdpath\"\n");
}

}  // namespace

std::string BashCompletion(const CLI::App& app) {
  const std::vector<CommandSpec> specs = Specs(app);
  return absl::StrCat(
      "# bash completion for meshproof; load with: source <(meshproof completion bash)\n"
      "# Scenario, run and schedule names come from the services (meshproof __complete).\n",
      ShSpecFunction(specs),
      "_meshproof() {\n"
      "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" self=\"${COMP_WORDS[0]}\"\n"
      "  local cmdpath=\"\" w i skip=\"\" npos=0 candidate kind=none subs flags valued pos\n"
      "  local conn_flags=\"",
      kConnectionFlags,
      "\"\n"
      "  local -a conn=() posl=()\n",
      ShWalk("1", "COMP_CWORD", "${COMP_WORDS[i]}"),
      "  posl=( $pos )\n"
      "  if [[ -n $skip ]]; then\n"
      "    kind=$(_meshproof_flag_kind \"$skip\")\n"
      "  elif [[ $cur == -* ]]; then\n"
      "    COMPREPLY=( $(compgen -W \"$flags\" -- \"$cur\") )\n"
      "    return\n"
      "  elif (( npos < ${#posl[@]} )); then\n"
      "    kind=${posl[npos]}\n"
      "  elif (( ${#posl[@]} > 0 )); then\n"
      "    [[ ${posl[${#posl[@]}-1]} == files ]] && kind=files\n"
      "  elif [[ -n $subs ]]; then\n"
      "    kind=subs\n"
      "  fi\n"
      "  command -v \"$self\" >/dev/null 2>&1 || self=meshproof\n"
      "  case $kind in\n"
      "    subs) COMPREPLY=( $(compgen -W \"$subs\" -- \"$cur\") ) ;;\n"
      "    scenarios|runs|schedules)\n"
      "      COMPREPLY=( $(compgen -W \"$(\"$self\" __complete \"$kind\" \"${conn[@]}\" "
      "2>/dev/null)\" -- \"$cur\") ) ;;\n"
      "    files) COMPREPLY=( $(compgen -f -- \"$cur\") ) ;;\n"
      "    shells) COMPREPLY=( $(compgen -W \"bash zsh fish\" -- \"$cur\") ) ;;\n"
      "    *) COMPREPLY=() ;;\n"
      "  esac\n"
      "}\n"
      "complete -o filenames -F _meshproof meshproof\n");
}

std::string ZshCompletion(const CLI::App& app) {
  const std::vector<CommandSpec> specs = Specs(app);
  return absl::StrCat(
      "#compdef meshproof\n"
      "# zsh completion for meshproof; load with: source <(meshproof completion zsh)\n"
      "# (after compinit), or save it as _meshproof in a folder on $fpath.\n"
      "# Scenario, run and schedule names come from the services (meshproof __complete).\n",
      ShSpecFunction(specs),
      "_meshproof() {\n"
      // `path` is tied to $PATH in zsh: the command path is `cmdpath`.
      "  local cur=\"${words[CURRENT]}\" self=\"${words[1]}\"\n"
      "  local cmdpath=\"\" w skip=\"\" candidate kind=none subs flags valued pos\n"
      "  local -i i npos=0\n"
      "  local conn_flags=\"",
      kConnectionFlags,
      "\"\n"
      "  local -a conn posl names\n",
      ShWalk("2", "CURRENT", "${words[i]}"),
      "  posl=( ${=pos} )\n"
      "  if [[ -n $skip ]]; then\n"
      "    kind=$(_meshproof_flag_kind \"$skip\")\n"
      "  elif [[ $cur == -* ]]; then\n"
      "    compadd -- ${=flags}\n"
      "    return\n"
      "  elif (( npos < ${#posl} )); then\n"
      "    kind=${posl[npos+1]}\n"
      "  elif (( ${#posl} > 0 )); then\n"
      "    [[ ${posl[-1]} == files ]] && kind=files\n"
      "  elif [[ -n $subs ]]; then\n"
      "    kind=subs\n"
      "  fi\n"
      "  (( $+commands[$self] )) || [[ -x $self ]] || self=meshproof\n"
      "  case $kind in\n"
      "    subs) compadd -- ${=subs} ;;\n"
      "    scenarios|runs|schedules)\n"
      "      names=( ${(f)\"$(\"$self\" __complete \"$kind\" \"${conn[@]}\" 2>/dev/null)\"} )\n"
      "      compadd -a names ;;\n"
      "    files) _files ;;\n"
      "    shells) compadd bash zsh fish ;;\n"
      "  esac\n"
      "}\n"
      "if [[ \"${funcstack[1]}\" == _meshproof ]]; then\n"
      "  _meshproof \"$@\"\n"
      "else\n"
      "  compdef _meshproof meshproof\n"
      "fi\n");
}

std::string FishCompletion(const CLI::App& app) {
  const std::vector<CommandSpec> specs = Specs(app);
  std::string spec_fn = "function __meshproof_spec\n  switch \"$argv[1]\"\n";
  for (const CommandSpec& s : specs) {
    absl::StrAppend(&spec_fn, "    case '", s.path, "'\n",  //
                    "      set -g __mp_subs ", absl::StrJoin(s.subcommands, " "), "\n",
                    "      set -g __mp_flags ", absl::StrJoin(s.flags, " "), "\n",
                    "      set -g __mp_valued ", absl::StrJoin(s.valued, " "), "\n",
                    "      set -g __mp_pos ", absl::StrJoin(s.positionals, " "), "\n",
                    // `set` may pass on an earlier status: the found path says so itself.
                    "      return 0\n");
  }
  absl::StrAppend(&spec_fn, "    case '*'\n      return 1\n  end\nend\n");
  std::string kind_fn = "function __meshproof_flag_kind\n  switch \"$argv[1]\"\n";
  for (const auto& [flag, kind] : FlagKinds(specs))
    absl::StrAppend(&kind_fn, "    case '", flag, "'\n      echo ", kind, "\n");
  absl::StrAppend(&kind_fn, "    case '*'\n      echo none\n  end\nend\n");
  return absl::StrCat(
      "# fish completion for meshproof; load with: meshproof completion fish | source\n"
      "# or save it as ~/.config/fish/completions/meshproof.fish.\n"
      "# Scenario, run and schedule names come from the services (meshproof __complete).\n",
      spec_fn, kind_fn,
      "function __meshproof_complete\n"
      "  set -l tokens (commandline -opc)\n"
      "  set -l cur (commandline -ct)\n"
      "  set -l conn_flags ",
      kConnectionFlags,
      "\n"
      "  set -l cmdpath ''\n"
      "  set -l npos 0\n"
      "  set -l skip ''\n"
      "  set -l conn\n"
      "  for w in $tokens[2..-1]\n"
      "    if test -n \"$skip\"\n"
      "      contains -- $skip $conn_flags; and set conn $conn $skip $w\n"
      "      set skip ''\n"
      "      continue\n"
      "    end\n"
      "    if string match -q -- '-*' $w\n"
      "      __meshproof_spec $cmdpath\n"
      "      if string match -q -- '*=*' $w\n"
      "        contains -- (string split -m 1 = -- $w)[1] $conn_flags; and set conn $conn $w\n"
      "      else if contains -- $w $__mp_valued\n"
      "        set skip $w\n"
      "      else if test $w = --insecure\n"
      "        set conn $conn $w\n"
      "      end\n"
      "      continue\n"
      "    end\n"
      "    set -l candidate (string trim -- \"$cmdpath $w\")\n"
      "    if __meshproof_spec $candidate\n"
      "      set cmdpath $candidate\n"
      "      set npos 0\n"
      "    else\n"
      "      set npos (math $npos + 1)\n"
      "    end\n"
      "  end\n"
      "  __meshproof_spec $cmdpath\n"
      "  set -l kind none\n"
      "  if test -n \"$skip\"\n"
      "    set kind (__meshproof_flag_kind $skip)\n"
      "  else if string match -q -- '-*' $cur\n"
      "    printf '%s\\n' $__mp_flags\n"
      "    return\n"
      "  else if test (count $__mp_pos) -gt $npos\n"
      "    set kind $__mp_pos[(math $npos + 1)]\n"
      "  else if test (count $__mp_pos) -gt 0\n"
      "    test \"$__mp_pos[-1]\" = files; and set kind files\n"
      "  else if test (count $__mp_subs) -gt 0\n"
      "    set kind subs\n"
      "  end\n"
      "  set -l self $tokens[1]\n"
      "  command -q $self; or set self meshproof\n"
      "  switch $kind\n"
      "    case subs\n"
      "      printf '%s\\n' $__mp_subs\n"
      "    case scenarios runs schedules\n"
      "      command $self __complete $kind $conn 2>/dev/null\n"
      "    case files\n"
      "      __fish_complete_path $cur\n"
      "    case shells\n"
      "      printf '%s\\n' bash zsh fish\n"
      "  end\n"
      "end\n"
      "complete -c meshproof -f -a '(__meshproof_complete)'\n");
}

void AddCompletionCommand(CLI::App& app, int* exit_code) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("completion", "Print a shell completion script");
  cmd->footer(
      "Examples:\n  source <(meshproof completion bash)\n  source <(meshproof completion zsh)\n"
      "  meshproof completion fish | source");
  cmd->add_option("shell", *shell, "the shell (bash, zsh or fish)")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  CLI::App* root = &app;
  cmd->callback([root, shell, exit_code] {
    const std::string script = *shell == "bash"  ? BashCompletion(*root)
                               : *shell == "zsh" ? ZshCompletion(*root)
                                                 : FishCompletion(*root);
    std::fputs(script.c_str(), stdout);
    *exit_code = kExitOk;
  });
}

}  // namespace meshproof::cli
