// Test helper: checks that a command's `-o yaml` output is the same document as its
// `-o json` output, and that no string in it would read back as another YAML type.
#ifndef MESHPROOF_TESTS_CLI_YAML_MATCHES_JSON_H_
#define MESHPROOF_TESTS_CLI_YAML_MATCHES_JSON_H_

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace meshproof::cli::testing {

// Expects the YAML `node` to hold exactly the JSON `value`: the same maps, lists and
// scalars, and every string written so that a YAML reader takes it for a string (quoted,
// or plain text that no reader would resolve to a bool, null, number or timestamp).
inline void ExpectSameDocument(const YAML::Node& node, const google::protobuf::Value& value,
                               const std::string& path) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStructValue: {
      ASSERT_TRUE(node.IsMap()) << path;
      EXPECT_EQ(node.size(), value.struct_value().fields().size()) << path;
      for (const auto& [key, field] : value.struct_value().fields()) {
        ASSERT_TRUE(node[key].IsDefined()) << path << "." << key;
        ExpectSameDocument(node[key], field, path + "." + key);
      }
      for (const auto& entry : node) {
        // A key that YAML would read as another type must be quoted, like values.
        if (entry.first.Tag() != "!") {
          bool as_bool = false;
          EXPECT_FALSE(YAML::convert<bool>::decode(entry.first, as_bool)) << path;
        }
      }
      break;
    }
    case google::protobuf::Value::kListValue:
      ASSERT_TRUE(node.IsSequence()) << path;
      ASSERT_EQ(node.size(), static_cast<size_t>(value.list_value().values_size())) << path;
      for (int i = 0; i < value.list_value().values_size(); ++i)
        ExpectSameDocument(node[i], value.list_value().values(i), absl::StrCat(path, "[", i, "]"));
      break;
    case google::protobuf::Value::kStringValue: {
      ASSERT_TRUE(node.IsScalar()) << path;
      EXPECT_EQ(node.Scalar(), value.string_value()) << path;
      if (node.Tag() != "!") {  // plain: nothing may read it as another type
        const std::string& text = node.Scalar();
        bool as_bool = false;
        double as_double = 0;
        EXPECT_FALSE(YAML::convert<bool>::decode(node, as_bool)) << path << ": " << text;
        EXPECT_FALSE(YAML::convert<double>::decode(node, as_double)) << path << ": " << text;
        EXPECT_FALSE(text.empty() || text == "~" || absl::AsciiStrToLower(text) == "null") << path;
        EXPECT_FALSE(RE2::PartialMatch(text, R"(^\d{4}-\d\d?-\d\d?)")) << path << ": " << text;
      }
      break;
    }
    case google::protobuf::Value::kNumberValue:
      ASSERT_TRUE(node.IsScalar()) << path;
      EXPECT_EQ(node.Tag(), "?") << path;
      EXPECT_EQ(node.as<double>(), value.number_value()) << path;
      break;
    case google::protobuf::Value::kBoolValue:
      ASSERT_TRUE(node.IsScalar()) << path;
      EXPECT_EQ(node.Tag(), "?") << path;
      EXPECT_EQ(node.as<bool>(), value.bool_value()) << path;
      break;
    default: EXPECT_TRUE(node.IsNull()) << path; break;
  }
}

// Expects `yaml` and `json` (two outputs of one command) to be the same document.
inline void ExpectYamlMatchesJson(const std::string& yaml, const std::string& json) {
  google::protobuf::Value value;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok()) << json;
  YAML::Node node;
  try {
    node = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    FAIL() << e.what() << "\n" << yaml;
  }
  ExpectSameDocument(node, value, "");
}

}  // namespace meshproof::cli::testing

#endif  // MESHPROOF_TESTS_CLI_YAML_MATCHES_JSON_H_
