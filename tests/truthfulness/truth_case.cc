#include "tests/truthfulness/truth_case.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "meshproof/result/v1/result.pb.h"
#include "services/common/status_macros.h"
#include "services/common/yaml_file.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::truth {
namespace {

namespace rv1 = ::meshproof::result::v1;

// Reads one case file. Every accessor checks the node's type first: yaml-cpp's
// conversions throw, and a wrong type must be a message naming the field.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  absl::Status Error(const YAML::Node& node, const std::string& field,
                     const std::string& message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(YamlWhere(file_, node.Mark()), ": ", field, ": ", message));
  }
  std::string Where(const YAML::Node& node) const { return YamlWhere(file_, node.Mark()); }

  absl::Status CheckKeys(const YAML::Node& map, const std::string& field,
                         const std::set<std::string>& allowed) const {
    if (!map.IsMap()) return Error(map, field, "expected a map");
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (allowed.count(key) == 0) {
        return Error(entry.first, absl::StrCat(field, field.empty() ? "" : ".", key),
                     absl::StrCat("unknown key \"", key, "\"; expected one of ",
                                  absl::StrJoin(allowed, ", ")));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> String(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) return Error(node, field, "expected a string");
    return node.Scalar();
  }

  absl::StatusOr<std::vector<std::string>> Strings(const YAML::Node& node,
                                                   const std::string& field) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) return Error(node, field, "expected a string or a list of strings");
    for (size_t i = 0; i < node.size(); ++i) {
      MP_ASSIGN_OR_RETURN(std::string s, String(node[i], absl::StrCat(field, "[", i, "]")));
      out.push_back(std::move(s));
    }
    return out;
  }

  absl::StatusOr<bool> Bool(const YAML::Node& node, const std::string& field) const {
    if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false"))
      return node.Scalar() == "true";
    return Error(node, field, "expected true or false");
  }

  absl::StatusOr<int> Int(const YAML::Node& node, const std::string& field, int min,
                          int max) const {
    if (node.IsScalar()) {
      int value = 0;
      if (absl::SimpleAtoi(node.Scalar(), &value) && value >= min && value <= max) return value;
    }
    return Error(node, field, absl::StrCat("expected an integer from ", min, " to ", max));
  }

  absl::StatusOr<absl::Duration> Duration(const YAML::Node& node, const std::string& field) const {
    absl::Duration d;
    if (node.IsScalar() && absl::ParseDuration(node.Scalar(), &d) && d > absl::ZeroDuration() &&
        d <= absl::Minutes(1)) {
      return d;
    }
    return Error(node, field, "expected a duration like 500ms or 5s, at most 1m");
  }

  absl::StatusOr<Action> ParseAction(const YAML::Node& node, const std::string& field) const {
    static const std::set<std::string> kKinds = {"append_log", "stop",      "rotate",
                                                 "reopen",     "copy_file", "wait_for_line"};
    std::set<std::string> allowed = kKinds;
    allowed.insert("lab");
    MP_RETURN_IF_ERROR(CheckKeys(node, field, allowed));
    Action action;
    action.where = Where(node);
    std::string kind;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (kKinds.count(key) == 0) continue;
      if (!kind.empty())
        return Error(entry.first, field,
                     absl::StrCat("both ", kind, " and ", key, "; one action per entry"));
      kind = key;
    }
    if (kind.empty())
      return Error(node, field, absl::StrCat("expected one of ", absl::StrJoin(kKinds, ", ")));
    if (node["lab"]) {
      MP_ASSIGN_OR_RETURN(action.lab, Int(node["lab"], field + ".lab", 1, 2));
    }
    const YAML::Node body = node[kind];
    const std::string at = absl::StrCat(field, ".", kind);
    if (kind == "append_log") {
      action.kind = Action::Kind::kAppendLog;
      MP_RETURN_IF_ERROR(CheckKeys(body, at, {"file", "lines"}));
      if (!body["file"] || !body["lines"]) return Error(body, at, "needs file and lines");
      MP_ASSIGN_OR_RETURN(action.file, String(body["file"], at + ".file"));
      MP_ASSIGN_OR_RETURN(action.lines, Strings(body["lines"], at + ".lines"));
    } else if (kind == "stop") {
      action.kind = Action::Kind::kStop;
      if (body.IsMap()) {
        MP_RETURN_IF_ERROR(CheckKeys(body, at, {"port"}));
        if (!body["port"]) return Error(body, at, "expected a component name or {port: PORT}");
        MP_ASSIGN_OR_RETURN(action.port, String(body["port"], at + ".port"));
      } else {
        MP_ASSIGN_OR_RETURN(action.target, String(body, at));
      }
    } else if (kind == "rotate") {
      action.kind = Action::Kind::kRotate;
      MP_ASSIGN_OR_RETURN(action.target, String(body, at));
      if (action.target != "copytruncate" && action.target != "rename") {
        return Error(body, at,
                     absl::StrCat("expected copytruncate or rename, got \"", action.target, "\""));
      }
    } else if (kind == "reopen") {
      action.kind = Action::Kind::kReopen;
      if (!body.IsNull() && !(body.IsMap() && body.size() == 0))
        return Error(body, at, "expected {}");
    } else if (kind == "copy_file") {
      action.kind = Action::Kind::kCopyFile;
      MP_RETURN_IF_ERROR(CheckKeys(body, at, {"from", "to", "by"}));
      if (!body["from"] || !body["to"]) return Error(body, at, "needs from and to");
      MP_ASSIGN_OR_RETURN(action.from, String(body["from"], at + ".from"));
      MP_ASSIGN_OR_RETURN(action.file, String(body["to"], at + ".to"));
      if (body["by"]) {
        MP_ASSIGN_OR_RETURN(std::string by, String(body["by"], at + ".by"));
        if (by != "overwrite" && by != "rename") {
          return Error(body["by"], at + ".by",
                       absl::StrCat("expected overwrite or rename, got \"", by, "\""));
        }
        action.by_rename = by == "rename";
      }
    } else {
      action.kind = Action::Kind::kWaitForLine;
      MP_RETURN_IF_ERROR(CheckKeys(body, at, {"file", "pattern", "timeout"}));
      if (!body["file"] || !body["pattern"]) return Error(body, at, "needs file and pattern");
      MP_ASSIGN_OR_RETURN(action.file, String(body["file"], at + ".file"));
      MP_ASSIGN_OR_RETURN(action.pattern, String(body["pattern"], at + ".pattern"));
      if (body["timeout"]) {
        MP_ASSIGN_OR_RETURN(action.timeout, Duration(body["timeout"], at + ".timeout"));
      }
    }
    return action;
  }

  absl::StatusOr<std::vector<Action>> Actions(const YAML::Node& node,
                                              const std::string& field) const {
    std::vector<Action> out;
    if (!node) return out;
    if (!node.IsSequence()) return Error(node, field, "expected a list of actions");
    for (size_t i = 0; i < node.size(); ++i) {
      MP_ASSIGN_OR_RETURN(Action action, ParseAction(node[i], absl::StrCat(field, "[", i, "]")));
      out.push_back(std::move(action));
    }
    return out;
  }

  absl::StatusOr<std::string> VerdictName(const YAML::Node& node, const std::string& field,
                                          Expectation::Subject subject) const {
    MP_ASSIGN_OR_RETURN(std::string name, String(node, field));
    if (!IsVerdictName(subject, name)) {
      return Error(node, field,
                   absl::StrCat("unknown verdict \"", name, "\"; expected one of ",
                                absl::StrJoin(VerdictNames(subject), ", ")));
    }
    return name;
  }

  absl::StatusOr<Outcome> ParseOutcome(const YAML::Node& node, const std::string& field,
                                       Expectation::Subject subject) const {
    Outcome outcome;
    MP_ASSIGN_OR_RETURN(outcome.verdict, VerdictName(node["verdict"], field + ".verdict", subject));
    if (node["reason_contains"]) {
      MP_ASSIGN_OR_RETURN(outcome.reason_contains,
                          Strings(node["reason_contains"], field + ".reason_contains"));
    }
    if (node["reason_prefix"]) {
      MP_ASSIGN_OR_RETURN(outcome.reason_prefix,
                          String(node["reason_prefix"], field + ".reason_prefix"));
    }
    return outcome;
  }

  absl::StatusOr<Expectation> ParseExpectation(const YAML::Node& node,
                                               const std::string& field) const {
    MP_RETURN_IF_ERROR(CheckKeys(node, field,
                                 {"test", "run", "claim", "verdict", "any_of", "verdict_not",
                                  "reason_contains", "reason_prefix"}));
    Expectation expectation;
    expectation.where = Where(node);
    const int subjects = (node["test"] ? 1 : 0) + (node["run"] ? 1 : 0) + (node["claim"] ? 1 : 0);
    if (subjects != 1)
      return Error(node, field, "needs exactly one of test: NAME, claim: ID or run: VERDICT");
    if (node["run"]) {
      // `run: VERDICT` is the whole expectation, with the optional reason keys.
      if (node["verdict"] || node["any_of"] || node["verdict_not"]) {
        return Error(node, field, "run: VERDICT takes no verdict, any_of or verdict_not");
      }
      expectation.subject = Expectation::Subject::kRun;
      YAML::Node as_outcome = YAML::Clone(node);
      as_outcome.remove("run");
      as_outcome["verdict"] = node["run"];
      MP_ASSIGN_OR_RETURN(Outcome outcome, ParseOutcome(as_outcome, field, expectation.subject));
      expectation.any_of.push_back(std::move(outcome));
      return expectation;
    }
    if (node["claim"]) {
      expectation.subject = Expectation::Subject::kClaim;
      MP_ASSIGN_OR_RETURN(expectation.name, String(node["claim"], field + ".claim"));
    } else {
      MP_ASSIGN_OR_RETURN(expectation.name, String(node["test"], field + ".test"));
    }
    const int forms =
        (node["verdict"] ? 1 : 0) + (node["any_of"] ? 1 : 0) + (node["verdict_not"] ? 1 : 0);
    if (forms != 1)
      return Error(node, field, "needs exactly one of verdict, any_of or verdict_not");
    if ((node["any_of"] || node["verdict_not"]) &&
        (node["reason_contains"] || node["reason_prefix"])) {
      return Error(node, field,
                   "reason_contains and reason_prefix go with verdict (or inside any_of)");
    }
    if (node["verdict_not"]) {
      MP_ASSIGN_OR_RETURN(std::vector<std::string> names,
                          Strings(node["verdict_not"], field + ".verdict_not"));
      for (const std::string& name : names) {
        if (!IsVerdictName(expectation.subject, name)) {
          return Error(node["verdict_not"], field + ".verdict_not",
                       absl::StrCat("unknown verdict \"", name, "\"; expected one of ",
                                    absl::StrJoin(VerdictNames(expectation.subject), ", ")));
        }
      }
      expectation.verdict_not = std::move(names);
      return expectation;
    }
    if (node["any_of"]) {
      const YAML::Node list = node["any_of"];
      if (!list.IsSequence() || list.size() == 0)
        return Error(list, field + ".any_of", "expected a non-empty list");
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string at = absl::StrCat(field, ".any_of[", i, "]");
        MP_RETURN_IF_ERROR(CheckKeys(list[i], at, {"verdict", "reason_contains", "reason_prefix"}));
        if (!list[i]["verdict"]) return Error(list[i], at, "needs verdict");
        MP_ASSIGN_OR_RETURN(Outcome outcome, ParseOutcome(list[i], at, expectation.subject));
        expectation.any_of.push_back(std::move(outcome));
      }
      return expectation;
    }
    MP_ASSIGN_OR_RETURN(Outcome outcome, ParseOutcome(node, field, expectation.subject));
    expectation.any_of.push_back(std::move(outcome));
    return expectation;
  }

  // Reads before, during, scenario and expect of one run from `node`.
  absl::Status ParseRun(const YAML::Node& node, const std::string& prefix, CaseRun* run) const {
    MP_ASSIGN_OR_RETURN(run->before, Actions(node["before"], prefix + "before"));
    MP_ASSIGN_OR_RETURN(run->during, Actions(node["during"], prefix + "during"));
    if (node["scenario"]) {
      MP_ASSIGN_OR_RETURN(run->scenario, String(node["scenario"], prefix + "scenario"));
      // A block scalar starts on the line after its key.
      run->scenario_line = node["scenario"].Mark().line + 2;
    }
    const YAML::Node expect = node["expect"];
    if (!expect || !expect.IsSequence() || expect.size() == 0) {
      return Error(expect ? expect : node, prefix + "expect",
                   "expected a non-empty list of expectations");
    }
    for (size_t i = 0; i < expect.size(); ++i) {
      MP_ASSIGN_OR_RETURN(Expectation e,
                          ParseExpectation(expect[i], absl::StrCat(prefix, "expect[", i, "]")));
      run->expect.push_back(std::move(e));
    }
    return absl::OkStatus();
  }

 private:
  std::string file_;
};

