#include "services/scenario/scenario_parser.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/scenario/checked_yaml.h"
#include "services/scenario/content_hash.h"
#include "services/scenario/limits.h"
#include "services/scenario/parser_internal.h"
#include "services/scenario/scenario_validator.h"
#include "services/scenario/secrets.h"
#include "services/scenario/utf8.h"
#include "services/scenario/yaml_reader.h"

namespace meshproof::scenario {
namespace {

namespace v1 = ::meshproof::scenario::v1;
using internal::ProbeKeys;

// True when 0-based line `line` of `text` starts with whitespace that holds a tab.
bool LineIndentedWithTab(absl::string_view text, int line) {
  if (line < 0) return false;
  size_t start = 0;
  for (int i = 0; i < line; ++i) {
    start = text.find('\n', start);
    if (start == absl::string_view::npos) return false;
    ++start;
  }
  for (size_t i = start; i < text.size() && (text[i] == ' ' || text[i] == '\t'); ++i) {
    if (text[i] == '\t') return true;
  }
  return false;
}

const std::vector<std::string>& TopLevelKeys() {
  static const auto* kKeys = new std::vector<std::string>{
      "apiVersion", "kind",     "name",     "description", "team",  "labels",
      "target",     "vars",     "defaults", "preflight",   "setup", "tests",
      "deferred",   "teardown", "claims",   "secrets"};
  return *kKeys;
}

std::vector<std::string> TestKeys(bool deferred) {
  std::vector<std::string> keys = {"name",   "description", "expect", "evidence",
                                   "proves", "claims",      "retry",  "labels"};
  keys.insert(keys.end(), ProbeKeys().begin(), ProbeKeys().end());
  if (deferred) {
    keys.push_back("reason");
    keys.push_back("requires_approval");
  }
  return keys;
}

void ReadTest(const YamlField& field, bool deferred, v1::Test* test) {
  if (!field.CheckMap(TestKeys(deferred))) return;
  std::string text;
  if (field.Child("name").NonEmptyString(&text)) test->set_name(text);
  if (YamlField f = field.Child("description"); f.present() && f.String(&text)) {
    test->set_description(text);
  }
  std::vector<std::string> probe_kinds;
  for (const std::string& kind : ProbeKeys()) {
    if (field.Child(kind).present()) probe_kinds.push_back(kind);
  }
  if (probe_kinds.size() > 1) {
    field.Error(absl::StrCat("expected exactly one probe, found both ", probe_kinds[0], " and ",
                             probe_kinds[1]));
  } else if (probe_kinds.size() == 1) {
    internal::ReadProbe(probe_kinds[0], field.Child(probe_kinds[0]), test->mutable_probe());
  }
  if (YamlField f = field.Child("expect"); f.present()) {
    internal::ReadExpectation(f, test->mutable_expect());
  }
  if (YamlField f = field.Child("evidence"); f.present()) internal::ReadEvidenceList(f, test);
  if (YamlField f = field.Child("proves"); f.present() && f.String(&text)) test->set_proves(text);
  std::vector<std::string> claims;
  if (YamlField f = field.Child("claims"); f.present() && f.StringList(&claims)) {
    for (auto& claim : claims) test->add_claims(claim);
  }
  if (YamlField f = field.Child("retry"); f.present())
    internal::ReadRetry(f, test->mutable_retry());
  std::map<std::string, std::string> labels;
  if (YamlField f = field.Child("labels"); f.present() && f.StringMap(&labels)) {
    test->mutable_labels()->insert(labels.begin(), labels.end());
  }
  if (deferred) {
    v1::Deferral* deferral = test->mutable_deferral();
    if (field.Child("reason").NonEmptyString(&text)) deferral->set_reason(text);
    bool flag = false;
    if (YamlField f = field.Child("requires_approval"); f.present() && f.Bool(&flag)) {
      deferral->set_requires_approval(flag);
    }
  }
}

void ReadTestList(const YamlField& field, bool deferred,
                  google::protobuf::RepeatedPtrField<v1::Test>* tests) {
  std::vector<YamlField> items;
  if (!field.Items(&items)) return;
  for (const YamlField& item : items) ReadTest(item, deferred, tests->Add());
}

void ReadDefaults(const YamlField& field, v1::Defaults* defaults) {
  if (!field.CheckMap({"connect_timeout", "timeout", "retry", "parallelism", "reuse_connections",
                       "evidence_window"})) {
    return;
  }
  if (YamlField f = field.Child("connect_timeout"); f.present()) {
    f.Duration(kMaxTimeout, defaults->mutable_connect_timeout());
  }
  if (YamlField f = field.Child("timeout"); f.present())
    f.Duration(kMaxTimeout, defaults->mutable_timeout());
  if (YamlField f = field.Child("retry"); f.present())
    internal::ReadRetry(f, defaults->mutable_retry());
  uint32_t number = 0;
  if (YamlField f = field.Child("parallelism"); f.present() && f.Uint(1, 64, &number)) {
    defaults->set_parallelism(number);
  }
  bool flag = false;
  if (YamlField f = field.Child("reuse_connections"); f.present() && f.Bool(&flag)) {
    defaults->set_reuse_connections(flag);
  }
  if (YamlField f = field.Child("evidence_window"); f.present()) {
    f.Duration(kMaxEvidenceWindow, defaults->mutable_evidence_window());
  }
}

void ReadTarget(const YamlField& field, v1::Target* target) {
  if (!field.CheckMap({"cluster", "namespace", "agent"})) return;
  std::string text;
  if (YamlField f = field.Child("cluster"); f.present() && f.String(&text))
    target->set_cluster(text);
  if (YamlField f = field.Child("namespace"); f.present() && f.String(&text)) {
    target->set_namespace_(text);
  }
  std::map<std::string, std::string> selector;
  if (YamlField f = field.Child("agent"); f.present() && f.StringMap(&selector)) {
    target->mutable_agent_selector()->insert(selector.begin(), selector.end());
  }
}

void ReadClaims(const YamlField& field, v1::Scenario* scenario) {
  std::vector<YamlField> items;
  if (!field.Items(&items)) return;
  for (const YamlField& item : items) {
    if (!item.CheckMap({"id", "text", "reference", "note"})) continue;
    v1::Claim* claim = scenario->add_claims();
    std::string text;
    if (item.Child("id").NonEmptyString(&text)) claim->set_id(text);
    if (item.Child("text").NonEmptyString(&text)) claim->set_text(text);
    if (YamlField f = item.Child("reference"); f.present() && f.String(&text))
      claim->set_reference(text);
    if (YamlField f = item.Child("note"); f.present() && f.String(&text)) claim->set_note(text);
  }
}

// Reads `vars:` without substitution: the declared defaults. A null value declares a
// variable the caller must supply.
std::map<std::string, std::string> ReadDeclaredVars(const YamlField& field,
                                                    std::vector<std::string>* required) {
  std::map<std::string, std::string> vars;
  std::vector<std::pair<std::string, YamlField>> entries;
  if (!field.Entries(&entries)) return vars;
  for (const auto& [name, value] : entries) {
    if (!IsValidVarName(name)) {
      value.Error(absl::StrCat("\"", name, "\" is not a valid variable name (letters, digits, _)"));
      continue;
    }
    if (!value.present()) {
      required->push_back(name);
      continue;
    }
    if (!value.node().IsScalar()) {
      value.Error(absl::StrCat("expected a string, got ", value.Kind()));
      continue;
    }
    if (value.node().Scalar().size() > kMaxVarValueBytes) {
      value.Error(absl::StrCat("the value is ", value.node().Scalar().size(),
                               " bytes; a variable may hold at most ", kMaxVarValueBytes));
      continue;
    }
    vars[name] = value.node().Scalar();
  }
  if (vars.size() + required->size() > kMaxVars) {
    field.Error(absl::StrCat("at most ", kMaxVars, " variables may be declared"));
  }
  return vars;
}

// Reads `secrets:`, the list of variables whose values are secret. Each must be declared
// under `vars:` with `~`: a default would put the secret in the file, and so in every
// stored version and every listing.
std::set<std::string> ReadSecretNames(const YamlField& field,
                                      const std::map<std::string, std::string>& defaults,
                                      const std::vector<std::string>& required) {
  std::set<std::string> names;
  std::vector<std::string> list;
  if (!field.StringList(&list)) return names;
  for (const std::string& name : list) {
    if (!IsValidVarName(name)) {
      field.Error(absl::StrCat("\"", name.substr(0, 64),
                               "\" is not a valid variable name (letters, digits, _)"));
    } else if (defaults.count(name) > 0) {
      field.Error(absl::StrCat(name,
                               " is secret, so it cannot have a default under vars: (it would be "
                               "stored and shown); declare it with ~ and pass --secret-var ",
                               name, "=VALUE"));
    } else if (std::find(required.begin(), required.end(), name) == required.end()) {
      field.Error(absl::StrCat(name, " is not declared under vars:; declare it there with ~"));
    } else {
      names.insert(name);
    }
  }
  return names;
}

// One pass over the document, with or without substitution.
v1::Scenario ReadScenario(const YAML::Node& root, const ParseOptions& options, bool substitute,
                          DiagnosticCollector* sink) {
  v1::Scenario scenario;
  const VarSubstituter no_vars({}, /*enabled=*/false);
  const YamlField top(root, "", sink, &no_vars);
  if (!top.CheckMap(TopLevelKeys())) return scenario;

  std::vector<std::string> required;
  std::map<std::string, std::string> values;
  if (YamlField f = top.Child("vars"); f.present()) values = ReadDeclaredVars(f, &required);
  std::set<std::string> secret_names;
  if (YamlField f = top.Child("secrets"); f.present()) {
    secret_names = ReadSecretNames(f, values, required);
  }
  // Names the caller marks secret count only for the values of this run, not the version.
  if (substitute) secret_names.insert(options.secret_vars.begin(), options.secret_vars.end());
  for (const std::string& name : secret_names) scenario.add_secret_vars(name);
  // Unsubstituted, `vars` holds the declared defaults: they are part of the content (and
  // so of the version), and SubstituteVars starts from them.
  if (!substitute) scenario.mutable_vars()->insert(values.begin(), values.end());
  for (const auto& [name, value] : options.vars) values[name] = value;
  VarSubstituter vars(values, substitute, std::set<std::string>(required.begin(), required.end()));
  vars.SetExpansionLimits(kMaxStringBytes, kMaxExpandedBytes);
  const YamlField doc(root, "", sink, &vars);
  if (substitute) scenario.mutable_vars()->insert(values.begin(), values.end());

  std::string text;
  if (YamlField f = doc.Child("apiVersion"); !f.present()) {
    f.Error("is required: apiVersion: meshproof/v1");
  } else if (f.String(&text) && text != "meshproof/v1") {
    f.Error(absl::StrCat("expected meshproof/v1, got \"", text.substr(0, 40), "\""));
  }
  if (YamlField f = doc.Child("kind"); !f.present()) {
    f.Error("is required: kind: Scenario");
  } else if (f.String(&text) && text != "Scenario") {
    f.Error(absl::StrCat("expected Scenario, got \"", text.substr(0, 40), "\""));
  }
  if (doc.Child("name").NonEmptyString(&text)) scenario.set_name(text);
  if (YamlField f = doc.Child("description"); f.present() && f.String(&text)) {
    scenario.set_description(text);
  }
  if (YamlField f = doc.Child("team"); f.present() && f.String(&text)) scenario.set_team(text);
  std::map<std::string, std::string> labels;
  if (YamlField f = doc.Child("labels"); f.present() && f.StringMap(&labels)) {
    scenario.mutable_labels()->insert(labels.begin(), labels.end());
  }
  if (YamlField f = doc.Child("target"); f.present()) ReadTarget(f, scenario.mutable_target());
  if (YamlField f = doc.Child("defaults"); f.present())
    ReadDefaults(f, scenario.mutable_defaults());
  if (YamlField f = doc.Child("preflight"); f.present()) {
    ReadTestList(f, false, scenario.mutable_preflight());
  }
  if (YamlField f = doc.Child("setup"); f.present())
    ReadTestList(f, false, scenario.mutable_setup());
  if (YamlField f = doc.Child("tests"); f.present())
    ReadTestList(f, false, scenario.mutable_tests());
  if (YamlField f = doc.Child("deferred"); f.present())
    ReadTestList(f, true, scenario.mutable_tests());
  if (YamlField f = doc.Child("teardown"); f.present()) {
    ReadTestList(f, false, scenario.mutable_teardown());
  }
  if (YamlField f = doc.Child("claims"); f.present()) ReadClaims(f, &scenario);

  CheckScenarioRules(scenario, /*allow_unsubstituted=*/!substitute, [&](const Violation& v) {
    // A field the reader could not read is half-built in the proto; its complaint stands.
    if (sink->HasDiagnosticNear(v.field)) return;
    std::string message = v.message;
    if (!v.first_field.empty()) {
      const YAML::Mark first = sink->LocationOf(v.first_field);
      if (first.line >= 0) {
        absl::StrAppend(&message, " (first defined at ", first.line + 1, ":", first.column + 1,
                        ")");
      } else {
        absl::StrAppend(&message, " (first defined at ", v.first_field, ")");
      }
    }
    sink->AddForField(v.field, std::move(message));
  });
  return scenario;
}

}  // namespace

absl::StatusOr<v1::Scenario> ParseScenario(absl::string_view yaml, const ParseOptions& options,
                                           std::vector<Diagnostic>* diagnostics) {
  std::vector<Diagnostic> found;
  auto finish = [&]() -> absl::Status {
    SortDiagnostics(&found);
    if (diagnostics != nullptr) *diagnostics = found;
    return DiagnosticsToStatus(found);
  };
  auto fail_at = [&](const YAML::Mark& mark, std::string message) {
    Diagnostic d;
    d.file = options.file_name;
    if (mark.line >= 0) {
      d.line = mark.line + 1;
      d.column = mark.column + 1;
    }
    d.message = std::move(message);
    found.push_back(std::move(d));
    return finish();
  };

  if (yaml.size() > kMaxFileBytes) {
    return fail_at(YAML::Mark::null_mark(),
                   absl::StrCat("the file is ", yaml.size(), " bytes; at most ", kMaxFileBytes,
                                " are accepted"));
  }
  if (size_t bad = 0; !IsValidUtf8(yaml, &bad)) {
    // Report the position like yaml-cpp would: 0-based line and column of the byte.
    YAML::Mark mark;
    mark.pos = static_cast<int>(bad);
    mark.line = static_cast<int>(std::count(yaml.begin(), yaml.begin() + bad, '\n'));
    const size_t line_start = yaml.rfind('\n', bad == 0 ? 0 : bad - 1);
    mark.column = static_cast<int>(
        line_start == absl::string_view::npos || bad == 0 ? bad : bad - line_start - 1);
    return fail_at(mark, "the file is not valid UTF-8");
  }
  // One tokenizer pass both refuses hostile shapes and builds the nodes.
  CheckedYaml loaded = LoadCheckedYaml(std::string(yaml));
  switch (loaded.problem) {
    case CheckedYaml::Problem::kNone: break;
    case CheckedYaml::Problem::kRefusedShape:
      return fail_at(loaded.mark, std::move(loaded.message));
    case CheckedYaml::Problem::kSyntax: {
      std::string message = absl::StrCat("YAML syntax error: ", loaded.message);
      // yaml-cpp's message for a tab says nothing about tabs; they are the usual cause.
      if (LineIndentedWithTab(yaml, loaded.mark.line)) {
        absl::StrAppend(&message, " (indent with spaces: YAML does not allow tabs there)");
      }
      return fail_at(loaded.mark, std::move(message));
    }
    case CheckedYaml::Problem::kOther:
      return fail_at(YAML::Mark::null_mark(), absl::StrCat("cannot read YAML: ", loaded.message));
  }
  const YAML::Node& root = loaded.root;
  if (!root.IsDefined() || root.IsNull()) {
    return fail_at(YAML::Mark::null_mark(),
                   "the file is empty; a scenario starts with "
                   "apiVersion: meshproof/v1");
  }

  // The unsubstituted pass defines the version and checks the structure; the
  // substituted pass (when asked) checks final values and reports undefined variables.
  DiagnosticCollector raw_sink(options.file_name);
  v1::Scenario raw;
  try {
    raw = ReadScenario(root, options, /*substitute=*/false, &raw_sink);
  } catch (const std::exception& e) {
    return fail_at(YAML::Mark::null_mark(), absl::StrCat("cannot read YAML: ", e.what()));
  }
  const bool keep_text = raw_sink.saw_typed_reference();
  found = raw_sink.Take();
  if (!found.empty()) return finish();
  // A number, boolean or duration that references a variable holds a placeholder in the
  // unsubstituted form; keep the text so SubstituteVars can parse it with real values.
  if (keep_text) raw.mutable_source()->set_text(std::string(yaml));
  const std::string version = ContentHash(raw);
  v1::Scenario result = std::move(raw);
  if (options.substitute_vars) {
    DiagnosticCollector sink(options.file_name);
    try {
      result = ReadScenario(root, options, /*substitute=*/true, &sink);
    } catch (const std::exception& e) {
      return fail_at(YAML::Mark::null_mark(), absl::StrCat("cannot read YAML: ", e.what()));
    }
    found = sink.Take();
    if (!found.empty()) return finish();
  }
  if (options.substitute_vars) {
    const std::set<std::string> names(result.secret_vars().begin(), result.secret_vars().end());
    MP_RETURN_IF_ERROR(CheckSecretVars(
        std::map<std::string, std::string>(result.vars().begin(), result.vars().end()), names,
        "vars"));
  }
  result.mutable_source()->set_file_name(options.file_name);
  result.mutable_source()->set_content_hash(version);
  if (diagnostics != nullptr) diagnostics->clear();
  return result;
}

namespace {

// True for string fields written as YAML map keys, which are never substituted (the
// parser leaves keys as written, and the proto form must agree).
bool IsYamlKey(const google::protobuf::FieldDescriptor* field) {
  const google::protobuf::Descriptor* owner = field->containing_type();
  return (owner == v1::Header::descriptor() && field->name() == "name") ||
         (owner == v1::HeaderExpectation::descriptor() && field->name() == "name") ||
         (owner == v1::JsonExpectation::descriptor() && field->name() == "path");
}

// Substitutes every string field of `message`, recursively. Reports the first problem
// per field through `report` with a proto field path.
void SubstituteMessage(google::protobuf::Message* message, const VarSubstituter& vars,
                       const std::string& path,
                       const std::function<void(const std::string&, const std::string&)>& report) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (IsYamlKey(field)) continue;
    const std::string field_path =
        path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->is_map()) {
      // Map values are strings everywhere in the scenario model.
      const int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        google::protobuf::Message* entry = reflection->MutableRepeatedMessage(message, field, i);
        const FieldDescriptor* value_field = entry->GetDescriptor()->FindFieldByName("value");
        if (value_field->type() != FieldDescriptor::TYPE_STRING) continue;
        const std::string key = entry->GetReflection()->GetString(
            *entry, entry->GetDescriptor()->FindFieldByName("key"));
        std::string out, error;
        if (!vars.Substitute(entry->GetReflection()->GetString(*entry, value_field), &out,
                             &error)) {
          report(absl::StrCat(field_path, ".", key), error);
        } else {
          entry->GetReflection()->SetString(entry, value_field, out);
        }
      }
      continue;
    }
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        const std::string item_path = absl::StrCat(field_path, "[", i, "]");
        if (field->type() == FieldDescriptor::TYPE_STRING) {
          std::string out, error;
          if (!vars.Substitute(reflection->GetRepeatedString(*message, field, i), &out, &error)) {
            report(item_path, error);
          } else {
            reflection->SetRepeatedString(message, field, i, out);
          }
        } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
          SubstituteMessage(reflection->MutableRepeatedMessage(message, field, i), vars, item_path,
                            report);
        }
      }
      continue;
    }
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      std::string out, error;
      if (!vars.Substitute(reflection->GetString(*message, field), &out, &error)) {
        report(field_path, error);
      } else {
        reflection->SetString(message, field, out);
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      SubstituteMessage(reflection->MutableMessage(message, field), vars, field_path, report);
    }
  }
}

}  // namespace

