#include "services/scenario/checked_yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/node/detail/memory.h>
#include <yaml-cpp/node/detail/node.h>

#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/scenario/limits.h"

namespace meshproof::scenario {
namespace {

// Selects the YAML::as_if specialisation below.
struct WrapBuiltNode {};

}  // namespace
}  // namespace meshproof::scenario

// yaml-cpp builds a Node around a detail::node only inside its own (non-public) builder
// and friends; as_if is one of those friends, and this specialisation, keyed on a type
// of ours, does exactly what yaml-cpp's builder does to hand out its root.
template <>
struct YAML::as_if<meshproof::scenario::WrapBuiltNode, meshproof::scenario::WrapBuiltNode> {
  static YAML::Node Wrap(YAML::detail::node& node, YAML::detail::shared_memory_holder memory) {
    return YAML::Node(node, std::move(memory));
  }
};

namespace meshproof::scenario {
namespace {

// Checks each event (the refusals first, so nothing hostile is built) and then builds
// the node it describes, as yaml-cpp's NodeBuilder does for YAML::Load. Anchors and
// aliases are refused, so unlike NodeBuilder it keeps no anchor table.
class CheckingBuilder : public YAML::EventHandler {
 public:
  CheckingBuilder() : memory_(new YAML::detail::memory_holder) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) Fail(mark, "expected one YAML document, found a second one");
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (!Event(mark, anchor)) return;
    YAML::detail::node& node = Push(mark);
    node.set_null();
    Pop();
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    Fail(mark, "YAML aliases (*name) are not supported; write the value out");
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!Event(mark, anchor)) return;
    YAML::detail::node& node = Push(mark);
    node.set_scalar(value);
    node.set_tag(tag);
    Pop();
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    if (!Event(mark, anchor) || !Open(mark)) return;
    YAML::detail::node& node = Push(mark);
    node.set_tag(tag);
    node.set_style(style);
    node.set_type(YAML::NodeType::Sequence);
  }
  void OnSequenceEnd() override {
    --depth_;
    if (!failed_) Pop();
  }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    if (!Event(mark, anchor) || !Open(mark)) return;
    YAML::detail::node& node = Push(mark);
    node.set_type(YAML::NodeType::Map);
    node.set_tag(tag);
    node.set_style(style);
    ++map_depth_;
  }
  void OnMapEnd() override {
    --depth_;
    if (failed_) return;
    --map_depth_;
    Pop();
  }

  bool failed() const { return failed_; }
  const YAML::Mark& mark() const { return mark_; }
  const std::string& message() const { return message_; }
  YAML::Node Root() {
    if (root_ == nullptr) return YAML::Node();
    return YAML::as_if<WrapBuiltNode, WrapBuiltNode>::Wrap(*root_, memory_);
  }

 private:
  // False once the document is refused: nothing more is built.
  bool Event(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) Fail(mark, "YAML anchors (&name) are not supported");
    if (++events_ > kMaxYamlEvents) Fail(mark, "the document is too large");
    // Only the first document is built (a second one is refused at its start).
    return !failed_ && documents_ == 1;
  }
  bool Open(const YAML::Mark& mark) {
    if (++depth_ > kMaxDepth)
      Fail(mark, absl::StrCat("nesting deeper than ", kMaxDepth, " levels"));
    return !failed_;
  }
  void Fail(const YAML::Mark& mark, std::string message) {
    if (failed_) return;
    failed_ = true;
    mark_ = mark;
    message_ = std::move(message);
  }

  YAML::detail::node& Push(const YAML::Mark& mark) {
    YAML::detail::node& node = memory_->create_node();
    node.set_mark(mark);
    // A node directly inside a map, with no key pending, is that key.
    const bool needs_key = !stack_.empty() && stack_.back()->type() == YAML::NodeType::Map &&
                           keys_.size() < map_depth_;
    stack_.push_back(&node);
    if (needs_key) keys_.emplace_back(&node, false);
    return node;
  }
  // Attaches the finished node on top of the stack to its parent (as an item, a key or
  // a value), or makes it the root.
  void Pop() {
    YAML::detail::node& node = *stack_.back();
    stack_.pop_back();
    if (stack_.empty()) {
      root_ = &node;
      return;
    }
    YAML::detail::node& collection = *stack_.back();
    if (collection.type() == YAML::NodeType::Sequence) {
      collection.push_back(node, memory_);
    } else if (collection.type() == YAML::NodeType::Map) {
      std::pair<YAML::detail::node*, bool>& key = keys_.back();
      if (key.second) {
        collection.insert(*key.first, node, memory_);
        keys_.pop_back();
      } else {
        key.second = true;  // the key is complete; its value comes next
      }
    }
  }

  YAML::detail::shared_memory_holder memory_;
  YAML::detail::node* root_ = nullptr;
  std::vector<YAML::detail::node*> stack_;
  // For each open map: its pending key, and whether that key is complete.
  std::vector<std::pair<YAML::detail::node*, bool>> keys_;
  size_t map_depth_ = 0;
  int documents_ = 0;
  int depth_ = 0;
  size_t events_ = 0;
  bool failed_ = false;
  YAML::Mark mark_;
  std::string message_;
};

}  // namespace

CheckedYaml LoadCheckedYaml(const std::string& yaml) {
  CheckedYaml result;
  try {
    std::stringstream stream(yaml);
    YAML::Parser parser(stream);
    CheckingBuilder builder;
    while (!builder.failed() && parser.HandleNextDocument(builder)) {
    }
    if (builder.failed()) {
      result.problem = CheckedYaml::Problem::kRefusedShape;
      result.mark = builder.mark();
      result.message = builder.message();
      return result;
    }
    result.root = builder.Root();
  } catch (const YAML::Exception& e) {
    result.problem = CheckedYaml::Problem::kSyntax;
    result.mark = e.mark;
    result.message = e.msg;
  } catch (const std::exception& e) {
    result.problem = CheckedYaml::Problem::kOther;
    result.message = e.what();
  }
  return result;
}

}  // namespace meshproof::scenario
