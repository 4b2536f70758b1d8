#include "services/scenario/yaml_reader.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/time_util.h"
#include "services/scenario/limits.h"
#include "services/scenario/suggest.h"
#include "services/scenario/utf8.h"

namespace meshproof::scenario {

void DiagnosticCollector::AddAt(const YAML::Mark& mark, const std::string& field,
                                std::string message) {
  if (full()) return;
  Diagnostic d;
  d.file = file_;
  if (mark.line >= 0) {
    d.line = mark.line + 1;
    d.column = mark.column + 1;
  }
  d.field = field;
  d.message = std::move(message);
  diagnostics_.push_back(std::move(d));
}

void DiagnosticCollector::AddForField(const std::string& field, std::string message) {
  AddAt(LocationOf(field), field, std::move(message));
}

namespace {

// True when `path` is `prefix` or lies under it ("a.b" under "a", "a[1]" under "a").
bool IsUnder(const std::string& path, const std::string& prefix) {
  if (prefix.empty() || !absl::StartsWith(path, prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

}  // namespace

bool DiagnosticCollector::HasDiagnosticNear(const std::string& field) const {
  for (const Diagnostic& d : diagnostics_) {
    if (IsUnder(field, d.field) || IsUnder(d.field, field)) return true;
  }
  return false;
}

YAML::Mark DiagnosticCollector::LocationOf(const std::string& field) const {
  // Walk up "a.b[2].c" until a recorded path is found.
  std::string path = field;
  while (!path.empty()) {
    auto it = locations_.find(path);
    if (it != locations_.end()) return it->second;
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path = path.substr(0, cut);
  }
  return YAML::Mark::null_mark();
}

void DiagnosticCollector::RecordLocation(const std::string& field, const YAML::Mark& mark) {
  locations_.emplace(field, mark);
}

bool DiagnosticCollector::full() const { return diagnostics_.size() >= kMaxDiagnostics; }

std::vector<Diagnostic> DiagnosticCollector::Take() { return std::move(diagnostics_); }

YamlField::YamlField(YAML::Node node, std::string path, DiagnosticCollector* sink,
                     const VarSubstituter* vars)
    : node_(std::move(node)), path_(std::move(path)), sink_(sink), vars_(vars) {
  if (node_.IsDefined()) sink_->RecordLocation(path_, node_.Mark());
}

YamlField YamlField::Sub(YAML::Node node, std::string path) const {
  return YamlField(std::move(node), std::move(path), sink_, vars_);
}

void YamlField::Error(std::string message) const {
  if (node_.IsDefined()) {
    sink_->AddAt(node_.Mark(), path_, std::move(message));
  } else {
    sink_->AddForField(path_, std::move(message));
  }
}

std::string YamlField::Kind() const {
  if (!node_.IsDefined() || node_.IsNull()) return "nothing";
  if (node_.IsMap()) return "a map";
  if (node_.IsSequence()) return "a list";
  return absl::StrCat("\"", node_.Scalar().substr(0, 40), "\"");
}

bool YamlField::CheckMap(const std::vector<std::string>& allowed) const {
  if (!node_.IsMap()) {
    Error(absl::StrCat("expected a map, got ", Kind()));
    return false;
  }
  if (node_.size() > kMaxListItems) {
    Error(absl::StrCat("has more than ", kMaxListItems, " keys"));
    return false;
  }
  std::map<std::string, YAML::Mark> seen;
  for (const auto& entry : node_) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      sink_->AddAt(key.Mark(), path_, "keys must be plain strings");
      continue;
    }
    const std::string& name = key.Scalar();
    const std::string child_path = path_.empty() ? name : absl::StrCat(path_, ".", name);
    auto [it, inserted] = seen.emplace(name, key.Mark());
    if (!inserted) {
      sink_->AddAt(key.Mark(), child_path,
                   absl::StrCat("duplicate key \"", name, "\" (first defined at ",
                                it->second.line + 1, ":", it->second.column + 1, ")"));
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string message = absl::StrCat("unknown key \"", name, "\"");
      const std::string nearest = NearestWord(name, allowed);
      if (!nearest.empty()) {
        absl::StrAppend(&message, "; did you mean \"", nearest, "\"?");
      } else {
        absl::StrAppend(&message, "; expected one of: ", absl::StrJoin(allowed, ", "));
      }
      sink_->AddAt(key.Mark(), child_path, std::move(message));
    }
  }
  return true;
}

// The node of every absent field. Building a new undefined YAML::Node allocates a node
// pool of its own (five allocations and a set insertion); a parser asks for dozens of
// absent optional fields per test, and that was a fifth of parsing a large scenario.
// Copies share it read-only (a reference count), so threads may share it too.
namespace {
const YAML::Node& Absent() {
  static const YAML::Node* const absent = new YAML::Node(YAML::NodeType::Undefined);
  return *absent;
}
}  // namespace

YamlField YamlField::Child(const std::string& key) const {
  const std::string child_path = path_.empty() ? key : absl::StrCat(path_, ".", key);
  if (!node_.IsMap()) return Sub(Absent(), child_path);
  if (!entries_) {
    auto entries = std::make_shared<std::vector<std::pair<std::string, YAML::Node>>>();
    entries->reserve(node_.size());
    for (const auto& entry : node_) {
      if (entry.first.IsScalar()) entries->emplace_back(entry.first.Scalar(), entry.second);
    }
    entries_ = std::move(entries);
  }
  // The first of duplicate keys, deterministically (operator[] on a const node would
  // also find the key, with no such promise).
  for (const auto& [name, value] : *entries_) {
    if (name == key) return Sub(value, child_path);
  }
  return Sub(Absent(), child_path);
}

bool YamlField::Items(std::vector<YamlField>* items) const {
  items->clear();
  if (!node_.IsSequence()) {
    Error(absl::StrCat("expected a list, got ", Kind()));
    return false;
  }
  if (node_.size() > kMaxListItems) {
    Error(absl::StrCat("has more than ", kMaxListItems, " items"));
    return false;
  }
  size_t index = 0;
  for (const auto& item : node_) {
    items->push_back(Sub(item, absl::StrCat(path_, "[", index++, "]")));
  }
  return true;
}

bool YamlField::Entries(std::vector<std::pair<std::string, YamlField>>* entries) const {
  entries->clear();
  if (!node_.IsMap()) {
    Error(absl::StrCat("expected a map, got ", Kind()));
    return false;
  }
  if (node_.size() > kMaxListItems) {
    Error(absl::StrCat("has more than ", kMaxListItems, " keys"));
    return false;
  }
  std::map<std::string, YAML::Mark> seen;
  bool ok = true;
  for (const auto& entry : node_) {
    if (!entry.first.IsScalar() || entry.first.Scalar().empty()) {
      sink_->AddAt(entry.first.Mark(), path_, "keys must be non-empty plain strings");
      ok = false;
      continue;
    }
    const std::string& key = entry.first.Scalar();
    const std::string child_path = absl::StrCat(path_, ".", key);
    if (auto [it, inserted] = seen.emplace(key, entry.first.Mark()); !inserted) {
      sink_->AddAt(entry.first.Mark(), child_path,
                   absl::StrCat("duplicate key \"", key, "\" (first defined at ",
                                it->second.line + 1, ":", it->second.column + 1, ")"));
      ok = false;
      continue;
    }
    entries->emplace_back(key, Sub(entry.second, child_path));
  }
  return ok;
}

bool YamlField::Scalar(const char* expected, std::string* out) const {
  if (!node_.IsScalar()) {
    Error(absl::StrCat("expected ", expected, ", got ", Kind()));
    return false;
  }
  const std::string& raw = node_.Scalar();
  if (raw.size() > kMaxStringBytes) {
    Error(absl::StrCat("is longer than ", kMaxStringBytes, " bytes"));
    return false;
  }
  std::string error;
  if (!vars_->Substitute(raw, out, &error)) {
    Error(std::move(error));
    return false;
  }
  if (out->size() > kMaxStringBytes) {
    Error(absl::StrCat("is longer than ", kMaxStringBytes, " bytes after substitution"));
    return false;
  }
  // The file was checked whole; a variable's value may still bring bad bytes.
  if (!IsValidUtf8(*out)) {
    Error("is not valid UTF-8 after substitution");
    return false;
  }
  return true;
}

bool YamlField::UnresolvedReference(const std::string& text) const {
  // Checked once the reference has a value: the unsubstituted form keeps the text.
  if (vars_->enabled() || text.find("${") == std::string::npos) return false;
  sink_->NoteTypedReference();
  return true;
}

bool YamlField::String(std::string* out) const { return Scalar("a string", out); }

bool YamlField::Choice(const std::vector<std::string>& allowed, std::string* out) const {
  std::string text;
  if (!NonEmptyString(&text)) return false;
  if (UnresolvedReference(text)) {
    out->clear();
    return true;
  }
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    Error(absl::StrCat("expected ", absl::StrJoin(allowed, ", "), "; got \"", text.substr(0, 40),
                       "\""));
    return false;
  }
  *out = std::move(text);
  return true;
}

bool YamlField::NonEmptyString(std::string* out) const {
  if (!present()) {
    Error("is required and must not be empty");
    return false;
  }
  if (!String(out)) return false;
  if (absl::StripAsciiWhitespace(*out).empty()) {
    Error("must not be empty");
    return false;
  }
  return true;
}

bool YamlField::Int(int64_t min, int64_t max, int64_t* out) const {
  std::string text;
  if (!Scalar("an integer", &text)) return false;
  if (UnresolvedReference(text)) {
    *out = min;
    return true;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    Error(absl::StrCat("expected an integer, got \"", text.substr(0, 40), "\""));
    return false;
  }
  if (value < min || value > max) {
    Error(absl::StrCat("must be between ", min, " and ", max, ", got ", value));
    return false;
  }
  *out = value;
  return true;
}

bool YamlField::Uint(uint32_t min, uint32_t max, uint32_t* out) const {
  int64_t value = 0;
  if (!Int(min, max, &value)) return false;
  *out = static_cast<uint32_t>(value);
  return true;
}

bool YamlField::Bool(bool* out) const {
  std::string text;
  if (!Scalar("true or false", &text)) return false;
  if (UnresolvedReference(text)) {
    *out = false;
    return true;
  }
  if (text == "true") {
    *out = true;
  } else if (text == "false") {
    *out = false;
  } else {
    Error(absl::StrCat("expected true or false, got \"", text.substr(0, 40), "\""));
    return false;
  }
  return true;
}

bool YamlField::Duration(absl::Duration max, google::protobuf::Duration* out) const {
  std::string text;
  if (!Scalar("a duration like 500ms or 2s", &text)) return false;
  if (UnresolvedReference(text)) {
    *out = ToProtoDuration(absl::Seconds(1));
    return true;
  }
  absl::Duration d;
  // A bare number is ambiguous (seconds? milliseconds?): require a unit.
  if (!absl::ParseDuration(text, &d) || text == "0" || absl::ascii_isdigit(text.back())) {
    Error(absl::StrCat("expected a duration like 500ms or 2s, got \"", text.substr(0, 40), "\""));
    return false;
  }
  if (d <= absl::ZeroDuration()) {
    Error(absl::StrCat("must be positive, got \"", text, "\""));
    return false;
  }
  if (d > max) {
    Error(absl::StrCat("must be at most ", absl::FormatDuration(max), ", got \"", text, "\""));
    return false;
  }
  *out = ToProtoDuration(d);
  return true;
}

bool YamlField::StringList(std::vector<std::string>* out) const {
  out->clear();
  std::vector<YamlField> items;
  if (!Items(&items)) return false;
  bool ok = true;
  for (const YamlField& item : items) {
    std::string value;
    if (item.String(&value)) {
      out->push_back(std::move(value));
    } else {
      ok = false;
    }
  }
  return ok;
}

bool YamlField::StringMap(std::map<std::string, std::string>* out) const {
  out->clear();
  std::vector<std::pair<std::string, YamlField>> entries;
  if (!Entries(&entries)) return false;
  bool ok = true;
  for (const auto& [key, value] : entries) {
    std::string text;
    if (value.String(&text)) {
      (*out)[key] = std::move(text);
    } else {
      ok = false;
    }
  }
  return ok;
}

}  // namespace meshproof::scenario
