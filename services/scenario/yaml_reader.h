// A strict reader over yaml-cpp nodes: it knows the field path and file position of every
// node, rejects unknown and duplicate keys (suggesting the nearest valid key), checks
// types, substitutes ${VARS} in scalars, and collects diagnostics instead of throwing.
#ifndef MESHPROOF_SERVICES_SCENARIO_YAML_READER_H_
#define MESHPROOF_SERVICES_SCENARIO_YAML_READER_H_

#include <google/protobuf/duration.pb.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "services/scenario/diagnostic.h"
#include "services/scenario/vars.h"

namespace meshproof::scenario {

// Collects diagnostics for one file, and remembers where each field path was read so
// later semantic checks can point at the right line.
class DiagnosticCollector {
 public:
  explicit DiagnosticCollector(std::string file) : file_(std::move(file)) {}

  // Adds a diagnostic at a 0-based yaml-cpp mark (stored 1-based).
  void AddAt(const YAML::Mark& mark, const std::string& field, std::string message);
  // Adds a diagnostic for a field, located where that field (or its nearest recorded
  // parent) was read.
  void AddForField(const std::string& field, std::string message);
  void RecordLocation(const std::string& field, const YAML::Mark& mark);
  // Returns whether a diagnostic was already reported for `field`, one of its parents or
  // one of its children (so a semantic rule does not repeat what the reader said).
  bool HasDiagnosticNear(const std::string& field) const;
  // Returns where `field` (or its nearest recorded parent) was read, or a null mark.
  YAML::Mark LocationOf(const std::string& field) const;

  // Notes that a number, boolean or duration was left as an unsubstituted ${...}
  // reference (its field holds a placeholder until the text is parsed with values).
  void NoteTypedReference() { typed_reference_ = true; }
  bool saw_typed_reference() const { return typed_reference_; }

  bool full() const;
  std::vector<Diagnostic> Take();

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
  std::map<std::string, YAML::Mark> locations_;
  bool typed_reference_ = false;
};

// One node and the path that led to it. Cheap to copy.
class YamlField {
 public:
  YamlField(YAML::Node node, std::string path, DiagnosticCollector* sink,
            const VarSubstituter* vars);

  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  // False when the key was absent from its map.
  bool present() const { return node_.IsDefined() && !node_.IsNull(); }

  // Reports `message` at this node.
  void Error(std::string message) const;

  // Checks that the node is a map whose keys are all in `allowed` and unique. Reports
  // each unknown key with the nearest allowed one. Returns false when not a map.
  bool CheckMap(const std::vector<std::string>& allowed) const;
  // Returns the value of `key` (absent: present() is false). Call CheckMap first.
  YamlField Child(const std::string& key) const;

  // Checks that the node is a list of at most kMaxListItems; returns its items.
  bool Items(std::vector<YamlField>* items) const;
  // Checks that the node is a map of at most kMaxListItems with unique scalar keys;
  // returns its entries in file order (keys are not substituted).
  bool Entries(std::vector<std::pair<std::string, YamlField>>* entries) const;

  // Scalar readers: each reports a typed error and returns false on a mismatch. With
  // substitution disabled, a number, boolean or duration holding a ${...} reference is
  // accepted unchecked, a placeholder is stored (the lowest valid number, false, 1s) and
  // the reference is noted on the collector.
  bool String(std::string* out) const;
  bool NonEmptyString(std::string* out) const;
  // Reads a string that must be one of `allowed` (a variable may choose it: with
  // substitution off a reference is accepted and sets `out` to "").
  bool Choice(const std::vector<std::string>& allowed, std::string* out) const;
  bool Int(int64_t min, int64_t max, int64_t* out) const;
  bool Uint(uint32_t min, uint32_t max, uint32_t* out) const;
  bool Bool(bool* out) const;
  // A duration like "500ms" or "2s": positive and at most `max`.
  bool Duration(absl::Duration max, google::protobuf::Duration* out) const;
  // A list of strings.
  bool StringList(std::vector<std::string>* out) const;
  // A map of string to string (labels, env, selectors).
  bool StringMap(std::map<std::string, std::string>* out) const;

  // Returns "a map", "a list", "a string", "nothing".
  std::string Kind() const;

 private:
  YamlField Sub(YAML::Node node, std::string path) const;
  bool Scalar(const char* expected, std::string* out) const;
  // True when substitution is off and `text` (a typed scalar) holds a reference.
  bool UnresolvedReference(const std::string& text) const;

  YAML::Node node_;
  std::string path_;
  DiagnosticCollector* sink_;
  const VarSubstituter* vars_;
  // A map's entries with scalar keys, in file order, read on the first Child: readers
  // ask for every key they know, and each walk over a yaml-cpp map copies every key and
  // value node (a third of a large scenario's parse). Not shared between threads.
  mutable std::shared_ptr<const std::vector<std::pair<std::string, YAML::Node>>> entries_;
};

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_YAML_READER_H_
