#include "services/scenario/enum_values.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <vector>

#include "absl/strings/str_cat.h"

namespace meshproof::scenario {

void FindUnknownEnumValues(const google::protobuf::Message& message, const std::string& path,
                           const std::function<void(const std::string&, int)>& report) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string at = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->type() == FieldDescriptor::TYPE_ENUM) {
      const google::protobuf::EnumDescriptor* type = field->enum_type();
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          const int number = reflection->GetRepeatedEnumValue(message, field, i);
          if (type->FindValueByNumber(number) == nullptr)
            report(absl::StrCat(at, "[", i, "]"), number);
        }
      } else {
        const int number = reflection->GetEnumValue(message, field);
        if (type->FindValueByNumber(number) == nullptr) report(at, number);
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_map()) continue;  // maps in these contracts hold strings only
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          FindUnknownEnumValues(reflection->GetRepeatedMessage(message, field, i),
                                absl::StrCat(at, "[", i, "]"), report);
        }
      } else {
        FindUnknownEnumValues(reflection->GetMessage(message, field), at, report);
      }
    }
  }
}

}  // namespace meshproof::scenario