// Columns of indentation of 1-based `line` in `text` (0 when there is no such line).
int IndentOf(const std::string& text, int line) {
  size_t pos = 0;
  for (int i = 1; i < line && pos != std::string::npos; ++i) {
    pos = text.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos) return 0;
  int indent = 0;
  while (pos + indent < text.size() && text[pos + indent] == ' ') ++indent;
  return indent;
}

}  // namespace

std::vector<std::string> VerdictNames(Expectation::Subject subject) {
  // From the result protocol itself, so that a verdict added there can be expected here.
  const google::protobuf::EnumDescriptor* descriptor = nullptr;
  std::string prefix;
  switch (subject) {
    case Expectation::Subject::kTest:
      descriptor = rv1::TestVerdict_descriptor();
      prefix = "TEST_VERDICT_";
      break;
    case Expectation::Subject::kRun:
      descriptor = rv1::RunVerdict_descriptor();
      prefix = "RUN_VERDICT_";
      break;
    case Expectation::Subject::kClaim:
      descriptor = rv1::ClaimVerdict_descriptor();
      prefix = "CLAIM_VERDICT_";
      break;
  }
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const std::string name(absl::StripPrefix(descriptor->value(i)->name(), prefix));
    if (name != "UNSPECIFIED") names.push_back(name);
  }
  return names;
}

