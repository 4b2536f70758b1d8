// Loads a scenario file's YAML in one pass of yaml-cpp's parser: the event stream is
// checked for hostile shapes (aliases and anchors, deep nesting, huge event counts,
// several documents) while the same events build the node tree, so the text is
// tokenized once instead of once for the check and again for YAML::Load.
#ifndef MESHPROOF_SERVICES_SCENARIO_CHECKED_YAML_H_
#define MESHPROOF_SERVICES_SCENARIO_CHECKED_YAML_H_

#include <yaml-cpp/yaml.h>

#include <string>

namespace meshproof::scenario {

struct CheckedYaml {
  enum class Problem { kNone, kRefusedShape, kSyntax, kOther };
  // The document's root; an undefined-or-null node for an empty document. Only
  // meaningful when problem is kNone.
  YAML::Node root;
  Problem problem = Problem::kNone;
  // Where the problem was found (yaml-cpp's 0-based line and column), and what it is:
  // for kSyntax yaml-cpp's own message, for kRefusedShape the reason for the refusal.
  YAML::Mark mark = YAML::Mark::null_mark();
  std::string message;
};

// Parses `yaml` (one document) into a node tree, refusing anchors, aliases, nesting
// deeper than kMaxDepth, more than kMaxYamlEvents events and a second document before
// any of them is materialised. Never throws: yaml-cpp's exceptions become kSyntax
// (a YAML::Exception, with its mark) or kOther.
CheckedYaml LoadCheckedYaml(const std::string& yaml);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_CHECKED_YAML_H_
