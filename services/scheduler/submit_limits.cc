#include "services/scheduler/submit_limits.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/labels.h"
#include "services/common/status_macros.h"
#include "services/scenario/limits.h"
#include "services/scenario/vars.h"

namespace meshproof::scheduler {
namespace {

namespace scv1 = meshproof::scenario::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Adds up the size every string of a scenario would have after substitution with the
// declared defaults. A reference without a value counts as written (a run must supply
// it; the run is checked again then). Stops at the first bound crossed.
class ExpansionMeter {
 public:
  explicit ExpansionMeter(const std::map<std::string, std::string>& values) : values_(values) {}

  absl::Status Measure(const Message& message, const std::string& path) {
    const google::protobuf::Reflection* reflection = message.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      // The declared values are not substituted, and the source's text is kept as written.
      if (path.empty() && (field->name() == "vars" || field->name() == "source")) continue;
      const std::string at = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
      if (field->is_repeated()) {
        const int size = reflection->FieldSize(message, field);
        for (int i = 0; i < size; ++i) {
          const std::string item = absl::StrCat(at, "[", i, "]");
          if (field->type() == FieldDescriptor::TYPE_STRING) {
            MP_RETURN_IF_ERROR(Count(reflection->GetRepeatedString(message, field, i), item));
          } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
            MP_RETURN_IF_ERROR(Measure(reflection->GetRepeatedMessage(message, field, i), item));
          }
        }
      } else if (field->type() == FieldDescriptor::TYPE_STRING) {
        MP_RETURN_IF_ERROR(Count(reflection->GetString(message, field), at));
      } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
        MP_RETURN_IF_ERROR(Measure(reflection->GetMessage(message, field), at));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Count(const std::string& text, const std::string& field) {
    size_t length = 0;
    size_t i = 0;
    while (i < text.size()) {
      const size_t open = text.find("${", i);
      if (open == std::string::npos) {
        length += text.size() - i;
        break;
      }
      const size_t close = text.find('}', open + 2);
      if (close == std::string::npos) {
        length += text.size() - i;
        break;
      }
      length += open - i;
      const std::string name = text.substr(open + 2, close - open - 2);
      auto it = values_.find(name);
      length += it == values_.end() ? close - open + 1 : it->second.size();
      if (length > scenario::kMaxStringBytes) {
        return absl::InvalidArgumentError(absl::StrCat(field, ": substituting ${", name,
                                                       "} makes this string longer than ",
                                                       scenario::kMaxStringBytes, " bytes"));
      }
      if (total_ + length > scenario::kMaxExpandedBytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ": substituting ${", name, "} makes the scenario's strings longer than ",
            scenario::kMaxExpandedBytes, " bytes in total; use the variable in fewer places ",
            "or give it a shorter value"));
      }
      i = close + 1;
    }
    total_ += length;
    if (total_ > scenario::kMaxExpandedBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": the scenario's strings are longer than ",
                       scenario::kMaxExpandedBytes, " bytes in total"));
    }
    return absl::OkStatus();
  }

  const std::map<std::string, std::string>& values_;
  size_t total_ = 0;
};

absl::Status CheckVars(const google::protobuf::Map<std::string, std::string>& vars,
                       absl::string_view field) {
  if (vars.size() > scenario::kMaxVars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", scenario::kMaxVars, " variables, got ", vars.size()));
  }
  return scenario::CheckVarValues(std::map<std::string, std::string>(vars.begin(), vars.end()),
                                  field);
}

// Agent names: what the store accepts for a name, printable, no spaces or controls.
constexpr size_t kMaxAgentNameLength = 253;
constexpr int kMaxActiveAssignments = 1000;