bool IsVerdictName(Expectation::Subject subject, const std::string& name) {
  const std::vector<std::string> names = VerdictNames(subject);
  return std::find(names.begin(), names.end(), name) != names.end();
}

absl::StatusOr<TruthCase> ParseTruthCase(const std::string& text, const std::string& file_name) {
  MP_ASSIGN_OR_RETURN(YAML::Node root, ParseYaml(text, file_name));
  Reader r(file_name);
  // yaml-cpp may still throw on a malformed node deep inside; it stops here.
  try {
    MP_RETURN_IF_ERROR(r.CheckKeys(root, "",
                                   {"name", "about", "labs", "lab", "agent", "before", "during",
                                    "scenario", "expect", "runs"}));
    TruthCase c;
    c.file = file_name;
    if (!root["name"]) return r.Error(root, "name", "required");
    MP_ASSIGN_OR_RETURN(c.name, r.String(root["name"], "name"));
    const std::string stem = std::filesystem::path(file_name).stem().string();
    if (c.name != stem) {
      return r.Error(root["name"], "name",
                     absl::StrCat("must equal the file name \"", stem, "\", got \"", c.name, "\""));
    }
    if (!root["about"])
      return r.Error(
          root, "about",
          "required: one line saying what the case perturbs and why the verdict is right");
    MP_ASSIGN_OR_RETURN(c.about, r.String(root["about"], "about"));
    if (root["labs"]) {
      MP_ASSIGN_OR_RETURN(c.labs, r.Int(root["labs"], "labs", 0, 2));
    }
    if (root["lab"]) {
      MP_RETURN_IF_ERROR(r.CheckKeys(root["lab"], "lab", {"args"}));
      if (root["lab"]["args"]) {
        if (!root["lab"]["args"].IsSequence())
          return r.Error(root["lab"]["args"], "lab.args", "expected a list of strings");
        MP_ASSIGN_OR_RETURN(c.lab_args, r.Strings(root["lab"]["args"], "lab.args"));
      }
    }
    if (root["agent"]) {
      MP_RETURN_IF_ERROR(r.CheckKeys(root["agent"], "agent", {"netns"}));
      if (!root["agent"]["netns"]) return r.Error(root["agent"], "agent.netns", "required");
      MP_ASSIGN_OR_RETURN(std::string netns, r.String(root["agent"]["netns"], "agent.netns"));
      if (netns != "mesh") return r.Error(root["agent"]["netns"], "agent.netns", "expected mesh");
      if (c.labs == 0) return r.Error(root["agent"], "agent.netns", "needs a lab (labs: 1 or 2)");
      c.agent_in_mesh_netns = true;
    }
    if (root["runs"]) {
      for (const char* key : {"before", "during", "expect"}) {
        if (root[key]) return r.Error(root[key], key, "with runs:, put it inside each run");
      }
      const YAML::Node runs = root["runs"];
      if (!runs.IsSequence() || runs.size() == 0)
        return r.Error(runs, "runs", "expected a non-empty list");
      for (size_t i = 0; i < runs.size(); ++i) {
        const std::string prefix = absl::StrCat("runs[", i, "].");
        MP_RETURN_IF_ERROR(r.CheckKeys(runs[i], absl::StrCat("runs[", i, "]"),
                                       {"before", "during", "scenario", "expect"}));
        CaseRun run;
        MP_RETURN_IF_ERROR(r.ParseRun(runs[i], prefix, &run));
        if (run.scenario.empty()) {
          if (!root["scenario"])
            return r.Error(runs[i], prefix + "scenario",
                           "required (no top-level scenario to reuse)");
          MP_ASSIGN_OR_RETURN(run.scenario, r.String(root["scenario"], "scenario"));
          run.scenario_line = root["scenario"].Mark().line + 2;
        }
        c.runs.push_back(std::move(run));
      }
    } else {
      CaseRun run;
      MP_RETURN_IF_ERROR(r.ParseRun(root, "", &run));
      if (run.scenario.empty()) return r.Error(root, "scenario", "required");
      c.runs.push_back(std::move(run));
    }
    for (const CaseRun& run : c.runs) {
      for (const auto* list : {&run.before, &run.during}) {
        for (const Action& a : *list) {
          if (a.lab > c.labs) {
            return absl::InvalidArgumentError(
                absl::StrCat(a.where, ": lab: ", a.lab, " but the case has labs: ", c.labs));
          }
        }
      }
    }
    for (CaseRun& run : c.runs) run.scenario_indent = IndentOf(text, run.scenario_line);
    return c;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(YamlWhere(file_name, e.mark), ": ", e.msg));
  }
}

absl::StatusOr<TruthCase> LoadTruthCase(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  return ParseTruthCase(testing::ReadFileOrEmpty(path), path);
}

std::vector<std::string> ListCaseFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace meshproof::truth