absl::StatusOr<v1::Scenario> SubstituteVars(const v1::Scenario& scenario,
                                            const std::map<std::string, std::string>& vars) {
  MP_RETURN_IF_ERROR(CheckVarValues(vars, "vars"));
  if (!scenario.source().text().empty()) {
    // Typed fields hold placeholders: the text is the truth. Its declared defaults are
    // the same as scenario.vars, so only the overrides are passed.
    ParseOptions options;
    if (!scenario.source().file_name().empty()) options.file_name = scenario.source().file_name();
    options.vars = vars;
    options.secret_vars.insert(scenario.secret_vars().begin(), scenario.secret_vars().end());
    MP_ASSIGN_OR_RETURN(v1::Scenario result, ParseScenario(scenario.source().text(), options));
    // What callers set after parsing is kept: the owning team and the version.
    if (!scenario.team().empty()) result.set_team(scenario.team());
    *result.mutable_source() = scenario.source();
    result.mutable_source()->clear_text();
    return result;
  }
  std::map<std::string, std::string> values(scenario.vars().begin(), scenario.vars().end());
  MP_RETURN_IF_ERROR(CheckVarValues(values, "scenario.vars"));
  for (const auto& [name, value] : vars) {
    if (!IsValidUtf8(value)) {
      return absl::InvalidArgumentError(absl::StrCat("vars.", name, ": is not valid UTF-8"));
    }
    values[name] = value;
  }
  v1::Scenario result = scenario;
  result.clear_vars();
  result.clear_source();
  std::vector<std::string> problems;
  VarSubstituter substituter(values, /*enabled=*/true);
  substituter.SetExpansionLimits(kMaxStringBytes, kMaxExpandedBytes);
  SubstituteMessage(&result, substituter, "",
                    [&](const std::string& field, const std::string& message) {
                      if (problems.size() < kMaxDiagnostics) {
                        problems.push_back(absl::StrCat(field, ": ", message));
                      }
                    });
  if (!problems.empty()) {
    std::string joined;
    for (const auto& p : problems) absl::StrAppend(&joined, joined.empty() ? "" : "\n", p);
    return absl::InvalidArgumentError(joined);
  }
  MP_RETURN_IF_ERROR(CheckSecretVars(
      values, std::set<std::string>(scenario.secret_vars().begin(), scenario.secret_vars().end()),
      "vars"));
  absl::Status valid = ValidateScenario(result);
  if (!valid.ok()) return valid;
  *result.mutable_source() = scenario.source();
  result.mutable_vars()->insert(values.begin(), values.end());
  return result;
}

}  // namespace meshproof::scenario
