// Finding enum fields that hold numbers their enum does not define. proto3 keeps such
// numbers as they arrive over gRPC; every service refuses them (INVALID_ARGUMENT) rather
// than guess what a newer or hostile client meant.
#ifndef MESHPROOF_SERVICES_SCENARIO_ENUM_VALUES_H_
#define MESHPROOF_SERVICES_SCENARIO_ENUM_VALUES_H_

#include <google/protobuf/message.h>

#include <functional>
#include <string>

namespace meshproof::scenario {

// Calls `report(field_path, number)` for every enum field of `message`, recursively,
// whose number is not a value of its enum. Paths look like "tests[0].probe.http.x".
void FindUnknownEnumValues(const google::protobuf::Message& message, const std::string& path,
                           const std::function<void(const std::string&, int)>& report);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_ENUM_VALUES_H_