absl::Status CheckAgentName(const std::string& value, absl::string_view field, bool required) {
  if (value.empty()) {
    return required ? absl::InvalidArgumentError(absl::StrCat(field, ": is required"))
                    : absl::OkStatus();
  }
  if (value.size() > kMaxAgentNameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxAgentNameLength, " characters, got ", value.size()));
  }
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": must not contain spaces or control characters"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckHello(const v1::Hello& hello) {
  const meshproof::agent::v1::AgentInfo& info = hello.info();
  MP_RETURN_IF_ERROR(CheckAgentName(info.agent_id(), "hello.info.agent_id", true));
  MP_RETURN_IF_ERROR(CheckAgentName(info.cluster(), "hello.info.cluster", false));
  MP_RETURN_IF_ERROR(CheckAgentName(info.namespace_(), "hello.info.namespace", false));
  MP_RETURN_IF_ERROR(CheckAgentName(info.version(), "hello.info.version", false));
  MP_RETURN_IF_ERROR(ValidateLabels(info.labels(), "hello.info.labels"));
  if (hello.active_assignments_size() > kMaxActiveAssignments) {
    return absl::InvalidArgumentError(absl::StrCat("hello.active_assignments: at most ",
                                                   kMaxActiveAssignments, ", got ",
                                                   hello.active_assignments_size()));
  }
  return absl::OkStatus();
}

absl::Status CheckSubmittedScenario(const scv1::Scenario& scenario) {
  MP_RETURN_IF_ERROR(CheckVars(scenario.vars(), "vars"));
  // A stored version is returned to every viewer: a secret may not have a value in it.
  for (int i = 0; i < scenario.secret_vars_size(); ++i) {
    const std::string& name = scenario.secret_vars(i);
    const std::string field = absl::StrCat("secret_vars[", i, "]");
    if (!meshproof::scenario::IsValidVarName(name)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": not a valid variable name"));
    }
    if (scenario.vars().count(name) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", name,
          " is secret, so it cannot have a default in vars; supply it when a run starts"));
    }
  }
  if (scenario.secret_vars_size() > static_cast<int>(meshproof::scenario::kMaxVars)) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret_vars: at most ", meshproof::scenario::kMaxVars, " names"));
  }
  if (scenario.ByteSizeLong() > kMaxAssignmentBytes) {
    return absl::InvalidArgumentError(absl::StrCat("scenario: is ", scenario.ByteSizeLong(),
                                                   " bytes; at most ", kMaxAssignmentBytes,
                                                   " are accepted"));
  }
  const std::map<std::string, std::string> values(scenario.vars().begin(), scenario.vars().end());
  ExpansionMeter meter(values);
  return meter.Measure(scenario, "");
}

absl::Status CheckRunRequest(const v1::StartRunRequest& req) {
  MP_RETURN_IF_ERROR(CheckVars(req.vars(), "vars"));
  if (req.secret_vars_size() > static_cast<int>(scenario::kMaxVars)) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret_vars: at most ", scenario::kMaxVars, " names"));
  }
  return ValidateLabels(req.labels(), "labels");
}

absl::Status CheckScheduleRequest(const v1::CreateScheduleRequest& req) {
  // Five fields of lists and ranges fit easily; the expression is stored and shown.
  constexpr size_t kMaxCronLength = 256;
  if (req.cron().size() > kMaxCronLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("cron: at most ", kMaxCronLength, " characters, got ", req.cron().size()));
  }
  MP_RETURN_IF_ERROR(CheckVars(req.vars(), "vars"));
  if (req.secret_vars_size() > static_cast<int>(scenario::kMaxVars)) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret_vars: at most ", scenario::kMaxVars, " names"));
  }
  return ValidateLabels(req.labels(), "labels");
}

absl::Status CheckAssignmentSize(const scv1::Scenario& substituted) {
  const size_t bytes = substituted.ByteSizeLong();
  if (bytes > kMaxAssignmentBytes) {
    return absl::InvalidArgumentError(absl::StrCat("vars: with these variables the scenario is ",
                                                   bytes, " bytes; an agent accepts at most ",
                                                   kMaxAssignmentBytes));
  }
  return absl::OkStatus();
}

}  // namespace meshproof::scheduler
